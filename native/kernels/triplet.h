// Triplet margin loss (PyTorch F.triplet_margin_loss) over [batch, dim] embeddings, matching
// the JS reference (lib/losses/triplet.ts tripletKernel):
//   d(u, v) = ||u - v + eps||_p,  l_i = max(d(a_i, p_i) - d_neg + margin, 0),
//   d_neg = d(a_i, n_i), or with `swap` d(p_i, n_i) when that is strictly smaller.
// params = [margin, p, eps, swap (1 = on)].
// Returns sum_i w_i l_i (OrderedRowSum order, row_driver.h); perSample[i] = w_i l_i; each
// non-null gradient receives gradScale * w_i * dl_i/d(input).
//
// Precision: everything in double (float32 data widened exactly, WideOf in softmax.h);
// gradients rounded to the dtype once when stored.
//
// Per triplet, two passes over its three rows (the second from L1):
//   1. the sums of |x|^p for x = a - p + eps, a - n + eps (and p - n + eps with swap), in
//      vectors over the embedding dimension (accumulateVectors: two accumulator sets, fixed by
//      dim and the ISA alone); norm = sum (p = 1), sqrt(sum) (p = 2), pow(sum, 1/p) otherwise.
//   2. with the gradient and an active hinge (margined > 0), the slopes
//      d||x||_p/dx_k = t(x_k) / ||x||_p^(p-1) with t(x) = sign(x) |x|^(p-1):
//      t = sign(x) (p = 1), t = x (p = 2), sign(x) exp((p-1) log|x|) otherwise; t = 0 at
//      x = 0, and the slope is 0 for a zero norm (PyTorch's subgradient). The division is a
//      multiplication by 1/||x||_p^(p-1) computed once per triplet.
//      An inactive hinge writes zeros (margined * 0 is 0 there; a NaN margin takes pass 2, so
//      NaN reaches the gradients as in the reference).
// |x|^p for general p is exp(p log|x|) (vector exp/log on AVX2, libm on the portable path).
//
// Threads: triplets are independent; sumRows (row_driver.h) spreads calls of
// batch * dim >= kParallelElements over the pool with each triplet's weighted value in its own
// slot, summed in order afterwards: the same bits for any thread count.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/triplet.h"
#endif

#include <math.h>

#include <cstddef>
#include <type_traits>

#include "kernel_table.h"
#include "row_driver.h"
#include "softmax.h"  // WideOf, loadLanes, storeLanes, accumulateVectors

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// Which norm: specialised p = 1 and p = 2, and any other p through exp/log.
enum TripletNorm : int { kTripletL1, kTripletL2, kTripletGeneral };

template <class V>
struct TripletRows {
  using S = ScalarOf<V>;
  using W = WideOf<V>;  // double lanes, float32 data too
  using WS = ScalarOf<W>;

  const TripletCall<S>& call;
  size_t dim;
  double margin, p, eps, invP, pMinus1;

  explicit TripletRows(const TripletCall<S>& c)
      : call(c),
        dim(c.dim),
        margin(c.params[0]),
        p(c.params[1]),
        eps(c.params[2]),
        invP(1.0 / c.params[1]),
        pMinus1(c.params[1] - 1.0) {}

  // |x|^p, 0 in unused lanes.
  template <int kNorm, class Tag>
  LOSSKIT_INLINE W power(W x, size_t n, Tag tag, W pv) const {
    if constexpr (kNorm == kTripletL1) {
      return zeroUnusedLanes(abs(x), n, tag);
    } else if constexpr (kNorm == kTripletL2) {
      return zeroUnusedLanes(x * x, n, tag);
    } else {
      return zeroUnusedLanes(exp(pv * log(abs(x))), n, tag);
    }
  }

  // sign(x) |x|^(p-1), 0 at x = 0.
  template <int kNorm>
  LOSSKIT_INLINE W slopeNumerator(W x, W pm1, W zero) const {
    if constexpr (kNorm == kTripletL1) {
      return sign(x);  // +-1, 0 at 0, NaN for NaN
    } else if constexpr (kNorm == kTripletL2) {
      return x;
    } else {
      const W ax = abs(x);
      return select(ax == zero, zero, sign(x) * exp(pm1 * log(ax)));
    }
  }

  // ||x||_p from the sum of |x|^p.
  template <int kNorm>
  LOSSKIT_INLINE double norm(double sum) const {
    if constexpr (kNorm == kTripletL1) {
      return sum;
    } else if constexpr (kNorm == kTripletL2) {
      return sqrt(sum);
    } else {
      return ::pow(sum, invP);
    }
  }

  // 1 / ||x||_p^(p-1), 0 for a zero norm (NaN stays NaN).
  template <int kNorm>
  LOSSKIT_INLINE double slopeScale(double normValue) const {
    if (normValue == 0.0) return 0.0;
    if constexpr (kNorm == kTripletL1) {
      return 1.0;
    } else if constexpr (kNorm == kTripletL2) {
      return 1.0 / normValue;
    } else {
      return 1.0 / ::pow(normValue, pMinus1);
    }
  }

  // Writes one triplet's gradients (pass 2): slopes ap = t(a - p + eps) * rAP and
  // ng = t(xNeg) * rNeg with xNeg = a - n + eps, or p - n + eps when swapped.
  template <int kNorm, bool kSwapped>
  void gradients(size_t offset, double scale, double rAP, double rNeg) const {
    const S* a = call.anchor + offset;
    const S* pos = call.positive + offset;
    const S* neg = call.negative + offset;
    S* gA = call.gradAnchor != nullptr ? call.gradAnchor + offset : nullptr;
    S* gP = call.gradPositive != nullptr ? call.gradPositive + offset : nullptr;
    S* gN = call.gradNegative != nullptr ? call.gradNegative + offset : nullptr;
    const W epsv(static_cast<WS>(eps)), zero(WS(0)), pm1(static_cast<WS>(pMinus1));
    const W sv(static_cast<WS>(scale)), rap(static_cast<WS>(rAP)), rneg(static_cast<WS>(rNeg));
    forEachVector<W>(dim, [&](size_t i, size_t n, auto tag) {
      const W av = loadLanes<W>(a + i, n, tag);
      const W pv = loadLanes<W>(pos + i, n, tag);
      const W nv = loadLanes<W>(neg + i, n, tag);
      const W ap = slopeNumerator<kNorm>(av - pv + epsv, pm1, zero) * rap;
      const W ng = slopeNumerator<kNorm>((kSwapped ? pv : av) - nv + epsv, pm1, zero) * rneg;
      if (gA != nullptr) storeLanes(gA + i, kSwapped ? sv * ap : sv * (ap - ng), n, tag);
      if (gP != nullptr) storeLanes(gP + i, kSwapped ? sv * (-ap - ng) : sv * -ap, n, tag);
      if (gN != nullptr) storeLanes(gN + i, sv * ng, n, tag);
    });
  }

  void zeroGradients(size_t offset) const {
    S* grads[3] = {call.gradAnchor, call.gradPositive, call.gradNegative};
    for (S* g : grads) {
      if (g == nullptr) continue;
      S* row = g + offset;
      for (size_t k = 0; k < dim; ++k) row[k] = S(0);
    }
  }

  // One triplet: returns weight * l and writes its gradients when kGrad.
  template <int kNorm, bool kSwap, bool kGrad>
  double row(size_t index, double weight) const {
    const size_t offset = index * dim;
    const S* a = call.anchor + offset;
    const S* pos = call.positive + offset;
    const S* neg = call.negative + offset;
    const W epsv(static_cast<WS>(eps)), pv(static_cast<WS>(p));
    const VectorSums<W, 3> sums = accumulateVectors<W, VectorSums<W, 3>>(
        dim, [&](size_t i, size_t n, auto tag, auto& s) {
          const W av = loadLanes<W>(a + i, n, tag);
          const W bv = loadLanes<W>(pos + i, n, tag);
          const W cv = loadLanes<W>(neg + i, n, tag);
          s.acc[0].add(power<kNorm>(av - bv + epsv, n, tag, pv));
          s.acc[1].add(power<kNorm>(av - cv + epsv, n, tag, pv));
          if constexpr (kSwap) s.acc[2].add(power<kNorm>(bv - cv + epsv, n, tag, pv));
        });
    const double dPositive = norm<kNorm>(sums.total(0));
    double dNegative = norm<kNorm>(sums.total(1));
    bool swapped = false;
    if constexpr (kSwap) {
      const double dSwap = norm<kNorm>(sums.total(2));
      if (dSwap < dNegative) {
        dNegative = dSwap;
        swapped = true;
      }
    }
    const double margined = dPositive - dNegative + margin;
    const double loss = max(margined, 0.0);
    if constexpr (kGrad) {
      const double scale = margined > 0.0 ? call.gradScale * weight : margined * 0.0;
      if (scale == 0.0) {
        zeroGradients(offset);
      } else {
        const double rAP = slopeScale<kNorm>(dPositive);
        const double rNeg = slopeScale<kNorm>(dNegative);
        if (swapped) {
          gradients<kNorm, true>(offset, scale, rAP, rNeg);
        } else {
          gradients<kNorm, false>(offset, scale, rAP, rNeg);
        }
      }
    }
    return weight * loss;
  }

  template <int kNorm, bool kSwap, bool kGrad>
  double run() const {
    auto rowFn = [this](size_t index, double weight) {
      return row<kNorm, kSwap, kGrad>(index, weight);
    };
    return sumRows(rowFn, call.batch, dim, call.sampleWeight, call.perSample);
  }

  template <int kNorm>
  double runNorm() const {
    const bool swap = call.params[3] == 1.0;
    const bool grad = call.gradAnchor != nullptr || call.gradPositive != nullptr ||
                      call.gradNegative != nullptr;
    if (swap) return grad ? run<kNorm, true, true>() : run<kNorm, true, false>();
    return grad ? run<kNorm, false, true>() : run<kNorm, false, false>();
  }
};

template <class V>
double tripletKernel(const TripletCall<ScalarOf<V>>& call) {
  const TripletRows<V> rows(call);
  if (rows.p == 2.0) return rows.template runNorm<kTripletL2>();
  if (rows.p == 1.0) return rows.template runNorm<kTripletL1>();
  return rows.template runNorm<kTripletGeneral>();
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
