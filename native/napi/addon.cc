// addon.cc — the os-mutex addon's module initialisation and its exports.
//
// Exports, per environment (used only by lib/; none is public API):
//   init(threadId)                  env_functions.cc
//   setSlotWord(words)              env_functions.cc: where tryLock()/unlock() read their slot
//   setWakeHandler(fn)              env_functions.cc
//   tag                             this process's lock table tag (carried in handles)
//   create(kind, words, anchor)     lock_functions.cc: a new lock -> its slot | undefined
//   open(id, kind, tag, words, anchor)  lock_functions.cc: an existing lock -> its slot | undefined
//   tryLock(), unlock()             lock_functions.cc: the uncontended path (slot in the slot word;
//                                   tryLock() gives its receiver when taken, else undefined)
//   idOf(slot)                      lock_functions.cc: the lock's id
//   slow(slot, op, ms)              lock_functions.cc: timed acquisition, async arm/disarm
//   sweep()                         lock_functions.cc: frees entries of collected objects now
//   registrySize()                  lock_functions.cc: live native locks in the process
//   findWaitCycle(id), endWait()    wait_functions.cc: deadlock reports
//   watchSharedLock(words)          shared_locks.cc: owner death for Atomics-backend locks,
//                                   condition waiters and reader-writer lock holders
//   namedOpen, namedSetSlotWord,     named_functions.cc: machine-wide named locks
//   namedTryLock, namedUnlock,       (namedTryLock()/namedUnlock(): the uncontended path,
//   namedOp, namedRemove, namedUser, slot in the named slot word, as tryLock()/unlock())
//   namedSetWakeHandler, namedCount,
//   namedSweep                       (namedSweep(): frees entries of collected objects now)
//
// The layers below: platform/ (the OS mutex), core/ (lock table, wake lists,
// wait graph, owner death; no Node), napi/ (this file, per-environment state
// and the JavaScript-facing functions).
#include <node_api.h>

#include "core/lock_table.h"
#include "napi/env_state.h"
#include "napi/exports.h"
#include "napi/named_functions.h"

namespace os_mutex {
namespace binding {
namespace {

// Never throws: in a worker that is already shutting down, Node-API calls
// fail and a JavaScript exception cannot be thrown (throwing would abort the
// process). On any failure the module's exports stay empty, lib/ sees no
// native functions, and this thread uses the Atomics backend.
napi_value InitModule(napi_env env, napi_value exports) {
  EnvState* es = EnvState::Create(env);
  if (es == nullptr) return exports;
  napi_value tag = nullptr;
  napi_value result = nullptr;
  if (napi_create_uint32(env, LockTable::instance().tag(), &tag) != napi_ok ||
      napi_create_object(env, &result) != napi_ok) {
    return exports;
  }
  const napi_property_attributes kAttrs = napi_enumerable;
  NamedEnv* named = NamedEnv::Create(env, es);  // null: the named exports do nothing
  const napi_property_descriptor properties[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, kAttrs, nullptr},
      {"setSlotWord", nullptr, SetSlotWord, nullptr, nullptr, nullptr, kAttrs, nullptr},
      {"setWakeHandler", nullptr, SetWakeHandler, nullptr, nullptr, nullptr, kAttrs, nullptr},
      {"tag", nullptr, nullptr, nullptr, nullptr, tag, kAttrs, nullptr},
      {"create", nullptr, Create, nullptr, nullptr, nullptr, kAttrs, nullptr},
      {"open", nullptr, Open, nullptr, nullptr, nullptr, kAttrs, nullptr},
      {"tryLock", nullptr, TryLock, nullptr, nullptr, nullptr, kAttrs, es},
      {"unlock", nullptr, Unlock, nullptr, nullptr, nullptr, kAttrs, es},
      {"idOf", nullptr, IdOf, nullptr, nullptr, nullptr, kAttrs, es},
      {"slow", nullptr, Slow, nullptr, nullptr, nullptr, kAttrs, es},
      {"sweep", nullptr, Sweep, nullptr, nullptr, nullptr, kAttrs, nullptr},
      {"registrySize", nullptr, RegistrySize, nullptr, nullptr, nullptr, kAttrs, nullptr},
      {"findWaitCycle", nullptr, FindWaitCycle, nullptr, nullptr, nullptr, kAttrs, nullptr},
      {"endWait", nullptr, EndWait, nullptr, nullptr, nullptr, kAttrs, nullptr},
      {"watchSharedLock", nullptr, WatchSharedLock, nullptr, nullptr, nullptr, kAttrs, nullptr},
      {"namedOpen", nullptr, NamedOpen, nullptr, nullptr, nullptr, kAttrs, named},
      {"namedSetSlotWord", nullptr, NamedSetSlotWord, nullptr, nullptr, nullptr, kAttrs, named},
      {"namedTryLock", nullptr, NamedTryLock, nullptr, nullptr, nullptr, kAttrs, named},
      {"namedUnlock", nullptr, NamedUnlock, nullptr, nullptr, nullptr, kAttrs, named},
      {"namedOp", nullptr, NamedOp, nullptr, nullptr, nullptr, kAttrs, named},
      {"namedRemove", nullptr, NamedRemove, nullptr, nullptr, nullptr, kAttrs, named},
      {"namedUser", nullptr, NamedUser, nullptr, nullptr, nullptr, kAttrs, named},
      {"namedSetWakeHandler", nullptr, NamedSetWakeHandler, nullptr, nullptr, nullptr, kAttrs, named},
      {"namedCount", nullptr, NamedCount, nullptr, nullptr, nullptr, kAttrs, named},
      {"namedSweep", nullptr, NamedSweep, nullptr, nullptr, nullptr, kAttrs, named},
  };
  if (napi_define_properties(env, result, sizeof(properties) / sizeof(properties[0]),
                             properties) != napi_ok) {
    return exports;
  }
  return result;
}

}  // namespace
}  // namespace binding
}  // namespace os_mutex

NAPI_MODULE_INIT() { return os_mutex::binding::InitModule(env, exports); }
