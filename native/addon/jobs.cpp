// The helpers shared by the parsers (jobs.h).
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

// The usual case: one gradient, of yPred.
SampleArrays<1> parseSampleArrays(const Arguments& args, size_t firstIndex, size_t samples,
                                  const FloatArray& yPred) {
  return parseSampleArrays<1>(args, firstIndex, samples, yPred, "yPred", {"grad"});
}


}  // namespace addon
}  // namespace losskit
