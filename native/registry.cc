// registry.cc — see registry.h.
#include "registry.h"

#include <algorithm>
#include <chrono>
#include <random>

namespace os_mutex {

namespace {
uint32_t make_tag() {
  std::random_device rd;
  uint32_t tag = rd() ^ static_cast<uint32_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());
  return tag & 0x7fffffff;  // a non-negative int32, exact in JavaScript
}
}  // namespace

void LockState::unlock_and_wake() {
  meta[Meta::kOwner].store(kNoOwner, std::memory_order_relaxed);
  mutex.unlock();
  // Store-load ordering against arm()'s fence: either the armer's try sees
  // the mutex free, or this load sees the armer.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (armed_count_.load(std::memory_order_relaxed) != 0) wake_armed();
}

void LockState::wake_armed() {
  // The wake happens under watch_mutex_, so a waker removed by
  // disarm_everywhere() is never called after that returns.
  std::lock_guard<std::mutex> hold(watch_mutex_);
  for (AsyncWaker* waker : armed_) waker->wake(id);
  armed_.clear();
  armed_count_.store(0, std::memory_order_relaxed);
}

void LockState::arm(AsyncWaker* waker) {
  {
    std::lock_guard<std::mutex> hold(watch_mutex_);
    if (std::find(armed_.begin(), armed_.end(), waker) == armed_.end()) {
      armed_.push_back(waker);
      armed_count_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void LockState::disarm(AsyncWaker* waker) {
  std::lock_guard<std::mutex> hold(watch_mutex_);
  auto it = std::find(armed_.begin(), armed_.end(), waker);
  if (it == armed_.end()) return;
  armed_.erase(it);
  armed_count_.fetch_sub(1, std::memory_order_relaxed);
}

Registry::Registry() : tag_(make_tag()) {}

Registry& Registry::instance() {
  static Registry* registry = new Registry();  // never destroyed, see header
  return *registry;
}

LockState* Registry::create(Kind kind) {
  std::lock_guard<std::mutex> hold(mutex_);
  auto* state = new LockState(next_id_++, kind);
  state->refs = 1;
  locks_.emplace(state->id, state);
  return state;
}

LockState* Registry::find_and_ref(uint64_t id, Kind kind) {
  std::lock_guard<std::mutex> hold(mutex_);
  auto it = locks_.find(id);
  if (it == locks_.end() || it->second->kind != kind) return nullptr;
  ++it->second->refs;
  return it->second;
}

void Registry::add_ref(LockState* state) {
  std::lock_guard<std::mutex> hold(mutex_);
  ++state->refs;
}

void Registry::release(LockState* state) {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    if (--state->refs > 0) return;
    locks_.erase(state->id);
  }
  // No reference remains in any thread, so no thread can be waiting on or
  // holding it through this library.
  delete state;
}

int Registry::abandon_all_held_by(int32_t thread_id) {
  std::lock_guard<std::mutex> hold(mutex_);
  int abandoned = 0;
  for (auto& entry : locks_) {
    LockState* state = entry.second;
    if (state->meta[Meta::kOwner].load(std::memory_order_acquire) != thread_id) continue;
    // The same order as a JavaScript release: bookkeeping, then the OS unlock
    // (which publishes it to the next holder).
    state->meta[Meta::kFlags].fetch_or(kFlagAbandoned, std::memory_order_relaxed);
    state->meta[Meta::kCount].store(0, std::memory_order_relaxed);
    state->unlock_and_wake();
    ++abandoned;
  }
  return abandoned;
}

void Registry::disarm_everywhere(AsyncWaker* waker) {
  std::lock_guard<std::mutex> hold(mutex_);
  for (auto& entry : locks_) entry.second->disarm(waker);
}

bool Registry::wait_and_find_cycle(int32_t thread_id, uint64_t id, std::vector<CycleStep>* cycle) {
  std::lock_guard<std::mutex> hold(mutex_);
  waits_[thread_id] = id;
  cycle->clear();
  int32_t thread = thread_id;
  uint64_t lock = id;
  // Each step adds a distinct thread, so the walk is bounded by waits_.size().
  for (size_t steps = 0; steps <= waits_.size(); ++steps) {
    auto found = locks_.find(lock);
    if (found == locks_.end()) return false;
    LockState* state = found->second;
    cycle->push_back({thread, lock, state->kind});
    int32_t owner = state->meta[Meta::kOwner].load(std::memory_order_acquire);
    if (owner == kNoOwner) return false;
    if (owner == thread_id) {
      // The caller cannot be waiting for a lock it holds itself (it has just
      // failed to take it): a first-step "cycle" is a stale owner word.
      if (cycle->size() == 1) return false;
      waits_.erase(thread_id);
      return true;
    }
    for (const CycleStep& step : *cycle) {
      if (step.thread_id == owner) return false;  // a loop not through the caller, or a stale step
    }
    auto next = waits_.find(owner);
    if (next == waits_.end()) return false;
    thread = owner;
    lock = next->second;
  }
  return false;
}

void Registry::end_wait(int32_t thread_id) {
  std::lock_guard<std::mutex> hold(mutex_);
  waits_.erase(thread_id);
}

size_t Registry::size() {
  std::lock_guard<std::mutex> hold(mutex_);
  return locks_.size();
}

}  // namespace os_mutex
