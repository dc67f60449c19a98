// registry.h — the process-wide table of native locks.
//
// Defines:
//   os_mutex::Kind       plain or recursive (a handle names one; from() checks it)
//   os_mutex::Meta       indices of the words JavaScript shares with C++
//   os_mutex::LockState  one OS mutex plus its shared words and reference count
//   os_mutex::Registry   id -> LockState, reference counting, owner-death sweep
//
// Every JavaScript object that refers to a lock (in any thread) holds one
// reference; the LockState is erased and freed when the last is finalized.
// Ids come from a 64-bit counter and are never reused, so a stale handle can
// only miss, never find another lock. Every method is thread-safe; none throws.
#ifndef OS_MUTEX_REGISTRY_H_
#define OS_MUTEX_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "os_mutex.h"

namespace os_mutex {

enum class Kind : int32_t { kMutex = 1, kRecursive = 2 };

// Words shared with JavaScript through an Int32Array view (lib/native.ts reads
// the same indices). OWNER is a Node threadId (main thread 0) or kNoOwner.
// The holder writes OWNER and COUNT while holding the mutex; other threads
// only read them (diagnostics, and the holder's own self-check).
namespace Meta {
constexpr int kOwner = 0;
constexpr int kCount = 1;
constexpr int kFlags = 2;
constexpr int kWords = 4;
}  // namespace Meta
constexpr int32_t kNoOwner = -1;
constexpr int32_t kFlagAbandoned = 1;  // previous holder died holding the lock

// Something to tell, from any thread, that lock `id` was released: a thread
// with async acquisitions pending (addon.cc's EnvState queues a call onto its
// event loop). wake() must not block and must not call back into LockState.
class AsyncWaker {
 public:
  virtual void wake(uint64_t id) = 0;

 protected:
  ~AsyncWaker() = default;
};

struct LockState {
  LockState(uint64_t id_, Kind kind_) : id(id_), kind(kind_) {
    meta[Meta::kOwner].store(kNoOwner, std::memory_order_relaxed);
    for (int i = 1; i < Meta::kWords; ++i) meta[i].store(0, std::memory_order_relaxed);
  }
  const uint64_t id;
  const Kind kind;
  OsMutex mutex;
  // Viewed from JavaScript as an Int32Array over this very memory.
  std::atomic<int32_t> meta[Meta::kWords];
  int refs = 0;  // guarded by Registry::mutex_

  // Never blocks. Clears OWNER, releases the OS mutex, then wakes every armed
  // waker once. Precondition: the calling thread holds the mutex.
  void unlock_and_wake();

  // Async waiting: arm(w) asks for one w->wake(id) after the next unlock.
  // The caller arms first and tries the lock after (the fence in arm() and
  // the one in unlock_and_wake() order the two), so a release between the
  // two cannot be missed. Never block beyond watch_mutex.
  void arm(AsyncWaker* waker);
  void disarm(AsyncWaker* waker);

 private:
  void wake_armed();
  std::mutex watch_mutex_;
  std::vector<AsyncWaker*> armed_;    // guarded by watch_mutex_
  std::atomic<int> armed_count_{0};   // armed_.size(), readable without the lock
};
static_assert(sizeof(std::atomic<int32_t>) == sizeof(int32_t) &&
                  std::atomic<int32_t>::is_always_lock_free,
              "meta words must be plain lock-free int32 for an Int32Array view");

class Registry {
 public:
  // The one registry of this process. Intentionally never destroyed: worker
  // threads may still release references while the process exits.
  static Registry& instance();

  // A new lock with one reference.
  LockState* create(Kind kind);
  // Adds a reference to lock `id` of `kind`; null when no such lock exists
  // (never created, or freed) or it is of the other kind.
  LockState* find_and_ref(uint64_t id, Kind kind);
  void add_ref(LockState* state);
  // Drops a reference; the last one erases and frees the lock.
  void release(LockState* state);

  // Owner death: every lock whose OWNER is `thread_id` is released (a
  // recursive one fully) and flagged abandoned. Must run on the thread that
  // holds them (the dying worker's own thread, in its cleanup hook), since an
  // OS mutex may only be unlocked by its holder. Returns how many.
  int abandon_all_held_by(int32_t thread_id);

  // Removes `waker` from every lock's armed list: after this returns, no
  // thread will call it again (a dying environment calls this first).
  void disarm_everywhere(AsyncWaker* waker);

  // Deadlock detection, for waits without a timeout. wait_and_find_cycle()
  // records that `thread_id` waits for lock `id` and follows the wait-for
  // chain from there (lock -> its OWNER -> the lock that owner waits for ...).
  // When the chain comes back to `thread_id`, that is a cycle no waiter can
  // leave: it returns true with `cycle` = (thread, lock id, kind) for each
  // step, starting with the caller, and forgets the caller's wait, so only
  // one member of a cycle reports it. Every thread in a reported cycle is
  // blocked in an untimed wait, so the owners read on the way cannot change
  // while the check runs: a reported cycle exists. A chain that ends (a free
  // lock, an owner that does not wait) or loops without the caller is no
  // report. Never blocks beyond the registry's lock.
  struct CycleStep {
    int32_t thread_id;
    uint64_t lock_id;
    Kind kind;
  };
  bool wait_and_find_cycle(int32_t thread_id, uint64_t id, std::vector<CycleStep>* cycle);
  // The thread no longer waits (it got the lock, gave up, or is exiting).
  void end_wait(int32_t thread_id);

  size_t size();
  // Random per-process tag carried in handles: a handle made by another copy
  // of this addon (another registry) is rejected instead of misread.
  uint32_t tag() const { return tag_; }

 private:
  Registry();
  std::mutex mutex_;
  std::unordered_map<uint64_t, LockState*> locks_;
  std::unordered_map<int32_t, uint64_t> waits_;  // thread -> lock it waits for, untimed
  uint64_t next_id_ = 1;
  const uint32_t tag_;
};

}  // namespace os_mutex

#endif  // OS_MUTEX_REGISTRY_H_
