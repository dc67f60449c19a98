// Electron-mode shim, force-included (-include) into every source file by
// scripts/test-electron-mode.sh; not part of any shipped build.
//
// Electron >= 21 runs V8 with the memory cage, and its Node-API refuses
// memory allocated outside V8: napi_create_external_arraybuffer and
// napi_create_external_buffer return napi_no_external_buffers_allowed.
// This header makes a Node build behave the same, so that the test suite
// can show the addon never depends on them. node-addon-api's own wrappers
// of those functions are removed by NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED
// (also defined by the script), so a use of them does not even compile.
#pragma once
#include <node_api.h>  // declared first, under their real names

template <typename... Args>
static inline napi_status os_mutex_electron_refuses_external_buffers(Args...) {
  return napi_no_external_buffers_allowed;
}
#define napi_create_external_arraybuffer os_mutex_electron_refuses_external_buffers
#define napi_create_external_buffer os_mutex_electron_refuses_external_buffers
