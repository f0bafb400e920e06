// The helpers shared by the parsers (jobs.h).
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "../kernels/dispatch.h"
#include "../kernels/kernel_table.h"
#include "../kernels/thread_pool.h"
#include "arguments.h"
#include "jobs.h"

namespace losskit {
namespace addon {

// The kernel's parameters: a Float64Array of exactly `count` numbers (RangeError naming the
// kernel otherwise).
FloatArray parseParams(const Arguments& args, size_t index, int count, const char* kernel) {
  const FloatArray params = args.float64Array(index, "params");
  if (params.length != static_cast<size_t>(count)) {
    args.rangeError(args.about("params") + "must have " + elements(static_cast<size_t>(count)) +
                    " for " + kernel + " (got " + std::to_string(params.length) + ")");
  }
  return params;
}


Targets parseTargets(const Arguments& args, size_t yTrueIndex, size_t yPredIndex) {
  const FloatArray yPred = args.floatArray(yPredIndex, "yPred");
  if (yPred.length == 0) args.rangeError(args.about("yPred") + "must have at least 1 element (got 0)");
  const FloatArray yTrue = args.floatArray(yTrueIndex, "yTrue");
  args.requireSameDtype(yTrue, "yTrue", yPred, "yPred");
  args.requireLength(yTrue, "yTrue", yPred.length);
  return {yTrue, yPred};
}

namespace {

size_t elementBytes(Dtype dtype) { return dtype == Dtype::kFloat32 ? sizeof(float) : sizeof(double); }

// Copies are aligned for any vector load or streaming store the kernels use.
constexpr size_t kCopyAlignment = 64;
// Copies from 4 MiB are aligned to (and advised as) transparent huge pages.
constexpr size_t kHugePageBytes = size_t{2} << 20;
constexpr size_t kHugePageMinBytes = size_t{4} << 20;

}  // namespace

namespace {

// Chunks of a parallel copy; copies below kParallelCopyMinBytes stay on the calling thread.
constexpr size_t kCopyChunkBytes = size_t{1} << 18;
constexpr size_t kParallelCopyMinBytes = size_t{1} << 21;

struct CopyTask {
  unsigned char* destination;
  const unsigned char* source;
  size_t bytes;
};

void copyChunks(void* context, size_t begin, size_t end, double* /*values*/) {
  const CopyTask& task = *static_cast<const CopyTask*>(context);
  const size_t from = begin * kCopyChunkBytes;
  const size_t to = end * kCopyChunkBytes < task.bytes ? end * kCopyChunkBytes : task.bytes;
  std::memcpy(task.destination + from, task.source + from, to - from);
}

}  // namespace

void parallelCopy(void* destination, const void* source, size_t bytes) {
  if (bytes < kParallelCopyMinBytes) {
    if (bytes != 0) std::memcpy(destination, source, bytes);
    return;
  }
  CopyTask task{static_cast<unsigned char*>(destination), static_cast<const unsigned char*>(source), bytes};
  const size_t chunks = (bytes + kCopyChunkBytes - 1) / kCopyChunkBytes;
  std::vector<double> unused(chunks);
  runRowTasks(chunks, 4, copyChunks, &task, unused.data());
}

void CallStorage::Free::operator()(void* p) const {
  ::operator delete(p, std::align_val_t{alignment});
}

void* CallStorage::allocate(size_t bytes, const char* name) {
  void* p = nullptr;
  // Fresh memory costs a page fault per page on its first write, which made an async call on
  // 4M floats ~20x its sync time; large copies ask for 2 MiB pages where the OS has them.
  const size_t alignment = bytes >= kHugePageMinBytes ? kHugePageBytes : kCopyAlignment;
  if (bytes < SIZE_MAX - alignment) {
    const size_t rounded = (bytes / alignment + 1) * alignment;  // never 0 bytes
    p = ::operator new(rounded, std::align_val_t{alignment}, std::nothrow);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p != nullptr && alignment == kHugePageBytes) madvise(p, rounded, MADV_HUGEPAGE);
#endif
  }
  if (p == nullptr) {
    Napi::Error error = Napi::Error::New(
        env_, std::string(function_) + ": could not allocate " + std::to_string(bytes) +
                  " bytes for the copy of '" + name + "' an async call works on");
    error.Set("code", Napi::String::New(env_, "LOSSKIT_NATIVE_OUT_OF_MEMORY"));
    throw error;
  }
  buffers_.emplace_back(p, Free{alignment});
  return p;
}

namespace {

// Whether a typed array's memory is a SharedArrayBuffer's: that memory is never detached, moved or
// shrunk (a growable one only grows, inside its reserved range), so while the call pins the view an
// async job can use it in place. Asked of the engine (a typed array's buffer is an ArrayBuffer or a
// SharedArrayBuffer), not of JavaScript properties a caller could redefine.
bool sharedMemory(const Napi::Value& typedArray) {
  const napi_env env = typedArray.Env();
  napi_value buffer = nullptr;
  if (napi_get_typedarray_info(env, typedArray, nullptr, nullptr, nullptr, &buffer, nullptr) != napi_ok ||
      buffer == nullptr) {
    return false;
  }
  bool isArrayBuffer = true;
  return napi_is_arraybuffer(env, buffer, &isArrayBuffer) == napi_ok && !isArrayBuffer;
}

}  // namespace

void CallStorage::input(FloatArray& array, const char* name) {
  if (!async_ || array.length == 0 || sharedMemory(array.value)) return;
  const size_t bytes = array.length * elementBytes(array.dtype);
  void* copy = allocate(bytes, name);
  parallelCopy(copy, array.data, bytes);
  array.data = copy;
}

void CallStorage::output(FloatArray& array, const char* name) {
  if (!async_ || array.length == 0 || sharedMemory(array.value)) return;
  const size_t bytes = array.length * elementBytes(array.dtype);
  void* copy = allocate(bytes, name);
  // The kernels may leave entries unwritten that the sync call would leave as they were.
  parallelCopy(copy, array.data, bytes);
  array.data = copy;
  outputs_.push_back({array.value, name, copy, array.length, bytes});
}

const int* CallStorage::copyInt32(const int* data, size_t length, const char* name) {
  if (length == 0) return data;
  const size_t bytes = length * sizeof(int);
  void* copy = allocate(bytes, name);
  std::memcpy(copy, data, bytes);
  return static_cast<const int*>(copy);
}

// The usual case: one gradient, of yPred.
SampleArrays<1> parseSampleArrays(const Arguments& args, size_t firstIndex, size_t samples,
                                  const FloatArray& yPred) {
  return parseSampleArrays<1>(args, firstIndex, samples, yPred, "yPred", {"grad"});
}


}  // namespace addon
}  // namespace losskit
