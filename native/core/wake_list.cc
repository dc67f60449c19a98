// wake_list.cc — WakeList (see wake_list.h).
#include "core/wake_list.h"

#include <algorithm>

namespace os_mutex {

void WakeList::arm(AsyncWaker* waker) {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    if (std::find(armed_.begin(), armed_.end(), waker) == armed_.end()) {
      armed_.push_back(waker);
      armed_count_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void WakeList::disarm(AsyncWaker* waker) {
  std::lock_guard<std::mutex> hold(mutex_);
  auto it = std::find(armed_.begin(), armed_.end(), waker);
  if (it == armed_.end()) return;
  armed_.erase(it);
  armed_count_.fetch_sub(1, std::memory_order_relaxed);
}

void WakeList::wake_after_unlock(uint64_t id) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (armed_count_.load(std::memory_order_relaxed) != 0) wake_all(id);
}

void WakeList::wake_all(uint64_t id) {
  // Under mutex_, so a waker that disarm() removed is never called after
  // disarm() returns.
  std::lock_guard<std::mutex> hold(mutex_);
  for (AsyncWaker* waker : armed_) waker->wake(id);
  armed_.clear();
  armed_count_.store(0, std::memory_order_relaxed);
}

}  // namespace os_mutex
