// The Node-API surface of losskit (typed in lib/backend/binding.ts): argument checks, then
// one call into the kernel table of the selected instruction set. No JavaScript handle is
// kept between calls, so the addon loads in worker threads and Electron as often as asked.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <array>
#include <string>
#include <type_traits>
#include <vector>

#include "../kernels/dispatch.h"
#include "../kernels/kernel_table.h"
#include "arguments.h"
#include "async_worker.h"

#ifndef LOSSKIT_COMPILER
#define LOSSKIT_COMPILER "unknown"
#endif

namespace losskit {
namespace addon {
namespace {

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

using ElementwiseJob = Job<ElementwiseCall>;
using CosineJob = Job<CosineCall>;
using CategoricalJob = Job<CategoricalCall>;
using SparseJob = Job<SparseCall>;
using TripletJob = Job<TripletCall>;

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

// yTrue and yPred: Float32Array or Float64Array, one dtype, the same non-zero length.
struct Targets {
  FloatArray yTrue;
  FloatArray yPred;
};

Targets parseTargets(const Arguments& args, size_t yTrueIndex, size_t yPredIndex) {
  const FloatArray yPred = args.floatArray(yPredIndex, "yPred");
  if (yPred.length == 0) args.rangeError(args.about("yPred") + "must have at least 1 element (got 0)");
  const FloatArray yTrue = args.floatArray(yTrueIndex, "yTrue");
  args.requireSameDtype(yTrue, "yTrue", yPred, "yPred");
  args.requireLength(yTrue, "yTrue", yPred.length);
  return {yTrue, yPred};
}

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
                                  const FloatArray& yPred) {
  return parseSampleArrays<1>(args, firstIndex, samples, yPred, "yPred", {"grad"});
}

// elementwise(kernel, yTrue, yPred, aux, params, rowLength, sampleWeight, perSample, grad,
//             gradScale)
ElementwiseJob parseElementwise(const Napi::CallbackInfo& info, const char* function,
                                std::vector<Napi::Value>& pinned) {
  const Arguments args(info, function);
  const size_t kernel = args.integer(0, "kernel", 0, kElementwiseKernelCount - 1);
  const ElementwiseKernelInfo& kernelInfo = kElementwiseKernelInfo[kernel];

  // Named copies, not structured bindings: lambdas below capture them (C++17).
  const Targets targets = parseTargets(args, 1, 2);
  const FloatArray yTrue = targets.yTrue;
  const FloatArray yPred = targets.yPred;
  const size_t n = yPred.length;

  FloatArray aux{};
  const bool hasAux = args.optionalFloatArray(3, "aux", aux);
  if (hasAux) {
    args.requireSameDtype(aux, "aux", yPred, "yPred");
    args.requireLength(aux, "aux", n);
  } else if (kernelInfo.needsAux) {
    args.typeError(args.about("aux") + "must be a " + dtypeName(yPred.dtype) + " for " +
                   kernelInfo.name + " (got " + describe(info[3]) + ")");
  }

  const FloatArray params = parseParams(args, 4, kernelInfo.paramCount, kernelInfo.name);

  const size_t rowLength = args.integer(5, "rowLength", 1, kUnboundedInteger);
  if (n % rowLength != 0) {
    args.rangeError(args.about("rowLength") + "must divide the length of 'yPred' (" +
                    std::to_string(n) + "; got " + std::to_string(rowLength) + ")");
  }
  const size_t rows = n / rowLength;

  const SampleArrays<1> arrays = parseSampleArrays(args, 6, rows, yPred);
  const double gradScale = args.finiteNumber(9, "gradScale");

  const KernelTable& table = activeKernels();
  ElementwiseJob job{};
  job.dtype = yPred.dtype;
  auto fill = [&](auto& bound, auto* elementType, auto kernelFn) {
    using T = std::remove_pointer_t<decltype(elementType)>;
    bound.kernel = kernelFn;
    bound.call = {yTrue.as<const T>(),
                  yPred.as<const T>(),
                  kernelInfo.needsAux ? aux.as<const T>() : nullptr,
                  params.as<const double>(),
                  n,
                  rowLength,
                  arrays.weights(),
                  arrays.perSampleOut(),
                  arrays.template grad<T>(),
                  gradScale};
  };
  if (yPred.dtype == Dtype::kFloat32) {
    fill(job.f32, static_cast<float*>(nullptr), table.elementwiseF32[kernel]);
  } else {
    fill(job.f64, static_cast<double*>(nullptr), table.elementwiseF64[kernel]);
  }

  pinned = {yTrue.value, yPred.value, params.value};
  if (hasAux) pinned.push_back(aux.value);
  arrays.pinInto(pinned);
  return job;
}

// cosineSimilarity(yTrue, yPred, outer, axisLength, inner, sampleWeight, perSample, grad,
//                  gradScale)
CosineJob parseCosine(const Napi::CallbackInfo& info, const char* function,
                      std::vector<Napi::Value>& pinned) {
  const Arguments args(info, function);
  // Named copies, not structured bindings: lambdas below capture them (C++17).
  const Targets targets = parseTargets(args, 0, 1);
  const FloatArray yTrue = targets.yTrue;
  const FloatArray yPred = targets.yPred;
  const size_t n = yPred.length;

  const size_t outer = args.integer(2, "outer", 1, kUnboundedInteger);
  const size_t axisLength = args.integer(3, "axisLength", 1, kUnboundedInteger);
  const size_t inner = args.integer(4, "inner", 1, kUnboundedInteger);
  // Checked by division so that no product can wrap around.
  if (axisLength > n / outer || n % (outer * axisLength) != 0 || n / (outer * axisLength) != inner) {
    args.rangeError(std::string(function) + ": outer * axisLength * inner must equal the length" +
                    " of 'yPred' (" + std::to_string(n) + "; got " + std::to_string(outer) +
                    " * " + std::to_string(axisLength) + " * " + std::to_string(inner) + ")");
  }
  const size_t samples = outer * inner;

  const SampleArrays<1> arrays = parseSampleArrays(args, 5, samples, yPred);
  const double gradScale = args.finiteNumber(8, "gradScale");

  const KernelTable& table = activeKernels();
  CosineJob job{};
  job.dtype = yPred.dtype;
  auto fill = [&](auto& bound, auto* elementType, auto kernelFn) {
    using T = std::remove_pointer_t<decltype(elementType)>;
    bound.kernel = kernelFn;
    bound.call = {yTrue.as<const T>(),
                  yPred.as<const T>(),
                  outer,
                  axisLength,
                  inner,
                  arrays.weights(),
                  arrays.perSampleOut(),
                  arrays.template grad<T>(),
                  gradScale};
  };
  if (yPred.dtype == Dtype::kFloat32) {
    fill(job.f32, static_cast<float*>(nullptr), table.cosineF32);
  } else {
    fill(job.f64, static_cast<double*>(nullptr), table.cosineF64);
  }

  pinned = {yTrue.value, yPred.value};
  arrays.pinInto(pinned);
  return job;
}

// classCount: an integer >= 1 dividing the length of yPred.
size_t parseClassCount(const Arguments& args, size_t index, size_t n) {
  const size_t classCount = args.integer(index, "classCount", 1, kUnboundedInteger);
  if (n % classCount != 0) {
    args.rangeError(args.about("classCount") + "must divide the length of 'yPred' (" +
                    std::to_string(n) + "; got " + std::to_string(classCount) + ")");
  }
  return classCount;
}

// categorical(kernel, yTrue, yPred, params, classCount, classWeight, sampleWeight, perSample,
//             grad, gradScale)
CategoricalJob parseCategorical(const Napi::CallbackInfo& info, const char* function,
                                std::vector<Napi::Value>& pinned) {
  const Arguments args(info, function);
  const size_t kernel = args.integer(0, "kernel", 0, kCategoricalKernelCount - 1);
  const CategoricalKernelInfo& kernelInfo = kCategoricalKernelInfo[kernel];

  // Named copies, not structured bindings: lambdas below capture them (C++17).
  const Targets targets = parseTargets(args, 1, 2);
  const FloatArray yTrue = targets.yTrue;
  const FloatArray yPred = targets.yPred;
  const size_t n = yPred.length;

  const FloatArray params = parseParams(args, 3, kernelInfo.paramCount, kernelInfo.name);

  const size_t classCount = parseClassCount(args, 4, n);
  const size_t rows = n / classCount;

  FloatArray classWeight{};
  const bool hasClassWeight = args.optionalFloat64Array(5, "classWeight", classWeight);
  if (hasClassWeight) {
    if (!kernelInfo.takesClassWeight) {
      args.typeError(args.about("classWeight") + "must be null for " + kernelInfo.name +
                     " (got " + describe(info[5]) + ")");
    }
    args.requireLength(classWeight, "classWeight", classCount);
  }

  const SampleArrays<1> arrays = parseSampleArrays(args, 6, rows, yPred);
  const double gradScale = args.finiteNumber(9, "gradScale");

  const KernelTable& table = activeKernels();
  CategoricalJob job{};
  job.dtype = yPred.dtype;
  auto fill = [&](auto& bound, auto* elementType, auto kernelFn) {
    using T = std::remove_pointer_t<decltype(elementType)>;
    bound.kernel = kernelFn;
    bound.call = {yTrue.as<const T>(),
                  yPred.as<const T>(),
                  params.as<const double>(),
                  rows,
                  classCount,
                  hasClassWeight ? classWeight.as<const double>() : nullptr,
                  arrays.weights(),
                  arrays.perSampleOut(),
                  arrays.template grad<T>(),
                  gradScale};
  };
  if (yPred.dtype == Dtype::kFloat32) {
    fill(job.f32, static_cast<float*>(nullptr), table.categoricalF32[kernel]);
  } else {
    fill(job.f64, static_cast<double*>(nullptr), table.categoricalF64[kernel]);
  }

  pinned = {yTrue.value, yPred.value, params.value};
  if (hasClassWeight) pinned.push_back(classWeight.value);
  arrays.pinInto(pinned);
  return job;
}

static_assert(sizeof(int) == sizeof(int32_t), "labels are read as int");

// sparseCategorical(kernel, labels, yPred, params, classCount, ignoreClass, sampleWeight,
//                   perSample, grad, gradScale)
// Every label is checked before the job is made: in [0, classCount) or equal to ignoreClass.
SparseJob parseSparse(const Napi::CallbackInfo& info, const char* function,
                      std::vector<Napi::Value>& pinned) {
  const Arguments args(info, function);
  const size_t kernel = args.integer(0, "kernel", 0, kSparseKernelCount - 1);
  const SparseKernelInfo& kernelInfo = kSparseKernelInfo[kernel];

  const FloatArray yPred = args.floatArray(2, "yPred");
  if (yPred.length == 0) args.rangeError(args.about("yPred") + "must have at least 1 element (got 0)");
  const size_t n = yPred.length;

  const FloatArray params = parseParams(args, 3, kernelInfo.paramCount, kernelInfo.name);

  const size_t classCount = parseClassCount(args, 4, n);
  const size_t rows = n / classCount;

  const Napi::Value labelsValue = info[1];
  if (!labelsValue.IsTypedArray() ||
      labelsValue.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    args.typeError(args.about("labels") + "must be an Int32Array (got " + describe(labelsValue) + ")");
  }
  Napi::Int32Array labelsArray = labelsValue.As<Napi::Int32Array>();
  if (labelsArray.ElementLength() != rows) {
    args.rangeError(args.about("labels") + "must have " + elements(rows) + " (got " +
                    std::to_string(labelsArray.ElementLength()) + ")");
  }
  const int* labels = reinterpret_cast<const int*>(labelsArray.Data());

  bool hasIgnoreClass = false;
  int ignoreClass = 0;
  const Napi::Value ignoreValue = info[5];
  if (!ignoreValue.IsNull() && !ignoreValue.IsUndefined()) {
    const std::string expected = "must be null or an integer in [-2147483648, 2147483647]";
    if (!ignoreValue.IsNumber()) {
      args.typeError(args.about("ignoreClass") + expected + " (got " + describe(ignoreValue) + ")");
    }
    const double number = ignoreValue.As<Napi::Number>().DoubleValue();
    if (!(number >= static_cast<double>(INT32_MIN) && number <= static_cast<double>(INT32_MAX)) ||
        std::floor(number) != number) {
      args.rangeError(args.about("ignoreClass") + expected + " (got " +
                      ignoreValue.ToString().Utf8Value() + ")");
    }
    hasIgnoreClass = true;
    ignoreClass = static_cast<int>(number);
  }

  const SampleArrays<1> arrays = parseSampleArrays(args, 6, rows, yPred);
  const double gradScale = args.finiteNumber(9, "gradScale");

  for (size_t i = 0; i < rows; ++i) {
    const int label = labels[i];
    const bool inRange = label >= 0 && static_cast<uint64_t>(label) < static_cast<uint64_t>(classCount);
    if (!inRange && !(hasIgnoreClass && label == ignoreClass)) {
      args.rangeError(args.about("labels") + "must hold class indices in [0, " +
                      std::to_string(classCount) + ") or ignoreClass (got labels[" +
                      std::to_string(i) + "] = " + std::to_string(label) + ")");
    }
  }

  const KernelTable& table = activeKernels();
  SparseJob job{};
  job.dtype = yPred.dtype;
  auto fill = [&](auto& bound, auto* elementType, auto kernelFn) {
    using T = std::remove_pointer_t<decltype(elementType)>;
    bound.kernel = kernelFn;
    bound.call = {labels,
                  yPred.as<const T>(),
                  params.as<const double>(),
                  rows,
                  classCount,
                  hasIgnoreClass,
                  ignoreClass,
                  arrays.weights(),
                  arrays.perSampleOut(),
                  arrays.template grad<T>(),
                  gradScale};
  };
  if (yPred.dtype == Dtype::kFloat32) {
    fill(job.f32, static_cast<float*>(nullptr), table.sparseF32[kernel]);
  } else {
    fill(job.f64, static_cast<double*>(nullptr), table.sparseF64[kernel]);
  }

  pinned = {labelsValue, yPred.value, params.value};
  arrays.pinInto(pinned);
  return job;
}

// triplet(anchor, positive, negative, batchSize, params, sampleWeight, perSample, gradAnchor,
//         gradPositive, gradNegative, gradScale)
TripletJob parseTriplet(const Napi::CallbackInfo& info, const char* function,
                        std::vector<Napi::Value>& pinned) {
  const Arguments args(info, function);
  const FloatArray anchor = args.floatArray(0, "anchor");
  if (anchor.length == 0) args.rangeError(args.about("anchor") + "must have at least 1 element (got 0)");
  const size_t n = anchor.length;
  const FloatArray positive = args.floatArray(1, "positive");
  args.requireSameDtype(positive, "positive", anchor, "anchor");
  args.requireLength(positive, "positive", n);
  const FloatArray negative = args.floatArray(2, "negative");
  args.requireSameDtype(negative, "negative", anchor, "anchor");
  args.requireLength(negative, "negative", n);

  const size_t batch = args.integer(3, "batchSize", 1, kUnboundedInteger);
  if (n % batch != 0) {
    args.rangeError(args.about("batchSize") + "must divide the length of 'anchor' (" +
                    std::to_string(n) + "; got " + std::to_string(batch) + ")");
  }
  const size_t dim = n / batch;

  const FloatArray params = args.float64Array(4, "params");
  if (params.length != 4) {
    args.rangeError(args.about("params") + "must have 4 elements for triplet_margin (got " +
                    std::to_string(params.length) + ")");
  }

  const auto arrays = parseSampleArrays<3>(args, 5, batch, anchor, "anchor",
                                           {"gradAnchor", "gradPositive", "gradNegative"});
  const double gradScale = args.finiteNumber(10, "gradScale");

  const KernelTable& table = activeKernels();
  TripletJob job{};
  job.dtype = anchor.dtype;
  auto fill = [&](auto& bound, auto* elementType, auto kernelFn) {
    using T = std::remove_pointer_t<decltype(elementType)>;
    bound.kernel = kernelFn;
    bound.call = {anchor.as<const T>(),
                  positive.as<const T>(),
                  negative.as<const T>(),
                  batch,
                  dim,
                  params.as<const double>(),
                  arrays.weights(),
                  arrays.perSampleOut(),
                  arrays.template grad<T>(0),
                  arrays.template grad<T>(1),
                  arrays.template grad<T>(2),
                  gradScale};
  };
  if (anchor.dtype == Dtype::kFloat32) {
    fill(job.f32, static_cast<float*>(nullptr), table.tripletF32);
  } else {
    fill(job.f64, static_cast<double*>(nullptr), table.tripletF64);
  }

  pinned = {anchor.value, positive.value, negative.value, params.value};
  arrays.pinInto(pinned);
  return job;
}

// ---- pair ---------------------------------------------------------------------------------------

using PairJob = Job<PairCall>;

// pair(kernel, x1, x2, targets, batchSize, params, sampleWeight, perSample, grad1, grad2,
//      gradScale)
PairJob parsePair(const Napi::CallbackInfo& info, const char* function,
                  std::vector<Napi::Value>& pinned) {
  const Arguments args(info, function);
  const size_t kernel = args.integer(0, "kernel", 0, kPairKernelCount - 1);
  const PairKernelInfo& kernelInfo = kPairKernelInfo[kernel];

  const FloatArray x1 = args.floatArray(1, "x1");
  if (x1.length == 0) args.rangeError(args.about("x1") + "must have at least 1 element (got 0)");
  const size_t n = x1.length;
  const FloatArray x2 = args.floatArray(2, "x2");
  args.requireSameDtype(x2, "x2", x1, "x1");
  args.requireLength(x2, "x2", n);
  const FloatArray targets = args.floatArray(3, "targets");
  args.requireSameDtype(targets, "targets", x1, "x1");

  const size_t batch = args.integer(4, "batchSize", 1, kUnboundedInteger);
  if (n % batch != 0) {
    args.rangeError(args.about("batchSize") + "must divide the length of 'x1' (" +
                    std::to_string(n) + "; got " + std::to_string(batch) + ")");
  }
  const size_t dim = n / batch;
  args.requireLength(targets, "targets", batch);

  const FloatArray params = parseParams(args, 5, kernelInfo.paramCount, kernelInfo.name);

  const auto arrays = parseSampleArrays<2>(args, 6, batch, x1, "x1", {"grad1", "grad2"});
  const double gradScale = args.finiteNumber(10, "gradScale");

  const KernelTable& table = activeKernels();
  PairJob job{};
  job.dtype = x1.dtype;
  auto fill = [&](auto& bound, auto* elementType, auto kernelFn) {
    using T = std::remove_pointer_t<decltype(elementType)>;
    bound.kernel = kernelFn;
    bound.call = {x1.as<const T>(),
                  x2.as<const T>(),
                  targets.as<const T>(),
                  batch,
                  dim,
                  params.as<const double>(),
                  arrays.weights(),
                  arrays.perSampleOut(),
                  arrays.template grad<T>(0),
                  arrays.template grad<T>(1),
                  gradScale};
  };
  if (x1.dtype == Dtype::kFloat32) {
    fill(job.f32, static_cast<float*>(nullptr), table.pairF32[kernel]);
  } else {
    fill(job.f64, static_cast<double*>(nullptr), table.pairF64[kernel]);
  }

  pinned = {x1.value, x2.value, targets.value, params.value};
  arrays.pinInto(pinned);
  return job;
}

// ---- ctc --------------------------------------------------------------------------------------

using CtcJob = Job<CtcCall>;

// A boolean argument of ctc (TypeError otherwise).
bool ctcBoolean(const Arguments& args, const Napi::CallbackInfo& info, size_t index,
                const char* name) {
  const Napi::Value value = info[index];
  if (!value.IsBoolean()) {
    args.typeError(args.about(name) + "must be a boolean (got " + describe(value) + ")");
  }
  return value.As<Napi::Boolean>().Value();
}

// An Int32Array argument of ctc (TypeError otherwise), viewed in place.
struct Int32View {
  const int* data;  // never dereferenced when length == 0
  size_t length;
  Napi::Value value;
};

Int32View ctcInt32Array(const Arguments& args, const Napi::CallbackInfo& info, size_t index,
                        const char* name) {
  const Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    args.typeError(args.about(name) + "must be an Int32Array (got " + describe(value) + ")");
  }
  Napi::Int32Array array = value.As<Napi::Int32Array>();
  return {reinterpret_cast<const int*>(array.Data()), array.ElementLength(), value};
}

// ctc(logProbs, timeSteps, batchSize, classCount, batchFirst, targets, padded, maxTargetLength,
//     inputLengths, targetLengths, blank, zeroInfinity, itemScales, losses, grad, gradForm)
// Every argument, length and label is checked before the job is made (kernels/ctc.h).
CtcJob parseCtc(const Napi::CallbackInfo& info, const char* function,
                std::vector<Napi::Value>& pinned) {
  const Arguments args(info, function);
  const FloatArray logProbs = args.floatArray(0, "logProbs");
  const size_t n = logProbs.length;
  const size_t timeSteps = args.integer(1, "timeSteps", 1, kUnboundedInteger);
  const size_t batchSize = args.integer(2, "batchSize", 1, kUnboundedInteger);
  const size_t classCount = args.integer(3, "classCount", 1, kUnboundedInteger);
  // Checked by division so that no product can wrap around.
  if (batchSize > n / timeSteps || classCount > n / (timeSteps * batchSize) ||
      timeSteps * batchSize * classCount != n) {
    args.rangeError(args.about("logProbs") + "must have timeSteps * batchSize * classCount = " +
                    std::to_string(timeSteps) + " * " + std::to_string(batchSize) + " * " +
                    std::to_string(classCount) + " elements (got " + std::to_string(n) + ")");
  }
  const bool batchFirst = ctcBoolean(args, info, 4, "batchFirst");
  const Int32View targets = ctcInt32Array(args, info, 5, "targets");
  const bool padded = ctcBoolean(args, info, 6, "padded");
  const size_t maxTargetLength = args.integer(7, "maxTargetLength", 0, kUnboundedInteger);
  const Int32View inputLengths = ctcInt32Array(args, info, 8, "inputLengths");
  if (inputLengths.length != batchSize) {
    args.rangeError(args.about("inputLengths") + "must have " + elements(batchSize) + " (got " +
                    std::to_string(inputLengths.length) + ")");
  }
  const Int32View targetLengths = ctcInt32Array(args, info, 9, "targetLengths");
  if (targetLengths.length != batchSize) {
    args.rangeError(args.about("targetLengths") + "must have " + elements(batchSize) + " (got " +
                    std::to_string(targetLengths.length) + ")");
  }
  const int blank = static_cast<int>(args.integer(10, "blank", 0, classCount - 1 < INT32_MAX ? classCount - 1 : INT32_MAX));
  const bool zeroInfinity = ctcBoolean(args, info, 11, "zeroInfinity");
  const FloatArray itemScales = args.float64Array(12, "itemScales");
  args.requireLength(itemScales, "itemScales", batchSize);
  const FloatArray losses = args.float64Array(13, "losses");
  args.requireLength(losses, "losses", batchSize);
  FloatArray grad{};
  const bool hasGrad = args.optionalFloatArray(14, "grad", grad);
  if (hasGrad) {
    args.requireSameDtype(grad, "grad", logProbs, "logProbs");
    args.requireLength(grad, "grad", n);
  }
  const std::string gradForm = args.string(15, "gradForm");
  if (gradForm != "exact" && gradForm != "torch") {
    args.rangeError(args.about("gradForm") + "must be 'exact' or 'torch' (got '" + gradForm + "')");
  }

  // Lengths, then the targets' size, then every label.
  for (size_t b = 0; b < batchSize; ++b) {
    const int length = inputLengths.data[b];
    if (length < 0 || static_cast<uint64_t>(length) > timeSteps) {
      args.rangeError(args.about("inputLengths") + "of item " + std::to_string(b) +
                      " must be in [0, " + std::to_string(timeSteps) + "] (got " +
                      std::to_string(length) + ")");
    }
  }
  uint64_t targetTotal = 0;
  for (size_t b = 0; b < batchSize; ++b) {
    const int length = targetLengths.data[b];
    if (length < 0) {
      args.rangeError(args.about("targetLengths") + "of item " + std::to_string(b) +
                      " must be >= 0 (got " + std::to_string(length) + ")");
    }
    targetTotal += static_cast<uint64_t>(length);
  }
  if (padded) {
    if (maxTargetLength > targets.length / batchSize || batchSize * maxTargetLength != targets.length) {
      args.rangeError(args.about("targets") + "must have batchSize * maxTargetLength = " +
                      std::to_string(batchSize) + " * " + std::to_string(maxTargetLength) +
                      " elements (got " + std::to_string(targets.length) + ")");
    }
    for (size_t b = 0; b < batchSize; ++b) {
      const int length = targetLengths.data[b];
      if (static_cast<uint64_t>(length) > maxTargetLength) {
        args.rangeError(args.about("targetLengths") + "of item " + std::to_string(b) +
                        " must be <= maxTargetLength (" + std::to_string(maxTargetLength) +
                        "; got " + std::to_string(length) + ")");
      }
    }
  } else if (targetTotal != targets.length) {
    args.rangeError(args.about("targets") + "must have " + elements(targetTotal) +
                    ", the sum of targetLengths (got " + std::to_string(targets.length) + ")");
  }
  size_t offset = 0;
  for (size_t b = 0; b < batchSize; ++b) {
    const size_t start = padded ? b * maxTargetLength : offset;
    const size_t length = static_cast<size_t>(targetLengths.data[b]);
    for (size_t i = 0; i < length; ++i) {
      const int label = targets.data[start + i];
      if (label == blank) {
        args.rangeError(args.about("targets") + "of item " + std::to_string(b) + " holds the blank (" +
                        std::to_string(blank) + ") at position " + std::to_string(i));
      }
      if (label < 0 || static_cast<uint64_t>(label) >= classCount) {
        args.rangeError(args.about("targets") + "of item " + std::to_string(b) + " holds " +
                        std::to_string(label) + " at position " + std::to_string(i) +
                        ", outside [0, " + std::to_string(classCount) + ")");
      }
    }
    offset += length;
  }

  const KernelTable& table = activeKernels();
  CtcJob job{};
  job.dtype = logProbs.dtype;
  auto fill = [&](auto& bound, auto* elementType, auto kernelFn) {
    using T = std::remove_pointer_t<decltype(elementType)>;
    bound.kernel = kernelFn;
    bound.call = {logProbs.as<const T>(),
                  timeSteps,
                  batchSize,
                  classCount,
                  batchFirst,
                  targets.data,
                  targets.length,
                  padded,
                  maxTargetLength,
                  inputLengths.data,
                  targetLengths.data,
                  blank,
                  zeroInfinity,
                  itemScales.as<const double>(),
                  losses.as<double>(),
                  hasGrad ? grad.as<T>() : nullptr,
                  gradForm == "torch"};
  };
  if (logProbs.dtype == Dtype::kFloat32) {
    fill(job.f32, static_cast<float*>(nullptr), table.ctcF32);
  } else {
    fill(job.f64, static_cast<double*>(nullptr), table.ctcF64);
  }

  pinned = {logProbs.value, targets.value, inputLengths.value, targetLengths.value,
            itemScales.value, losses.value};
  if (hasGrad) pinned.push_back(grad.value);
  return job;
}

// One kernel family's sync and async entry points, from its parser: `name` and `name + "Async"`
// in messages, "losskit:<name>" as the async resource name.
template <class Job>
using Parser = Job (*)(const Napi::CallbackInfo&, const char*, std::vector<Napi::Value>&);

template <class Job, Parser<Job> kParse>
struct EntryPoints {
  struct Names {
    std::string sync, async, resource;
  };

  static Napi::Value runSync(const Napi::CallbackInfo& info) {
    const auto* names = static_cast<const Names*>(info.Data());
    std::vector<Napi::Value> pinned;
    return Napi::Number::New(info.Env(), kParse(info, names->sync.c_str(), pinned).run());
  }

  static Napi::Value runAsync(const Napi::CallbackInfo& info) {
    const auto* names = static_cast<const Names*>(info.Data());
    return queueKernel(info, names->resource.c_str(),
                       [names](const Napi::CallbackInfo& i, std::vector<Napi::Value>& pinned) {
                         return kParse(i, names->async.c_str(), pinned);
                       });
  }

  // Sets exports[name] and exports[name + "Async"]. The names live as long as the module: one
  // static set per family, shared by every environment (worker threads) that loads the addon.
  static void exportTo(Napi::Env env, Napi::Object exports, const char* name) {
    static const Names names{name, std::string(name) + "Async", std::string("losskit:") + name};
    void* data = const_cast<Names*>(&names);
    exports.Set(names.sync, Napi::Function::New(env, runSync, names.sync, data));
    exports.Set(names.async, Napi::Function::New(env, runAsync, names.async, data));
  }
};

// {name: id} for one kernel list, frozen.
template <class Info, size_t kCount>
Napi::Object kernelIds(Napi::Env env, const Info (&infos)[kCount]) {
  Napi::Object ids = Napi::Object::New(env);
  for (size_t id = 0; id < kCount; ++id) ids.Set(infos[id].name, static_cast<double>(id));
  ids.Freeze();
  return ids;
}

// "avx2" / "scalar" (and "auto" when allowAuto); TypeError for anything else, RangeError with
// code LOSSKIT_ISA_UNSUPPORTED when this CPU or build cannot run AVX2.
Isa parseIsa(const Arguments& args, size_t index, bool allowAuto) {
  const std::string name = args.string(index, "isa");
  if (name == "scalar") return Isa::kScalar;
  if (allowAuto && name == "auto") return bestIsa();
  if (name == "avx2") {
    if (!isaAvailable(Isa::kAvx2)) {
      throwRangeError(args.env(),
                      std::string(args.function()) +
                          ": 'isa' avx2 cannot run here (it needs a CPU with AVX2 and FMA, an OS "
                          "that saves the YMM registers, and an x86-64 build); use 'scalar'",
                      kIsaUnsupportedCode);
    }
    return Isa::kAvx2;
  }
  args.typeError(args.about("isa") + (allowAuto ? "must be 'avx2', 'scalar' or 'auto'"
                                                : "must be 'avx2' or 'scalar'") +
                 " (got '" + name + "')");
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  const Arguments args(info, "setIsa");
  const Isa isa = parseIsa(args, 0, true);
  selectIsa(isa);
  return Napi::String::New(info.Env(), isaName(isa));
}

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("isa", isaName(activeIsa()));
  result.Set("avx2", avx2Available());
  result.Set("napiVersion", NAPI_VERSION);
  result.Set("compiler", LOSSKIT_COMPILER);
  return result;
}

// mathEval(fn, isa, x, out): out[i] = fn(x[i]) with the chosen ISA's implementation.
Napi::Value MathEval(const Napi::CallbackInfo& info) {
  const Arguments args(info, "mathEval");
  const std::string fn = args.string(0, "fn");
  MathFunctionId id;
  if (fn == "exp") {
    id = kMathExp;
  } else if (fn == "log") {
    id = kMathLog;
  } else if (fn == "log1p") {
    id = kMathLog1p;
  } else {
    args.typeError(args.about("fn") + "must be 'exp', 'log' or 'log1p' (got '" + fn + "')");
  }
  const Isa isa = parseIsa(args, 1, false);
  const FloatArray x = args.floatArray(2, "x");
  const FloatArray out = args.floatArray(3, "out");
  args.requireSameDtype(out, "out", x, "x");
  args.requireLength(out, "out", x.length);
  if (x.length == 0) return info.Env().Undefined();
  const KernelTable& table = kernelsFor(isa);
  if (x.dtype == Dtype::kFloat32) {
    table.mathF32[id](x.as<const float>(), out.as<float>(), x.length);
  } else {
    table.mathF64[id](x.as<const double>(), out.as<double>(), x.length);
  }
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("elementwiseKernels", kernelIds(env, kElementwiseKernelInfo));
  exports.Set("categoricalKernels", kernelIds(env, kCategoricalKernelInfo));
  exports.Set("sparseKernels", kernelIds(env, kSparseKernelInfo));
  exports.Set("pairKernels", kernelIds(env, kPairKernelInfo));
  EntryPoints<ElementwiseJob, parseElementwise>::exportTo(env, exports, "elementwise");
  EntryPoints<CosineJob, parseCosine>::exportTo(env, exports, "cosineSimilarity");
  EntryPoints<CategoricalJob, parseCategorical>::exportTo(env, exports, "categorical");
  EntryPoints<SparseJob, parseSparse>::exportTo(env, exports, "sparseCategorical");
  EntryPoints<TripletJob, parseTriplet>::exportTo(env, exports, "triplet");
  EntryPoints<CtcJob, parseCtc>::exportTo(env, exports, "ctc");
  EntryPoints<PairJob, parsePair>::exportTo(env, exports, "pair");
  exports.Set("capabilities", Napi::Function::New(env, Capabilities, "capabilities"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("mathEval", Napi::Function::New(env, MathEval, "mathEval"));
  return exports;
}

}  // namespace
}  // namespace addon
}  // namespace losskit

// NODE_API_MODULE pastes the function's name into an identifier, so it needs a plain one.
static Napi::Object InitLosskit(Napi::Env env, Napi::Object exports) {
  return losskit::addon::Init(env, exports);
}

NODE_API_MODULE(losskit, InitLosskit)
