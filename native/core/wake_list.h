// wake_list.h — the async wakers armed on one lock.
//
// Defines:
//   os_mutex::AsyncWaker  something to tell, from any thread, that a lock was
//                         released (napi/env_state.h's EnvState queues a call
//                         onto its event loop)
//   os_mutex::WakeList    the wakers armed on one lock: arm / disarm /
//                         wake_after_unlock, with its own mutex
//
// Most locks never see an async waiter, so the mutex and the list are made
// by the first arm() and freed with the WakeList: an unarmed list is one
// pointer and one counter (16 bytes instead of ~72 on Linux).
//
// Thread-safe; nothing here throws.
#ifndef OS_MUTEX_CORE_WAKE_LIST_H_
#define OS_MUTEX_CORE_WAKE_LIST_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace os_mutex {

class AsyncWaker {
 public:
  // Called from any thread, under the WakeList's mutex. Must not block and
  // must not call back into the WakeList or the lock.
  virtual void wake(uint64_t id) = 0;

 protected:
  ~AsyncWaker() = default;
};

class WakeList {
 public:
  WakeList() = default;
  ~WakeList();  // precondition: no thread uses the list any more
  WakeList(const WakeList&) = delete;
  WakeList& operator=(const WakeList&) = delete;

  // Asks for one waker->wake(id) after the next wake_after_unlock(). Arming
  // an armed waker again changes nothing (still one wake). Blocks only on
  // this list's short mutex. Ends with a seq_cst fence: the caller arms
  // FIRST and tries the lock AFTER, so a release between the two cannot be
  // missed (see wake_after_unlock). Precondition: `waker` stays valid until
  // it is woken or disarmed. The first arm() of a list allocates its
  // mutex and vector (as the vector's growth does, it may throw
  // std::bad_alloc when memory runs out).
  void arm(AsyncWaker* waker);

  // Cancels arm(waker); a waker not armed is ignored. Blocks only on this
  // list's short mutex. After it returns, no thread calls waker->wake()
  // through this list (wakes run under the same mutex).
  void disarm(AsyncWaker* waker);

  // For the releasing thread, right after the OS unlock: a seq_cst fence
  // (store-load ordering against arm()'s fence: either the armer's try sees
  // the lock free, or this sees the armer), one relaxed load of the armed
  // count and, only when wakers are armed, wakes every one once under the
  // mutex and forgets them. Never blocks beyond this list's mutex.
  void wake_after_unlock(uint64_t id);

  // Whether any waker is armed; a relaxed snapshot, for tests.
  bool armed() const { return armed_count_.load(std::memory_order_relaxed) != 0; }

 private:
  struct Armed {
    std::mutex mutex;
    std::vector<AsyncWaker*> wakers;  // guarded by mutex
  };
  // The list's Armed, made now if it has none yet (installed once, with a
  // compare-exchange: never replaced, never freed before ~WakeList).
  Armed* made();
  void wake_all(uint64_t id);
  std::atomic<Armed*> armed_{nullptr};
  std::atomic<int> armed_count_{0};  // armed_->wakers.size(), readable without the mutex
};

}  // namespace os_mutex

#endif  // OS_MUTEX_CORE_WAKE_LIST_H_
