// What every kernel entry point shares: the job a checked call becomes (run on the calling
// thread or the libuv pool), the argument parsers of each kernel family, and the helpers they
// use for the arrays every kernel takes. The parsers live in parse_<family>.cpp; addon.cpp
// turns them into sync and async entry points.
#pragma once

#include <napi.h>

#include <array>
#include <cstddef>
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

  void pinInto(std::vector<Napi::Value>& pinned) const {
    if (hasWeight) pinned.push_back(sampleWeight.value);
    if (hasPerSample) pinned.push_back(perSample.value);
    for (size_t k = 0; k < kGrads; ++k) {
      if (hasGrad[k]) pinned.push_back(grads[k].value);
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
// to the selected ISA's kernel; `pinned` receives the arrays an async call must keep alive.
ElementwiseJob parseElementwise(const Napi::CallbackInfo& info, const char* function, std::vector<Napi::Value>& pinned);
CosineJob parseCosine(const Napi::CallbackInfo& info, const char* function, std::vector<Napi::Value>& pinned);
CategoricalJob parseCategorical(const Napi::CallbackInfo& info, const char* function, std::vector<Napi::Value>& pinned);
SparseJob parseSparse(const Napi::CallbackInfo& info, const char* function, std::vector<Napi::Value>& pinned);
TripletJob parseTriplet(const Napi::CallbackInfo& info, const char* function, std::vector<Napi::Value>& pinned);
PairJob parsePair(const Napi::CallbackInfo& info, const char* function, std::vector<Napi::Value>& pinned);
CtcJob parseCtc(const Napi::CallbackInfo& info, const char* function, std::vector<Napi::Value>& pinned);

}  // namespace addon
}  // namespace losskit
