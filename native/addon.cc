// addon.cc — the Node-API surface of os-mutex, and nothing else.
//
// Exports (all used only by lib/native.ts; none is public API):
//   init(threadId)          records the calling environment's Node threadId
//   setWakeHandler(fn)      fn(id) runs on this thread after an armed lock's release
//   findWaitCycle(id)       records an untimed wait; reports a wait cycle through it
//   endWait()               the calling thread stopped waiting
//   watchSharedLock(i32)    owner death for an Atomics-backend lock this thread uses
//   create(kind)            a new lock -> RawLock object (see below)
//   open(id, kind, tag)     an existing lock -> RawLock object, or undefined
//   registrySize()          live locks in the process (tests: leak checks)
//   tag                     this process's registry tag (carried in handles)
//
// A RawLock object is { id, tryLock, unlock, slow, meta }: functions
// created for this lock and this environment, with a small Binding (lock
// pointer + threadId) as their data, so a call costs no napi_unwrap and no
// argument parsing; and `meta`, an ArrayBuffer over the lock's shared words
// (registry.h, Meta). Every one of those four JS values holds a registry
// reference, dropped by its finalizer. No pointer is ever visible to JS: a
// handle names a lock by id, and open() looks the id up under the registry's
// lock.
//
// Per-environment state (the main thread and each worker) is one EnvState,
// set as instance data; its cleanup hook runs on the environment's own thread
// when it exits or is terminated and releases every lock that thread still
// holds (owner death).
//
// Built with NAPI_DISABLE_CPP_EXCEPTIONS: nothing here throws a C++ exception;
// errors become pending JavaScript exceptions.
#include <napi.h>

#include <cmath>
#include <vector>

#include "registry.h"

namespace os_mutex {
namespace {

// One per environment (main thread or worker). As an AsyncWaker it queues
// "lock <id> was released" onto this environment's event loop through a
// thread-safe function, which calls the JavaScript handler set by
// setWakeHandler(). The thread-safe function is created before this
// environment's cleanup hook is registered, so the hook (which disarms it
// everywhere) runs before Node tears the thread-safe function down.
struct EnvState final : AsyncWaker {
  explicit EnvState(napi_env env_) : env(env_) {}
  const napi_env env;
  int32_t thread_id = kNoOwner;  // Node threadId of this environment, from init()
  napi_threadsafe_function wake_tsfn = nullptr;
  napi_ref wake_handler = nullptr;
  // Atomics-backend locks this environment has opened (see WatchSharedLock):
  // a weak reference keeps nothing alive, and while it still resolves, the
  // shared memory behind `words` is alive too.
  struct SharedLockView {
    napi_ref ref;
    int32_t* words;
  };
  std::vector<SharedLockView> shared_locks;
  size_t prune_at = 64;

  // Any thread; never blocks (the queue is unbounded, the call non-blocking).
  void wake(uint64_t id) override {
    napi_call_threadsafe_function(wake_tsfn, reinterpret_cast<void*>(static_cast<uintptr_t>(id)),
                                  napi_tsfn_nonblocking);
  }
};

// The data of one bound function.
struct Binding {
  LockState* state;
  int32_t thread_id;
  EnvState* env;
};

void FinalizeBinding(napi_env /*env*/, void* data, void* /*hint*/) {
  auto* binding = static_cast<Binding*>(data);
  Registry::instance().release(binding->state);
  delete binding;
}

void FinalizeMeta(napi_env /*env*/, void* /*data*/, void* hint) {
  Registry::instance().release(static_cast<LockState*>(hint));
}

inline Binding* BindingOf(napi_env env, napi_callback_info info, size_t* argc,
                          napi_value* argv) {
  void* data = nullptr;
  napi_get_cb_info(env, info, argc, argv, nullptr, &data);
  return static_cast<Binding*>(data);
}

inline napi_value Boolean(napi_env env, bool value) {
  napi_value result = nullptr;
  napi_get_boolean(env, value, &result);
  return result;
}

// tryLock(): boolean. Never blocks. On success OWNER is the caller's threadId.
// False (not a deadlock) when the caller already holds the lock.
napi_value TryLock(napi_env env, napi_callback_info info) {
  Binding* b = BindingOf(env, info, nullptr, nullptr);
  LockState* s = b->state;
  if (!s->mutex.try_lock()) return Boolean(env, false);
  s->meta[Meta::kOwner].store(b->thread_id, std::memory_order_relaxed);
  return Boolean(env, true);
}

// The slow-path operations share one bound function (fewer functions per
// lock and thread: each costs memory and creation time). Mirrored in
// lib/native.ts.
enum SlowOp : int32_t { kLockFor = 0, kArm = 1, kDisarm = 2 };

// slow(op, ms):
//   slow(kLockFor, ms): boolean. BLOCKS the calling thread until it holds the
//     lock (true) or `ms` milliseconds pass on the monotonic clock (false).
//     Callers wait in slices so that worker.terminate() is honoured between
//     them. A caller that already holds the lock gets false at once instead
//     of a self-deadlock; a non-number or NaN counts as 0.
//   slow(kArm): undefined. Never blocks (beyond the lock's short watch-list
//     lock). Asks for one call of this environment's wake handler with this
//     lock's id after the next release. Callers arm, then try the lock.
//   slow(kDisarm): undefined. Never blocks (as kArm). Cancels kArm.
//   Any other op: undefined, nothing done.
napi_value Slow(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2] = {nullptr, nullptr};
  Binding* b = BindingOf(env, info, &argc, args);
  LockState* s = b->state;
  int32_t op = -1;
  if (argc < 1 || napi_get_value_int32(env, args[0], &op) != napi_ok) return nullptr;
  if (op == kArm) {
    s->arm(b->env);
    return nullptr;
  }
  if (op == kDisarm) {
    s->disarm(b->env);
    return nullptr;
  }
  if (op != kLockFor) return nullptr;
  double ms = 0;
  if (argc < 2 || napi_get_value_double(env, args[1], &ms) != napi_ok || !(ms > 0)) ms = 0;
  if (ms > 1e12) ms = 1e12;  // ~30 years: keeps the time_point arithmetic in range
  if (s->meta[Meta::kOwner].load(std::memory_order_relaxed) == b->thread_id) {
    return Boolean(env, false);
  }
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double, std::milli>(ms));
  if (!s->mutex.lock_until(deadline)) return Boolean(env, false);
  s->meta[Meta::kOwner].store(b->thread_id, std::memory_order_relaxed);
  return Boolean(env, true);
}

// unlock(): undefined. Never blocks (beyond a short internal lock on the
// platforms whose timed wait is built on a condition variable). Clears OWNER,
// then releases the OS mutex. Unlocking a mutex the caller does not hold is
// undefined behaviour for the OS, so it is checked here too: then a no-op.
// Returns nothing: the result would cost a napi_get_boolean on the hot path.
napi_value Unlock(napi_env env, napi_callback_info info) {
  Binding* b = BindingOf(env, info, nullptr, nullptr);
  LockState* s = b->state;
  if (s->meta[Meta::kOwner].load(std::memory_order_relaxed) != b->thread_id) return nullptr;
  s->unlock_and_wake();
  return nullptr;
}

// Creates `name` on `target`: a function bound to (state, thread) that holds
// one registry reference of its own, dropped by its finalizer.
bool BindFunction(napi_env env, napi_value target, const char* name,
                  napi_callback callback, LockState* state, EnvState* es) {
  Registry::instance().add_ref(state);
  auto* binding = new Binding{state, es->thread_id, es};
  napi_value fn = nullptr;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, binding, &fn) != napi_ok ||
      napi_add_finalizer(env, fn, binding, FinalizeBinding, nullptr, nullptr) != napi_ok) {
    FinalizeBinding(env, binding, nullptr);
    return false;
  }
  return napi_set_named_property(env, target, name, fn) == napi_ok;
}

// Builds the RawLock object for `state`, consuming the one reference the
// caller holds (it is handed to `meta`). Returns an empty value with a
// pending exception on failure.
Napi::Value MakeRawLock(Napi::Env env, LockState* state, EnvState* es) {
  napi_value meta = nullptr;
  napi_status status = napi_create_external_arraybuffer(
      env, state->meta, sizeof(state->meta), FinalizeMeta, state, &meta);
  if (status != napi_ok) {
    Registry::instance().release(state);
    Napi::Error::New(env, "os-mutex: this runtime does not allow external ArrayBuffers")
        .ThrowAsJavaScriptException();
    return Napi::Value();
  }
  Napi::Object raw = Napi::Object::New(env);
  raw.Set("id", Napi::Number::New(env, static_cast<double>(state->id)));
  raw.Set("meta", Napi::Value(env, meta));
  if (!BindFunction(env, raw, "tryLock", TryLock, state, es) ||
      !BindFunction(env, raw, "unlock", Unlock, state, es) ||
      !BindFunction(env, raw, "slow", Slow, state, es)) {
    if (!env.IsExceptionPending()) {
      Napi::Error::New(env, "os-mutex: could not create lock functions").ThrowAsJavaScriptException();
    }
    return Napi::Value();
  }
  return raw;
}

EnvState* StateOf(Napi::Env env) { return env.GetInstanceData<EnvState>(); }

bool ParseKind(const Napi::Value& value, Kind* kind) {
  if (!value.IsNumber()) return false;
  int32_t k = value.As<Napi::Number>().Int32Value();
  if (k != static_cast<int32_t>(Kind::kMutex) && k != static_cast<int32_t>(Kind::kRecursive)) {
    return false;
  }
  *kind = static_cast<Kind>(k);
  return true;
}

bool RequireInit(Napi::Env env, EnvState* state) {
  if (state->thread_id != kNoOwner) return true;
  Napi::Error::New(env, "os-mutex: init(threadId) was not called in this thread")
      .ThrowAsJavaScriptException();
  return false;
}

// init(threadId): undefined. Never blocks. Once per environment.
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "init(threadId): threadId must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double id = info[0].As<Napi::Number>().DoubleValue();
  if (!(id >= 0 && id <= 2147483647.0) || std::floor(id) != id) {
    Napi::RangeError::New(env, "init(threadId): threadId out of range").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  StateOf(env)->thread_id = static_cast<int32_t>(id);
  return env.Undefined();
}

// create(kind): RawLock. Never blocks (beyond the registry's short lock).
Napi::Value Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* es = StateOf(env);
  Kind kind;
  if (!RequireInit(env, es)) return Napi::Value();
  if (info.Length() < 1 || !ParseKind(info[0], &kind)) {
    Napi::TypeError::New(env, "create(kind): unknown kind").ThrowAsJavaScriptException();
    return Napi::Value();
  }
  return MakeRawLock(env, Registry::instance().create(kind), es);
}

// open(id, kind, tag): RawLock, or undefined when no live lock of that kind
// has that id in this registry. Never blocks (beyond the registry's lock).
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* es = StateOf(env);
  Kind kind;
  if (!RequireInit(env, es)) return Napi::Value();
  if (info.Length() < 3 || !info[0].IsNumber() || !ParseKind(info[1], &kind) ||
      !info[2].IsNumber()) {
    return env.Undefined();
  }
  double id = info[0].As<Napi::Number>().DoubleValue();
  double tag = info[2].As<Napi::Number>().DoubleValue();
  if (!(id >= 1 && id <= 9007199254740991.0) || std::floor(id) != id ||
      tag != static_cast<double>(Registry::instance().tag())) {
    return env.Undefined();
  }
  LockState* state = Registry::instance().find_and_ref(static_cast<uint64_t>(id), kind);
  if (state == nullptr) return env.Undefined();
  return MakeRawLock(env, state, es);
}

// setWakeHandler(fn): undefined. Never blocks. fn(id) is called on this
// thread's event loop after a release of a lock this thread armed.
Napi::Value SetWakeHandler(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* es = StateOf(env);
  if (info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(env, "setWakeHandler(fn): fn must be a function").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (es->wake_handler != nullptr) napi_delete_reference(env, es->wake_handler);
  napi_create_reference(env, info[0], 1, &es->wake_handler);
  return env.Undefined();
}

// Runs on the environment's thread for each queued wake; env is null when
// Node drains the queue at teardown (then nothing may be touched).
void CallWakeHandler(napi_env env, napi_value /*js_cb*/, void* context, void* data) {
  if (env == nullptr) return;
  auto* es = static_cast<EnvState*>(context);
  napi_value handler = nullptr;
  if (es->wake_handler == nullptr || napi_get_reference_value(env, es->wake_handler, &handler) != napi_ok ||
      handler == nullptr) {
    return;
  }
  napi_value global = nullptr;
  napi_value id = nullptr;
  napi_get_global(env, &global);
  napi_create_double(env, static_cast<double>(reinterpret_cast<uintptr_t>(data)), &id);
  napi_call_function(env, global, handler, 1, &id, nullptr);
}

// findWaitCycle(id): undefined, or a flat array [thread, lockId, kind, ...]
// describing a wait cycle through the calling thread (see
// Registry::wait_and_find_cycle). Records that this thread waits, without a
// timeout, for lock `id`. Never blocks (beyond the registry's lock).
Napi::Value FindWaitCycle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* es = StateOf(env);
  if (!RequireInit(env, es)) return Napi::Value();
  if (info.Length() < 1 || !info[0].IsNumber()) return env.Undefined();
  double id = info[0].As<Napi::Number>().DoubleValue();
  if (!(id >= 1 && id <= 9007199254740991.0) || std::floor(id) != id) return env.Undefined();
  std::vector<Registry::CycleStep> cycle;
  if (!Registry::instance().wait_and_find_cycle(es->thread_id, static_cast<uint64_t>(id), &cycle)) {
    return env.Undefined();
  }
  Napi::Array result = Napi::Array::New(env, cycle.size() * 3);
  uint32_t i = 0;
  for (const auto& step : cycle) {
    result.Set(i++, Napi::Number::New(env, step.thread_id));
    result.Set(i++, Napi::Number::New(env, static_cast<double>(step.lock_id)));
    result.Set(i++, Napi::Number::New(env, static_cast<int32_t>(step.kind)));
  }
  return result;
}

// endWait(): undefined. Never blocks. This thread no longer waits.
Napi::Value EndWait(const Napi::CallbackInfo& info) {
  EnvState* es = StateOf(info.Env());
  if (es->thread_id != kNoOwner) Registry::instance().end_wait(es->thread_id);
  return info.Env().Undefined();
}

// The Atomics backend's buffer layout (lib/atomics.ts): OWNER, COUNT, FLAGS
// as registry.h's Meta, then the lock word and a magic number. The lock word
// is 0 when free, else (holder's threadId + 1) * 2, plus 1 when waiters may
// be parked.
constexpr int kAtomicsState = 3;
constexpr int kAtomicsMagicAt = 4;
constexpr int kAtomicsWords = 8;
constexpr int32_t kAtomicsMagic = 0x584d534f;  // "OSMX"

// Whether the object a weak reference names has not been collected.
bool Alive(napi_env env, napi_ref ref) {
  napi_value value = nullptr;
  return napi_get_reference_value(env, ref, &value) == napi_ok && value != nullptr;
}

// Drops the views whose lock objects were collected.
void PruneSharedLocks(napi_env env, EnvState* es) {
  auto& views = es->shared_locks;
  size_t kept = 0;
  for (auto& view : views) {
    if (Alive(env, view.ref)) {
      views[kept++] = view;
    } else {
      napi_delete_reference(env, view.ref);
    }
  }
  views.resize(kept);
  es->prune_at = kept * 2 > 64 ? kept * 2 : 64;
}

// watchSharedLock(int32Array): undefined. Never blocks. Records that this
// environment uses the Atomics-backend lock in that shared memory, so that
// its cleanup hook can release the lock if the thread dies holding it. A
// value that is not such a lock is ignored.
Napi::Value WatchSharedLock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* es = StateOf(env);
  if (info.Length() < 1 || !info[0].IsTypedArray()) return env.Undefined();
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, info[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array || length < static_cast<size_t>(kAtomicsWords) || data == nullptr) {
    return env.Undefined();
  }
  auto* words = static_cast<int32_t*>(data);
  if (reinterpret_cast<std::atomic<int32_t>*>(words)[kAtomicsMagicAt].load() != kAtomicsMagic) {
    return env.Undefined();
  }
  if (es->shared_locks.size() >= es->prune_at) PruneSharedLocks(env, es);
  napi_ref ref = nullptr;
  if (napi_create_reference(env, info[0], 0, &ref) == napi_ok) es->shared_locks.push_back({ref, words});
  return env.Undefined();
}

// Owner death for the Atomics backend, from the dying thread's cleanup hook.
// The lock word names the holder atomically, so a lock this thread holds is
// found whatever instant it died at; the bookkeeping is lib/atomics.ts's
// release, then the word is freed. Other threads may only set the waiters
// bit meanwhile (the lock is held), hence the retry. No Atomics.notify is
// possible from here: waiters see the free word when their timed wait slice
// ends (50 ms for blocking waits, 1 s for async ones).
void AbandonSharedLocks(EnvState* es) {
  napi_handle_scope scope = nullptr;
  if (napi_open_handle_scope(es->env, &scope) != napi_ok) return;
  const int32_t held = (es->thread_id + 1) * 2;
  for (auto& view : es->shared_locks) {
    if (Alive(es->env, view.ref)) {
      auto* w = reinterpret_cast<std::atomic<int32_t>*>(view.words);
      int32_t word = w[kAtomicsState].load();
      if ((word & ~1) == held) {
        w[Meta::kFlags].fetch_or(kFlagAbandoned);
        w[Meta::kCount].store(0);
        w[Meta::kOwner].store(kNoOwner);
        while (!w[kAtomicsState].compare_exchange_weak(word, 0) && (word & ~1) == held) {
        }
      }
    }
    napi_delete_reference(es->env, view.ref);
  }
  es->shared_locks.clear();
  napi_close_handle_scope(es->env, scope);
}

// registrySize(): number of live locks in the process. Never blocks.
Napi::Value RegistrySize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Registry::instance().size()));
}

// Runs on the environment's own thread as it shuts down (worker exit,
// terminate, process.exit, uncaught exception): owner death.
void CleanupEnv(void* arg) {
  auto* es = static_cast<EnvState*>(arg);
  Registry& registry = Registry::instance();
  registry.disarm_everywhere(es);  // from here on no thread calls es->wake()
  if (es->thread_id != kNoOwner) {
    registry.end_wait(es->thread_id);
    registry.abandon_all_held_by(es->thread_id);
    AbandonSharedLocks(es);
  }
  if (es->wake_handler != nullptr) napi_delete_reference(es->env, es->wake_handler);
  delete es;
}

void NoFinalize(Napi::Env /*env*/, EnvState* /*data*/) {}

// Never throws: in a worker that is already shutting down, Node-API calls
// fail and a JavaScript exception cannot be thrown (throwing would abort the
// process). On any failure the exports stay empty, lib/native.ts's load()
// fails, and this thread uses the Atomics backend.
Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  // Owned by the cleanup hook, which runs last for this environment; the
  // instance-data slot only lends it out.
  auto* es = new EnvState(env);
  napi_value name = nullptr;
  if (napi_create_string_utf8(env, "os-mutex wake", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, es,
                                      CallWakeHandler, &es->wake_tsfn) != napi_ok) {
    delete es;
    return exports;
  }
  napi_unref_threadsafe_function(env, es->wake_tsfn);  // pending waiters keep the loop alive, not this
  // Registered after the thread-safe function, so it runs before Node's own
  // teardown of it (cleanup hooks run in reverse order).
  if (napi_add_env_cleanup_hook(env, CleanupEnv, es) != napi_ok) {
    napi_release_threadsafe_function(es->wake_tsfn, napi_tsfn_abort);
    delete es;
    return exports;
  }
  env.SetInstanceData<EnvState, NoFinalize>(es);
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("create", Napi::Function::New(env, Create, "create"));
  exports.Set("open", Napi::Function::New(env, Open, "open"));
  exports.Set("registrySize", Napi::Function::New(env, RegistrySize, "registrySize"));
  exports.Set("setWakeHandler", Napi::Function::New(env, SetWakeHandler, "setWakeHandler"));
  exports.Set("findWaitCycle", Napi::Function::New(env, FindWaitCycle, "findWaitCycle"));
  exports.Set("endWait", Napi::Function::New(env, EndWait, "endWait"));
  exports.Set("watchSharedLock", Napi::Function::New(env, WatchSharedLock, "watchSharedLock"));
  exports.Set("tag", Napi::Number::New(env, Registry::instance().tag()));
  return exports;
}

}  // namespace
}  // namespace os_mutex

static Napi::Object InitOsMutex(Napi::Env env, Napi::Object exports) {
  return os_mutex::InitModule(env, exports);
}

NODE_API_MODULE(os_mutex, InitOsMutex)
