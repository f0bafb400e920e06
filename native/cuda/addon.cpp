// Node-API glue of the optional CUDA addon (build/Release/losskit_cuda.node), loaded lazily by
// lib/backend/cuda-binding.ts. Device memory lives in handles (Napi::External, type-tagged)
// that lib/cuda wraps as DeviceTensor; a handle's memory is freed by free() or, failing that,
// by the handle's finalizer. Every CUDA status is checked and turned into a JavaScript Error
// with code 'LOSSKIT_CUDA_ERROR' and the CUDA error's name and string; argument problems are
// TypeError / RangeError with code 'LOSSKIT_NATIVE_ARGUMENT', raised before any device work.
//
// Calls are synchronous (each returns after its kernels finished: the value comes back to the
// host) and serialised process-wide by one mutex, so worker threads that load the addon too
// cannot interleave on the default stream or race on the device.
#include <napi.h>

#include <cuda_runtime_api.h>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <mutex>
#include <string>

#include "launch.h"
#include "ordered_reduce.cuh"

namespace losskit {
namespace cuda {
namespace {

constexpr const char* kArgumentCode = "LOSSKIT_NATIVE_ARGUMENT";
constexpr const char* kCudaCode = "LOSSKIT_CUDA_ERROR";
constexpr napi_type_tag kHandleTag = {0x6c6f73736b697463ull, 0x7564614275666672ull};  // "losskitcudaBuffr"

// Recursive: a finalizer (Finalize) that the runtime might run while a call on the same
// thread holds the lock (an allocation inside the call triggering a collection) must not
// deadlock.
std::recursive_mutex gDeviceMutex;
std::atomic<size_t> gBytesInUse{0};

struct DeviceBuffer {
  void* data = nullptr;  // null for 0 elements, and once freed
  bool freed = false;
  size_t length = 0;     // elements
  size_t bytes = 0;
  Dtype dtype = kFloat32;
};

size_t dtypeSize(Dtype dtype) { return dtype == kFloat64 ? 8 : 4; }
const char* dtypeName(Dtype dtype) { return dtype == kFloat32 ? "float32" : dtype == kFloat64 ? "float64" : "int32"; }

[[noreturn]] void throwArgument(Napi::Env env, const std::string& message, bool range) {
  Napi::Error error = range ? static_cast<Napi::Error>(Napi::RangeError::New(env, message))
                            : static_cast<Napi::Error>(Napi::TypeError::New(env, message));
  error.Set("code", Napi::String::New(env, kArgumentCode));
  throw error;
}

[[noreturn]] void throwCuda(Napi::Env env, cudaError_t status, const std::string& what) {
  // A failed runtime call (cudaMalloc out of memory, say) stays the thread's last error until
  // read: cleared here, or the next call's launch check would report it again. Sticky errors
  // (a broken context) stay.
  cudaGetLastError();
  Napi::Error error = Napi::Error::New(env, "CUDA error in " + what + ": " + cudaGetErrorString(status) + " (" +
                                                cudaGetErrorName(status) + ")");
  error.Set("code", Napi::String::New(env, kCudaCode));
  error.Set("cudaError", Napi::String::New(env, cudaGetErrorName(status)));
  throw error;
}

void check(Napi::Env env, cudaError_t status, const char* what) {
  if (status != cudaSuccess) throwCuda(env, status, what);
}

// Device memory for the length of one call (host arrays copied up for it): freed on every path.
class Temporary {
 public:
  Temporary() = default;
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;
  ~Temporary() {
    if (data_ != nullptr) cudaFree(data_);
  }
  void upload(Napi::Env env, const void* host, size_t bytes, const char* what) {
    if (bytes == 0) return;
    check(env, cudaMalloc(&data_, bytes), what);
    check(env, cudaMemcpy(data_, host, bytes, cudaMemcpyHostToDevice), what);
  }
  void allocate(Napi::Env env, size_t bytes, const char* what) {
    if (bytes > 0) check(env, cudaMalloc(&data_, bytes), what);
  }
  template <class T>
  T* get() const {
    return static_cast<T*>(data_);
  }

 private:
  void* data_ = nullptr;
};

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* function) : info_(info), function_(function) {}
  Napi::Env env() const { return info_.Env(); }

  std::string about(const char* name) const { return std::string(function_) + ": '" + name + "' "; }

  bool isNull(size_t i) const { return info_[i].IsNull() || info_[i].IsUndefined(); }

  DeviceBuffer* handle(size_t i, const char* name) const {
    const Napi::Value value = info_[i];
    if (!value.IsExternal() || !value.As<Napi::External<DeviceBuffer>>().CheckTypeTag(&kHandleTag)) {
      throwArgument(env(), about(name) + "must be a device buffer handle", false);
    }
    DeviceBuffer* buffer = value.As<Napi::External<DeviceBuffer>>().Data();
    if (buffer->freed) throwArgument(env(), about(name) + "was disposed", false);
    return buffer;
  }
  DeviceBuffer* optionalHandle(size_t i, const char* name) const { return isNull(i) ? nullptr : handle(i, name); }

  DeviceBuffer* floatHandle(size_t i, const char* name, Dtype dtype, size_t length) const {
    DeviceBuffer* buffer = handle(i, name);
    requireHandle(buffer, name, dtype, length);
    return buffer;
  }
  void requireHandle(const DeviceBuffer* buffer, const char* name, Dtype dtype, size_t length) const {
    if (buffer->dtype != dtype) {
      throwArgument(env(), about(name) + "must be " + dtypeName(dtype) + " (got " + dtypeName(buffer->dtype) + ")", false);
    }
    if (buffer->length != length) {
      throwArgument(env(), about(name) + "must have " + std::to_string(length) + " elements (got " +
                               std::to_string(buffer->length) + ")", true);
    }
  }

  // A Float64Array of `length` elements, or null (returns nullptr).
  const double* optionalDoubles(size_t i, const char* name, size_t length) const {
    if (isNull(i)) return nullptr;
    return doubles(i, name, length);
  }
  double* doubles(size_t i, const char* name, size_t length) const {
    const Napi::Value value = info_[i];
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throwArgument(env(), about(name) + "must be a Float64Array", false);
    }
    Napi::Float64Array array = value.As<Napi::Float64Array>();
    if (length != SIZE_MAX && array.ElementLength() != length) {
      throwArgument(env(), about(name) + "must have " + std::to_string(length) + " elements (got " +
                               std::to_string(array.ElementLength()) + ")", true);
    }
    return array.ElementLength() == 0 ? nullptr : array.Data();
  }

  size_t integer(size_t i, const char* name, size_t min, size_t max) const {
    if (!info_[i].IsNumber()) throwArgument(env(), about(name) + "must be a number", false);
    const double v = info_[i].As<Napi::Number>().DoubleValue();
    if (!(v >= static_cast<double>(min) && v <= static_cast<double>(max)) || std::floor(v) != v) {
      throwArgument(env(), about(name) + "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                               "] (got " + info_[i].ToString().Utf8Value() + ")", true);
    }
    return static_cast<size_t>(v);
  }
  double number(size_t i, const char* name) const {
    if (!info_[i].IsNumber()) throwArgument(env(), about(name) + "must be a number", false);
    return info_[i].As<Napi::Number>().DoubleValue();
  }
  // An integer in int's range, negative ones included (an ignoreClass such as -100).
  int int32(size_t i, const char* name) const {
    const double v = number(i, name);
    if (!(v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max()) || std::floor(v) != v) {
      throwArgument(env(), about(name) + "must be an integer in int32's range (got " + info_[i].ToString().Utf8Value() + ")", true);
    }
    return static_cast<int>(v);
  }
  // The optional gradient: `length` elements of `dtype`, and none of the inputs (the kernels
  // read their inputs while they write it, and declare their pointers __restrict__).
  DeviceBuffer* optionalGrad(size_t i, Dtype dtype, size_t length, std::initializer_list<const DeviceBuffer*> inputs) const {
    DeviceBuffer* grad = optionalHandle(i, "grad");
    if (grad == nullptr) return nullptr;
    requireHandle(grad, "grad", dtype, length);
    for (const DeviceBuffer* input : inputs) {
      if (input == grad) throwArgument(env(), about("grad") + "must not be one of the inputs", false);
    }
    return grad;
  }
  bool boolean(size_t i, const char* name) const {
    if (!info_[i].IsBoolean()) throwArgument(env(), about(name) + "must be a boolean", false);
    return info_[i].As<Napi::Boolean>().Value();
  }
  // A typed array viewed in place: its bytes and element type.
  Napi::TypedArray typedArray(size_t i, const char* name) const {
    if (!info_[i].IsTypedArray()) throwArgument(env(), about(name) + "must be a typed array", false);
    return info_[i].As<Napi::TypedArray>();
  }

 private:
  const Napi::CallbackInfo& info_;
  const char* function_;
};

constexpr size_t kMaxLength = size_t{1} << 53;

// ---- Availability ---------------------------------------------------------------------------

Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
  Napi::Object out = Napi::Object::New(env);
  int runtimeVersion = 0, driverVersion = 0, count = 0;
  cudaRuntimeGetVersion(&runtimeVersion);
  // 0 when no driver is installed (the static runtime could not load libcuda.so.1).
  const cudaError_t driverStatus = cudaDriverGetVersion(&driverVersion);
  const cudaError_t status = cudaGetDeviceCount(&count);
  out.Set("runtimeVersion", runtimeVersion);
  out.Set("driverVersion", driverStatus == cudaSuccess ? driverVersion : 0);
  out.Set("error", status == cudaSuccess ? env.Null() : Napi::String::New(env, cudaGetErrorName(status)));
  out.Set("errorString", status == cudaSuccess ? env.Null() : Napi::String::New(env, cudaGetErrorString(status)));
  Napi::Array devices = Napi::Array::New(env);
  if (status == cudaSuccess) {
    for (int d = 0; d < count; ++d) {
      cudaDeviceProp prop{};
      if (cudaGetDeviceProperties(&prop, d) != cudaSuccess) continue;
      int memoryClockKhz = 0, busWidth = 0;
      cudaDeviceGetAttribute(&memoryClockKhz, cudaDevAttrMemoryClockRate, d);
      cudaDeviceGetAttribute(&busWidth, cudaDevAttrGlobalMemoryBusWidth, d);
      Napi::Object device = Napi::Object::New(env);
      device.Set("index", d);
      device.Set("name", prop.name);
      device.Set("major", prop.major);
      device.Set("minor", prop.minor);
      device.Set("totalMemory", static_cast<double>(prop.totalGlobalMem));
      device.Set("multiProcessors", prop.multiProcessorCount);
      // Theoretical peak: double data rate x bus width (GB/s); the bench measures the real one.
      device.Set("peakBandwidthGBs", 2.0 * memoryClockKhz * 1e3 * (busWidth / 8.0) / 1e9);
      devices.Set(static_cast<uint32_t>(devices.Length()), device);
    }
  }
  // cudaGetDeviceCount leaves a non-sticky error behind: clear it so later calls start clean.
  cudaGetLastError();
  out.Set("devices", devices);
  return out;
}

// ---- Device buffers -------------------------------------------------------------------------

void Finalize(Napi::Env, DeviceBuffer* buffer) {
  if (buffer->data != nullptr) {
    std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
    cudaFree(buffer->data);  // at process exit the runtime may already be gone: nothing to report
    gBytesInUse -= buffer->bytes;
  }
  delete buffer;
}

Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Args args(info, "alloc");
  const size_t dtype = args.integer(0, "dtype", 0, 2);
  const size_t length = args.integer(1, "length", 0, kMaxLength);
  // Owned here until the handle takes it: a throw on the way (the JS heap exhausted) frees it.
  std::unique_ptr<DeviceBuffer, void (*)(DeviceBuffer*)> buffer(new DeviceBuffer, [](DeviceBuffer* b) { Finalize(nullptr, b); });
  buffer->dtype = static_cast<Dtype>(dtype);
  buffer->length = length;
  buffer->bytes = length * dtypeSize(buffer->dtype);
  if (buffer->bytes > 0) {
    std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
    const cudaError_t status = cudaMalloc(&buffer->data, buffer->bytes);
    if (status != cudaSuccess) {
      buffer->data = nullptr;
      throwCuda(info.Env(), status, "cudaMalloc (" + std::to_string(length) + " " + dtypeName(static_cast<Dtype>(dtype)) + " elements)");
    }
    gBytesInUse += buffer->bytes;
  }
  Napi::External<DeviceBuffer> handle = Napi::External<DeviceBuffer>::New(info.Env(), buffer.get(), Finalize);
  buffer.release();  // the handle's finalizer frees it from here on
  handle.TypeTag(&kHandleTag);
  return handle;
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  Args args(info, "free");
  const Napi::Value value = info[0];
  if (!value.IsExternal() || !value.As<Napi::External<DeviceBuffer>>().CheckTypeTag(&kHandleTag)) {
    throwArgument(info.Env(), "free: 'handle' must be a device buffer handle", false);
  }
  DeviceBuffer* buffer = value.As<Napi::External<DeviceBuffer>>().Data();
  if (buffer->data != nullptr) {
    std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
    const cudaError_t status = cudaFree(buffer->data);
    buffer->data = nullptr;
    gBytesInUse -= buffer->bytes;
    buffer->freed = true;
    check(info.Env(), status, "cudaFree");
  }
  buffer->freed = true;
  return info.Env().Undefined();
}

// The typed array must hold exactly the buffer's elements, in its dtype.
void requireMatchingArray(const Args& args, const Napi::TypedArray& array, const DeviceBuffer* buffer, const char* function) {
  const napi_typedarray_type want = buffer->dtype == kFloat32   ? napi_float32_array
                                    : buffer->dtype == kFloat64 ? napi_float64_array
                                                                : napi_int32_array;
  if (array.TypedArrayType() != want) {
    throwArgument(args.env(), std::string(function) + ": the typed array must be a " + dtypeName(buffer->dtype) + " array", false);
  }
  if (array.ElementLength() != buffer->length) {
    throwArgument(args.env(), std::string(function) + ": the typed array must have " + std::to_string(buffer->length) +
                                  " elements (got " + std::to_string(array.ElementLength()) + ")", true);
  }
}

void* arrayData(const Napi::TypedArray& array) {
  return static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
}

Napi::Value Upload(const Napi::CallbackInfo& info) {
  Args args(info, "upload");
  DeviceBuffer* buffer = args.handle(0, "handle");
  const Napi::TypedArray array = args.typedArray(1, "data");
  requireMatchingArray(args, array, buffer, "upload");
  if (buffer->bytes > 0) {
    std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
    check(info.Env(), cudaMemcpy(buffer->data, arrayData(array), buffer->bytes, cudaMemcpyHostToDevice), "cudaMemcpy (host to device)");
  }
  return info.Env().Undefined();
}

Napi::Value Download(const Napi::CallbackInfo& info) {
  Args args(info, "download");
  DeviceBuffer* buffer = args.handle(0, "handle");
  const Napi::TypedArray array = args.typedArray(1, "out");
  requireMatchingArray(args, array, buffer, "download");
  if (buffer->bytes > 0) {
    std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
    check(info.Env(), cudaMemcpy(arrayData(array), buffer->data, buffer->bytes, cudaMemcpyDeviceToHost), "cudaMemcpy (device to host)");
  }
  return info.Env().Undefined();
}

Napi::Value CopyDevice(const Napi::CallbackInfo& info) {
  Args args(info, "copyDevice");
  DeviceBuffer* dst = args.handle(0, "dst");
  DeviceBuffer* src = args.handle(1, "src");
  args.requireHandle(src, "src", dst->dtype, dst->length);
  if (dst->bytes > 0) {
    std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
    check(info.Env(), cudaMemcpy(dst->data, src->data, dst->bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy (device to device)");
  }
  return info.Env().Undefined();
}

Napi::Value MemoryInUse(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(gBytesInUse.load()));
}

// ---- Losses ---------------------------------------------------------------------------------

// elementwise(kernel, yTrue, yPred, aux, params, rowLength, sampleWeight, perSample, grad,
//             gradScale) -> sum_i w_i l_i. yTrue, yPred, aux, grad: device handles of one
// dtype and length (aux and grad may be null); params, sampleWeight, perSample: host
// Float64Arrays (perSample receives w_i l_i).
Napi::Value Elementwise(const Napi::CallbackInfo& info) {
  Args args(info, "elementwise");
  Napi::Env env = info.Env();
  const int kernel = static_cast<int>(args.integer(0, "kernel", 0, 1000));
  int paramCount = 0;
  bool needsAux = false;
  if (!elementwiseKernelInfo(kernel, &paramCount, &needsAux)) {
    throwArgument(env, "elementwise: kernel " + std::to_string(kernel) + " has no CUDA implementation", true);
  }
  DeviceBuffer* yPred = args.handle(2, "yPred");
  if (yPred->dtype == kInt32) throwArgument(env, "elementwise: 'yPred' must be float32 or float64", false);
  const size_t n = yPred->length;
  DeviceBuffer* yTrue = args.floatHandle(1, "yTrue", yPred->dtype, n);
  DeviceBuffer* aux = args.optionalHandle(3, "aux");
  if (aux != nullptr) args.requireHandle(aux, "aux", yPred->dtype, n);
  if (needsAux && aux == nullptr) throwArgument(env, "elementwise: 'aux' is required by this kernel", false);
  const double* params = args.doubles(4, "params", static_cast<size_t>(paramCount));
  const size_t rowLength = args.integer(5, "rowLength", 1, kMaxLength);
  if (n == 0 || n % rowLength != 0) {
    throwArgument(env, "elementwise: 'rowLength' must divide the element count " + std::to_string(n) + " (got " +
                           std::to_string(rowLength) + ")", true);
  }
  const size_t rows = n / rowLength;
  const double* sampleWeight = args.optionalDoubles(6, "sampleWeight", rows);
  double* perSample = args.isNull(7) ? nullptr : args.doubles(7, "perSample", rows);
  DeviceBuffer* grad = args.optionalGrad(8, yPred->dtype, n, {yTrue, yPred, aux});
  const double gradScale = args.number(9, "gradScale");

  std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
  Temporary weights, perSampleDevice;
  weights.upload(env, sampleWeight, sampleWeight != nullptr ? rows * sizeof(double) : 0, "cudaMalloc/cudaMemcpy (sampleWeight)");
  if (perSample != nullptr) perSampleDevice.allocate(env, rows * sizeof(double), "cudaMalloc (perSample)");
  ElementwiseLaunch call{kernel, yPred->dtype, yTrue->data, yPred->data, aux != nullptr ? aux->data : nullptr,
                         params, n, rowLength, weights.get<double>(), perSampleDevice.get<double>(),
                         grad != nullptr ? grad->data : nullptr, gradScale};
  double total = 0.0;
  check(env, runElementwise(call, &total), "elementwise kernel");
  if (perSample != nullptr) {
    check(env, cudaMemcpy(perSample, perSampleDevice.get<double>(), rows * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy (perSample)");
  }
  return Napi::Number::New(env, total);
}

// categorical(fromLogits, labelSmoothing, yTrue, yPred, classCount, classWeight, sampleWeight,
//             perSample, grad, gradScale)
Napi::Value Categorical(const Napi::CallbackInfo& info) {
  Args args(info, "categorical");
  Napi::Env env = info.Env();
  const bool fromLogits = args.boolean(0, "fromLogits");
  const double smoothing = args.number(1, "labelSmoothing");
  DeviceBuffer* yPred = args.handle(3, "yPred");
  if (yPred->dtype == kInt32) throwArgument(env, "categorical: 'yPred' must be float32 or float64", false);
  const size_t n = yPred->length;
  DeviceBuffer* yTrue = args.floatHandle(2, "yTrue", yPred->dtype, n);
  const size_t classCount = args.integer(4, "classCount", 1, kMaxLength);
  if (n == 0 || n % classCount != 0) {
    throwArgument(env, "categorical: 'classCount' must divide the element count " + std::to_string(n), true);
  }
  const size_t rows = n / classCount;
  const double* classWeight = args.optionalDoubles(5, "classWeight", classCount);
  const double* sampleWeight = args.optionalDoubles(6, "sampleWeight", rows);
  double* perSample = args.isNull(7) ? nullptr : args.doubles(7, "perSample", rows);
  DeviceBuffer* grad = args.optionalGrad(8, yPred->dtype, n, {yTrue, yPred});
  const double gradScale = args.number(9, "gradScale");

  std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
  Temporary classWeights, weights, perSampleDevice;
  classWeights.upload(env, classWeight, classWeight != nullptr ? classCount * sizeof(double) : 0, "cudaMalloc/cudaMemcpy (classWeight)");
  weights.upload(env, sampleWeight, sampleWeight != nullptr ? rows * sizeof(double) : 0, "cudaMalloc/cudaMemcpy (sampleWeight)");
  if (perSample != nullptr) perSampleDevice.allocate(env, rows * sizeof(double), "cudaMalloc (perSample)");
  CategoricalLaunch call{fromLogits, smoothing, yPred->dtype, yTrue->data, yPred->data, rows, classCount,
                         classWeights.get<double>(), weights.get<double>(), perSampleDevice.get<double>(),
                         grad != nullptr ? grad->data : nullptr, gradScale};
  double total = 0.0;
  check(env, runCategorical(call, &total), "categorical kernel");
  if (perSample != nullptr) {
    check(env, cudaMemcpy(perSample, perSampleDevice.get<double>(), rows * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy (perSample)");
  }
  return Napi::Number::New(env, total);
}

// sparse(fromLogits, labels, yPred, classCount, ignoreClass, sampleWeight, perSample, grad,
//        gradScale). labels: an int32 device handle of rows elements, already checked by lib
// (each in [0, classCount) or ignoreClass: the kernel indexes the row with it).
Napi::Value Sparse(const Napi::CallbackInfo& info) {
  Args args(info, "sparse");
  Napi::Env env = info.Env();
  const bool fromLogits = args.boolean(0, "fromLogits");
  DeviceBuffer* yPred = args.handle(2, "yPred");
  if (yPred->dtype == kInt32) throwArgument(env, "sparse: 'yPred' must be float32 or float64", false);
  const size_t n = yPred->length;
  const size_t classCount = args.integer(3, "classCount", 1, 2147483647);
  if (n == 0 || n % classCount != 0) {
    throwArgument(env, "sparse: 'classCount' must divide the element count " + std::to_string(n), true);
  }
  const size_t rows = n / classCount;
  DeviceBuffer* labels = args.floatHandle(1, "labels", kInt32, rows);
  const bool hasIgnore = !args.isNull(4);
  const int ignoreClass = hasIgnore ? args.int32(4, "ignoreClass") : 0;
  const double* sampleWeight = args.optionalDoubles(5, "sampleWeight", rows);
  double* perSample = args.isNull(6) ? nullptr : args.doubles(6, "perSample", rows);
  DeviceBuffer* grad = args.optionalGrad(7, yPred->dtype, n, {yPred});
  const double gradScale = args.number(8, "gradScale");

  std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
  Temporary weights, perSampleDevice;
  weights.upload(env, sampleWeight, sampleWeight != nullptr ? rows * sizeof(double) : 0, "cudaMalloc/cudaMemcpy (sampleWeight)");
  if (perSample != nullptr) perSampleDevice.allocate(env, rows * sizeof(double), "cudaMalloc (perSample)");
  SparseLaunch call{fromLogits, yPred->dtype, static_cast<const int*>(labels->data), yPred->data, rows, classCount,
                    hasIgnore, ignoreClass, weights.get<double>(), perSampleDevice.get<double>(),
                    grad != nullptr ? grad->data : nullptr, gradScale};
  double total = 0.0;
  check(env, runSparse(call, &total), "sparse kernel");
  if (perSample != nullptr) {
    check(env, cudaMemcpy(perSample, perSampleDevice.get<double>(), rows * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy (perSample)");
  }
  return Napi::Number::New(env, total);
}

// ---- Helpers for lib, tests and the bench ---------------------------------------------------

Napi::Value AllZeroOrOne(const Napi::CallbackInfo& info) {
  Args args(info, "allZeroOrOne");
  DeviceBuffer* values = args.handle(0, "values");
  if (values->dtype == kInt32) throwArgument(info.Env(), "allZeroOrOne: 'values' must be float32 or float64", false);
  bool result = true;
  if (values->length > 0) {
    std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
    check(info.Env(), runAllZeroOrOne(values->dtype, values->data, values->length, &result), "label check kernel");
  }
  return Napi::Boolean::New(info.Env(), result);
}

Napi::Value OrderedSum(const Napi::CallbackInfo& info) {
  Args args(info, "orderedSum");
  DeviceBuffer* values = args.handle(0, "values");
  if (values->dtype != kFloat64) throwArgument(info.Env(), "orderedSum: 'values' must be float64", false);
  double total = 0.0;
  std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
  check(info.Env(), runOrderedSum(static_cast<const double*>(values->data), values->length, &total), "ordered sum kernel");
  return Napi::Number::New(info.Env(), total);
}

// The same order on the host (ordered_reduce.cuh); no GPU needed.
Napi::Value HostOrderedSum(const Napi::CallbackInfo& info) {
  Args args(info, "hostOrderedSum");
  const double* values = args.doubles(0, "values", SIZE_MAX);
  const size_t n = info[0].As<Napi::Float64Array>().ElementLength();
  return Napi::Number::New(info.Env(), orderedSumHost(n, [values](size_t i) { return values[i]; }));
}

// hostElementwise(kernel, yTrue, yPred, aux, params, values, grad): the functor on the host
// (launch.h), typed arrays of one float dtype and length (values: Float64Array).
Napi::Value HostElementwise(const Napi::CallbackInfo& info) {
  Args args(info, "hostElementwise");
  Napi::Env env = info.Env();
  const int kernel = static_cast<int>(args.integer(0, "kernel", 0, 1000));
  int paramCount = 0;
  bool needsAux = false;
  if (!elementwiseKernelInfo(kernel, &paramCount, &needsAux)) throwArgument(env, "hostElementwise: unknown kernel", true);
  const Napi::TypedArray yTrue = args.typedArray(1, "yTrue");
  const Napi::TypedArray yPred = args.typedArray(2, "yPred");
  const Napi::TypedArray grad = args.typedArray(6, "grad");
  const napi_typedarray_type type = yPred.TypedArrayType();
  if (type != napi_float32_array && type != napi_float64_array) throwArgument(env, "hostElementwise: 'yPred' must be a Float32Array or Float64Array", false);
  const size_t n = yPred.ElementLength();
  const auto same = [&](const Napi::TypedArray& array, const char* name) {
    if (array.TypedArrayType() != type || array.ElementLength() != n) {
      throwArgument(env, std::string("hostElementwise: '") + name + "' must match yPred's dtype and length", false);
    }
  };
  same(yTrue, "yTrue");
  same(grad, "grad");
  const void* aux = nullptr;
  if (!args.isNull(3)) {
    const Napi::TypedArray auxArray = args.typedArray(3, "aux");
    same(auxArray, "aux");
    aux = arrayData(auxArray);
  }
  if (needsAux && aux == nullptr) throwArgument(env, "hostElementwise: 'aux' is required by this kernel", false);
  const double* params = args.doubles(4, "params", static_cast<size_t>(paramCount));
  double* values = args.doubles(5, "values", n);
  hostEvalElementwise(kernel, type == napi_float32_array ? kFloat32 : kFloat64, params, arrayData(yTrue), arrayData(yPred), aux,
                      n, values, arrayData(grad));
  return env.Undefined();
}

Napi::Value ReductionBlocks(const Napi::CallbackInfo& info) {
  Args args(info, "reductionBlocks");
  return Napi::Number::New(info.Env(), static_cast<double>(reductionBlocks(args.integer(0, "n", 0, kMaxLength))));
}

Napi::Value TimedCopy(const Napi::CallbackInfo& info) {
  Args args(info, "timedCopy");
  DeviceBuffer* src = args.handle(0, "src");
  DeviceBuffer* dst = args.handle(1, "dst");
  args.requireHandle(dst, "dst", src->dtype, src->length);
  const int repeats = static_cast<int>(args.integer(2, "repeats", 1, 10000));
  if (src->bytes % 16 != 0) throwArgument(info.Env(), "timedCopy: the buffers' size must be a multiple of 16 bytes", true);
  float ms = 0.0f;
  std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
  check(info.Env(), runTimedCopy(src->data, dst->data, src->bytes, repeats, &ms), "copy kernel");
  return Napi::Number::New(info.Env(), ms);
}

Napi::Value FillUniform(const Napi::CallbackInfo& info) {
  Args args(info, "fillUniform");
  DeviceBuffer* values = args.handle(0, "values");
  if (values->dtype == kInt32) throwArgument(info.Env(), "fillUniform: 'values' must be float32 or float64", false);
  const double lo = args.number(1, "lo"), hi = args.number(2, "hi");
  const size_t seed = args.integer(3, "seed", 0, kMaxLength);
  if (values->length > 0) {
    std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
    check(info.Env(), runFillUniform(values->dtype, values->data, values->length, lo, hi, seed), "fill kernel");
  }
  return info.Env().Undefined();
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  std::lock_guard<std::recursive_mutex> lock(gDeviceMutex);
  check(info.Env(), cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe, "probe"));
  exports.Set("alloc", Napi::Function::New(env, Alloc, "alloc"));
  exports.Set("free", Napi::Function::New(env, Free, "free"));
  exports.Set("upload", Napi::Function::New(env, Upload, "upload"));
  exports.Set("download", Napi::Function::New(env, Download, "download"));
  exports.Set("copyDevice", Napi::Function::New(env, CopyDevice, "copyDevice"));
  exports.Set("memoryInUse", Napi::Function::New(env, MemoryInUse, "memoryInUse"));
  exports.Set("elementwise", Napi::Function::New(env, Elementwise, "elementwise"));
  exports.Set("categorical", Napi::Function::New(env, Categorical, "categorical"));
  exports.Set("sparse", Napi::Function::New(env, Sparse, "sparse"));
  exports.Set("allZeroOrOne", Napi::Function::New(env, AllZeroOrOne, "allZeroOrOne"));
  exports.Set("orderedSum", Napi::Function::New(env, OrderedSum, "orderedSum"));
  exports.Set("hostOrderedSum", Napi::Function::New(env, HostOrderedSum, "hostOrderedSum"));
  exports.Set("hostElementwise", Napi::Function::New(env, HostElementwise, "hostElementwise"));
  exports.Set("reductionBlocks", Napi::Function::New(env, ReductionBlocks, "reductionBlocks"));
  exports.Set("timedCopy", Napi::Function::New(env, TimedCopy, "timedCopy"));
  exports.Set("fillUniform", Napi::Function::New(env, FillUniform, "fillUniform"));
  exports.Set("synchronize", Napi::Function::New(env, Synchronize, "synchronize"));
  exports.Set("architectures", Napi::String::New(env, "sm_80, sm_90, compute_90"));
  return exports;
}

}  // namespace
}  // namespace cuda
}  // namespace losskit

// NODE_API_MODULE pastes its second argument into an identifier: it must be a plain name.
static Napi::Object InitLosskitCuda(Napi::Env env, Napi::Object exports) { return losskit::cuda::Init(env, exports); }
NODE_API_MODULE(losskit_cuda, InitLosskitCuda)
