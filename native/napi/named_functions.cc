// named_functions.cc — machine-wide named locks as JavaScript sees them
// (see named_functions.h and core/named_lock.h).
//
// Exports (their data is the environment's NamedEnv):
//   namedOpen(name, kind, words)  the anchor { id, slot, words } of `name` in
//                                 this thread, or [code, message] (code: a
//                                 contract::kNamedOpen* value)
//   namedSetSlotWord(words)       where namedTryLock()/namedUnlock() read their slot
//   namedTryLock(), namedUnlock() the uncontended path on the entry whose slot
//                                 is in the slot word (no arguments to convert);
//                                 namedTryLock() gives its receiver when taken
//   namedOp(slot, op, ms)         contract::kNamedTry / kNamedLockFor /
//                                 kNamedUnlock / kNamedArm / kNamedDisarm /
//                                 kNamedOwner on this thread's entry `slot`
//   namedRemove(name)             1 removed, 0 absent, or [code, message]
//   namedUser()                   the current user: euid (POSIX), SID string (Windows)
//   namedSetWakeHandler(fn)       fn(id) runs on this thread's event loop when
//                                 a named lock it armed may be free
//   namedCount()                  names open in this process (tests)
//   namedSweep()                  frees the entries of collected objects now;
//                                 this thread's entries left
// No pointer reaches JavaScript: an anchor names its entry by slot, an index
// into this environment's own entries.
#include "napi/named_functions.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "napi/js_values.h"

namespace os_mutex {
namespace binding {

namespace {

// Runs on the environment's thread for each queued wake; env is null when
// Node drains the queue at teardown.
void CallNamedWakeHandler(napi_env env, napi_value /*js_cb*/, void* context, void* data) {
  if (env == nullptr) return;
  auto* ne = static_cast<NamedEnv*>(context);
  napi_value handler = nullptr;
  napi_value global = nullptr;
  napi_value id = nullptr;
  if (ne->wake_handler == nullptr ||
      napi_get_reference_value(env, ne->wake_handler, &handler) != napi_ok || handler == nullptr ||
      napi_get_global(env, &global) != napi_ok ||
      napi_create_double(env, static_cast<double>(reinterpret_cast<uintptr_t>(data)), &id) !=
          napi_ok) {
    return;
  }
  napi_call_function(env, global, handler, 1, &id, nullptr);
}

NamedEnv* NamedEnvOf(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  void* data = nullptr;
  if (napi_get_cb_info(env, info, argc, argv, nullptr, &data) != napi_ok) return nullptr;
  return static_cast<NamedEnv*>(data);
}

// The caller's Node threadId, or kNoOwner with a pending exception when
// init() was not called (or the state is missing).
int32_t ThreadIdOrThrow(napi_env env, NamedEnv* ne) {
  if (ne != nullptr && ne->es->thread_id != contract::kNoOwner) return ne->es->thread_id;
  napi_throw_error(env, nullptr, "os-mutex: init(threadId) was not called in this thread");
  return contract::kNoOwner;
}

// A name as lib/backends/named.ts validated it, checked again here: 1 to
// contract::kNamedNameMax characters of A-Z a-z 0-9 . _ -, without "..".
bool GetName(napi_env env, napi_value value, std::string* name) {
  napi_valuetype type = napi_undefined;
  if (value == nullptr || napi_typeof(env, value, &type) != napi_ok || type != napi_string) {
    return false;
  }
  char buffer[contract::kNamedNameMax + 2];
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, buffer, sizeof(buffer), &length) != napi_ok ||
      length == 0 || length > static_cast<size_t>(contract::kNamedNameMax)) {
    return false;
  }
  for (size_t i = 0; i < length; ++i) {
    char c = buffer[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok || (c == '.' && i > 0 && buffer[i - 1] == '.')) return false;
  }
  name->assign(buffer, length);
  return true;
}

napi_value Failure(napi_env env, int32_t code, const std::string& message) {
  napi_value result = nullptr;
  napi_value code_value = nullptr;
  napi_value message_value = nullptr;
  if (napi_create_array_with_length(env, 2, &result) != napi_ok ||
      napi_create_int32(env, code, &code_value) != napi_ok ||
      napi_create_string_utf8(env, message.data(), message.size(), &message_value) != napi_ok ||
      napi_set_element(env, result, 0, code_value) != napi_ok ||
      napi_set_element(env, result, 1, message_value) != napi_ok) {
    return nullptr;
  }
  return result;
}

// Marks the thread's record after an acquisition: OWNER, and FLAGS when the
// previous holder died holding the lock. Returns whether it was acquired.
bool Record(NamedEntry* entry, int32_t thread_id, LockResult result) {
  if (result == LockResult::kBusy) return false;
  if (result == LockResult::kAcquiredAbandoned) {
    entry->meta[contract::kMetaFlags].fetch_or(contract::kFlagAbandoned, std::memory_order_relaxed);
  }
  entry->meta[contract::kMetaOwner].store(thread_id, std::memory_order_relaxed);
  return true;
}

// Builds the anchor { id, slot, words } of `entry`. Null on failure.
napi_value MakeAnchor(napi_env env, NamedEntry* entry) {
  napi_value anchor = nullptr;
  napi_value id = nullptr;
  napi_value slot = nullptr;
  napi_value words = nullptr;
  if (napi_create_object(env, &anchor) != napi_ok ||
      napi_create_double(env, static_cast<double>(entry->lock->id), &id) != napi_ok ||
      napi_create_uint32(env, entry->slot, &slot) != napi_ok ||
      napi_get_reference_value(env, entry->words, &words) != napi_ok || words == nullptr) {
    return nullptr;
  }
  const napi_property_descriptor properties[3] = {
      {"id", nullptr, nullptr, nullptr, nullptr, id, napi_enumerable, nullptr},
      {"slot", nullptr, nullptr, nullptr, nullptr, slot, napi_enumerable, nullptr},
      {"words", nullptr, nullptr, nullptr, nullptr, words, napi_enumerable, nullptr},
  };
  if (napi_define_properties(env, anchor, 3, properties) != napi_ok) return nullptr;
  return anchor;
}

}  // namespace

NamedEnv* NamedEnv::Create(napi_env env, EnvState* es) {
  if (es == nullptr) return nullptr;
  auto* ne = new NamedEnv(env, es);
  napi_value name = nullptr;
  // Created before the cleanup hook is registered, so the hook (which
  // disarms this environment everywhere) runs before Node tears it down.
  if (napi_create_string_utf8(env, "os-mutex named wake", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, ne,
                                      CallNamedWakeHandler, &ne->wake_tsfn) != napi_ok) {
    delete ne;
    return nullptr;
  }
  // Pending async acquisitions keep the event loop alive (lib/), not this.
  napi_unref_threadsafe_function(env, ne->wake_tsfn);
  if (napi_add_env_cleanup_hook(env, Cleanup, ne) != napi_ok) {
    napi_release_threadsafe_function(ne->wake_tsfn, napi_tsfn_abort);
    delete ne;
    return nullptr;
  }
  return ne;
}

void NamedEnv::wake(uint64_t id) {
  napi_call_threadsafe_function(wake_tsfn, reinterpret_cast<void*>(static_cast<uintptr_t>(id)),
                                napi_tsfn_nonblocking);
}

void NamedEnv::Prune() {
  const int32_t thread_id = es->thread_id;
  napi_handle_scope scope = nullptr;
  if (napi_open_handle_scope(env, &scope) != napi_ok) scope = nullptr;
  std::vector<NamedEntry*> dead;
  for (auto& item : by_name) {
    NamedEntry* entry = item.second;
    if (entry->lock->holder() != thread_id && !Alive(env, entry->anchor)) dead.push_back(entry);
  }
  for (NamedEntry* entry : dead) by_name.erase(entry->lock->name);
  size_t kept = 0;
  for (NamedEntry* entry : detached) {
    if (entry->lock->holder() != thread_id && !Alive(env, entry->anchor)) dead.push_back(entry);
    else detached[kept++] = entry;
  }
  detached.resize(kept);
  if (scope != nullptr) napi_close_handle_scope(env, scope);
  for (NamedEntry* entry : dead) {
    entry->lock->disarm(this);
    Drop(entry);
  }
  prune_at = std::max(kMinPrune, 2 * (by_name.size() + detached.size()));
}

void NamedEnv::Drop(NamedEntry* entry) {
  by_slot[entry->slot] = nullptr;
  free_slots.push_back(entry->slot);
  NamedTable::instance().release(entry->lock);  // may close the OS object's view
  napi_delete_reference(env, entry->words);
  napi_delete_reference(env, entry->anchor);
  delete entry;
}

// Runs on the environment's own thread as it shuts down (worker exit,
// terminate, process exit): owner death for the named locks it holds.
void NamedEnv::Cleanup(void* arg) {
  auto* ne = static_cast<NamedEnv*>(arg);
  const int32_t thread_id = ne->es->thread_id;
  for (auto& item : ne->by_name) ne->detached.push_back(item.second);
  ne->by_name.clear();
  // 1. No async wake-ups any more (wakes run under each wake list's mutex).
  for (NamedEntry* entry : ne->detached) entry->lock->disarm(ne);
  // 2. Owner death: abandoned for the next holder (in any process), then
  //    released at once, so waiters anywhere go on now.
  for (NamedEntry* entry : ne->detached) {
    if (thread_id == contract::kNoOwner || entry->lock->holder() != thread_id) continue;
    entry->meta[contract::kMetaFlags].fetch_or(contract::kFlagAbandoned, std::memory_order_relaxed);
    entry->meta[contract::kMetaCount].store(0, std::memory_order_relaxed);
    entry->meta[contract::kMetaOwner].store(contract::kNoOwner, std::memory_order_relaxed);
    entry->lock->abandon();
  }
  // 3. Every reference goes.
  for (NamedEntry* entry : ne->detached) ne->Drop(entry);
  ne->detached.clear();
  if (ne->wake_handler != nullptr) napi_delete_reference(ne->env, ne->wake_handler);
  if (ne->slot_word_ref != nullptr) napi_delete_reference(ne->env, ne->slot_word_ref);
  delete ne;
}

// namedOpen(name, kind, words): the anchor { id, slot, words } of `name` in
// this thread, or [code, message]. `words` is a fresh Int32Array of
// contract::kMetaWords elements at offset 0 of a SharedArrayBuffer,
// initialised by JavaScript (OWNER = kNoOwner); it is used only when this
// thread has no entry for the name yet, else the anchor carries the entry's
// own words (the thread's ownership record of that name). BLOCKS only while
// another process initialises the OS object. Throws a TypeError for a bad
// name, kind or words, an Error when init() was not called.
napi_value NamedOpen(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3] = {nullptr, nullptr, nullptr};
  NamedEnv* ne = NamedEnvOf(env, info, &argc, args);
  const int32_t thread_id = ThreadIdOrThrow(env, ne);
  if (thread_id == contract::kNoOwner) return nullptr;
  std::string name;
  double kind = 0;
  SharedInt32Array view;
  if (argc < 3 || !GetName(env, args[0], &name) ||
      !GetExactInt(env, args[1], contract::kKindMutex, contract::kKindRecursive, &kind) ||
      !GetSharedInt32Array(env, args[2], &view) ||
      view.length != static_cast<size_t>(contract::kMetaWords) || view.byte_offset != 0) {
    napi_throw_type_error(env, nullptr, "namedOpen(name, kind, words): invalid arguments");
    return nullptr;
  }
  auto found = ne->by_name.find(name);
  if (found != ne->by_name.end() && found->second->lock->forgotten()) {
    // The name was removed since this thread opened it: its objects keep
    // the old lock; this one opens the name anew.
    ne->detached.push_back(found->second);
    ne->by_name.erase(found);
    found = ne->by_name.end();
  }
  if (found != ne->by_name.end()) {
    NamedEntry* entry = found->second;
    if (entry->lock->kind != static_cast<int32_t>(kind)) {
      return Failure(env,
                     entry->lock->kind == contract::kKindRecursive ? contract::kNamedOpenIsRecursive
                                                                   : contract::kNamedOpenIsMutex,
                     "");
    }
    napi_value anchor = nullptr;
    if (napi_get_reference_value(env, entry->anchor, &anchor) == napi_ok && anchor != nullptr) {
      return anchor;
    }
    // Every object of this name in this thread was collected, but the entry
    // is still here (perhaps holding the lock): a new anchor, same words.
    anchor = MakeAnchor(env, entry);
    napi_ref weak = nullptr;
    if (anchor == nullptr || napi_create_reference(env, anchor, 0, &weak) != napi_ok) {
      napi_throw_error(env, nullptr, "os-mutex: could not create a named lock object");
      return nullptr;
    }
    napi_delete_reference(env, entry->anchor);
    entry->anchor = weak;
    return anchor;
  }
  if (ne->by_name.size() + ne->detached.size() >= ne->prune_at) ne->Prune();
  int32_t code = contract::kNamedOpenFailed;
  std::string error;
  // BLOCKS only while another process initialises the object.
  NamedLock* lock = NamedTable::instance().acquire(name, static_cast<int32_t>(kind), &code, &error);
  if (lock == nullptr) return Failure(env, code, error);
  auto* entry = new NamedEntry{lock, nullptr, nullptr, view.words, 0};
  if (napi_create_reference(env, args[2], 1, &entry->words) != napi_ok) {
    NamedTable::instance().release(lock);
    delete entry;
    napi_throw_error(env, nullptr, "os-mutex: could not create a named lock object");
    return nullptr;
  }
  if (ne->free_slots.empty()) {
    entry->slot = static_cast<uint32_t>(ne->by_slot.size());
    ne->by_slot.push_back(entry);
  } else {
    entry->slot = ne->free_slots.back();
    ne->free_slots.pop_back();
    ne->by_slot[entry->slot] = entry;
  }
  napi_value anchor = MakeAnchor(env, entry);
  if (anchor == nullptr || napi_create_reference(env, anchor, 0, &entry->anchor) != napi_ok) {
    entry->anchor = nullptr;
    napi_delete_reference(env, entry->words);
    ne->by_slot[entry->slot] = nullptr;
    ne->free_slots.push_back(entry->slot);
    NamedTable::instance().release(lock);
    delete entry;
    napi_throw_error(env, nullptr, "os-mutex: could not create a named lock object");
    return nullptr;
  }
  ne->by_name.emplace(name, entry);
  return anchor;
}

namespace {

// The entry of the slot in this environment's slot word (namedSetSlotWord()),
// or null: a slot no entry of this environment has (out of range, freed, or
// any other value JavaScript wrote) reaches nothing. `ne` is set when the
// environment has its state; the call's receiver goes to `self` when asked.
// Never blocks.
inline NamedEntry* EntryInSlotWord(napi_env env, napi_callback_info info, NamedEnv** ne,
                                   napi_value* self = nullptr) {
  void* data = nullptr;
  *ne = nullptr;
  if (napi_get_cb_info(env, info, nullptr, nullptr, self, &data) != napi_ok || data == nullptr) {
    return nullptr;
  }
  *ne = static_cast<NamedEnv*>(data);
  const auto slot = static_cast<uint32_t>((*ne)->slot_word->load(std::memory_order_relaxed));
  const std::vector<NamedEntry*>& by_slot = (*ne)->by_slot;
  return slot < by_slot.size() ? by_slot[slot] : nullptr;
}

}  // namespace

// namedSetSlotWord(words): undefined. Never blocks. `words` (an Int32Array
// over shared memory) becomes the word namedTryLock()/namedUnlock() read
// their slot from (its first element); kept alive by this environment.
// Throws a TypeError for anything else.
napi_value NamedSetSlotWord(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg = nullptr;
  NamedEnv* ne = NamedEnvOf(env, info, &argc, &arg);
  if (ne == nullptr) return nullptr;
  SharedInt32Array view;
  if (argc < 1 || !GetSharedInt32Array(env, arg, &view) || view.length < 1) {
    napi_throw_type_error(env, nullptr,
                          "namedSetSlotWord(words): words must be an Int32Array over shared memory");
    return nullptr;
  }
  napi_ref ref = nullptr;
  if (napi_create_reference(env, arg, 1, &ref) != napi_ok) {
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) {
      napi_throw_error(env, nullptr, "os-mutex: namedSetSlotWord(words) could not keep the word");
    }
    return nullptr;
  }
  if (ne->slot_word_ref != nullptr) napi_delete_reference(env, ne->slot_word_ref);
  ne->slot_word_ref = ref;
  ne->slot_word = view.words;
  return nullptr;
}

// namedTryLock(): object | undefined, on this thread's entry whose slot is
// in the slot word (the caller stores it there right before the call).
// Never blocks. What namedOp(slot, kNamedTry) does, but the call's receiver
// (lib/ calls it as a method of the exports object) instead of true, and
// undefined instead of false (also when no entry has that slot): no
// argument to convert, no napi_get_boolean on the hot path.
napi_value NamedTryLock(napi_env env, napi_callback_info info) {
  napi_value self = nullptr;
  NamedEnv* ne = nullptr;
  NamedEntry* entry = EntryInSlotWord(env, info, &ne, &self);
  if (entry == nullptr) return nullptr;
  const int32_t thread_id = ne->es->thread_id;
  return Record(entry, thread_id, entry->lock->try_lock(thread_id)) ? self : nullptr;
}

// namedUnlock(): undefined, on this thread's entry whose slot is in the slot
// word. Never blocks. What namedOp(slot, kNamedUnlock) does: a no-op unless
// the lock's own native record names the calling thread as its holder
// (never the JS-writable OWNER word).
napi_value NamedUnlock(napi_env env, napi_callback_info info) {
  NamedEnv* ne = nullptr;
  NamedEntry* entry = EntryInSlotWord(env, info, &ne);
  if (entry == nullptr) return nullptr;
  const int32_t thread_id = ne->es->thread_id;
  if (thread_id != contract::kNoOwner && entry->lock->holder() == thread_id) {
    entry->meta[contract::kMetaOwner].store(contract::kNoOwner, std::memory_order_relaxed);
    entry->lock->unlock();
  }
  return nullptr;
}

// namedOp(slot, op, ms) on this thread's entry `slot` (undefined when no
// entry has it, or for an unknown op):
//   kNamedTry: boolean. Never blocks. True when the calling thread now holds
//     the lock (OWNER and, when its previous holder died, FLAGS written).
//     False when held, by anyone, including the caller.
//   kNamedLockFor, ms: boolean. BLOCKS until held (true) or `ms` pass on the
//     monotonic clock (false); false at once when the caller holds it. A
//     non-number, NaN or negative `ms` counts as 0; more than ~30 years is
//     clamped. Callers wait in slices (worker.terminate()).
//   kNamedUnlock: undefined. Never blocks. Clears OWNER, releases, wakes
//     async waiters in every process; a no-op unless the caller holds it.
//   kNamedArm / kNamedDisarm: undefined. Asks for (cancels) one wake of this
//     environment's handler with the lock's id after the next release in any
//     process; arming may start this process's watcher thread. Callers arm,
//     then try. Never block beyond short mutexes.
//   kNamedOwner: [pid, threadId] of the holder in any process, or undefined.
napi_value NamedOp(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3] = {nullptr, nullptr, nullptr};
  NamedEnv* ne = NamedEnvOf(env, info, &argc, args);
  uint32_t slot = 0;
  int32_t op = -1;
  if (ne == nullptr || argc < 2 || napi_get_value_uint32(env, args[0], &slot) != napi_ok ||
      napi_get_value_int32(env, args[1], &op) != napi_ok || slot >= ne->by_slot.size() ||
      ne->by_slot[slot] == nullptr) {
    return nullptr;
  }
  NamedEntry* entry = ne->by_slot[slot];
  NamedLock* lock = entry->lock;
  const int32_t thread_id = ne->es->thread_id;
  switch (op) {
    case contract::kNamedTry:
      return Boolean(env, Record(entry, thread_id, lock->try_lock(thread_id)));
    case contract::kNamedLockFor: {
      double ms = 0;
      if (argc < 3 || napi_get_value_double(env, args[2], &ms) != napi_ok || !(ms > 0)) ms = 0;
      if (ms > 1e12) ms = 1e12;
      auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double, std::milli>(ms));
      // BLOCKS up to ms.
      return Boolean(env, Record(entry, thread_id, lock->lock_until(thread_id, deadline)));
    }
    case contract::kNamedUnlock:
      if (thread_id != contract::kNoOwner && lock->holder() == thread_id) {
        entry->meta[contract::kMetaOwner].store(contract::kNoOwner, std::memory_order_relaxed);
        lock->unlock();
      }
      return nullptr;
    case contract::kNamedArm:
      lock->arm(ne);
      return nullptr;
    case contract::kNamedDisarm:
      lock->disarm(ne);
      return nullptr;
    case contract::kNamedOwner: {
      NamedOwner owner = lock->owner();
      if (owner.pid == 0) return nullptr;
      napi_value result = nullptr;
      napi_value pid = nullptr;
      napi_value tid = nullptr;
      if (napi_create_array_with_length(env, 2, &result) != napi_ok ||
          napi_create_int32(env, owner.pid, &pid) != napi_ok ||
          napi_create_int32(env, owner.thread_id, &tid) != napi_ok ||
          napi_set_element(env, result, 0, pid) != napi_ok ||
          napi_set_element(env, result, 1, tid) != napi_ok) {
        return nullptr;
      }
      return result;
    }
    default:
      return nullptr;
  }
}

// namedRemove(name): 1 when the OS object of `name` (current user) existed
// and was removed, 0 when there was none, [code, message] when it could not
// be. Never blocks. Throws a TypeError for a bad name.
napi_value NamedRemove(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg = nullptr;
  NamedEnvOf(env, info, &argc, &arg);
  std::string name;
  if (argc < 1 || !GetName(env, arg, &name)) {
    napi_throw_type_error(env, nullptr, "namedRemove(name): invalid name");
    return nullptr;
  }
  std::string error;
  int32_t result = ProcessMutex::Remove(name, &error);
  if (result < 0) return Failure(env, result, error);
  // New opens in this process then open the name anew too (the objects
  // still alive keep the old lock, as in any other process).
  NamedTable::instance().forget(name);
  napi_value value = nullptr;
  napi_create_int32(env, result, &value);
  return value;
}

// namedUser(): the current OS user as handles name it: the effective uid
// (a number, POSIX), the SID string (Windows). Never blocks.
napi_value NamedUser(napi_env env, napi_callback_info /*info*/) {
  const std::string user = ProcessMutex::CurrentUser();
  napi_value value = nullptr;
#if defined(_WIN32)
  napi_create_string_utf8(env, user.data(), user.size(), &value);
#else
  napi_create_double(env, std::strtod(user.c_str(), nullptr), &value);
#endif
  return value;
}

// namedSetWakeHandler(fn): undefined. Never blocks. fn(id) is called on this
// thread's event loop when a named lock it armed (namedOp kNamedArm) may be
// free; it replaces the previous handler. Throws a TypeError when fn is not
// a function.
napi_value NamedSetWakeHandler(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value fn = nullptr;
  NamedEnv* ne = NamedEnvOf(env, info, &argc, &fn);
  if (ne == nullptr) return nullptr;
  napi_valuetype type = napi_undefined;
  if (argc < 1 || napi_typeof(env, fn, &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, nullptr, "namedSetWakeHandler(fn): fn must be a function");
    return nullptr;
  }
  napi_ref handler = nullptr;
  if (napi_create_reference(env, fn, 1, &handler) != napi_ok) return nullptr;
  if (ne->wake_handler != nullptr) napi_delete_reference(env, ne->wake_handler);
  ne->wake_handler = handler;
  return nullptr;
}

// namedCount(): named locks open in this process, including those of
// removed names that objects still use (tests: leak checks). Never
// blocks beyond the table's mutex.
napi_value NamedCount(napi_env env, napi_callback_info /*info*/) {
  napi_value value = nullptr;
  napi_create_double(env, static_cast<double>(NamedTable::instance().size()), &value);
  return value;
}

// namedSweep(): number. Frees now what the next Prune() would free: this
// thread's entries whose anchors were collected and whose lock it does not
// hold (closing this process's view of a name no other thread has open).
// lib/ calls it after a garbage collection, so the OS objects of dropped
// locks are not kept until the thread opens more names. Returns how many
// entries this environment still has (by name and detached). O(entries);
// never blocks beyond short mutexes (and the end of a freed name's watcher
// thread, which is told to stop: at once on Linux and Windows, within a
// millisecond on macOS).
napi_value NamedSweep(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  NamedEnv* ne = NamedEnvOf(env, info, &argc, nullptr);
  if (ne == nullptr) return nullptr;
  ne->Prune();
  napi_value value = nullptr;
  napi_create_double(env, static_cast<double>(ne->by_name.size() + ne->detached.size()), &value);
  return value;
}

}  // namespace binding
}  // namespace os_mutex
