// wait_functions.cc — the exports for deadlock detection: findWaitCycle(id)
// and endWait(), over core/wait_graph.h.
//
// The graph keeps a pointer to the LockState a thread waits for; that
// LockState is the one of this environment's entry (EnvState::waiting),
// which is never pruned while the wait is recorded, so the graph's pointer
// is covered by the entry's LockTable reference and words reference
// (lock_state.h's invariant).
#include <vector>

#include "core/wait_graph.h"
#include "napi/env_state.h"
#include "napi/exports.h"
#include "napi/js_values.h"

namespace os_mutex {
namespace binding {

// findWaitCycle(id): number[] | undefined. Never blocks beyond the wait
// graph's mutex. Records that this thread waits, without a timeout, for lock
// `id` (replacing its earlier wait) and returns a wait cycle through it as a
// flat array [thread, lockId, kind, thread, lockId, kind, ...] starting with
// the caller (see WaitGraph::wait_and_find_cycle; the caller's wait is then
// forgotten), or undefined when there is none. A lock this environment has
// not created or opened cannot be waited for here: its previous wait ends
// and the result is undefined; so does a non-integer id. Throws when init()
// was not called.
napi_value FindWaitCycle(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg = nullptr;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok) return nullptr;
  EnvState* es = EnvState::Of(env);
  if (es == nullptr) return nullptr;
  if (es->thread_id == contract::kNoOwner) {
    napi_throw_error(env, nullptr, "os-mutex: init(threadId) was not called in this thread");
    return nullptr;
  }
  double id = 0;
  if (argc < 1 || !GetExactInt(env, arg, 1, 9007199254740991.0, &id)) return nullptr;
  WaitGraph& graph = WaitGraph::instance();
  LockEntry* entry = es->FindLock(static_cast<uint64_t>(id));
  if (entry == nullptr) {
    graph.end_wait(es->thread_id);
    es->waiting = nullptr;
    return nullptr;
  }
  es->waiting = entry;  // pinned before the graph can point at it
  std::vector<WaitGraph::CycleStep> cycle;
  if (!graph.wait_and_find_cycle(es->thread_id, entry->state, &cycle)) return nullptr;
  es->waiting = nullptr;  // a reported cycle forgets the caller's wait
  napi_value result = nullptr;
  if (napi_create_array_with_length(env, cycle.size() * 3, &result) != napi_ok) return nullptr;
  uint32_t i = 0;
  for (const auto& step : cycle) {
    const double values[3] = {static_cast<double>(step.thread_id),
                              static_cast<double>(step.lock_id), static_cast<double>(step.kind)};
    for (double value : values) {
      napi_value number = nullptr;
      if (napi_create_double(env, value, &number) != napi_ok ||
          napi_set_element(env, result, i++, number) != napi_ok) {
        return nullptr;
      }
    }
  }
  return result;
}

// endWait(): undefined. Never blocks beyond the wait graph's mutex. This
// thread no longer waits (it got the lock, gave up, or timed out). Harmless
// when it did not wait, or before init().
napi_value EndWait(napi_env env, napi_callback_info /*info*/) {
  EnvState* es = EnvState::Of(env);
  if (es == nullptr || es->thread_id == contract::kNoOwner) return nullptr;
  WaitGraph::instance().end_wait(es->thread_id);
  es->waiting = nullptr;
  return nullptr;
}

}  // namespace binding
}  // namespace os_mutex
