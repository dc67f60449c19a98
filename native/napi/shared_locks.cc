// shared_locks.cc — owner death for the shared-memory primitives: the export
// watchSharedLock(words) and EnvState's PruneSharedLocks /
// AbandonSharedLocks.
//
// Three layouts are watched, told apart by the magic word (the same index in
// all): an Atomics-backend lock (contract.h's kAtomics*; the lock word names
// its holder: (threadId + 1) << kAtomicsHolderShift, | kAtomicsWaiters), a
// condition's waiter slots (kCond*; a slot names the thread waiting in it),
// and a reader-writer lock (kRw*; the writer word names its writer, a reader
// slot the thread whose read shares it counts).
// This environment records each buffer it uses: a WEAK reference to the
// Int32Array the object uses, a STRONG reference to its SharedArrayBuffer (so
// the words stay valid whatever the garbage collector does), and the words'
// address. The cleanup hook releases every recorded lock whose word names
// this thread, frees every condition slot this thread waits in and returns
// every read share it holds, dead view or not: owner death never depends on
// garbage collection.
#include <algorithm>

#include "core/owner_death.h"
#include "napi/env_state.h"
#include "napi/exports.h"
#include "napi/js_values.h"

namespace os_mutex {
namespace binding {

namespace {

using Layout = SharedLockEntry::Layout;

// The layout of the buffer `view` covers, with its slot count; false when
// it is neither (nothing is recorded then). A condition's capacity comes
// from its shared COND_CAPACITY_AT word once, checked against the view's
// length, and is never re-read.
bool Classify(const SharedInt32Array& view, Layout* layout, int32_t* capacity) {
  if (view.length < static_cast<size_t>(contract::kAtomicsMagicAt) + 1) return false;
  static_assert(contract::kAtomicsMagicAt == contract::kCondMagicAt &&
                    contract::kAtomicsMagicAt == contract::kRwMagicAt,
                "one magic index tells the layouts apart");
  const int32_t magic = view.words[contract::kAtomicsMagicAt].load();
  if (magic == contract::kAtomicsMagic) {
    if (view.length < static_cast<size_t>(contract::kAtomicsWords)) return false;
    *layout = Layout::kAtomicsLock;
    *capacity = 0;
    return true;
  }
  if (magic == contract::kCondMagic) {
    const int32_t slots = view.words[contract::kCondCapacityAt].load();
    if (slots < 1 || view.length != static_cast<size_t>(contract::kCondSlotsAt) +
                                        static_cast<size_t>(slots) * contract::kCondSlotWords) {
      return false;
    }
    *layout = Layout::kCondition;
    *capacity = slots;
    return true;
  }
  if (magic == contract::kRwMagic) {
    if (view.length < static_cast<size_t>(contract::kRwCapacityAt) + 1) return false;
    const int32_t slots = view.words[contract::kRwCapacityAt].load();
    if (slots < 1 || view.length != static_cast<size_t>(contract::kRwSlotsAt) +
                                        static_cast<size_t>(slots) * contract::kRwSlotWords) {
      return false;
    }
    *layout = Layout::kRwLock;
    *capacity = slots;
    return true;
  }
  return false;
}

// Whether owner death would have something to do for `entry` if this thread
// exited now. Never blocks.
bool InUseBy(const SharedLockEntry& entry, int32_t thread_id) {
  switch (entry.layout) {
    case Layout::kAtomicsLock: return AtomicsLockHeldBy(entry.words, thread_id);
    case Layout::kCondition: return CondHasWaiterOf(entry.words, entry.capacity, thread_id);
    case Layout::kRwLock: return RwLockUsedBy(entry.words, entry.capacity, thread_id);
  }
  return false;
}

}  // namespace

// watchSharedLock(words): undefined. Never blocks. Records that this
// environment uses the Atomics-backend lock, condition or reader-writer lock
// whose buffer `words` views, so that its cleanup hook can release the lock
// if this thread exits holding it, free the condition's slots this thread
// exits waiting in, or return its read shares and write side. Ignored
// (nothing recorded) unless `words` is an Int32Array over a SharedArrayBuffer
// with the magic word at kAtomicsMagicAt (== kCondMagicAt == kRwMagicAt) and
// the length of its layout: at least contract::kAtomicsWords elements for
// kAtomicsMagic; exactly kCondSlotsAt + capacity * kCondSlotWords, with
// capacity = words[kCondCapacityAt] >= 1, for kCondMagic; exactly
// kRwSlotsAt + capacity * kRwSlotWords, capacity = words[kRwCapacityAt] >= 1,
// for kRwMagic. Watching one buffer twice is harmless (owner death acts once).
napi_value WatchSharedLock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg = nullptr;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok) return nullptr;
  EnvState* es = EnvState::Of(env);
  SharedInt32Array view;
  SharedLockEntry entry{nullptr, nullptr, nullptr, Layout::kAtomicsLock, 0};
  if (es == nullptr || argc < 1 || !GetSharedInt32Array(env, arg, &view) ||
      !Classify(view, &entry.layout, &entry.capacity)) {
    return nullptr;
  }
  if (es->shared_locks.size() >= es->prune_shared_at) es->PruneSharedLocks();
  entry.words = view.words;
  if (napi_create_reference(env, arg, 0, &entry.view) != napi_ok ||
      napi_create_reference(env, view.buffer, 1, &entry.buffer) != napi_ok) {
    if (entry.view != nullptr) napi_delete_reference(env, entry.view);
    return nullptr;
  }
  es->shared_locks.push_back(entry);
  return nullptr;
}

// Drops the entries whose view is dead and which this thread does not use
// (holds no such lock, waits in no such condition slot, names itself in no
// such reader-writer lock). Never blocks.
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
    if (InUseBy(entry, thread_id) || Alive(env, entry.view)) {
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
// recorded lock this thread holds, frees every condition slot it waits in,
// returns its read shares and write sides (core/owner_death.h), then every
// reference. Never blocks.
void EnvState::AbandonSharedLocks() {
  for (SharedLockEntry& entry : shared_locks) {
    // kNoOwner holds nothing and waits nowhere.
    switch (entry.layout) {
      case Layout::kAtomicsLock: AbandonAtomicsLockIfHeldBy(entry.words, thread_id); break;
      case Layout::kCondition: RemoveCondWaitersOf(entry.words, entry.capacity, thread_id); break;
      case Layout::kRwLock: AbandonRwLockOf(entry.words, entry.capacity, thread_id); break;
    }
    napi_delete_reference(env, entry.view);
    napi_delete_reference(env, entry.buffer);
  }
  shared_locks.clear();
}

}  // namespace binding
}  // namespace os_mutex
