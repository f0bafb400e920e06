#include "arguments.h"

#include <cmath>

namespace losskit {
namespace addon {

namespace {

[[noreturn]] void throwWithCode(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  throw error;
}

const char* typedArrayName(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "TypedArray";
  }
}

bool isNullish(const Napi::Value& value) {
  napi_valuetype type = napi_undefined;
  napi_typeof(value.Env(), value, &type);
  return type == napi_null || type == napi_undefined;
}

// A Float32Array or Float64Array read with one napi_get_typedarray_info call (its `data` already
// includes the view's byte offset); false for anything else. The per-call cost of the kernels'
// argument checks is mostly these Node-API calls, so they are kept to two per array.
bool readFloatTypedArray(const Napi::Value& value, FloatArray& out) {
  const napi_env env = value.Env();
  bool isTypedArray = false;
  if (napi_is_typedarray(env, value, &isTypedArray) != napi_ok || !isTypedArray) return false;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != napi_ok) {
    return false;
  }
  if (type != napi_float32_array && type != napi_float64_array) return false;
  out = {type == napi_float32_array ? Dtype::kFloat32 : Dtype::kFloat64, data, length, value};
  return true;
}

// Numbers as JavaScript prints them (2.5, 1e+21, NaN).
std::string numberText(const Napi::Value& value) {
  return value.ToString().Utf8Value();
}

}  // namespace

void throwTypeError(Napi::Env env, const std::string& message, const char* code) {
  throwWithCode(Napi::TypeError::New(env, message), code);
}

void throwRangeError(Napi::Env env, const std::string& message, const char* code) {
  throwWithCode(Napi::RangeError::New(env, message), code);
}

const char* dtypeName(Dtype dtype) {
  return dtype == Dtype::kFloat32 ? "Float32Array" : "Float64Array";
}

std::string describe(const Napi::Value& value) {
  if (value.IsUndefined()) return "undefined";
  if (value.IsNull()) return "null";
  if (value.IsNumber()) return "number " + numberText(value);
  if (value.IsBoolean()) return "boolean";
  if (value.IsString()) return "string";
  if (value.IsBigInt()) return "bigint";
  if (value.IsSymbol()) return "symbol";
  if (value.IsFunction()) return "function";
  if (value.IsArray()) return "Array";
  if (value.IsTypedArray()) return typedArrayName(value.As<Napi::TypedArray>().TypedArrayType());
  if (value.IsArrayBuffer()) return "ArrayBuffer";
  if (value.IsDataView()) return "DataView";
  return "object";
}

Arguments::Arguments(const Napi::CallbackInfo& info, const char* function)
    : info_(info), function_(function) {}

Napi::Value Arguments::at(size_t index) const { return info_[index]; }

std::string Arguments::about(const char* name) const {
  return std::string(function_) + ": '" + name + "' ";
}

void Arguments::typeError(const std::string& message) const { throwTypeError(env(), message); }

void Arguments::rangeError(const std::string& message) const { throwRangeError(env(), message); }

bool Arguments::optionalFloatArray(size_t index, const char* name, FloatArray& out) const {
  const Napi::Value value = at(index);
  if (isNullish(value)) return false;
  if (readFloatTypedArray(value, out)) return true;
  typeError(about(name) + "must be a Float32Array or Float64Array (got " + describe(value) + ")");
}

FloatArray Arguments::floatArray(size_t index, const char* name) const {
  FloatArray array{};
  if (!optionalFloatArray(index, name, array)) {
    typeError(about(name) + "must be a Float32Array or Float64Array (got " + describe(at(index)) +
              ")");
  }
  return array;
}

bool Arguments::optionalFloat64Array(size_t index, const char* name, FloatArray& out) const {
  const Napi::Value value = at(index);
  if (isNullish(value)) return false;
  if (readFloatTypedArray(value, out) && out.dtype == Dtype::kFloat64) return true;
  typeError(about(name) + "must be a Float64Array (got " + describe(value) + ")");
}

FloatArray Arguments::float64Array(size_t index, const char* name) const {
  FloatArray array{};
  if (!optionalFloat64Array(index, name, array)) {
    typeError(about(name) + "must be a Float64Array (got " + describe(at(index)) + ")");
  }
  return array;
}

size_t Arguments::integer(size_t index, const char* name, size_t min, size_t max) const {
  const Napi::Value value = at(index);
  // The message is built only on failure: this runs several times per kernel call.
  const auto expected = [&] {
    return max >= kUnboundedInteger
               ? "must be an integer >= " + std::to_string(min)
               : "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  };
  double number = 0;
  if (napi_get_value_double(env(), value, &number) != napi_ok) {
    typeError(about(name) + expected() + " (got " + describe(value) + ")");
  }
  if (!(number >= static_cast<double>(min) && number <= static_cast<double>(max)) ||
      std::floor(number) != number) {
    rangeError(about(name) + expected() + " (got " + numberText(value) + ")");
  }
  return static_cast<size_t>(number);
}

double Arguments::finiteNumber(size_t index, const char* name) const {
  const Napi::Value value = at(index);
  if (!value.IsNumber()) {
    typeError(about(name) + "must be a finite number (got " + describe(value) + ")");
  }
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number)) {
    rangeError(about(name) + "must be a finite number (got " + numberText(value) + ")");
  }
  return number;
}

std::string Arguments::string(size_t index, const char* name) const {
  const Napi::Value value = at(index);
  if (!value.IsString()) typeError(about(name) + "must be a string (got " + describe(value) + ")");
  return value.As<Napi::String>().Utf8Value();
}

void Arguments::requireSameDtype(const FloatArray& array, const char* name,
                                 const FloatArray& reference, const char* referenceName) const {
  if (array.dtype != reference.dtype) {
    typeError(about(name) + "must be a " + dtypeName(reference.dtype) + " like '" + referenceName +
              "' (got " + dtypeName(array.dtype) + ")");
  }
}

void Arguments::requireLength(const FloatArray& array, const char* name, size_t length) const {
  if (array.length != length) {
    rangeError(about(name) + "must have " + elements(length) + " (got " +
               std::to_string(array.length) + ")");
  }
}

std::string elements(size_t count) {
  return std::to_string(count) + (count == 1 ? " element" : " elements");
}

}  // namespace addon
}  // namespace losskit
