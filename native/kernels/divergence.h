// KL and Jensen-Shannon divergence over rows of C classes, as row functors for the
// categorical driver (categorical.h; ids 3 and 4 of LOSSKIT_CATEGORICAL_KERNELS), written once
// for every value type V. x = yPred row, y = yTrue row, clip = clip to [EPS, 1], EPS = 1e-7 in
// the dtype. One pass each: value and gradient together.
//
// As in PyTorch and TF.js (xlogy), a zero entry of the first argument of a y log(...) term
// contributes exactly 0 to the value and the gradient (Keras 3 multiplies by clip(y) instead;
// test/fixtures/README.md). A NaN anywhere still reaches the value and the gradient.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/divergence.h"
#endif

#include <cstddef>

#include "categorical.h"
#include "kernel_table.h"
#include "regression.h"
#include "softmax.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// kl_divergence: l = sum_c y_c log(clip(y_c) / clip(x_c)), 0 where y_c = 0 (a negative y_c
// follows the formula, log clip(y_c) = log EPS).
// grad_j = -y_j / clip(x_j) where the clip is inactive (EPS < x_j < 1), else 0; 0 where
// y_j = 0. "Else 0" is written (y / clip(x)) * 0 and the y = 0 case clip(x) * 0, so a NaN in
// x or y still gives NaN.
// The log is logRatio (softmax.h): log1p((clip(y) - clip(x)) / clip(x)) for close values, so
// a small KL (y close to x) keeps its relative accuracy. Computed in double (float32 data
// too, clipping at the double 1e-7); y_c log(...) terms summed in double.
template <class V>
struct KlDivergence {
  using S = ScalarOf<V>;
  using W = WideOf<V>;
  using WS = ScalarOf<W>;
  size_t classCount;

  explicit KlDivergence(const CategoricalCall<S>& call) : classCount(call.classCount) {}

  template <bool kGrad>
  double row(const S* y, const S* x, S* g, double gradFactor) const {
    const W eps = clipLow<W>();
    const W zero(WS(0)), one(WS(1));
    const W factor(static_cast<WS>(-gradFactor));
    const VectorSums<W, 1> sums = accumulateVectors<W, VectorSums<W, 1>>(
        classCount, [&](size_t i, size_t n, auto tag, auto& s) {
          const W yv = loadLanes<W>(y + i, n, tag);
          const W xv = loadLanes<W>(x + i, n, tag);
          const W xc = clipToRange(xv, eps, one);
          // y = 0 gives 0 * (a finite log) = 0, or NaN for a NaN x; unused lanes y = 0, x = 0.
          const W yc = clipToRange(yv, eps, one);
          s.acc[0].addProduct(yv, logRatio(yc, xc, yc - xc));
          if constexpr (kGrad) {
            const W ratio = yv / xc;
            const auto clipped = (xv <= eps) | (xv >= one);
            const W grad = select(yv == zero, xc * zero, select(clipped, ratio * zero, ratio * factor));
            storeLanes(g + i, grad, n, tag);
          }
        });
    return sums.total(0);
  }
};

// js_divergence: m = (x + y) / 2,
//   l = 0.5 sum_c [xlogy(y_c, clip(y_c) / clip(m_c)) + xlogy(x_c, clip(x_c) / clip(m_c))].
// Gradient, the exact derivative of that expression (d clip(u)/du = [EPS < u < 1]):
//   0.5 [log(clip(x)/clip(m)) + (x / clip(x)) [x inside] - 0.5 (x + y) / clip(m) [m inside]]
// and since x / clip(x) = 1 and (x + y) / clip(m) = 2 where the clips are inactive:
//   grad_j = 0.5 (log(clip(x_j) / clip(m_j)) + [EPS < x_j < 1] - [EPS < m_j < 1]).
// At x_j = 0 this is the two-sided derivative: for |x| < EPS the x term is x log(EPS/clip(m))
// (clip(x) = EPS is constant there), whose derivative is log(EPS/clip(m)), and the y term gives
// -0.25 y / clip(m) = -0.5 [m inside]. (PyTorch's autograd of xlogy returns 0 for the x term
// at x = 0 instead; that is not the derivative of the value.) A y_j = 0 term is 0 with
// derivative 0, which the same formula gives.
// The logs are logRatio (softmax.h) with clip(x) - clip(m) taken as (x - y) / 2 (exact in
// double) when neither clip is active, so x close to y keeps relative accuracy. Computed in
// double (float32 data too, clipping at the double 1e-7); the x log and y log terms summed in
// double.
template <class V>
struct JsDivergence {
  using S = ScalarOf<V>;
  using W = WideOf<V>;
  using WS = ScalarOf<W>;
  size_t classCount;

  explicit JsDivergence(const CategoricalCall<S>& call) : classCount(call.classCount) {}

  template <bool kGrad>
  double row(const S* y, const S* x, S* g, double gradFactor) const {
    const W eps = clipLow<W>();
    const W zero(WS(0)), one(WS(1)), half(WS(0.5));
    const W factor(static_cast<WS>(0.5 * gradFactor));
    const VectorSums<W, 1> sums = accumulateVectors<W, VectorSums<W, 1>>(
        classCount, [&](size_t i, size_t n, auto tag, auto& s) {
          const W yv = loadLanes<W>(y + i, n, tag);
          const W xv = loadLanes<W>(x + i, n, tag);
          const W m = (xv + yv) * half;
          const W mc = clipToRange(m, eps, one);
          const auto xInside = (xv > eps) & (xv < one);
          const auto yInside = (yv > eps) & (yv < one);
          const auto mInside = (m > eps) & (m < one);
          const W halfDiff = (xv - yv) * half;  // x - m = m - y
          const W xc = clipToRange(xv, eps, one);
          const W yc = clipToRange(yv, eps, one);
          const W logXm = logRatio(xc, mc, select(xInside & mInside, halfDiff, xc - mc));
          const W logYm = logRatio(yc, mc, select(yInside & mInside, zero - halfDiff, yc - mc));
          // xlogy: a zero weight times a finite log is 0 (NaN stays NaN); unused lanes are 0.
          s.acc[0].addProduct(yv, logYm);
          s.acc[0].addProduct(xv, logXm);
          if constexpr (kGrad) {
            const W grad = logXm + select(xInside, one, zero) - select(mInside, one, zero);
            storeLanes(g + i, grad * factor, n, tag);
          }
        });
    return 0.5 * sums.total(0);
  }
};

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
