// shared_locks.cc — owner death for Atomics-backend locks: the export
// watchSharedLock(words) and EnvState's PruneSharedLocks /
// AbandonSharedLocks.
//
// An Atomics-backend lock is a SharedArrayBuffer laid out as contract.h's
// kAtomics* (the lock word names its holder: (threadId + 1) <<
// kAtomicsHolderShift, | kAtomicsWaiters). This environment records each one
// it uses: a WEAK reference to the Int32Array the lock object uses, a STRONG
// reference to its SharedArrayBuffer (so the words stay valid whatever the
// garbage collector does), and the words' address. The cleanup hook releases
// every recorded lock whose word names this thread, dead view or not: owner
// death never depends on garbage collection.
#include <algorithm>

#include "core/owner_death.h"
#include "napi/env_state.h"
#include "napi/exports.h"
#include "napi/js_values.h"

namespace os_mutex {
namespace binding {

// watchSharedLock(words): undefined. Never blocks. Records that this
// environment uses the Atomics-backend lock whose buffer `words` views, so
// that its cleanup hook can release the lock if this thread exits holding
// it. Ignored (nothing recorded) unless `words` is an Int32Array over a
// SharedArrayBuffer with at least contract::kAtomicsWords elements and the
// magic word contract::kAtomicsMagic at kAtomicsMagicAt. Watching one lock
// twice is harmless (it is released once).
napi_value WatchSharedLock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg = nullptr;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok) return nullptr;
  EnvState* es = EnvState::Of(env);
  SharedInt32Array view;
  if (es == nullptr || argc < 1 || !GetSharedInt32Array(env, arg, &view) ||
      view.length < static_cast<size_t>(contract::kAtomicsWords) ||
      view.words[contract::kAtomicsMagicAt].load() != contract::kAtomicsMagic) {
    return nullptr;
  }
  if (es->shared_locks.size() >= es->prune_shared_at) es->PruneSharedLocks();
  SharedLockEntry entry{nullptr, nullptr, view.words};
  if (napi_create_reference(env, arg, 0, &entry.view) != napi_ok ||
      napi_create_reference(env, view.buffer, 1, &entry.buffer) != napi_ok) {
    if (entry.view != nullptr) napi_delete_reference(env, entry.view);
    return nullptr;
  }
  es->shared_locks.push_back(entry);
  return nullptr;
}

// Drops the entries whose view is dead and whose lock word does not name
// this thread. Never blocks.
void EnvState::PruneSharedLocks() {
  constexpr size_t kChunk = 256;
  napi_handle_scope scope = nullptr;
  size_t kept = 0;
  for (size_t i = 0; i < shared_locks.size(); ++i) {
    if (i % kChunk == 0) {
      if (scope != nullptr) napi_close_handle_scope(env, scope);
      if (napi_open_handle_scope(env, &scope) != napi_ok) scope = nullptr;
    }
    SharedLockEntry& entry = shared_locks[i];
    if (AtomicsLockHeldBy(entry.words, thread_id) || Alive(env, entry.view)) {
      shared_locks[kept++] = entry;
    } else {
      napi_delete_reference(env, entry.view);
      napi_delete_reference(env, entry.buffer);
    }
  }
  if (scope != nullptr) napi_close_handle_scope(env, scope);
  shared_locks.resize(kept);
  prune_shared_at = std::max(kMinPrune, 2 * kept);
}

// From the cleanup hook, on this environment's thread: releases every
// recorded lock this thread holds (core/owner_death.h), then every
// reference. Never blocks.
void EnvState::AbandonSharedLocks() {
  for (SharedLockEntry& entry : shared_locks) {
    AbandonAtomicsLockIfHeldBy(entry.words, thread_id);  // kNoOwner holds nothing
    napi_delete_reference(env, entry.view);
    napi_delete_reference(env, entry.buffer);
  }
  shared_locks.clear();
}

}  // namespace binding
}  // namespace os_mutex
