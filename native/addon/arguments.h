// Unwrapping and checking of the arguments the native entry points receive. Every check runs
// before any memory is touched and throws a JavaScript TypeError (wrong type) or RangeError
// (wrong size or value) whose `code` is 'LOSSKIT_NATIVE_ARGUMENT' and whose message names the
// function, the argument, what was expected and what was got, e.g.
//   "elementwise: 'grad' must have 12 elements (got 11)".
// Typed arrays are read in place: TypedArrayOf<T>::Data() already includes the view's byte
// offset; a 0-length array's pointer is never dereferenced.
#pragma once

#include <napi.h>

#include <cstddef>
#include <string>

namespace losskit {
namespace addon {

inline constexpr const char* kArgumentErrorCode = "LOSSKIT_NATIVE_ARGUMENT";
inline constexpr const char* kIsaUnsupportedCode = "LOSSKIT_ISA_UNSUPPORTED";

// Lengths and counts are at most 2^53, so every index is exact in a JavaScript number;
// Arguments::integer with this maximum reads "an integer >= min".
inline constexpr size_t kUnboundedInteger = size_t{1} << 53;

[[noreturn]] void throwTypeError(Napi::Env env, const std::string& message,
                                 const char* code = kArgumentErrorCode);
[[noreturn]] void throwRangeError(Napi::Env env, const std::string& message,
                                  const char* code = kArgumentErrorCode);

enum class Dtype { kFloat32, kFloat64 };

// "Float32Array" / "Float64Array".
const char* dtypeName(Dtype dtype);

// A Float32Array or Float64Array, viewed in place.
struct FloatArray {
  Dtype dtype;
  void* data;     // first element (byte offset applied); never dereference when length == 0
  size_t length;  // elements
  Napi::Value value;

  template <class T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

// The arguments of one call, with the function's name for messages.
class Arguments {
 public:
  Arguments(const Napi::CallbackInfo& info, const char* function);

  Napi::Env env() const { return info_.Env(); }
  const char* function() const { return function_; }

  // Float32Array or Float64Array (TypeError otherwise).
  FloatArray floatArray(size_t index, const char* name) const;
  // The same, or null/undefined (returns false).
  bool optionalFloatArray(size_t index, const char* name, FloatArray& out) const;
  // A Float64Array (TypeError otherwise).
  FloatArray float64Array(size_t index, const char* name) const;
  bool optionalFloat64Array(size_t index, const char* name, FloatArray& out) const;

  // An integer number in [min, max] (TypeError if not a number, RangeError otherwise).
  size_t integer(size_t index, const char* name, size_t min, size_t max) const;
  // A finite number.
  double finiteNumber(size_t index, const char* name) const;
  // A string.
  std::string string(size_t index, const char* name) const;

  // Checks that `array` has the same dtype as `reference` (TypeError).
  void requireSameDtype(const FloatArray& array, const char* name, const FloatArray& reference,
                        const char* referenceName) const;
  // Checks that `array` has exactly `length` elements (RangeError).
  void requireLength(const FloatArray& array, const char* name, size_t length) const;

  [[noreturn]] void typeError(const std::string& message) const;
  [[noreturn]] void rangeError(const std::string& message) const;

  // "<function>: '<name>' " - the start of every message about an argument.
  std::string about(const char* name) const;

 private:
  Napi::Value at(size_t index) const;

  const Napi::CallbackInfo& info_;
  const char* function_;
};

// "1 element", "12 elements".
std::string elements(size_t count);

// A short description of a value's type for messages: "null", "undefined", "number 3",
// "string", "Array", "Int32Array", "object" ...
std::string describe(const Napi::Value& value);

}  // namespace addon
}  // namespace losskit
