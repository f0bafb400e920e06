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

#include "cosine.h"
#include "elementwise_driver.h"
#include "kernel_table.h"
#include "regression.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

template <int kFunction, class V>
LOSSKIT_INLINE V applyMathFunction(V x) {
  if constexpr (kFunction == kMathExp) {
    return exp(x);
  } else if constexpr (kFunction == kMathLog) {
    return log(x);
  } else {
    return log1p(x);
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

extern const KernelTable kTable;

const KernelTable kTable = {
    kIsaName,
    {
#define LOSSKIT_ENTRY(Functor, name, paramCount, needsAux) &elementwiseKernel<Functor, VecF32>,
        LOSSKIT_ELEMENTWISE_KERNELS(LOSSKIT_ENTRY)
#undef LOSSKIT_ENTRY
    },
    {
#define LOSSKIT_ENTRY(Functor, name, paramCount, needsAux) &elementwiseKernel<Functor, VecF64>,
        LOSSKIT_ELEMENTWISE_KERNELS(LOSSKIT_ENTRY)
#undef LOSSKIT_ENTRY
    },
    &cosineKernel<VecF32>,
    &cosineKernel<VecF64>,
    {&mathKernel<kMathExp, VecF32>, &mathKernel<kMathLog, VecF32>, &mathKernel<kMathLog1p, VecF32>},
    {&mathKernel<kMathExp, VecF64>, &mathKernel<kMathLog, VecF64>, &mathKernel<kMathLog1p, VecF64>},
};

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
