// env_functions.cc — the exports that configure this environment:
// init(threadId) and setWakeHandler(fn). See napi/env_state.h.
#include "napi/env_state.h"
#include "napi/exports.h"
#include "napi/js_values.h"

namespace os_mutex {
namespace binding {

// init(threadId): undefined. Never blocks. Records this environment's Node
// threadId (main thread 0), which every lock function then writes as OWNER.
// Call it once, before create/open/findWaitCycle; calling it again with the
// same id does nothing. Throws a TypeError for a non-number, a RangeError for
// a number that is not an integer in [0, 2^31 - 1], and an Error when this
// environment was already initialised with another id (its locks record the
// first one).
napi_value Init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg = nullptr;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok) return nullptr;
  EnvState* es = EnvState::Of(env);
  if (es == nullptr) return nullptr;
  napi_valuetype type = napi_undefined;
  if (argc < 1 || napi_typeof(env, arg, &type) != napi_ok || type != napi_number) {
    napi_throw_type_error(env, nullptr, "init(threadId): threadId must be a number");
    return nullptr;
  }
  double id = 0;
  if (!GetExactInt(env, arg, 0, 2147483647.0, &id)) {
    napi_throw_range_error(env, nullptr, "init(threadId): threadId out of range");
    return nullptr;
  }
  if (es->thread_id != contract::kNoOwner && es->thread_id != static_cast<int32_t>(id)) {
    napi_throw_error(env, nullptr, "init(threadId): this thread was initialised with another id");
    return nullptr;
  }
  es->thread_id = static_cast<int32_t>(id);
  return nullptr;
}

// setSlotWord(words): undefined. Never blocks. `words` (an Int32Array over a
// SharedArrayBuffer, at least one element; shared memory can never be
// detached or moved) becomes the word tryLock() and unlock() read their
// slot from: JavaScript stores the slot there, then calls them without
// arguments, which spares the hot path the argument conversions of
// Node-API. The view is held strongly until the environment goes or
// another replaces it. Throws a TypeError for anything else, an Error when
// the word cannot be kept.
napi_value SetSlotWord(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg = nullptr;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok) return nullptr;
  EnvState* es = EnvState::Of(env);
  if (es == nullptr) return nullptr;
  SharedInt32Array view;
  if (argc < 1 || !GetSharedInt32Array(env, arg, &view) || view.length < 1) {
    napi_throw_type_error(env, nullptr, "setSlotWord(words): words must be an Int32Array over shared memory");
    return nullptr;
  }
  napi_ref ref = nullptr;
  if (napi_create_reference(env, arg, 1, &ref) != napi_ok) {
    // lib/ must not go on without its slot word: every tryLock() would fail.
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) {
      napi_throw_error(env, nullptr, "os-mutex: setSlotWord(words) could not keep the word");
    }
    return nullptr;
  }
  if (es->slot_word_ref != nullptr) napi_delete_reference(env, es->slot_word_ref);
  es->slot_word_ref = ref;
  es->slot_word = view.words;
  return nullptr;
}

// setWakeHandler(fn): undefined. Never blocks. fn(id) is called on this
// thread's event loop after a release of a lock this environment armed
// (slow(slot, kSlowArm)); it replaces the previous handler. Throws a TypeError
// when fn is not a function.
napi_value SetWakeHandler(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value fn = nullptr;
  if (napi_get_cb_info(env, info, &argc, &fn, nullptr, nullptr) != napi_ok) return nullptr;
  EnvState* es = EnvState::Of(env);
  if (es == nullptr) return nullptr;
  napi_valuetype type = napi_undefined;
  if (argc < 1 || napi_typeof(env, fn, &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, nullptr, "setWakeHandler(fn): fn must be a function");
    return nullptr;
  }
  napi_ref handler = nullptr;
  if (napi_create_reference(env, fn, 1, &handler) != napi_ok) return nullptr;
  if (es->wake_handler != nullptr) napi_delete_reference(env, es->wake_handler);
  es->wake_handler = handler;
  return nullptr;
}

}  // namespace binding
}  // namespace os_mutex
