// What every kernel entry point shares: the job a checked call becomes (run on the calling
// thread or the libuv pool), the argument parsers of each kernel family, and the helpers they
// use for the arrays every kernel takes. The parsers live in parse_<family>.cpp; addon.cpp
// turns them into sync and async entry points.
#pragma once

#include <napi.h>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "../kernels/kernel_table.h"
#include "arguments.h"

namespace losskit {
namespace addon {

template <class T>
struct BoundCall {
  double (*kernel)(const T&);
  T call;
};

// A checked kernel call: the entry point of the ISA selected when it was made, and its
// arguments. run() touches no JavaScript value, so it can run on the thread pool.
template <template <class> class Call>
struct Job {
  Dtype dtype;
  BoundCall<Call<float>> f32;
  BoundCall<Call<double>> f64;
  double run() const {
    return dtype == Dtype::kFloat32 ? f32.kernel(f32.call) : f64.kernel(f64.call);
  }
};

// The job of a call on `dtype` data: the ISA's kernel for that dtype and the arguments
// makeCall(T{}) binds for element type T (float or double).
template <template <class> class Call, class MakeCall>
Job<Call> bindJob(Dtype dtype, double (*f32)(const Call<float>&), double (*f64)(const Call<double>&),
                  MakeCall makeCall) {
  Job<Call> job{};
  job.dtype = dtype;
  if (dtype == Dtype::kFloat32) {
    job.f32 = {f32, makeCall(float{})};
  } else {
    job.f64 = {f64, makeCall(double{})};
  }
  return job;
}

using ElementwiseJob = Job<ElementwiseCall>;
using CosineJob = Job<CosineCall>;
using CategoricalJob = Job<CategoricalCall>;
using SparseJob = Job<SparseCall>;
using TripletJob = Job<TripletCall>;
using PairJob = Job<PairCall>;
using CtcJob = Job<CtcCall>;

// What a call keeps beside its job: the JavaScript arrays an async call pins, and the copies a
// call reads or writes instead of JavaScript memory.
//
// - Int32 arrays the kernels index with (sparse labels, CTC targets and lengths) are copied
//   before they are checked, for sync and async calls alike: the checks must still hold while
//   the kernel runs, and a SharedArrayBuffer view can be rewritten by another thread at any time
//   (an async call's arrays by the caller's next statement). An out-of-range label read after
//   its check would index outside yPred and grad.
// - An async call's float arrays are copied too, on the calling thread before the job is
//   queued: while the job runs, JavaScript may detach (transfer) a buffer, which frees or moves
//   its memory, shrink a resizable one, which decommits its pages, or rewrite it, and Node-API
//   can neither keep a backing store alive nor forbid a transfer. Inputs are read from their
//   copy; outputs are written to theirs and copied back on the main thread when the job
//   completes, after checking that each is still attached with its length (otherwise the
//   promise rejects with a RangeError naming it and no output is written). The price: an async
//   call makes one extra pass over each input and two over each output, on the calling thread
//   (MSE value + grad on 4M float32: 10x the sync call, bench/async-copies.mjs); sync calls
//   copy nothing but their Int32 arrays. Views over a SharedArrayBuffer are used in place (its memory cannot be
//   detached, moved or shrunk): the zero-copy way to make large async calls.
// memcpy spread over the kernels' thread pool for large copies (the async copies below).
void parallelCopy(void* destination, const void* source, size_t bytes);

class CallStorage {
 public:
  CallStorage(Napi::Env env, bool async, const char* function)
      : env_(env), async_(async), function_(function) {}

  bool async() const { return async_; }
  const char* function() const { return function_; }

  // An input float array: for async calls, points array.data at a copy of its elements.
  void input(FloatArray& array, const char* name);
  // An output float array: for async calls, points array.data at a copy of its elements that
  // copyOutputsBack() writes into the JavaScript array once the job has run.
  void output(FloatArray& array, const char* name);
  // A copy of `length` int32 values (never dereferenced when length == 0).
  const int* copyInt32(const int* data, size_t length, const char* name);

  // The arrays an async call pins until it settles.
  std::vector<Napi::Value> pinned;

  struct Output {
    Napi::Value value;  // valid during the call only: the worker keeps a reference to it
    const char* name;
    const void* copy;
    size_t length;  // elements
    size_t bytes;
  };
  const std::vector<Output>& outputs() const { return outputs_; }

 private:
  struct Free {
    size_t alignment;
    void operator()(void* p) const;
  };
  void* allocate(size_t bytes, const char* name);

  Napi::Env env_;
  bool async_;
  const char* function_;
  std::vector<std::unique_ptr<void, Free>> buffers_;
  std::vector<Output> outputs_;
};

// The kernel's parameters: a Float64Array of exactly `count` numbers (RangeError naming the
// kernel otherwise).
FloatArray parseParams(const Arguments& args, size_t index, int count, const char* kernel);

// yTrue and yPred: Float32Array or Float64Array, one dtype, the same non-zero length.
struct Targets {
  FloatArray yTrue;
  FloatArray yPred;
};

Targets parseTargets(const Arguments& args, size_t yTrueIndex, size_t yPredIndex);

// The per-sample arrays every kernel takes after its inputs, at consecutive indices:
// sampleWeight and perSample (Float64Array with one entry per sample, or null), then one
// gradient per differentiable input (the reference input's dtype and length, or null).
template <size_t kGrads>
struct SampleArrays {
  FloatArray sampleWeight{}, perSample{};
  FloatArray grads[kGrads]{};
  bool hasWeight = false, hasPerSample = false;
  bool hasGrad[kGrads]{};

  const double* weights() const { return hasWeight ? sampleWeight.as<const double>() : nullptr; }
  double* perSampleOut() const { return hasPerSample ? perSample.as<double>() : nullptr; }
  template <class T>
  T* grad(size_t k = 0) const {
    return hasGrad[k] ? grads[k].template as<T>() : nullptr;
  }

  const char* gradNames[kGrads]{};

  // Pins the arrays (async calls) and, for async calls, moves them to copies (CallStorage):
  // call before the job binds their pointers.
  void store(CallStorage& call) {
    if (hasWeight) {
      call.input(sampleWeight, "sampleWeight");
      call.pinned.push_back(sampleWeight.value);
    }
    if (hasPerSample) {
      call.output(perSample, "perSample");
      call.pinned.push_back(perSample.value);
    }
    for (size_t k = 0; k < kGrads; ++k) {
      if (hasGrad[k]) {
        call.output(grads[k], gradNames[k]);
        call.pinned.push_back(grads[k].value);
      }
    }
  }
};

template <size_t kGrads = 1>
SampleArrays<kGrads> parseSampleArrays(const Arguments& args, size_t firstIndex, size_t samples,
                                       const FloatArray& reference, const char* referenceName,
                                       const std::array<const char*, kGrads>& gradNames) {
  SampleArrays<kGrads> arrays;
  arrays.hasWeight = args.optionalFloat64Array(firstIndex, "sampleWeight", arrays.sampleWeight);
  if (arrays.hasWeight) args.requireLength(arrays.sampleWeight, "sampleWeight", samples);
  arrays.hasPerSample = args.optionalFloat64Array(firstIndex + 1, "perSample", arrays.perSample);
  if (arrays.hasPerSample) args.requireLength(arrays.perSample, "perSample", samples);
  for (size_t k = 0; k < kGrads; ++k) {
    arrays.gradNames[k] = gradNames[k];
    arrays.hasGrad[k] = args.optionalFloatArray(firstIndex + 2 + k, gradNames[k], arrays.grads[k]);
    if (arrays.hasGrad[k]) {
      args.requireSameDtype(arrays.grads[k], gradNames[k], reference, referenceName);
      args.requireLength(arrays.grads[k], gradNames[k], reference.length);
    }
  }
  return arrays;
}

// The usual case: one gradient, of yPred.
SampleArrays<1> parseSampleArrays(const Arguments& args, size_t firstIndex, size_t samples,
                                  const FloatArray& yPred);

// The parsers: check a call's arguments (throwing a JS error naming the bad one) and bind them
// to the selected ISA's kernel; `call` receives the arrays an async call must keep alive and the
// copies the job reads and writes instead of them.
ElementwiseJob parseElementwise(const Napi::CallbackInfo& info, const char* function, CallStorage& call);
CosineJob parseCosine(const Napi::CallbackInfo& info, const char* function, CallStorage& call);
CategoricalJob parseCategorical(const Napi::CallbackInfo& info, const char* function, CallStorage& call);
SparseJob parseSparse(const Napi::CallbackInfo& info, const char* function, CallStorage& call);
TripletJob parseTriplet(const Napi::CallbackInfo& info, const char* function, CallStorage& call);
PairJob parsePair(const Napi::CallbackInfo& info, const char* function, CallStorage& call);
CtcJob parseCtc(const Napi::CallbackInfo& info, const char* function, CallStorage& call);

}  // namespace addon
}  // namespace losskit
