// lock_table.cc — LockTable (see lock_table.h).
#include "core/lock_table.h"

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

LockTable::LockTable() : tag_(make_tag()) {}

LockTable& LockTable::instance() {
  static LockTable* table = new LockTable();  // never destroyed, see header
  return *table;
}

LockState* LockTable::create(int32_t kind, SharedWord* words) {
  std::lock_guard<std::mutex> hold(mutex_);
  auto* state = new LockState(next_id_++, kind, words);
  state->refs_ = 1;
  locks_.emplace(state->id, state);
  return state;
}

LockState* LockTable::find_and_ref(uint64_t id, int32_t kind, const void* words) {
  std::lock_guard<std::mutex> hold(mutex_);
  auto it = locks_.find(id);
  if (it == locks_.end()) return nullptr;
  LockState* state = it->second;
  if (state->kind != kind || static_cast<const void*>(state->words) != words) return nullptr;
  ++state->refs_;
  return state;
}

void LockTable::add_ref(LockState* state) {
  std::lock_guard<std::mutex> hold(mutex_);
  ++state->refs_;
}

void LockTable::release(LockState* state) {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    if (--state->refs_ > 0) return;
    locks_.erase(state->id);
  }
  // No reference remains in any thread, so no thread can be waiting on,
  // holding, or walking to it through this library.
  delete state;
}

size_t LockTable::size() {
  std::lock_guard<std::mutex> hold(mutex_);
  return locks_.size();
}

}  // namespace os_mutex
