// js_values.cc — see js_values.h.
#include "napi/js_values.h"

#include <cmath>

namespace os_mutex {
namespace binding {

bool GetSharedInt32Array(napi_env env, napi_value value, SharedInt32Array* out) {
  bool is_typed_array = false;
  if (value == nullptr || napi_is_typedarray(env, value, &is_typed_array) != napi_ok ||
      !is_typed_array) {
    return false;
  }
  napi_typedarray_type type = napi_uint8_array;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer = nullptr;
  size_t byte_offset = 0;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &byte_offset) !=
          napi_ok ||
      type != napi_int32_array || data == nullptr || buffer == nullptr) {
    return false;
  }
  bool is_plain_array_buffer = true;
  if (napi_is_arraybuffer(env, buffer, &is_plain_array_buffer) != napi_ok ||
      is_plain_array_buffer) {
    return false;
  }
  out->words = static_cast<SharedWord*>(data);
  out->length = length;
  out->byte_offset = byte_offset;
  out->buffer = buffer;
  return true;
}

bool GetExactInt(napi_env env, napi_value value, double min, double max, double* out) {
  napi_valuetype type = napi_undefined;
  double number = 0;
  if (value == nullptr || napi_typeof(env, value, &type) != napi_ok || type != napi_number ||
      napi_get_value_double(env, value, &number) != napi_ok) {
    return false;
  }
  if (!(number >= min && number <= max) || std::floor(number) != number) return false;
  *out = number;
  return true;
}

}  // namespace binding
}  // namespace os_mutex
