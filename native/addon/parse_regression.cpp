// Parsers of the elementwise regression/binary kernels and cosine similarity (jobs.h).
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

// elementwise(kernel, yTrue, yPred, aux, params, rowLength, sampleWeight, perSample, grad,
//             gradScale)
ElementwiseJob parseElementwise(const Napi::CallbackInfo& info, const char* function,
                                CallStorage& call) {
  const Arguments args(info, function);
  const size_t kernel = args.integer(0, "kernel", 0, kElementwiseKernelCount - 1);
  const ElementwiseKernelInfo& kernelInfo = kElementwiseKernelInfo[kernel];

  // Named copies, not structured bindings: lambdas below capture them (C++17).
  const Targets targets = parseTargets(args, 1, 2);
  FloatArray yTrue = targets.yTrue;
  FloatArray yPred = targets.yPred;
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

  FloatArray params = parseParams(args, 4, kernelInfo.paramCount, kernelInfo.name);

  const size_t rowLength = args.integer(5, "rowLength", 1, kUnboundedInteger);
  if (n % rowLength != 0) {
    args.rangeError(args.about("rowLength") + "must divide the length of 'yPred' (" +
                    std::to_string(n) + "; got " + std::to_string(rowLength) + ")");
  }
  const size_t rows = n / rowLength;

  SampleArrays<1> arrays = parseSampleArrays(args, 6, rows, yPred);
  const double gradScale = args.finiteNumber(9, "gradScale");

  call.pinned = {yTrue.value, yPred.value, params.value};
  if (hasAux) call.pinned.push_back(aux.value);
  call.input(yTrue, "yTrue");
  call.input(yPred, "yPred");
  if (hasAux) call.input(aux, "aux");
  call.input(params, "params");
  arrays.store(call);

  const KernelTable& table = activeKernels();
  const ElementwiseJob job = bindJob(yPred.dtype, table.elementwiseF32[kernel], table.elementwiseF64[kernel], [&](auto element) {
    using T = decltype(element);
    return ElementwiseCall<T>{yTrue.as<const T>(),
                   yPred.as<const T>(),
                   kernelInfo.needsAux ? aux.as<const T>() : nullptr,
                   params.as<const double>(),
                   n,
                   rowLength,
                   arrays.weights(),
                   arrays.perSampleOut(),
                   arrays.template grad<T>(),
                   gradScale};
  });

  return job;
}

// cosineSimilarity(yTrue, yPred, outer, axisLength, inner, sampleWeight, perSample, grad,
//                  gradScale)
CosineJob parseCosine(const Napi::CallbackInfo& info, const char* function,
                      CallStorage& call) {
  const Arguments args(info, function);
  // Named copies, not structured bindings: lambdas below capture them (C++17).
  const Targets targets = parseTargets(args, 0, 1);
  FloatArray yTrue = targets.yTrue;
  FloatArray yPred = targets.yPred;
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

  SampleArrays<1> arrays = parseSampleArrays(args, 5, samples, yPred);
  const double gradScale = args.finiteNumber(8, "gradScale");

  call.pinned = {yTrue.value, yPred.value};
  call.input(yTrue, "yTrue");
  call.input(yPred, "yPred");
  arrays.store(call);

  const KernelTable& table = activeKernels();
  const CosineJob job = bindJob(yPred.dtype, table.cosineF32, table.cosineF64, [&](auto element) {
    using T = decltype(element);
    return CosineCall<T>{yTrue.as<const T>(),
                   yPred.as<const T>(),
                   outer,
                   axisLength,
                   inner,
                   arrays.weights(),
                   arrays.perSampleOut(),
                   arrays.template grad<T>(),
                   gradScale};
  });

  return job;
}


}  // namespace addon
}  // namespace losskit
