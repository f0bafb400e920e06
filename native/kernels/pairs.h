// Losses over pairs of [batch, dim] embeddings x1, x2 with one target y per pair (the `pair`
// entry point, lib/backend/binding.ts PairArgs), matching the JS reference
// (lib/losses/pairs-kernel.ts pairKernel). Kernel ids: LOSSKIT_PAIR_KERNELS (kernel_table.h).
//
//   0 contrastive [margin, eps]: v = x1 - x2 + eps, d = ||v||_2 (PyTorch pairwise_distance),
//     h = max(margin - d, 0), l = y d^2 + (1 - y) h^2;
//     dl/dx1 = c v, c = 2y + (1 - y) s with s = -2h / d where h > 0 and d > 0, 0 where the
//     hinge is inactive (h == 0) or d == 0, NaN where h is NaN; dl/dx2 = -dl/dx1.
//   1 cosine_embedding [margin] (PyTorch F.cosine_embedding_loss): p = x1.x2,
//     s1 = |x1|^2 + 1e-12, s2 = |x2|^2 + 1e-12, D = sqrt(s1 s2), cos = p / D;
//     l = 1 - cos (y == 1), max(0, cos - margin) (y == -1), 0 for any other finite y (as
//     PyTorch's where(target == 1, ...)), NaN for a NaN or infinite y or cos. dl/dx1 = k (x2 / D - cos x1 / s1), dl/dx2 =
//     k (x1 / D - cos x2 / s2) with k = -1 (y == 1); for y == -1, k = 1 where cos - margin > 0,
//     0 where <= 0, NaN where NaN; k = l otherwise (0, or NaN). (PyTorch's clamp_min backward passes the
//     gradient at cos - margin == 0 exactly; this kernel, like the JS reference, does not.)
//
// Returns sum_i w_i l_i (OrderedRowSum order, row_driver.h); perSample[i] = w_i l_i; grad1 and
// grad2 (each may be null) receive gradScale * w_i * dl_i/dx1 and dl_i/dx2. A row whose
// gradient coefficient (gradScale * w_i * c, resp. gradScale * w_i * k) is exactly 0 gets
// exact zeros (so an infinite input under a zero weight or an inactive hinge gives 0, not NaN).
//
// Precision: everything in double (float32 data widened exactly), gradients rounded to the
// dtype once when stored: contrastive runs in W = WideOf<V> (double lanes); cosine_embedding
// loads the dtype's vector and forms products and sums in double through the Accumulator
// (exact float products) and a x + b y through scaledSum (formed in double, rounded once).
//
// Per pair, two passes over its two rows (the second from L1/L2): the sums, in vectors over
// dim (accumulateVectors, softmax.h: two accumulator sets, fixed by dim and the ISA alone);
// then, with a gradient and a non-zero coefficient, the gradient rows.
//
// Threads: pairs are independent; sumRows (row_driver.h) spreads calls of
// batch * dim >= kParallelElements over the pool with each pair's weighted value in its own
// slot, summed in order afterwards: the same bits for any thread count and for async calls.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/pairs.h"
#endif

#include <math.h>

#include <cstddef>

#include "kernel_table.h"
#include "row_driver.h"
#include "softmax.h"  // WideOf, loadLanes, storeLanes, zeroUnusedLanes, accumulateVectors

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// Zeros over the rows of the non-null gradients at `offset`.
template <class S>
LOSSKIT_INLINE void zeroPairGradients(const PairCall<S>& call, size_t offset) {
  S* grads[2] = {call.grad1, call.grad2};
  for (S* g : grads) {
    if (g == nullptr) continue;
    S* row = g + offset;
    for (size_t k = 0; k < call.dim; ++k) row[k] = S(0);
  }
}

// contrastive [margin, eps].
template <class V>
struct PairContrastive {
  using S = ScalarOf<V>;
  using W = WideOf<V>;  // double lanes, float32 data too
  using WS = ScalarOf<W>;

  const PairCall<S>& call;
  double margin, eps;

  explicit PairContrastive(const PairCall<S>& c) : call(c), margin(c.params[0]), eps(c.params[1]) {}

  template <bool kGrad>
  double row(size_t index, double weight) const {
    const size_t dim = call.dim;
    const size_t offset = index * dim;
    const S* x1 = call.x1 + offset;
    const S* x2 = call.x2 + offset;
    const W epsv(static_cast<WS>(eps));
    const VectorSums<W, 1> sums = accumulateVectors<W, VectorSums<W, 1>>(
        dim, [&](size_t i, size_t n, auto tag, auto& s) {
          const W v = loadLanes<W>(x1 + i, n, tag) - loadLanes<W>(x2 + i, n, tag) + epsv;
          s.acc[0].add(zeroUnusedLanes(v * v, n, tag));
        });
    const double d = sqrt(sums.total(0));
    const double y = static_cast<double>(call.targets[index]);
    const double h = max(margin - d, 0.0);  // NaN d gives NaN
    const double loss = y * d * d + (1.0 - y) * h * h;
    if constexpr (kGrad) {
      // s = -2h / d on an active hinge with d > 0; 0 where inactive or d == 0; NaN for NaN h.
      const double hingeSlope = (h > 0.0 && d > 0.0) ? -2.0 * h / d : h * 0.0;
      const double c = call.gradScale * weight * (2.0 * y + (1.0 - y) * hingeSlope);
      if (c == 0.0) {
        zeroPairGradients(call, offset);
      } else {
        S* g1 = call.grad1 != nullptr ? call.grad1 + offset : nullptr;
        S* g2 = call.grad2 != nullptr ? call.grad2 + offset : nullptr;
        const W cv(static_cast<WS>(c)), ncv(static_cast<WS>(-c));
        forEachVector<W>(dim, [&](size_t i, size_t n, auto tag) {
          const W v = loadLanes<W>(x1 + i, n, tag) - loadLanes<W>(x2 + i, n, tag) + epsv;
          if (g1 != nullptr) storeLanes(g1 + i, cv * v, n, tag);
          if (g2 != nullptr) storeLanes(g2 + i, ncv * v, n, tag);
        });
      }
    }
    return weight * loss;
  }
};

// cosine_embedding [margin].
template <class V>
struct PairCosineEmbedding {
  using S = ScalarOf<V>;
  using T = VecTraits<V>;

  const PairCall<S>& call;
  double margin;

  explicit PairCosineEmbedding(const PairCall<S>& c) : call(c), margin(c.params[0]) {}

  template <bool kGrad>
  double row(size_t index, double weight) const {
    constexpr double kEpsilon = 1e-12;  // PyTorch's EPSILON in cosine_embedding_loss
    const size_t dim = call.dim;
    const size_t offset = index * dim;
    const S* x1 = call.x1 + offset;
    const S* x2 = call.x2 + offset;
    // Unused lanes load as 0: their products add exact zeros.
    const VectorSums<V, 3> sums = accumulateVectors<V, VectorSums<V, 3>>(
        dim, [&](size_t i, size_t n, auto tag, auto& s) {
          const V a = loadLanes<V>(x1 + i, n, tag);
          const V b = loadLanes<V>(x2 + i, n, tag);
          s.acc[0].addProduct(a, b);
          s.acc[1].addProduct(a, a);
          s.acc[2].addProduct(b, b);
        });
    const double p = sums.total(0);
    const double s1 = sums.total(1) + kEpsilon;
    const double s2 = sums.total(2) + kEpsilon;
    const double denom = sqrt(s1 * s2);
    const double cos = p / denom;
    const double y = static_cast<double>(call.targets[index]);
    double loss = 0.0;
    double k = 0.0;
    if (y == 1.0) {
      loss = 1.0 - cos;
      k = -1.0;
    } else if (y == -1.0) {
      const double margined = cos - margin;
      loss = max(margined, 0.0);  // NaN propagates
      k = margined > 0.0 ? 1.0 : margined <= 0.0 ? 0.0 : margined;
    } else {
      // Any other label costs 0 (PyTorch), but a NaN label or cos (a NaN or infinite input)
      // gives NaN: x - x is +0 for a finite x and NaN otherwise (README "NaN and infinities").
      loss = (y - y) + (cos - cos);
      k = loss;
    }
    if constexpr (kGrad) {
      const double c = call.gradScale * weight * k;
      if (c == 0.0) {
        zeroPairGradients(call, offset);
      } else {
        // dl/dx1 = a x2 + b1 x1, dl/dx2 = a x1 + b2 x2.
        const double a = c / denom;
        const double b1 = -c * cos / s1;
        const double b2 = -c * cos / s2;
        S* g1 = call.grad1 != nullptr ? call.grad1 + offset : nullptr;
        S* g2 = call.grad2 != nullptr ? call.grad2 + offset : nullptr;
        forEachVector<V>(dim, [&](size_t i, size_t n, auto tag) {
          const V u = loadLanes<V>(x1 + i, n, tag);
          const V w = loadLanes<V>(x2 + i, n, tag);
          if (g1 != nullptr) storeLanes(g1 + i, T::scaledSum(a, w, b1, u), n, tag);
          if (g2 != nullptr) storeLanes(g2 + i, T::scaledSum(a, u, b2, w), n, tag);
        });
      }
    }
    return weight * loss;
  }
};

template <template <class> class Loss, class V, bool kGrad>
double runPairRows(const Loss<V>& loss) {
  auto rowFn = [&loss](size_t index, double weight) {
    return loss.template row<kGrad>(index, weight);
  };
  const PairCall<ScalarOf<V>>& call = loss.call;
  return sumRows(rowFn, call.batch, call.dim, call.sampleWeight, call.perSample);
}

template <template <class> class Loss, class V>
double pairKernel(const PairCall<ScalarOf<V>>& call) {
  const Loss<V> loss(call);
  const bool grad = call.grad1 != nullptr || call.grad2 != nullptr;
  return grad ? runPairRows<Loss, V, true>(loss) : runPairRows<Loss, V, false>(loss);
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
