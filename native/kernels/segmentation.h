// Soft overlap losses for segmentation (dice, iou, tversky) as row functors for the
// categorical driver (categorical.h; ids 5, 6 and 7 of LOSSKIT_CATEGORICAL_KERNELS), written
// once for every value type V. A row is one whole sample (lib flattens every non-batch axis:
// classCount = elements per sample), x = yPred row, y = yTrue row, s = smooth. No classWeight.
//
//   dice    [smooth]              l = 1 - (2 TP + s) / (X + Y + s)
//   iou     [smooth]              l = 1 - (TP + s) / (X + Y - TP + s)
//   tversky [alpha, beta, smooth] l = 1 - (TP + s) / (TP + alpha FP + beta FN + s)
// with TP = sum x y, FP = sum x (1 - y), FN = sum y (1 - x), X = TP + FP, Y = TP + FN.
//
// All three are one form over the three sums, with weights (a, b, c) = (2, 1, 1) for dice,
// (1, 1, 1) for iou and (1, alpha, beta) for tversky:
//   N = a TP + s,  R = b FP + c FN,  F = N + R,  l = 1 - N / F = R / F.
// The value is taken as R / F, not 1 - N / F: for x in [0, 1] every term of TP, FP and FN is
// >= 0, so R keeps its relative accuracy when the prediction is close to the target (a loss
// of 1e-12 is not the difference of two numbers close to 1).
// Gradient, d/dx_j of 1 - N / F with dN/dx_j = a y_j, dF/dx_j = a y_j + b (1 - y_j) - c y_j:
//   dl/dx_j = -(a y_j F - N (a y_j + b (1 - y_j) - c y_j)) / F^2
//           = (N b (1 - y_j) - (a R + c N) y_j) / F^2        (F - N = R)
// i.e. k0 (1 - y_j) - k1 y_j with k0 = N b / F^2 and k1 = (a R + c N) / F^2, formed in double
// and rounded once; for 0/1 targets no term cancels. It does not depend on x_j (the loss is a
// ratio of sums linear in x), so the gradient pass reads y alone.
//
// Two passes per row (rows are long: a sample is H W C elements): the three sums, then the
// gradient. Computed in double for float32 data too (WideOf, softmax.h): the sums' terms
// x (1 - y) and y (1 - x) and the gradient's k0 (1 - y) - k1 y would lose digits in float32.
// Sums in the order of accumulateVectors (softmax.h), fixed by the shape and the ISA.
//
// NaN policy: a NaN in x or y reaches the sums, hence the value and every gradient entry of
// the row. A row with s = 0 and x = y = 0 everywhere gives 0 / 0 = NaN (value and gradient), as
// the formula does.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/segmentation.h"
#endif

#include <cstddef>

#include "categorical.h"
#include "kernel_table.h"
#include "regression.h"
#include "softmax.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// The shared form: l = (b FP + c FN) / (a TP + b FP + c FN + s) (see the top of this file).
template <class V>
struct OverlapLoss {
  using S = ScalarOf<V>;
  using W = WideOf<V>;
  using WS = ScalarOf<W>;
  size_t classCount;
  double a, b, c, smooth;

  OverlapLoss(const CategoricalCall<S>& call, double tpWeight, double fpWeight, double fnWeight,
              double smoothing)
      : classCount(call.classCount), a(tpWeight), b(fpWeight), c(fnWeight), smooth(smoothing) {}

  template <bool kGrad>
  double row(const S* y, const S* x, S* g, double gradFactor) const {
    const W one(WS(1));
    // Unused lanes load as x = y = 0: every term there is 0.
    const VectorSums<W, 3> sums = accumulateVectors<W, VectorSums<W, 3>>(
        classCount, [&](size_t i, size_t n, auto tag, auto& s) {
          const W yv = loadLanes<W>(y + i, n, tag);
          const W xv = loadLanes<W>(x + i, n, tag);
          s.acc[0].addProduct(xv, yv);        // TP
          s.acc[1].addProduct(xv, one - yv);  // FP
          s.acc[2].addProduct(yv, one - xv);  // FN
        });
    const double tp = sums.total(0), fp = sums.total(1), fn = sums.total(2);
    const double numerator = a * tp + smooth;  // N
    const double rest = b * fp + c * fn;       // R = F - N
    const double f = numerator + rest;         // F
    if constexpr (kGrad) {
      const double scale = gradFactor / (f * f);
      const double k0 = scale * (numerator * b);
      const double k1 = scale * (a * rest + c * numerator);
      forEachVector<W>(classCount, [&](size_t i, size_t n, auto tag) {
        const W yv = loadLanes<W>(y + i, n, tag);
        storeLanes(g + i, VecTraits<W>::scaledSum(k0, one - yv, -k1, yv), n, tag);
      });
    }
    return rest / f;
  }
};

// dice [smooth]: (a, b, c) = (2, 1, 1).
template <class V>
struct Dice : OverlapLoss<V> {
  explicit Dice(const CategoricalCall<ScalarOf<V>>& call)
      : OverlapLoss<V>(call, 2.0, 1.0, 1.0, call.params[0]) {}
};

// iou [smooth]: (a, b, c) = (1, 1, 1).
template <class V>
struct Iou : OverlapLoss<V> {
  explicit Iou(const CategoricalCall<ScalarOf<V>>& call)
      : OverlapLoss<V>(call, 1.0, 1.0, 1.0, call.params[0]) {}
};

// tversky [alpha, beta, smooth]: (a, b, c) = (1, alpha, beta).
template <class V>
struct Tversky : OverlapLoss<V> {
  explicit Tversky(const CategoricalCall<ScalarOf<V>>& call)
      : OverlapLoss<V>(call, 1.0, call.params[0], call.params[1], call.params[2]) {}
};

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
