// Parsers of the structured losses: triplet, pair losses and CTC (jobs.h).
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

// triplet(anchor, positive, negative, batchSize, params, sampleWeight, perSample, gradAnchor,
//         gradPositive, gradNegative, gradScale)
TripletJob parseTriplet(const Napi::CallbackInfo& info, const char* function,
                        CallStorage& call) {
  const Arguments args(info, function);
  FloatArray anchor = args.floatArray(0, "anchor");
  if (anchor.length == 0) args.rangeError(args.about("anchor") + "must have at least 1 element (got 0)");
  const size_t n = anchor.length;
  FloatArray positive = args.floatArray(1, "positive");
  args.requireSameDtype(positive, "positive", anchor, "anchor");
  args.requireLength(positive, "positive", n);
  FloatArray negative = args.floatArray(2, "negative");
  args.requireSameDtype(negative, "negative", anchor, "anchor");
  args.requireLength(negative, "negative", n);

  const size_t batch = args.integer(3, "batchSize", 1, kUnboundedInteger);
  if (n % batch != 0) {
    args.rangeError(args.about("batchSize") + "must divide the length of 'anchor' (" +
                    std::to_string(n) + "; got " + std::to_string(batch) + ")");
  }
  const size_t dim = n / batch;

  FloatArray params = parseParams(args, 4, 4, "triplet_margin");

  auto arrays = parseSampleArrays<3>(args, 5, batch, anchor, "anchor",
                                     {"gradAnchor", "gradPositive", "gradNegative"});
  const double gradScale = args.finiteNumber(10, "gradScale");

  call.pinned = {anchor.value, positive.value, negative.value, params.value};
  call.input(anchor, "anchor");
  call.input(positive, "positive");
  call.input(negative, "negative");
  call.input(params, "params");
  arrays.store(call);

  const KernelTable& table = activeKernels();
  const TripletJob job = bindJob(anchor.dtype, table.tripletF32, table.tripletF64, [&](auto element) {
    using T = decltype(element);
    return TripletCall<T>{anchor.as<const T>(),
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
  });

  return job;
}

// pair(kernel, x1, x2, targets, batchSize, params, sampleWeight, perSample, grad1, grad2,
//      gradScale)
PairJob parsePair(const Napi::CallbackInfo& info, const char* function,
                  CallStorage& call) {
  const Arguments args(info, function);
  const size_t kernel = args.integer(0, "kernel", 0, kPairKernelCount - 1);
  const PairKernelInfo& kernelInfo = kPairKernelInfo[kernel];

  FloatArray x1 = args.floatArray(1, "x1");
  if (x1.length == 0) args.rangeError(args.about("x1") + "must have at least 1 element (got 0)");
  const size_t n = x1.length;
  FloatArray x2 = args.floatArray(2, "x2");
  args.requireSameDtype(x2, "x2", x1, "x1");
  args.requireLength(x2, "x2", n);
  FloatArray targets = args.floatArray(3, "targets");
  args.requireSameDtype(targets, "targets", x1, "x1");

  const size_t batch = args.integer(4, "batchSize", 1, kUnboundedInteger);
  if (n % batch != 0) {
    args.rangeError(args.about("batchSize") + "must divide the length of 'x1' (" +
                    std::to_string(n) + "; got " + std::to_string(batch) + ")");
  }
  const size_t dim = n / batch;
  args.requireLength(targets, "targets", batch);

  FloatArray params = parseParams(args, 5, kernelInfo.paramCount, kernelInfo.name);

  auto arrays = parseSampleArrays<2>(args, 6, batch, x1, "x1", {"grad1", "grad2"});
  const double gradScale = args.finiteNumber(10, "gradScale");

  call.pinned = {x1.value, x2.value, targets.value, params.value};
  call.input(x1, "x1");
  call.input(x2, "x2");
  call.input(targets, "targets");
  call.input(params, "params");
  arrays.store(call);

  const KernelTable& table = activeKernels();
  const PairJob job = bindJob(x1.dtype, table.pairF32[kernel], table.pairF64[kernel], [&](auto element) {
    using T = decltype(element);
    return PairCall<T>{x1.as<const T>(),
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
  });

  return job;
}

namespace {

// A boolean argument of ctc (TypeError otherwise).
bool ctcBoolean(const Arguments& args, const Napi::CallbackInfo& info, size_t index,
                const char* name) {
  const Napi::Value value = info[index];
  if (!value.IsBoolean()) {
    args.typeError(args.about(name) + "must be a boolean (got " + describe(value) + ")");
  }
  return value.As<Napi::Boolean>().Value();
}

// An Int32Array argument of ctc (TypeError otherwise), read from a copy (CallStorage): the
// lengths and labels are checked once and then used as indices by the kernel, so neither
// JavaScript nor another thread (a SharedArrayBuffer) may change them in between.
struct Int32View {
  const int* data;  // never dereferenced when length == 0
  size_t length;
  Napi::Value value;
};

Int32View ctcInt32Array(const Arguments& args, const Napi::CallbackInfo& info, size_t index,
                        const char* name, CallStorage& call) {
  const Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    args.typeError(args.about(name) + "must be an Int32Array (got " + describe(value) + ")");
  }
  Napi::Int32Array array = value.As<Napi::Int32Array>();
  const size_t length = array.ElementLength();
  return {call.copyInt32(reinterpret_cast<const int*>(array.Data()), length, name), length, value};
}

}  // namespace

// ctc(logProbs, timeSteps, batchSize, classCount, batchFirst, targets, padded, maxTargetLength,
//     inputLengths, targetLengths, blank, zeroInfinity, itemScales, losses, grad, gradForm)
// Every argument, length and label is checked before the job is made (kernels/ctc.h).
CtcJob parseCtc(const Napi::CallbackInfo& info, const char* function,
                CallStorage& call) {
  const Arguments args(info, function);
  FloatArray logProbs = args.floatArray(0, "logProbs");
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
  const Int32View targets = ctcInt32Array(args, info, 5, "targets", call);
  const bool padded = ctcBoolean(args, info, 6, "padded");
  const size_t maxTargetLength = args.integer(7, "maxTargetLength", 0, kUnboundedInteger);
  const Int32View inputLengths = ctcInt32Array(args, info, 8, "inputLengths", call);
  if (inputLengths.length != batchSize) {
    args.rangeError(args.about("inputLengths") + "must have " + elements(batchSize) + " (got " +
                    std::to_string(inputLengths.length) + ")");
  }
  const Int32View targetLengths = ctcInt32Array(args, info, 9, "targetLengths", call);
  if (targetLengths.length != batchSize) {
    args.rangeError(args.about("targetLengths") + "must have " + elements(batchSize) + " (got " +
                    std::to_string(targetLengths.length) + ")");
  }
  const int blank = static_cast<int>(args.integer(10, "blank", 0, classCount - 1 < INT32_MAX ? classCount - 1 : INT32_MAX));
  const bool zeroInfinity = ctcBoolean(args, info, 11, "zeroInfinity");
  FloatArray itemScales = args.float64Array(12, "itemScales");
  args.requireLength(itemScales, "itemScales", batchSize);
  FloatArray losses = args.float64Array(13, "losses");
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

  call.pinned = {logProbs.value, targets.value, inputLengths.value, targetLengths.value,
                 itemScales.value, losses.value};
  if (hasGrad) call.pinned.push_back(grad.value);
  call.input(logProbs, "logProbs");
  call.input(itemScales, "itemScales");
  call.output(losses, "losses");
  if (hasGrad) call.output(grad, "grad");

  const KernelTable& table = activeKernels();
  const CtcJob job = bindJob(logProbs.dtype, table.ctcF32, table.ctcF64, [&](auto element) {
    using T = decltype(element);
    return CtcCall<T>{logProbs.as<const T>(),
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
  });

  return job;
}


}  // namespace addon
}  // namespace losskit
