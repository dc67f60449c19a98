// js_values.h — reading and making the JavaScript values the binding uses.
//
// Defines (namespace os_mutex::binding):
//   SharedInt32Array      what an Int32Array over a SharedArrayBuffer gives C++
//   GetSharedInt32Array   validates such a view and reads it through Node-API
//   GetExactInt           a number that is an integer in a range
//   Boolean               a JavaScript boolean
//
// None of these throws (in C++ or JavaScript) or runs JavaScript code.
#ifndef OS_MUTEX_NAPI_JS_VALUES_H_
#define OS_MUTEX_NAPI_JS_VALUES_H_

#include <node_api.h>

#include <cstddef>

#include "core/lock_state.h"

namespace os_mutex {
namespace binding {

struct SharedInt32Array {
  SharedWord* words = nullptr;  // the view's first element
  size_t length = 0;            // in elements
  size_t byte_offset = 0;       // of the view in its buffer
  napi_value buffer = nullptr;  // the SharedArrayBuffer
};

// True when `value` is an Int32Array over a SharedArrayBuffer; fills `out`.
// Node-API 8 has no "is SharedArrayBuffer" call: the buffer under a typed
// array is either an ArrayBuffer or a SharedArrayBuffer, and
// napi_is_arraybuffer is true only for the former (V8's IsArrayBuffer()), so
// "not an ArrayBuffer" means shared. Shared memory matters for safety: it
// can never be detached, moved or shrunk, so a pointer into it stays valid
// while any JavaScript value holding the buffer is alive. Never blocks.
bool GetSharedInt32Array(napi_env env, napi_value value, SharedInt32Array* out);

// True when `value` is a number holding an integer in [min, max]; `*out` is
// it. Never blocks.
bool GetExactInt(napi_env env, napi_value value, double min, double max, double* out);

// `value` as a JavaScript boolean (null if Node-API fails, read as undefined).
inline napi_value Boolean(napi_env env, bool value) {
  napi_value result = nullptr;
  napi_get_boolean(env, value, &result);
  return result;
}

}  // namespace binding
}  // namespace os_mutex

#endif  // OS_MUTEX_NAPI_JS_VALUES_H_
