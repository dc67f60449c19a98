// lock_table.h — the process-wide table of native locks.
//
// Defines:
//   os_mutex::LockTable  id -> LockState, reference counts, never-reused ids,
//                        the per-process tag; its own mutex
//
// Each reference belongs to one holder (napi/env_state.h: an environment's
// lock entry); the LockState is erased and freed when the last is released.
// Ids come from a 64-bit counter and are never reused, so a stale handle can
// only miss, never find another lock. Every method is thread-safe, blocks
// only on the table's short mutex, and never throws. See lock_state.h for the
// lifetime invariant every holder keeps.
#ifndef OS_MUTEX_CORE_LOCK_TABLE_H_
#define OS_MUTEX_CORE_LOCK_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "core/lock_state.h"

namespace os_mutex {

class LockTable {
 public:
  // The table of this process. Intentionally never destroyed: worker threads
  // may still release references while the process exits.
  static LockTable& instance();

  // A separate table (tests). The process's own is instance().
  LockTable();
  LockTable(const LockTable&) = delete;
  LockTable& operator=(const LockTable&) = delete;
  // Precondition: no references remain (leaked LockStates are not freed).
  ~LockTable() = default;

  // A new lock over `words`, with one reference for the caller. The words
  // are not read or written. Precondition: `words` stays alive while the
  // lock is (lock_state.h); `kind` is contract::kKindMutex or kKindRecursive.
  LockState* create(int32_t kind, SharedWord* words);

  // Adds a reference to the live lock `id` when it is of `kind` and its
  // words are at `words`; null otherwise (never created, freed, other kind,
  // other memory). `words` is only compared, never dereferenced.
  LockState* find_and_ref(uint64_t id, int32_t kind, const void* words);

  // Adds a reference. Precondition: the caller already holds one.
  void add_ref(LockState* state);

  // Drops one reference; the last one erases and frees the lock.
  // Precondition: the caller holds that reference and nobody holds the OS
  // mutex through it any more (a held lock is never freed by this library:
  // an entry whose lock its thread holds is kept until owner death).
  void release(LockState* state);

  // Live locks in this table.
  size_t size();

  // Random per-process tag (a non-negative int32) carried in handles: a
  // handle made by another copy of this addon (another table) is rejected
  // instead of misread.
  uint32_t tag() const { return tag_; }

 private:
  std::mutex mutex_;
  std::unordered_map<uint64_t, LockState*> locks_;  // guarded by mutex_
  uint64_t next_id_ = 1;                            // guarded by mutex_
  const uint32_t tag_;
};

}  // namespace os_mutex

#endif  // OS_MUTEX_CORE_LOCK_TABLE_H_
