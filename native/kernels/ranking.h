// Elementwise ranking / pair losses, written once for every value type V (float, double,
// avx2::VecF32x8, avx2::VecF64x4) with the conventions of regression.h (a functor per loss,
// both branches computed and blended, NaN reaching the value and the gradient), computed in
// the dtype per element like the other elementwise losses. Their JS twins (the reference and
// fallback) are marginRankingFunctions and contrastiveDistanceFunctions in
// lib/losses/pairs-kernel.ts, written with the same operations in the same order.
//
// x = yPred, y = yTrue, a = aux. Kernel table rows (LOSSKIT_ELEMENTWISE_KERNELS in
// kernel_table.h, after squared_hinge) and their `params`:
//   margin_ranking        [margin]  aux = x2, required; x = x1, y in {1, -1}
//     r = margin - y (x - a) (PyTorch's -y (x1 - x2) + margin, unfused), f = max(0, r);
//     f' (d/dx1) = -y where r > 0, 0 where r <= 0, NaN where r is NaN. d/dx2 is -f' (lib).
//     (PyTorch's clamp_min backward also passes -y at r == 0 exactly; this does not.)
//   contrastive_distance  [margin]  x = d, a precomputed distance; y in [0, 1]
//     h = max(margin - d, 0), f = y d^2 + (1 - y) h^2, f' = 2 y d - 2 (1 - y) h.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/ranking.h"
#endif

#include "regression.h"  // ScalarOf

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// [margin] aux = x2.
template <class V>
struct MarginRanking {
  using S = ScalarOf<V>;
  static constexpr bool kUsesAux = true;
  V margin;
  explicit MarginRanking(const double* params) : margin(S(params[0])) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V a, V& grad) const {
    const V zero(S(0));
    const V r = margin - y * (x - a);
    // Not r * 0: an r of -inf (an infinite input on the right side) has gradient 0, not NaN.
    if constexpr (kGrad) grad = select(r > zero, -y, select(r <= zero, zero, r));
    return max(r, zero);
  }
};

// [margin] x = the distance d.
template <class V>
struct ContrastiveDistance {
  using S = ScalarOf<V>;
  static constexpr bool kUsesAux = false;
  V margin;
  explicit ContrastiveDistance(const double* params) : margin(S(params[0])) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    const V h = max(margin - x, V(S(0)));  // NaN propagates
    const V oneMinusY = V(S(1)) - y;
    if constexpr (kGrad) {
      const V two(S(2));
      grad = two * y * x - two * oneMinusY * h;
    }
    return y * x * x + oneMinusY * h * h;
  }
};

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
