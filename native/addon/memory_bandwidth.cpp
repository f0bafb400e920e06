// memoryBandwidth(kind, a, b, out): the memory-bandwidth probe (native/kernels/memory_bandwidth.h)
// on the selected ISA, for benchmarks. Sync only: a probe times the loop, not the libuv pool.
#include <napi.h>

#include <string>

#include "../kernels/dispatch.h"
#include "../kernels/kernel_table.h"
#include "arguments.h"

namespace losskit {
namespace addon {

Napi::Value MemoryBandwidth(const Napi::CallbackInfo& info) {
  const Arguments args(info, "memoryBandwidth");
  const std::string kindName = args.string(0, "kind");
  MemoryProbeKind kind;
  if (kindName == "read") {
    kind = kMemoryProbeRead;
  } else if (kindName == "read2write1") {
    kind = kMemoryProbeRead2Write1;
  } else {
    args.typeError(args.about("kind") + "must be 'read' or 'read2write1' (got '" + kindName + "')");
  }
  const FloatArray a = args.floatArray(1, "a");
  const FloatArray b = args.floatArray(2, "b");
  args.requireSameDtype(b, "b", a, "a");
  args.requireLength(b, "b", a.length);
  FloatArray out{};
  if (kind == kMemoryProbeRead2Write1) {
    if (!args.optionalFloatArray(3, "out", out)) {
      args.typeError(args.about("out") + "must be a " + dtypeName(a.dtype) +
                     " for 'read2write1' (got " + describe(info[3]) + ")");
    }
    args.requireSameDtype(out, "out", a, "a");
    args.requireLength(out, "out", a.length);
  } else if (args.optionalFloatArray(3, "out", out)) {
    args.typeError(args.about("out") + "must be null for 'read' (got " + describe(info[3]) + ")");
  }
  const size_t n = a.length;
  if (n == 0) return Napi::Number::New(info.Env(), 0.0);
  const KernelTable& table = activeKernels();
  double result;
  if (a.dtype == Dtype::kFloat32) {
    const MemoryProbeCall<float> call{a.as<const float>(), b.as<const float>(),
                                      out.length != 0 ? out.as<float>() : nullptr, n};
    result = table.memoryProbeF32[kind](call);
  } else {
    const MemoryProbeCall<double> call{a.as<const double>(), b.as<const double>(),
                                       out.length != 0 ? out.as<double>() : nullptr, n};
    result = table.memoryProbeF64[kind](call);
  }
  return Napi::Number::New(info.Env(), result);
}

}  // namespace addon
}  // namespace losskit
