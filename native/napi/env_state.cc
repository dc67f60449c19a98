// env_state.cc — EnvState: creation, the wake path, lock entries, and the
// cleanup hook (owner death). See env_state.h.
#include "napi/env_state.h"

#include <algorithm>
#include <utility>

#include "core/lock_table.h"
#include "core/owner_death.h"
#include "core/wait_graph.h"

namespace os_mutex {
namespace binding {

namespace {

// Runs on the environment's thread for each queued wake; env is null when
// Node drains the queue at teardown (then nothing may be touched).
void CallWakeHandler(napi_env env, napi_value /*js_cb*/, void* context, void* data) {
  if (env == nullptr) return;
  auto* es = static_cast<EnvState*>(context);
  napi_value handler = nullptr;
  if (es->wake_handler == nullptr ||
      napi_get_reference_value(env, es->wake_handler, &handler) != napi_ok || handler == nullptr) {
    return;
  }
  napi_value global = nullptr;
  napi_value id = nullptr;
  if (napi_get_global(env, &global) != napi_ok ||
      napi_create_double(env, static_cast<double>(reinterpret_cast<uintptr_t>(data)), &id) !=
          napi_ok) {
    return;
  }
  // A throwing handler leaves its exception pending; Node reports it as
  // uncaught, as for any callback.
  napi_call_function(env, global, handler, 1, &id, nullptr);
}

}  // namespace

bool Alive(napi_env env, napi_ref ref) {
  napi_value value = nullptr;
  return napi_get_reference_value(env, ref, &value) == napi_ok && value != nullptr;
}

EnvState* EnvState::Create(napi_env env) {
  // Owned by the cleanup hook, which runs last for this environment; the
  // instance-data slot only lends it out (no finalizer).
  auto* es = new EnvState(env);
  napi_value name = nullptr;
  // The thread-safe function is created before the cleanup hook is
  // registered, so the hook (which disarms this environment everywhere it
  // is armed) runs before Node tears the thread-safe function down (cleanup
  // hooks run in reverse order of registration).
  if (napi_create_string_utf8(env, "os-mutex wake", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, es,
                                      CallWakeHandler, &es->wake_tsfn) != napi_ok) {
    delete es;
    return nullptr;
  }
  // Pending async acquisitions keep the event loop alive (lib/), not this.
  napi_unref_threadsafe_function(env, es->wake_tsfn);
  if (napi_add_env_cleanup_hook(env, Cleanup, es) != napi_ok) {
    napi_release_threadsafe_function(es->wake_tsfn, napi_tsfn_abort);
    delete es;
    return nullptr;
  }
  if (napi_set_instance_data(env, es, nullptr, nullptr) != napi_ok) {
    napi_remove_env_cleanup_hook(env, Cleanup, es);
    napi_release_threadsafe_function(es->wake_tsfn, napi_tsfn_abort);
    delete es;
    return nullptr;
  }
  return es;
}

EnvState* EnvState::Of(napi_env env) {
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) != napi_ok) return nullptr;
  return static_cast<EnvState*>(data);
}

void EnvState::wake(uint64_t id) {
  napi_call_threadsafe_function(wake_tsfn, reinterpret_cast<void*>(static_cast<uintptr_t>(id)),
                                napi_tsfn_nonblocking);
}

// Whether a garbage collection cleared weak references since the sentinel
// was made (true also when there is none yet). Never blocks.
static bool GcSince(napi_env env, napi_ref sentinel) {
  return sentinel == nullptr || !Alive(env, sentinel);
}

LockEntry* EnvState::AddLock(LockState* state, napi_value anchor, napi_value buffer,
                             const void* slab) {
  // Doubling keeps pruning amortised O(1) per lock. But a dead lock's entry
  // holds its words strongly until a prune, so in a synchronous loop of
  // `new Mutex()` a table that only doubles can fill a small heap with dead
  // locks' words (seen on Node 24 with a 24 MB heap): once a collection has
  // cleared weak references (the sentinel is gone), prune as soon as the
  // table has grown by a quarter, still amortised O(1).
  if (locks.size() >= prune_locks_at ||
      (locks.size() >= locks_kept + locks_kept / 4 + kMinPrune && GcSince(env, gc_sentinel))) {
    PruneLocks();
  }
  auto* entry = new LockEntry{state, this, thread_id, nullptr, slab, 0};
  SlabRef& ref = slabs[slab];  // {nullptr, 0} when new
  if (ref.entries == 0 && napi_create_reference(env, buffer, 1, &ref.buffer) != napi_ok) {
    slabs.erase(slab);
    LockTable::instance().release(state);
    delete entry;
    return nullptr;
  }
  ++ref.entries;
  if (napi_create_reference(env, anchor, 0, &entry->anchor) != napi_ok) {
    LockTable::instance().release(state);
    ReleaseSlab(slab);
    delete entry;
    return nullptr;
  }
  if (free_slots.empty()) {
    entry->slot = static_cast<uint32_t>(by_slot.size());
    by_slot.push_back(entry);
    slot_states.push_back(state);
  } else {
    entry->slot = free_slots.back();
    free_slots.pop_back();
    by_slot[entry->slot] = entry;
    slot_states[entry->slot] = state;
  }
  locks.push_back(entry);
  lock_ids.emplace(state->id, entry);  // keeps an existing entry of that id
  return entry;
}

LockEntry* EnvState::FindLock(uint64_t id) const {
  auto it = lock_ids.find(id);
  return it == lock_ids.end() ? nullptr : it->second;
}

void EnvState::PruneLocks() {
  // Partition in place: kept entries to the front, dropped ones behind.
  // Alive() makes a handle per entry; a scope per chunk bounds them.
  constexpr size_t kChunk = 256;
  napi_handle_scope scope = nullptr;
  size_t kept = 0;
  lock_ids.clear();
  for (size_t i = 0; i < locks.size(); ++i) {
    if (i % kChunk == 0) {
      if (scope != nullptr) napi_close_handle_scope(env, scope);
      if (napi_open_handle_scope(env, &scope) != napi_ok) scope = nullptr;
    }
    LockEntry* entry = locks[i];
    // Kept: a live anchor; a lock this thread holds (owner death must still
    // release it); the lock this thread waits for (the wait graph uses it).
    if (entry == waiting || entry->state->owner() == entry->thread_id ||
        Alive(env, entry->anchor)) {
      std::swap(locks[kept++], locks[i]);
      lock_ids.emplace(entry->state->id, entry);
    }
  }
  if (scope != nullptr) napi_close_handle_scope(env, scope);
  for (size_t i = kept; i < locks.size(); ++i) {
    LockEntry* entry = locks[i];
    // This environment's waker is armed per (lock, environment): disarm it
    // only with the last entry of that lock, so the cleanup hook's per-entry
    // disarm still reaches every lock this environment ever armed.
    if (lock_ids.find(entry->state->id) == lock_ids.end()) entry->state->wakers.disarm(this);
    DropLock(entry);
  }
  locks.resize(kept);
  prune_locks_at = std::max(kMinPrune, 2 * kept);
  locks_kept = kept;
  // A new sentinel: the next collection that clears weak references clears it.
  if (gc_sentinel != nullptr) napi_delete_reference(env, gc_sentinel);
  gc_sentinel = nullptr;
  napi_value sentinel = nullptr;
  if (napi_create_object(env, &sentinel) == napi_ok) napi_create_reference(env, sentinel, 0, &gc_sentinel);
}

void EnvState::DropLock(LockEntry* entry) {
  by_slot[entry->slot] = nullptr;  // a call with a stale slot then finds nothing
  slot_states[entry->slot] = nullptr;
  free_slots.push_back(entry->slot);
  LockTable::instance().release(entry->state);  // may free the LockState: first
  ReleaseSlab(entry->slab);                     // then the memory of its words may go
  napi_delete_reference(env, entry->anchor);
  delete entry;
}

void EnvState::ReleaseSlab(const void* slab) {
  auto it = slabs.find(slab);
  if (it == slabs.end() || --it->second.entries > 0) return;
  napi_delete_reference(env, it->second.buffer);
  slabs.erase(it);
}

// Runs on the environment's own thread as it shuts down (worker exit,
// terminate, process.exit, uncaught exception). Walks only this
// environment's entries: a thread can hold only locks it opened.
void EnvState::Cleanup(void* arg) {
  auto* es = static_cast<EnvState*>(arg);
  // 1. No async wake-ups any more: after this, no thread calls es->wake()
  //    (wakes run under each wake list's mutex). Pruning disarmed the locks
  //    whose entries it dropped.
  for (LockEntry* entry : es->locks) entry->state->wakers.disarm(es);
  if (es->thread_id != contract::kNoOwner) {
    // 2. This thread waits for nothing (before any entry goes: the graph
    //    may point at the LockState of `waiting`).
    WaitGraph::instance().end_wait(es->thread_id);
    es->waiting = nullptr;
    // 3. Owner death for the native locks this thread holds, dead anchor or
    //    not; a lock with two entries is released once.
    std::vector<LockState*> states;
    states.reserve(es->locks.size());
    for (LockEntry* entry : es->locks) states.push_back(entry->state);
    AbandonLocksHeldBy(states, es->thread_id);
  }
  // 4. The same for the Atomics-backend locks this environment watched.
  es->AbandonSharedLocks();
  // 5. Every reference goes.
  for (LockEntry* entry : es->locks) es->DropLock(entry);
  es->locks.clear();
  es->lock_ids.clear();
  if (es->wake_handler != nullptr) napi_delete_reference(es->env, es->wake_handler);
  if (es->slot_word_ref != nullptr) napi_delete_reference(es->env, es->slot_word_ref);
  if (es->gc_sentinel != nullptr) napi_delete_reference(es->env, es->gc_sentinel);
  delete es;
}

}  // namespace binding
}  // namespace os_mutex
