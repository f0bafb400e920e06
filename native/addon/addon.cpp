// The Node-API surface of losskit (typed in lib/backend/binding.ts): each kernel family's
// parser (parse_*.cpp) becomes a sync and an async entry point, plus capabilities, setIsa and
// the mathEval test hook. No JavaScript handle is kept between calls, so the addon loads in
// worker threads and Electron as often as asked.
#include <napi.h>

#include <string>
#include <vector>

#include "../kernels/dispatch.h"
#include "../kernels/kernel_table.h"
#include "../kernels/thread_pool.h"
#include "arguments.h"
#include "async_worker.h"
#include "jobs.h"

#ifndef LOSSKIT_COMPILER
#define LOSSKIT_COMPILER "unknown"
#endif

namespace losskit {
namespace addon {

// memoryBandwidth(kind, a, b, out): the bandwidth probe (memory_bandwidth.cpp).
Napi::Value MemoryBandwidth(const Napi::CallbackInfo& info);

namespace {

// One kernel family's sync and async entry points, from its parser: `name` and `name + "Async"`
// in messages, "losskit:<name>" as the async resource name.
template <class Job>
using Parser = Job (*)(const Napi::CallbackInfo&, const char*, CallStorage&);

template <class Job, Parser<Job> kParse>
struct EntryPoints {
  struct Names {
    std::string sync, async, resource;
  };

  static Napi::Value runSync(const Napi::CallbackInfo& info) {
    const auto* names = static_cast<const Names*>(info.Data());
    CallStorage call(info.Env(), false, names->sync.c_str());
    return Napi::Number::New(info.Env(), kParse(info, names->sync.c_str(), call).run());
  }

  static Napi::Value runAsync(const Napi::CallbackInfo& info) {
    const auto* names = static_cast<const Names*>(info.Data());
    return queueKernel(info, names->async.c_str(), names->resource.c_str(),
                       [names](const Napi::CallbackInfo& i, CallStorage& call) {
                         return kParse(i, names->async.c_str(), call);
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

// "avx512" / "avx2" / "scalar" (and "auto" when allowAuto); TypeError for anything else,
// RangeError with code LOSSKIT_ISA_UNSUPPORTED when this CPU or build cannot run the one named.
Isa parseIsa(const Arguments& args, size_t index, bool allowAuto) {
  const std::string name = args.string(index, "isa");
  if (name == "scalar") return Isa::kScalar;
  if (allowAuto && name == "auto") return bestIsa();
  if (name == "avx2" || name == "avx512") {
    const bool wide = name == "avx512";
    const Isa isa = wide ? Isa::kAvx512 : Isa::kAvx2;
    if (!isaAvailable(isa)) {
      throwRangeError(args.env(),
                      std::string(args.function()) + ": 'isa' " + name +
                          (wide ? " cannot run here (it needs a CPU with AVX-512 F, DQ, BW and VL "
                                  "and FMA, an OS that saves the ZMM and opmask registers, and "
                                  "an x86-64 build with the AVX-512 kernels)"
                                : " cannot run here (it needs a CPU with AVX2 and FMA, an OS "
                                  "that saves the YMM registers, and an x86-64 build)") +
                          "; use 'scalar'" + (wide && isaAvailable(Isa::kAvx2) ? " or 'avx2'" : ""),
                      kIsaUnsupportedCode);
    }
    return isa;
  }
  args.typeError(args.about("isa") + (allowAuto ? "must be 'avx512', 'avx2', 'scalar' or 'auto'"
                                                : "must be 'avx512', 'avx2' or 'scalar'") +
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
  result.Set("avx512", avx512Available());
  result.Set("vbmi2", avx512Vbmi2Reported());
  result.Set("avx512Default", avx512ByDefault());
  result.Set("napiVersion", NAPI_VERSION);
  result.Set("compiler", LOSSKIT_COMPILER);
  result.Set("threads", static_cast<double>(poolThreadCount()));
  result.Set("poolThreads", static_cast<double>(poolSize()));
  return result;
}

// setThreads(n): caps the threads a large call uses (the caller included); 0 = the whole pool.
// Returns the threads a call uses from now on.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const Arguments args(info, "setThreads");
  const size_t limit = args.integer(0, "threads", 0, 1024);
  return Napi::Number::New(info.Env(), static_cast<double>(setThreadLimit(limit)));
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
  } else if (fn == "expNonPositive") {
    id = kMathExpNonPositive;
  } else if (fn == "log1pUnit") {
    id = kMathLog1pUnit;
  } else if (fn == "logPositive") {
    id = kMathLogPositive;
  } else if (fn == "log1pNegative") {
    id = kMathLog1pNegative;
  } else if (fn == "log1pNonNegative") {
    id = kMathLog1pNonNegative;
  } else {
    args.typeError(args.about("fn") + "must be 'exp', 'log' or 'log1p', or a restricted form: 'expNonPositive' (x <= 0), 'log1pUnit' (x in [0, 1]), 'logPositive' (positive normal x), 'log1pNegative' (x in (-1, 0)), 'log1pNonNegative' (x >= 0) (got '" + fn + "')");
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
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("mathEval", Napi::Function::New(env, MathEval, "mathEval"));
  exports.Set("memoryBandwidth", Napi::Function::New(env, MemoryBandwidth, "memoryBandwidth"));
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
