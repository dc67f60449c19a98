// wake_list.cc — WakeList (see wake_list.h).
#include "core/wake_list.h"

#include <algorithm>

namespace os_mutex {

WakeList::~WakeList() { delete armed_.load(std::memory_order_acquire); }

WakeList::Armed* WakeList::made() {
  Armed* armed = armed_.load(std::memory_order_acquire);
  if (armed != nullptr) return armed;
  auto* fresh = new Armed();
  if (armed_.compare_exchange_strong(armed, fresh, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
    return fresh;
  }
  delete fresh;  // another thread installed one first: `armed` is it
  return armed;
}

void WakeList::arm(AsyncWaker* waker) {
  {
    Armed* armed = made();
    std::lock_guard<std::mutex> hold(armed->mutex);
    if (std::find(armed->wakers.begin(), armed->wakers.end(), waker) == armed->wakers.end()) {
      armed->wakers.push_back(waker);
      armed_count_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void WakeList::disarm(AsyncWaker* waker) {
  Armed* armed = armed_.load(std::memory_order_acquire);
  if (armed == nullptr) return;  // never armed
  std::lock_guard<std::mutex> hold(armed->mutex);
  auto it = std::find(armed->wakers.begin(), armed->wakers.end(), waker);
  if (it == armed->wakers.end()) return;
  armed->wakers.erase(it);
  armed_count_.fetch_sub(1, std::memory_order_relaxed);
}

void WakeList::wake_after_unlock(uint64_t id) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (armed_count_.load(std::memory_order_relaxed) != 0) wake_all(id);
}

void WakeList::wake_all(uint64_t id) {
  // When a wake is owed (the armer's fence precedes this thread's in the
  // seq_cst order), the armer's store of armed_ precedes its fence, so it is
  // visible here; a null read means nobody armed in time to be owed one.
  Armed* armed = armed_.load(std::memory_order_acquire);
  if (armed == nullptr) return;
  // Under the mutex, so a waker that disarm() removed is never called after
  // disarm() returns.
  std::lock_guard<std::mutex> hold(armed->mutex);
  for (AsyncWaker* waker : armed->wakers) waker->wake(id);
  armed->wakers.clear();
  armed_count_.store(0, std::memory_order_relaxed);
}

}  // namespace os_mutex
