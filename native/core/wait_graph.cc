// wait_graph.cc — WaitGraph (see wait_graph.h).
#include "core/wait_graph.h"

namespace os_mutex {

WaitGraph& WaitGraph::instance() {
  static WaitGraph* graph = new WaitGraph();  // never destroyed, see header
  return *graph;
}

bool WaitGraph::wait_and_find_cycle(int32_t thread_id, LockState* lock,
                                    std::vector<CycleStep>* cycle) {
  std::lock_guard<std::mutex> hold(mutex_);
  waits_[thread_id] = lock;
  cycle->clear();
  int32_t thread = thread_id;
  // Each step adds a distinct thread, so the walk is bounded by waits_.size().
  for (size_t steps = 0; steps <= waits_.size(); ++steps) {
    cycle->push_back({thread, lock->id, lock->kind});
    int32_t owner = lock->owner();
    if (owner == contract::kNoOwner) return false;
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

void WaitGraph::end_wait(int32_t thread_id) {
  std::lock_guard<std::mutex> hold(mutex_);
  waits_.erase(thread_id);
}

size_t WaitGraph::size() {
  std::lock_guard<std::mutex> hold(mutex_);
  return waits_.size();
}

}  // namespace os_mutex
