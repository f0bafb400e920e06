// The table of entry points of one instruction set, instantiated from the shared templates.
// Included last by native/kernels/<isa>/kernels.cpp, after it has defined, inside its ISA
// namespace:
//   using VecF32 = ...;  // value type for float32 data (float or avx2::VecF32x8)
//   using VecF64 = ...;  // value type for float64 data (double or avx2::VecF64x4)
//   constexpr const char* kIsaName = "...";
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/isa_table.h"
#endif

#include <cstddef>
#include <type_traits>

#include "binary.h"
#include "cosine.h"
#include "elementwise_driver.h"
#include "kernel_table.h"
#include "regression.h"
#include "categorical.h"
#include "ctc.h"
#include "divergence.h"
#include "segmentation.h"
#include "sparse.h"
#include "triplet.h"
#include "pairs.h"
#include "ranking.h"
#include "memory_bandwidth.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

template <int kFunction, class V>
LOSSKIT_INLINE V applyMathFunction(V x) {
  if constexpr (kFunction == kMathExp) {
    return exp(x);
  } else if constexpr (kFunction == kMathLog) {
    return log(x);
  } else if constexpr (kFunction == kMathLog1p) {
    return log1p(x);
  } else if constexpr (kFunction == kMathExpNonPositive) {
    return expNonPositive(x);
  } else if constexpr (kFunction == kMathLog1pUnit) {
    return log1pUnit(x);
  } else if constexpr (kFunction == kMathLogPositive) {
    return logPositive(x);
  } else if constexpr (kFunction == kMathLog1pNegative) {
    return log1pNegative(x);
  } else {
    return log1pNonNegative(x);
  }
}

// out[i] = fn(x[i]) for i < n; the tail goes through one padded vector. x may equal out.
template <int kFunction, class V>
void mathKernel(const typename VecTraits<V>::Scalar* x, typename VecTraits<V>::Scalar* out,
                size_t n) {
  using T = VecTraits<V>;
  constexpr size_t kLanes = T::kLanes;
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) T::store(out + i, applyMathFunction<kFunction>(T::load(x + i)));
  if constexpr (kLanes > 1) {
    if (i < n) {
      T::storePartial(out + i, applyMathFunction<kFunction>(T::loadPartial(x + i, n - i)), n - i);
    }
  }
}

// Every entry point ends with leaveVectorCode() (vzeroupper on AVX2, nothing on the portable
// path). GCC omits vzeroupper where 256-bit functors are passed between AVX2 functions, and a
// dirty upper YMM state makes the SSE code that runs next on the thread (V8's Math.exp, libm)
// pay a transition penalty on every instruction: measured 2.5x slower JS math after a BCE call.
template <auto kKernel, class... Args>
auto cleanEntry(Args... args) -> decltype(kKernel(args...)) {
  if constexpr (std::is_void_v<decltype(kKernel(args...))>) {
    kKernel(args...);
    leaveVectorCode();
  } else {
    const auto result = kKernel(args...);
    leaveVectorCode();
    return result;
  }
}

extern const KernelTable kTable;

const KernelTable kTable = {
    kIsaName,
    {
#define LOSSKIT_ENTRY(Functor, name, paramCount, needsAux) &cleanEntry<&elementwiseKernel<Functor, VecF32>>,
        LOSSKIT_ELEMENTWISE_KERNELS(LOSSKIT_ENTRY)
#undef LOSSKIT_ENTRY
    },
    {
#define LOSSKIT_ENTRY(Functor, name, paramCount, needsAux) &cleanEntry<&elementwiseKernel<Functor, VecF64>>,
        LOSSKIT_ELEMENTWISE_KERNELS(LOSSKIT_ENTRY)
#undef LOSSKIT_ENTRY
    },
    &cleanEntry<&cosineKernel<VecF32>>,
    &cleanEntry<&cosineKernel<VecF64>>,
    {&cleanEntry<&mathKernel<kMathExp, VecF32>>, &cleanEntry<&mathKernel<kMathLog, VecF32>>, &cleanEntry<&mathKernel<kMathLog1p, VecF32>>,
     &cleanEntry<&mathKernel<kMathExpNonPositive, VecF32>>, &cleanEntry<&mathKernel<kMathLog1pUnit, VecF32>>,
     &cleanEntry<&mathKernel<kMathLogPositive, VecF32>>, &cleanEntry<&mathKernel<kMathLog1pNegative, VecF32>>,
     &cleanEntry<&mathKernel<kMathLog1pNonNegative, VecF32>>},
    {&cleanEntry<&mathKernel<kMathExp, VecF64>>, &cleanEntry<&mathKernel<kMathLog, VecF64>>, &cleanEntry<&mathKernel<kMathLog1p, VecF64>>,
     &cleanEntry<&mathKernel<kMathExpNonPositive, VecF64>>, &cleanEntry<&mathKernel<kMathLog1pUnit, VecF64>>,
     &cleanEntry<&mathKernel<kMathLogPositive, VecF64>>, &cleanEntry<&mathKernel<kMathLog1pNegative, VecF64>>,
     &cleanEntry<&mathKernel<kMathLog1pNonNegative, VecF64>>},
    {
#define LOSSKIT_ENTRY(Functor, name, paramCount, takesClassWeight) &cleanEntry<&categoricalKernel<Functor, VecF32>>,
        LOSSKIT_CATEGORICAL_KERNELS(LOSSKIT_ENTRY)
#undef LOSSKIT_ENTRY
    },
    {
#define LOSSKIT_ENTRY(Functor, name, paramCount, takesClassWeight) &cleanEntry<&categoricalKernel<Functor, VecF64>>,
        LOSSKIT_CATEGORICAL_KERNELS(LOSSKIT_ENTRY)
#undef LOSSKIT_ENTRY
    },
    {
#define LOSSKIT_ENTRY(Functor, name, paramCount) &cleanEntry<&sparseKernel<Functor, VecF32>>,
        LOSSKIT_SPARSE_KERNELS(LOSSKIT_ENTRY)
#undef LOSSKIT_ENTRY
    },
    {
#define LOSSKIT_ENTRY(Functor, name, paramCount) &cleanEntry<&sparseKernel<Functor, VecF64>>,
        LOSSKIT_SPARSE_KERNELS(LOSSKIT_ENTRY)
#undef LOSSKIT_ENTRY
    },
    &cleanEntry<&tripletKernel<VecF32>>,
    &cleanEntry<&tripletKernel<VecF64>>,
    &cleanEntry<&ctcKernel<VecF32>>,
    &cleanEntry<&ctcKernel<VecF64>>,
    {
#define LOSSKIT_ENTRY(Functor, name, paramCount) &cleanEntry<&pairKernel<Functor, VecF32>>,
        LOSSKIT_PAIR_KERNELS(LOSSKIT_ENTRY)
#undef LOSSKIT_ENTRY
    },
    {
#define LOSSKIT_ENTRY(Functor, name, paramCount) &cleanEntry<&pairKernel<Functor, VecF64>>,
        LOSSKIT_PAIR_KERNELS(LOSSKIT_ENTRY)
#undef LOSSKIT_ENTRY
    },
    {&cleanEntry<&memoryProbeKernel<kMemoryProbeRead, VecF32>>, &cleanEntry<&memoryProbeKernel<kMemoryProbeRead2Write1, VecF32>>},
    {&cleanEntry<&memoryProbeKernel<kMemoryProbeRead, VecF64>>, &cleanEntry<&memoryProbeKernel<kMemoryProbeRead2Write1, VecF64>>},
};

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
