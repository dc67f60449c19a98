// exports.h — the functions napi/addon.cc exports, each defined in the file
// named beside it. All are Node-API callbacks: they never throw a C++
// exception; errors become pending JavaScript exceptions.
#ifndef OS_MUTEX_NAPI_EXPORTS_H_
#define OS_MUTEX_NAPI_EXPORTS_H_

#include <node_api.h>

namespace os_mutex {
namespace binding {

// env_functions.cc
napi_value Init(napi_env env, napi_callback_info info);            // init(threadId)
napi_value SetSlotWord(napi_env env, napi_callback_info info);     // setSlotWord(words)
napi_value SetWakeHandler(napi_env env, napi_callback_info info);  // setWakeHandler(fn)
// lock_functions.cc
napi_value Create(napi_env env, napi_callback_info info);        // create(kind, words, anchor)
napi_value Open(napi_env env, napi_callback_info info);          // open(id, kind, tag, words, anchor)
napi_value TryLock(napi_env env, napi_callback_info info);       // tryLock(slot)
napi_value Unlock(napi_env env, napi_callback_info info);        // unlock(slot)
napi_value IdOf(napi_env env, napi_callback_info info);          // idOf(slot)
napi_value Slow(napi_env env, napi_callback_info info);          // slow(slot, op, ms)
napi_value Sweep(napi_env env, napi_callback_info info);         // sweep()
napi_value RegistrySize(napi_env env, napi_callback_info info);  // registrySize()
// wait_functions.cc
napi_value FindWaitCycle(napi_env env, napi_callback_info info);  // findWaitCycle(id)
napi_value EndWait(napi_env env, napi_callback_info info);        // endWait()
// shared_locks.cc
napi_value WatchSharedLock(napi_env env, napi_callback_info info);  // watchSharedLock(words)

}  // namespace binding
}  // namespace os_mutex

#endif  // OS_MUTEX_NAPI_EXPORTS_H_
