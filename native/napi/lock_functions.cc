// lock_functions.cc — native locks as JavaScript sees them.
//
// Defines the exports create(kind, words, anchor), open(id, kind, tag,
// words, anchor), tryLock(), unlock(), slow(slot, op, ms),
// idOf(slot), sweep() and registrySize().
//
// create/open record the lock in this environment's table of entries and
// return the entry's slot (a small integer). Every per-lock operation is one
// function per environment taking that slot (tryLock() and unlock() read it
// from the environment's slot word, setSlotWord(), which JavaScript writes
// right before the call: cheaper than converting an argument through
// Node-API on the hot path): a program's call sites stay
// monomorphic however many locks it uses, and a lock costs no function
// objects (Node-API keeps bookkeeping for every function it creates until
// the event loop turns, which a synchronous loop of `new Mutex()` cannot get
// back). A slot indexes this environment's own entries only, bounds-checked,
// so no value JavaScript passes can reach a lock this environment has not
// opened. The entry holds `anchor` (the object the caller keeps while it
// may use the slot, lib/backends/native.ts's raw lock) WEAKLY: once it is
// collected, EnvState::PruneLocks frees the entry and its slot is reused.
// No pointer ever reaches JavaScript: a handle names a lock by id, and
// open() looks the id up.
#include <chrono>

#include "core/lock_table.h"
#include "napi/env_state.h"
#include "napi/exports.h"
#include "napi/js_values.h"

namespace os_mutex {
namespace binding {

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;

// The entry of this environment's `slot`, the call's one argument (the
// function's data is the EnvState), or null when no entry has that slot. A
// slot indexes this environment's own entries only (bounds-checked), so no
// value JavaScript passes can reach a lock this environment has not opened.
// Never blocks.
inline LockEntry* EntryAt(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg = nullptr;
  void* data = nullptr;
  uint32_t slot = 0;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, &data) != napi_ok || argc < 1 ||
      napi_get_value_uint32(env, arg, &slot) != napi_ok) {
    return nullptr;
  }
  const std::vector<LockEntry*>& by_slot = static_cast<EnvState*>(data)->by_slot;
  return slot < by_slot.size() ? by_slot[slot] : nullptr;
}

// The lock of the slot in this environment's slot word (setSlotWord()),
// bounds-checked as EntryAt() is, or null; `es` is set either way. Also
// gives the call's receiver (`self`), when asked; a call that needs no
// receiver (unlock()) finds the environment through the instance data
// instead, which costs fewer instructions than napi_get_cb_info (bench/NOTES.md,
// "The floor of a native pair"). Never blocks.
inline LockState* StateInSlotWord(napi_env env, napi_callback_info info, EnvState** es,
                                  napi_value* self = nullptr) {
  void* data = nullptr;
  *es = nullptr;
  if (self != nullptr) {
    if (napi_get_cb_info(env, info, nullptr, nullptr, self, &data) != napi_ok) return nullptr;
  } else if (napi_get_instance_data(env, &data) != napi_ok || data == nullptr) {
    return nullptr;
  }
  *es = static_cast<EnvState*>(data);
  const auto slot = static_cast<uint32_t>((*es)->slot_word->load(std::memory_order_relaxed));
  const std::vector<LockState*>& states = (*es)->slot_states;
  return slot < states.size() ? states[slot] : nullptr;
}

}  // namespace

// tryLock(): object | undefined, for the slot in the slot word (the caller
// stores it there right before the call). Never blocks. The call's receiver
// (lib/ calls it as a method of the exports object) when the calling thread
// now holds the lock (OWNER is its threadId); undefined when it is held, by
// anyone, including the caller (a plain OS mutex: no self-deadlock, no
// recursion), or when no entry has that slot. Not a boolean: returning the
// receiver costs nothing, napi_get_boolean costs instructions on the hot
// path (bench/NOTES.md, "Wave 2: issue 12").
napi_value TryLock(napi_env env, napi_callback_info info) {
  napi_value self = nullptr;
  EnvState* es = nullptr;
  LockState* state = StateInSlotWord(env, info, &es, &self);
  return state != nullptr && state->try_lock(es->thread_id) ? self : nullptr;
}

// unlock(): undefined, for the slot in the slot word. Never blocks (see LockState::unlock_and_wake):
// clears OWNER, releases the OS mutex, wakes armed async waiters. A no-op
// unless this object's own record names the calling thread as the holder
// (never the JS-writable OWNER word): unlocking a mutex the caller does not
// hold is undefined behaviour for the OS. (OWNER is shared memory that only
// this library's code writes; JavaScript that forges it can break the lock's
// exclusion, as with any shared memory, but cannot reach freed memory.)
// Returns nothing: a result would cost a napi_get_boolean on the hot path.
napi_value Unlock(napi_env env, napi_callback_info info) {
  EnvState* es = nullptr;
  LockState* state = StateInSlotWord(env, info, &es);
  if (state != nullptr && state->owner() == es->thread_id) state->unlock_and_wake();
  return nullptr;
}

namespace {

// Throws "init(threadId) was not called" unless it was. Never blocks.
bool RequireInit(napi_env env, EnvState* es) {
  if (es->thread_id != contract::kNoOwner) return true;
  napi_throw_error(env, nullptr, "os-mutex: init(threadId) was not called in this thread");
  return false;
}

bool GetKind(napi_env env, napi_value value, int32_t* kind) {
  double k = 0;
  if (!GetExactInt(env, value, contract::kKindMutex, contract::kKindRecursive, &k)) return false;
  *kind = static_cast<int32_t>(k);
  return *kind == contract::kKindMutex || *kind == contract::kKindRecursive;
}

// A lock's shared words as create/open accept them: an Int32Array of exactly
// contract::kMetaWords elements at a byte offset that is a multiple of their
// size in a SharedArrayBuffer (lib/ packs several locks' words in one
// buffer, a slab). The entry's count on the environment's strong reference
// to that buffer keeps the words' memory alive (lock_state.h).
bool GetMetaWords(napi_env env, napi_value value, SharedInt32Array* view) {
  constexpr size_t kMetaBytes = static_cast<size_t>(contract::kMetaWords) * sizeof(int32_t);
  return GetSharedInt32Array(env, value, view) &&
         view->length == static_cast<size_t>(contract::kMetaWords) &&
         view->byte_offset % kMetaBytes == 0;
}

void ThrowUnlessPending(napi_env env, const char* message) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) {
    napi_throw_error(env, nullptr, message);
  }
}

// Records `state` in this environment with `anchor` (the object JavaScript
// keeps while it may use the slot), consuming the one LockTable reference
// the caller holds (it goes to the environment's new entry). `view` is the
// Int32Array over state->words (GetMetaWords). Returns the entry's slot, or
// null with a pending exception on failure. Never blocks beyond the lock
// table's mutex.
napi_value AddEntry(napi_env env, EnvState* es, LockState* state, napi_value anchor,
                    const SharedInt32Array& view) {
  const void* slab = reinterpret_cast<const char*>(view.words) - view.byte_offset;
  LockEntry* entry = es->AddLock(state, anchor, view.buffer, slab);
  napi_value slot = nullptr;
  if (entry == nullptr || napi_create_uint32(env, entry->slot, &slot) != napi_ok) {
    // An entry without a slot in JavaScript: its anchor still dies with the
    // caller's object, and the entry is pruned then.
    ThrowUnlessPending(env, "os-mutex: could not record a lock");
    return nullptr;
  }
  return slot;
}

bool IsObject(napi_env env, napi_value value) {
  napi_valuetype type = napi_undefined;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_object;
}

}  // namespace

// create(kind, words, anchor): number | undefined. Never blocks beyond the
// lock table's mutex. A new lock whose shared words are the memory `words`
// views (JavaScript allocated and initialised it: OWNER = kNoOwner, COUNT =
// 0, FLAGS = 0; this does not read it), recorded in this environment's
// entry whose slot it returns; the entry lives while the object `anchor`
// does. undefined when `words` is not an Int32Array of contract::kMetaWords
// elements at a multiple of their size in a SharedArrayBuffer (GetMetaWords),
// or `anchor` is not an
// object. Throws when init() was not called, and a TypeError for
// a kind other than contract::kKindMutex / kKindRecursive.
napi_value Create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3] = {nullptr, nullptr, nullptr};
  if (napi_get_cb_info(env, info, &argc, args, nullptr, nullptr) != napi_ok) return nullptr;
  EnvState* es = EnvState::Of(env);
  if (es == nullptr || !RequireInit(env, es)) return nullptr;
  int32_t kind = 0;
  if (argc < 1 || !GetKind(env, args[0], &kind)) {
    napi_throw_type_error(env, nullptr, "create(kind, words): unknown kind");
    return nullptr;
  }
  SharedInt32Array view;
  if (argc < 3 || !GetMetaWords(env, args[1], &view) || !IsObject(env, args[2])) return nullptr;
  return AddEntry(env, es, LockTable::instance().create(kind, view.words), args[2], view);
}

// open(id, kind, tag, words, anchor): number | undefined. Never blocks
// beyond the lock table's mutex. The live lock `id` of `kind` in this
// process's table (`tag`), whose shared words are the very memory `words`
// views (pointers compared, nothing dereferenced: another offset of the
// right buffer finds nothing), recorded as create()
// does: the slot of the new entry. undefined for anything else. Throws only
// when init() was not called.
napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
  if (napi_get_cb_info(env, info, &argc, args, nullptr, nullptr) != napi_ok) return nullptr;
  EnvState* es = EnvState::Of(env);
  if (es == nullptr || !RequireInit(env, es)) return nullptr;
  double id = 0;
  double tag = 0;
  int32_t kind = 0;
  SharedInt32Array view;
  if (argc < 5 || !IsObject(env, args[4]) || !GetExactInt(env, args[0], 1, kMaxSafeInteger, &id) ||
      !GetKind(env, args[1], &kind) || !GetExactInt(env, args[2], 0, 2147483647.0, &tag) ||
      tag != static_cast<double>(LockTable::instance().tag()) ||
      !GetMetaWords(env, args[3], &view)) {
    return nullptr;
  }
  LockState* state =
      LockTable::instance().find_and_ref(static_cast<uint64_t>(id), kind, view.words);
  if (state == nullptr) return nullptr;
  return AddEntry(env, es, state, args[4], view);
}

// slow(slot, op, ms): the slow-path operations on the lock of this
// environment's entry `slot` (create/open's result; undefined when no
// entry has it). The function's data is the EnvState: no lookup by id.
//   slow(slot, kSlowLockFor, ms): boolean. BLOCKS the calling thread until it
//     holds the lock (true) or `ms` milliseconds pass on the monotonic clock
//     (false). Callers wait in slices so that worker.terminate() is honoured
//     between them. A caller that already holds the lock gets false at once
//     instead of a self-deadlock; a non-number, NaN or negative `ms` counts
//     as 0 (one try); more than ~30 years is clamped.
//   slow(slot, kSlowArm): undefined. Asks for one call of this environment's
//     wake handler with this lock's id after the next release. Callers arm,
//     then try the lock. Never blocks beyond the wake list's short mutex.
//   slow(slot, kSlowDisarm): undefined. Cancels kSlowArm. Same blocking.
//   Any other op: undefined, nothing done.
// A slot indexes this environment's own entries only, so no value
// JavaScript passes can reach a lock this environment has not opened.
napi_value Slow(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3] = {nullptr, nullptr, nullptr};
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, args, nullptr, &data) != napi_ok) return nullptr;
  auto* es = static_cast<EnvState*>(data);
  uint32_t slot = 0;
  int32_t op = -1;
  if (es == nullptr || argc < 2 || napi_get_value_uint32(env, args[0], &slot) != napi_ok ||
      napi_get_value_int32(env, args[1], &op) != napi_ok || slot >= es->by_slot.size()) {
    return nullptr;
  }
  LockEntry* entry = es->by_slot[slot];
  if (entry == nullptr) return nullptr;
  LockState* state = entry->state;
  switch (op) {
    case contract::kSlowArm:
      state->wakers.arm(es);
      return nullptr;
    case contract::kSlowDisarm:
      state->wakers.disarm(es);
      return nullptr;
    case contract::kSlowLockFor:
      break;
    default:
      return nullptr;
  }
  double ms = 0;
  if (argc < 3 || napi_get_value_double(env, args[2], &ms) != napi_ok || !(ms > 0)) ms = 0;
  if (ms > 1e12) ms = 1e12;  // ~30 years: keeps the time_point arithmetic in range
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double, std::milli>(ms));
  return Boolean(env, state->lock_until(entry->thread_id, deadline));
}

// sweep(): number. Frees now what PruneLocks / PruneSharedLocks would free
// at the next growth of the tables: entries whose objects were collected
// (lib/ calls it after a garbage collection, so memory also comes back
// without creating more locks). Returns how many entries (native and
// Atomics) this environment still has. O(entries); never blocks beyond the
// lock table's and the wake lists' mutexes.
napi_value Sweep(napi_env env, napi_callback_info /*info*/) {
  EnvState* es = EnvState::Of(env);
  if (es == nullptr) return nullptr;
  es->PruneLocks();
  es->PruneSharedLocks();
  napi_value result = nullptr;
  napi_create_double(env, static_cast<double>(es->locks.size() + es->shared_locks.size()), &result);
  return result;
}

// idOf(slot): number | undefined. The id of the lock of this environment's
// entry `slot` (a handle's id), or undefined when no entry has that slot.
// Never blocks.
napi_value IdOf(napi_env env, napi_callback_info info) {
  LockEntry* entry = EntryAt(env, info);
  napi_value result = nullptr;
  if (entry != nullptr) napi_create_double(env, static_cast<double>(entry->state->id), &result);
  return result;
}

// registrySize(): number of live native locks in the process (tests: leak
// checks). Never blocks beyond the lock table's mutex.
napi_value RegistrySize(napi_env env, napi_callback_info /*info*/) {
  napi_value result = nullptr;
  napi_create_double(env, static_cast<double>(LockTable::instance().size()), &result);
  return result;
}

}  // namespace binding
}  // namespace os_mutex
