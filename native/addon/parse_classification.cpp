// Parsers of the categorical (row-wise) and sparse-label kernels (jobs.h).
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../kernels/dispatch.h"
#include "../kernels/kernel_table.h"
#include "arguments.h"
#include "jobs.h"

namespace losskit {
namespace addon {

namespace {

// classCount: an integer >= 1 dividing the length of yPred.
size_t parseClassCount(const Arguments& args, size_t index, size_t n) {
  const size_t classCount = args.integer(index, "classCount", 1, kUnboundedInteger);
  if (n % classCount != 0) {
    args.rangeError(args.about("classCount") + "must divide the length of 'yPred' (" +
                    std::to_string(n) + "; got " + std::to_string(classCount) + ")");
  }
  return classCount;
}

}  // namespace

// categorical(kernel, yTrue, yPred, params, classCount, classWeight, sampleWeight, perSample,
//             grad, gradScale)
CategoricalJob parseCategorical(const Napi::CallbackInfo& info, const char* function,
                                CallStorage& call) {
  const Arguments args(info, function);
  const size_t kernel = args.integer(0, "kernel", 0, kCategoricalKernelCount - 1);
  const CategoricalKernelInfo& kernelInfo = kCategoricalKernelInfo[kernel];

  // Named copies, not structured bindings: lambdas below capture them (C++17).
  const Targets targets = parseTargets(args, 1, 2);
  FloatArray yTrue = targets.yTrue;
  FloatArray yPred = targets.yPred;
  const size_t n = yPred.length;

  FloatArray params = parseParams(args, 3, kernelInfo.paramCount, kernelInfo.name);

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

  SampleArrays<1> arrays = parseSampleArrays(args, 6, rows, yPred);
  const double gradScale = args.finiteNumber(9, "gradScale");

  call.pinned = {yTrue.value, yPred.value, params.value};
  if (hasClassWeight) call.pinned.push_back(classWeight.value);
  call.input(yTrue, "yTrue");
  call.input(yPred, "yPred");
  call.input(params, "params");
  if (hasClassWeight) call.input(classWeight, "classWeight");
  arrays.store(call);

  const KernelTable& table = activeKernels();
  const CategoricalJob job = bindJob(yPred.dtype, table.categoricalF32[kernel], table.categoricalF64[kernel], [&](auto element) {
    using T = decltype(element);
    return CategoricalCall<T>{yTrue.as<const T>(),
                   yPred.as<const T>(),
                   params.as<const double>(),
                   rows,
                   classCount,
                   hasClassWeight ? classWeight.as<const double>() : nullptr,
                   arrays.weights(),
                   arrays.perSampleOut(),
                   arrays.template grad<T>(),
                   gradScale};
  });

  return job;
}

static_assert(sizeof(int) == sizeof(int32_t), "labels are read as int");

// sparseCategorical(kernel, labels, yPred, params, classCount, ignoreClass, sampleWeight,
//                   perSample, grad, gradScale)
// Every label is checked before the job is made: in [0, classCount) or equal to ignoreClass.
SparseJob parseSparse(const Napi::CallbackInfo& info, const char* function,
                      CallStorage& call) {
  const Arguments args(info, function);
  const size_t kernel = args.integer(0, "kernel", 0, kSparseKernelCount - 1);
  const SparseKernelInfo& kernelInfo = kSparseKernelInfo[kernel];

  FloatArray yPred = args.floatArray(2, "yPred");
  if (yPred.length == 0) args.rangeError(args.about("yPred") + "must have at least 1 element (got 0)");
  const size_t n = yPred.length;

  FloatArray params = parseParams(args, 3, kernelInfo.paramCount, kernelInfo.name);

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

  SampleArrays<1> arrays = parseSampleArrays(args, 6, rows, yPred);
  const double gradScale = args.finiteNumber(9, "gradScale");

  // Checked and read from a copy (CallStorage): JavaScript, or another thread through a
  // SharedArrayBuffer, cannot change a label between its check and its use as an index.
  const int* labels =
      call.copyInt32(reinterpret_cast<const int*>(labelsArray.Data()), rows, "labels");
  for (size_t i = 0; i < rows; ++i) {
    const int label = labels[i];
    const bool inRange = label >= 0 && static_cast<uint64_t>(label) < static_cast<uint64_t>(classCount);
    if (!inRange && !(hasIgnoreClass && label == ignoreClass)) {
      args.rangeError(args.about("labels") + "must hold class indices in [0, " +
                      std::to_string(classCount) + ") or ignoreClass (got labels[" +
                      std::to_string(i) + "] = " + std::to_string(label) + ")");
    }
  }

  call.pinned = {labelsValue, yPred.value, params.value};
  call.input(yPred, "yPred");
  call.input(params, "params");
  arrays.store(call);

  const KernelTable& table = activeKernels();
  const SparseJob job = bindJob(yPred.dtype, table.sparseF32[kernel], table.sparseF64[kernel], [&](auto element) {
    using T = decltype(element);
    return SparseCall<T>{labels,
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
  });

  return job;
}


}  // namespace addon
}  // namespace losskit
