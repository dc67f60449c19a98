// lock_state.h — one native lock.
//
// Defines:
//   os_mutex::SharedWords  how C++ sees the int32 words a lock shares with
//                          JavaScript (contract.h's kMeta* indices)
//   os_mutex::LockState    an OS mutex + a pointer to its shared words + the
//                          async wakers armed on it
//
// The shared words (OWNER, COUNT, FLAGS; contract::kMetaWords of them) are
// NOT owned by the LockState: they live in a SharedArrayBuffer that
// JavaScript allocated. OWNER is a Node threadId (main thread 0) or
// contract::kNoOwner; it is written here by the thread that takes or releases
// the OS mutex, and read by anyone; C++ decides on its own record (owner()). COUNT and FLAGS are written by the
// holder (the TypeScript layer, and owner death here).
//
// LIFETIME INVARIANT. A LockState must never outlive the memory of its words.
// Every holder of a LockState reference (lock_table.h) either holds its own
// strong reference to a JavaScript value that keeps that memory alive (an
// environment's lock entry, napi/env_state.h), or is the wait graph / lock
// table relying on a reference held by such a holder (wait_graph.h). The
// holder releases its LockState reference BEFORE its strong reference to the
// words. So whenever some thread can reach a LockState, its words are alive.
//
// Nothing here throws.
#ifndef OS_MUTEX_CORE_LOCK_STATE_H_
#define OS_MUTEX_CORE_LOCK_STATE_H_

#include <atomic>
#include <cstdint>

#include "core/wake_list.h"
#include "include/contract.h"
#include "platform/os_mutex.h"

namespace os_mutex {

// A shared word viewed from C++. JavaScript sees the same memory as an
// Int32Array; std::atomic<int32_t> is a plain, lock-free int32 (asserted), so
// the two views agree (this is the usual reading of Int32Array + C++
// atomics; C++17 has no atomic_ref).
using SharedWord = std::atomic<int32_t>;
static_assert(sizeof(SharedWord) == sizeof(int32_t) && SharedWord::is_always_lock_free,
              "shared words must be plain lock-free int32 for an Int32Array view");

class LockTable;

class LockState {
 public:
  // `words` points at contract::kMetaWords shared words that outlive this
  // object (see the invariant above). `kind` is contract::kKindMutex or
  // kKindRecursive. Does not touch the words. Normally made by LockTable;
  // tests may make one directly.
  LockState(uint64_t id, int32_t kind, SharedWord* words) : id(id), kind(kind), words(words) {}
  LockState(const LockState&) = delete;
  LockState& operator=(const LockState&) = delete;

  const uint64_t id;    // never reused in this process (LockTable)
  const int32_t kind;   // contract::kKindMutex or kKindRecursive
  SharedWord* const words;
  OsMutex mutex;
  WakeList wakers;

  // The holder's thread id, or contract::kNoOwner: this object's own record.
  // The OWNER shared word mirrors it for JavaScript, which can write that
  // word (it is in the handle's SharedArrayBuffer): every decision here
  // (unlock, owner death, the self-deadlock check, wait cycles) reads this
  // record instead, so a forged OWNER word can never make this code unlock
  // an OS mutex the caller does not hold (undefined behaviour for POSIX, a
  // fatal exception for SRWLOCK). Never blocks.
  int32_t owner() const { return holder_.load(std::memory_order_acquire); }

  // Never blocks. True when the calling thread now holds the OS mutex; OWNER
  // is then `thread_id`. Precondition: `thread_id` is the caller's.
  // A caller that already holds it gets false (the OS mutex is not
  // recursive and try_lock never deadlocks).
  bool try_lock(int32_t thread_id) {
    if (!mutex.try_lock()) return false;
    holder_.store(thread_id, std::memory_order_relaxed);
    words[contract::kMetaOwner].store(thread_id, std::memory_order_relaxed);
    return true;
  }

  // BLOCKS the calling thread until it holds the OS mutex (true; OWNER is
  // then `thread_id`) or `deadline` passes on the monotonic clock (false).
  // A caller whose id is already OWNER gets false at once instead of a
  // self-deadlock. Precondition: `thread_id` is the caller's.
  bool lock_until(int32_t thread_id, Clock::time_point deadline) {
    if (owner() == thread_id) return false;
    if (!mutex.lock_until(deadline)) return false;
    holder_.store(thread_id, std::memory_order_relaxed);
    words[contract::kMetaOwner].store(thread_id, std::memory_order_relaxed);
    return true;
  }

  // Never blocks (beyond the wake list's short mutex, and the OS's short
  // internal lock where timed waits use a condition variable). Clears
  // OWNER, releases the OS mutex, then wakes every armed waker once. Cost on
  // the uncontended path: the OS unlock, a seq_cst fence and one relaxed
  // load (WakeList::wake_after_unlock). Precondition: the calling thread
  // holds the OS mutex; unlocking a mutex it does not hold is undefined for
  // the OS, so callers check owner() first.
  void unlock_and_wake() {
    words[contract::kMetaOwner].store(contract::kNoOwner, std::memory_order_relaxed);
    holder_.store(contract::kNoOwner, std::memory_order_relaxed);
    mutex.unlock();
    wakers.wake_after_unlock(id);
  }

 private:
  friend class LockTable;
  int refs_ = 0;  // guarded by the owning LockTable's mutex
  // See owner(). Written by the holder while it holds the OS mutex.
  std::atomic<int32_t> holder_{contract::kNoOwner};
};

}  // namespace os_mutex

#endif  // OS_MUTEX_CORE_LOCK_STATE_H_
