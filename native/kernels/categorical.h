// Row-wise categorical losses over [rows, C] (class axis last), each written once for every
// value type V (float, double, avx2::VecF32x8, avx2::VecF64x4), and their entry point.
// x = yPred row, y = yTrue row, EPS = 1e-7 in the dtype, l = the row's value;
// the gradient written is gradFactor * dl/dx with gradFactor = gradScale * w_i (no 1/C).
//
// Kernel table (LOSSKIT_CATEGORICAL_KERNELS in kernel_table.h), params in order:
//   0 categorical_crossentropy       [fromLogits, labelSmoothing s]         classWeight ok
//   1 categorical_focal_crossentropy [fromLogits, labelSmoothing s, alpha, gamma]  ok
//   2 categorical_hinge              []
//   3 kl_divergence                  []   (divergence.h)
//   4 js_divergence                  []   (divergence.h)
//   5 dice                           [smooth]               (segmentation.h)
//   6 iou                            [smooth]               (segmentation.h)
//   7 tversky                        [alpha, beta, smooth]  (segmentation.h)
// Targets of the cross-entropies: t_c = (y_c (1 - s) + s/C) cw_c (cw = classWeight or 1).
//
// A row loss is a functor:
//   explicit Loss(const CategoricalCall<S>& call);   // parameters, class count, class weights
//   template <bool kGrad> double row(const S* y, const S* x, S* g, double gradFactor) const;
// row() returns l and, when kGrad, writes gradFactor * dl/dx to g[0, C). It may use g as
// scratch before its last pass (lib/checks.ts guarantees the gradient buffer shares no
// memory with the inputs; if it did, the numbers would be wrong but no memory outside the
// arrays would be touched). Sums are in double, in the orders of softmax.h (the logits
// path's one-pass sums: pairs of vectors, see logitsRow); the driver
// (row_driver.h) owns weights, perSample, the ordered sum and threads.
//
// Precision (softmax.h): the logits paths compute in the dtype and sum in double; the
// probabilities path and the focal loss compute in double for float32 data too, clipping at
// the double 1e-7 and 1 - 1e-7 (as the JS fallback and the float64 references).
//
// NaN policy: a NaN in x or y reaches the value and the gradient. Clips use clipToRange
// (NaN-propagating), and "clip active" masks are written as (q <= lo) | (q >= hi), false for
// NaN, so a NaN falls in the unclipped formula.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/categorical.h"
#endif

#include <math.h>

#include <cstddef>
#include <type_traits>

#include "kernel_table.h"
#include "regression.h"
#include "row_driver.h"
#include "softmax.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// t = (y (1 - s) + s/C) cw, one vector at class j.
template <class V>
struct SmoothedTargets {
  using S = ScalarOf<V>;
  V keep, add;
  const double* classWeight;  // [C] or null

  SmoothedTargets(double smoothing, size_t classCount, const double* weights)
      : keep(static_cast<S>(1.0 - smoothing)),
        add(static_cast<S>(smoothing / static_cast<double>(classCount))),
        classWeight(weights) {}

  // Unused lanes of a partial vector hold garbage-free but nonzero values (s/C): callers
  // zero them before summing.
  template <class Y, class Tag>
  LOSSKIT_INLINE V at(const Y* y, size_t j, size_t n, Tag tag) const {
    V t = mulAdd(loadLanes<V>(y + j, n, tag), keep, add);
    if (classWeight != nullptr) t = t * loadDoubles<V>(classWeight + j, n, tag);
    return t;
  }
};

// Categorical cross-entropy [fromLogits, labelSmoothing].
//
// Logits: l = sum_c t_c (lse - x_c), lse = log sum_c exp(x_c), in ONE streaming pass (see
// softmax.h) that also sums T = sum_c t_c and D = sum_c t_c (M - x_c) against the running
// maximum M (shifted by T (M' - M) when M grows): l = D + T log S. For t >= 0 every term is
// >= 0, so nothing cancels (lse - x_k is not formed as a difference of large numbers).
// Gradient (second pass): gradFactor (T softmax_j - t_j), softmax_j = e_j exp(shift - M) / S,
// the exponentials e_j kept in the gradient buffer by the first pass (or recomputed for rows
// of more than kMaxScratchChunks chunks), each gradient formed in double and rounded once.
//
// Probabilities (Keras): Sx = sum_c x_c, q_c = clip(x_c / Sx, EPS, 1 - EPS),
// l = -sum_c t_c log q_c; the exact derivative through the renormalisation, with no gradient
// through an active clip: grad_j = gradFactor / Sx * (U - [j unclipped] t_j / q_j),
// U = sum_c [c unclipped] t_c. A row summing to 0 gives NaN (0/0), as Keras.
template <class V>
struct CategoricalCrossentropy {
  using S = ScalarOf<V>;
  using W = WideOf<V>;  // the probabilities path computes in double
  bool fromLogits;
  size_t classCount;
  SmoothedTargets<V> targets;
  SmoothedTargets<W> wideTargets;

  explicit CategoricalCrossentropy(const CategoricalCall<S>& call)
      : fromLogits(call.params[0] != 0.0),
        classCount(call.classCount),
        targets(call.params[1], call.classCount, call.classWeight),
        wideTargets(call.params[1], call.classCount, call.classWeight) {}

  template <bool kGrad>
  LOSSKIT_INLINE double row(const S* y, const S* x, S* g, double gradFactor) const {
    return fromLogits ? logitsRow<kGrad>(y, x, g, gradFactor) : probabilitiesRow<kGrad>(y, x, g, gradFactor);
  }

  template <bool kGrad>
  double logitsRow(const S* y, const S* x, S* g, double gradFactor) const {
    const bool scratch = kGrad && fitsScratch(classCount);
    S shifts[kMaxScratchChunks];
    double maxShift = 0.0, sumExp = 0.0, sumT = 0.0, sumD = 0.0;
    bool first = true;
    forEachChunk(classCount, [&](size_t k, size_t offset, size_t count) {
      const S* xc = x + offset;
      const S shift = expShift(chunkMax<V>(xc, count));
      if (scratch) shifts[k] = shift;
      S* e = scratch ? g + offset : nullptr;
      const V shiftV(shift);
      // exp(x - shift), t and t (shift - x) at one vector (unused lanes 0); the exponential
      // is also kept in the gradient buffer when it serves as scratch.
      auto termsAt = [&](size_t i, size_t n, auto tag, V& ex, V& t, V& gap) {
        const V xv = loadLanes<V>(xc + i, n, tag);
        ex = expNonPositive(xv - shiftV);  // x <= shift (or NaN)
        if (e != nullptr) storeLanes(e + i, ex, n, tag);
        ex = zeroUnusedLanes(ex, n, tag);
        t = zeroUnusedLanes(targets.at(y, offset + i, n, tag), n, tag);
        gap = shiftV - xv;
      };
      // Whole vectors in pairs, each pair's three terms added in the dtype (all >= 0 for
      // t >= 0: one rounding of 2^-24 relative, the products t (shift - x) rounded once) and
      // then widened into set 0; a last unpaired whole vector to set 0, a partial one to set 1.
      constexpr size_t kLanes = VecTraits<V>::kLanes;
      VectorSums<V, 3> sums, tail;
      size_t i = 0;
      V ex0, t0, gap0, ex1, t1, gap1;
      for (; i + 2 * kLanes <= count; i += 2 * kLanes) {
        termsAt(i, kLanes, WholeVector{}, ex0, t0, gap0);
        termsAt(i + kLanes, kLanes, WholeVector{}, ex1, t1, gap1);
        sums.acc[0].add(ex0 + ex1);
        sums.acc[1].add(t0 + t1);
        sums.acc[2].add(mulAdd(t1, gap1, t0 * gap0));
      }
      if (i + kLanes <= count) {
        termsAt(i, kLanes, WholeVector{}, ex0, t0, gap0);
        sums.acc[0].add(ex0);
        sums.acc[1].add(t0);
        sums.acc[2].add(t0 * gap0);
        i += kLanes;
      }
      if constexpr (kLanes > 1) {
        if (i < count) {
          termsAt(i, count - i, PartialVector{}, ex0, t0, gap0);
          tail.acc[0].add(ex0);
          tail.acc[1].add(t0);
          tail.acc[2].add(t0 * gap0);
        }
      }
      sums.merge(tail);
      const double chunkExp = sums.total(0), chunkT = sums.total(1), chunkD = sums.total(2);
      const double sh = shift;
      if (first) {
        maxShift = sh;
        sumExp = chunkExp;
        sumT = chunkT;
        sumD = chunkD;
        first = false;
      } else if (sh > maxShift) {
        sumD = sumD + sumT * (sh - maxShift) + chunkD;
        sumExp = sumExp * exp(maxShift - sh) + chunkExp;
        sumT += chunkT;
        maxShift = sh;
      } else {
        sumD = sumD + (chunkD + chunkT * (maxShift - sh));
        sumExp += chunkExp * exp(sh - maxShift);
        sumT += chunkT;
      }
    });
    if constexpr (kGrad) {
      const double softmaxScale = gradFactor * sumT / sumExp;
      forEachChunk(classCount, [&](size_t k, size_t offset, size_t count) {
        const S* xc = x + offset;
        S* gc = g + offset;
        const S shift = scratch ? shifts[k] : expShift(chunkMax<V>(xc, count));
        const V shiftV(shift);
        const double scale = softmaxScale * exp(static_cast<double>(shift) - maxShift);
        forEachVector<V>(count, [&](size_t i, size_t n, auto tag) {
          const V ex = scratch ? loadLanes<V>(gc + i, n, tag) : expNonPositive(loadLanes<V>(xc + i, n, tag) - shiftV);
          const V t = targets.at(y, offset + i, n, tag);
          storeLanes(gc + i, VecTraits<V>::scaledSum(scale, ex, -gradFactor, t), n, tag);
        });
      });
    }
    return sumD + sumT * log(sumExp);
  }

  template <bool kGrad>
  double probabilitiesRow(const S* y, const S* x, S* g, double gradFactor) const {
    using WS = ScalarOf<W>;
    const W eps = clipLow<W>();
    const W oneMinusEps = clipHigh<W>();
    const W zero(WS(0));
    const double sumX = accumulateVectors<W, VectorSums<W, 1>>(
                            classCount,
                            [&](size_t i, size_t n, auto tag, auto& s) {
                              s.acc[0].add(loadLanes<W>(x + i, n, tag));  // unused lanes 0
                            })
                            .total(0);
    const W sumV(static_cast<WS>(sumX));
    const VectorSums<W, 2> sums = accumulateVectors<W, VectorSums<W, 2>>(
        classCount, [&](size_t i, size_t n, auto tag, auto& s) {
          const W q = loadLanes<W>(x + i, n, tag) / sumV;
          const auto clipped = (q <= eps) | (q >= oneMinusEps);
          const W t = zeroUnusedLanes(wideTargets.at(y, i, n, tag), n, tag);
          s.acc[0].addProduct(t, zeroUnusedLanes(log(clipToRange(q, eps, oneMinusEps)), n, tag));
          s.acc[1].add(select(clipped, t * zero, t));
        });
    if constexpr (kGrad) {
      const double unclippedT = sums.total(1);
      const double a = gradFactor * unclippedT / sumX;
      const double b = -gradFactor / sumX;
      const W one(WS(1));
      forEachVector<W>(classCount, [&](size_t i, size_t n, auto tag) {
        const W q = loadLanes<W>(x + i, n, tag) / sumV;
        const auto clipped = (q <= eps) | (q >= oneMinusEps);
        const W r = select(clipped, zero, wideTargets.at(y, i, n, tag) / q);
        storeLanes(g + i, VecTraits<W>::scaledSum(b, r, a, one), n, tag);
      });
    }
    return 0.0 - sums.total(0);  // +0, not -0, for an all-zero target row
  }
};

// Categorical focal cross-entropy [fromLogits, labelSmoothing, alpha, gamma] (Keras 3):
// q = softmax(x) (logits) or x / Sx (probabilities), q' = clip(q, EPS, 1 - EPS),
// l = sum_c alpha (1 - q'_c)^gamma (-t_c log q'_c), (1 - q')^gamma = exp(gamma log1p(-q')), or
// repeated products for an integer gamma in [0, 4] (q' <= 1 - EPS: the base is never 0;
// gamma = 0 gives exactly 1).
// g_c = dl/dq'_c = alpha t_c (1 - q'_c)^gamma (gamma log q'_c / (1 - q'_c) - 1 / q'_c), 0 where
// the clip is active. Gradient: logits q_j (g_j - G), probabilities (g_j - G) / Sx, with
// G = sum_c g_c q_c. Passes: the log-sum-exp (logits) or Sx; the value with G (g kept in the
// gradient buffer); the gradient.
template <class V>
struct CategoricalFocalCrossentropy {
  using S = ScalarOf<V>;
  using W = WideOf<V>;  // computes in double (float32 data too)
  using WS = ScalarOf<W>;
  // g_j is kept in the gradient buffer between passes only when it holds it exactly.
  static constexpr bool kScratch = std::is_same_v<S, WS>;
  bool fromLogits;
  size_t classCount;
  SmoothedTargets<W> targets;
  double alpha;
  W alphaV, gammaV;
  int integerGamma;  // gamma when it is an integer in [0, 4] (repeated products), else -1

  explicit CategoricalFocalCrossentropy(const CategoricalCall<S>& call)
      : fromLogits(call.params[0] != 0.0),
        classCount(call.classCount),
        targets(call.params[1], call.classCount, call.classWeight),
        alpha(call.params[2]),
        alphaV(static_cast<WS>(call.params[2])),
        gammaV(static_cast<WS>(call.params[3])),
        integerGamma(-1) {
    const double gamma = call.params[3];
    for (int k = 0; k <= 4; ++k) {
      if (gamma == static_cast<double>(k)) integerGamma = k;
    }
  }

  // (1 - q')^gamma for q' in [EPS, 1 - EPS] (the base is never 0): products for an integer
  // gamma (Keras' default 2; gamma = 0 gives exactly 1), else exp(gamma log1p(-q')).
  LOSSKIT_INLINE W modulationOf(W qc, W oneMinusQ) const {
    if (integerGamma < 0) return exp(gammaV * log1p(W(WS(0)) - qc));
    W power(WS(1));
    for (int k = 0; k < integerGamma; ++k) power = power * oneMinusQ;
    return power;
  }

  template <bool kGrad>
  double row(const S* y, const S* x, S* g, double gradFactor) const {
    const W eps = clipLow<W>();
    const W oneMinusEps = clipHigh<W>();
    const W zero(WS(0)), one(WS(1));
    // q = exp(x - M) * (1/S) for logits, x / Sx for probabilities.
    W qShift(WS(0)), qScale(WS(1)), qDivisor(WS(1));
    double sumX = 1.0;
    if (fromLogits) {
      const OnlineLse lse = streamingLse<W>(x, classCount, static_cast<S*>(nullptr), nullptr);
      qShift = W(static_cast<WS>(lse.max));  // a chunk maximum: exactly a dtype value
      qScale = W(static_cast<WS>(1.0 / lse.sum));
    } else {
      sumX = accumulateVectors<W, VectorSums<W, 1>>(classCount,
                                                    [&](size_t i, size_t n, auto tag, auto& s) {
                                                      s.acc[0].add(loadLanes<W>(x + i, n, tag));
                                                    })
                 .total(0);
      qDivisor = W(static_cast<WS>(sumX));
    }
    const bool logits = fromLogits;
    auto qAt = [&](size_t i, size_t n, auto tag) {
      const W xv = loadLanes<W>(x + i, n, tag);
      return logits ? exp(xv - qShift) * qScale : xv / qDivisor;
    };
    // dl/dq'_j (0 where the clip is active) and the value term alpha^-1 (1 - q')^gamma t log q'.
    auto focalAt = [&](size_t i, size_t n, auto tag, W q, W& term) {
      const auto clipped = (q <= eps) | (q >= oneMinusEps);
      const W qc = clipToRange(q, eps, oneMinusEps);
      const W t = zeroUnusedLanes(targets.at(y, i, n, tag), n, tag);
      const W logQ = log(qc);
      const W oneMinusQ = one - qc;
      const W modulation = modulationOf(qc, oneMinusQ);
      term = zeroUnusedLanes(modulation * t * logQ, n, tag);
      // gamma log q' / (1 - q') - 1 / q' over one division
      const W dq = alphaV * t * modulation * ((gammaV * logQ * qc - oneMinusQ) / (qc * oneMinusQ));
      return zeroUnusedLanes(select(clipped, dq * zero, dq), n, tag);
    };

    const VectorSums<W, 2> sums = accumulateVectors<W, VectorSums<W, 2>>(
        classCount, [&](size_t i, size_t n, auto tag, auto& s) {
          const W q = qAt(i, n, tag);
          W term;
          const W dq = focalAt(i, n, tag, q, term);
          s.acc[0].add(term);
          s.acc[1].addProduct(dq, zeroUnusedLanes(q, n, tag));
          if constexpr (kGrad && kScratch) storeLanes(g + i, dq, n, tag);
        });

    if constexpr (kGrad) {
      // factor (g_j - G) [q_j]; g and G are often close, so the difference is taken in double
      // (VecTraits::scaledSum) before the one rounding to the dtype.
      const double factor = logits ? gradFactor : gradFactor / sumX;
      const double shiftedG = -factor * sums.total(1);
      forEachVector<W>(classCount, [&](size_t i, size_t n, auto tag) {
        const W q = qAt(i, n, tag);
        W dq;
        if constexpr (kScratch) {
          dq = loadLanes<W>(g + i, n, tag);
        } else {
          W term;
          dq = focalAt(i, n, tag, q, term);
        }
        const W out = logits ? VecTraits<W>::scaledSum(factor, dq * q, shiftedG, q)
                             : VecTraits<W>::scaledSum(factor, dq, shiftedG, one);
        storeLanes(g + i, out, n, tag);
      });
    }
    return 0.0 - alpha * sums.total(0);  // +0, not -0, for an all-zero target row
  }
};

// Categorical hinge (Keras): pos = sum_c y_c x_c (in double), neg = max_c (1 - y_c) x_c,
// l = max(0, neg - pos + 1). Gradient where l > 0: -y_j, plus (1 - y_k) at k = the first
// argmax of (1 - y) x; 0 where l = 0; NaN everywhere when l is NaN.
template <class V>
struct CategoricalHinge {
  using S = ScalarOf<V>;
  size_t classCount;

  explicit CategoricalHinge(const CategoricalCall<S>& call) : classCount(call.classCount) {}

  struct Sums {
    typename VecTraits<V>::Accumulator pos;
    V neg = V(static_cast<S>(-HUGE_VAL));
    LOSSKIT_INLINE void merge(const Sums& other) {
      pos.merge(other.pos);
      neg = max(neg, other.neg);
    }
  };

  template <bool kGrad>
  double row(const S* y, const S* x, S* g, double gradFactor) const {
    const V one(S(1));
    const V negInf(static_cast<S>(-HUGE_VAL));
    const Sums sums = accumulateVectors<V, Sums>(classCount, [&](size_t i, size_t n, auto tag, Sums& s) {
      const V yv = loadLanes<V>(y + i, n, tag);
      const V xv = loadLanes<V>(x + i, n, tag);
      s.pos.addProduct(yv, xv);  // unused lanes 0 * 0
      s.neg = max(s.neg, fillUnusedLanes((one - yv) * xv, negInf, n, tag));
    });
    const S neg = maxLanePropagatingNan(sums.neg);
    const double loss = max(0.0, static_cast<double>(neg) - sums.pos.total() + 1.0);
    if constexpr (kGrad) {
      if (loss > 0.0) {
        const V factor(static_cast<S>(-gradFactor));
        forEachVector<V>(classCount, [&](size_t i, size_t n, auto tag) {
          storeLanes(g + i, loadLanes<V>(y + i, n, tag) * factor, n, tag);
        });
        // The same (1 - y) * x as the vector pass (no FMA anywhere), so one lane matches.
        size_t k = 0;
        while (k + 1 < classCount && !((S(1) - y[k]) * x[k] == neg)) ++k;
        g[k] = static_cast<S>(gradFactor * ((1.0 - static_cast<double>(y[k])) - static_cast<double>(y[k])));
      } else {
        const V fill(static_cast<S>(loss * 0.0));  // 0, or NaN for a NaN loss
        forEachVector<V>(classCount, [&](size_t i, size_t n, auto tag) { storeLanes(g + i, fill, n, tag); });
      }
    }
    return loss;
  }
};

// The entry point of one categorical loss and one value type: builds the functor once, then
// runs the row driver.
template <template <class> class LossT, class V>
double categoricalKernel(const CategoricalCall<ScalarOf<V>>& call) {
  const LossT<V> loss(call);
  const size_t classCount = call.classCount;
  auto run = [&](auto gradTag) {
    constexpr bool kGrad = decltype(gradTag)::value;
    auto rowFn = [&](size_t row, double weight) {
      const size_t offset = row * classCount;
      const double l = loss.template row<kGrad>(call.yTrue + offset, call.yPred + offset,
                                                kGrad ? call.grad + offset : nullptr,
                                                call.gradScale * weight);
      return weight * l;
    };
    return sumRows(rowFn, call.rows, classCount, call.sampleWeight, call.perSample);
  };
  return call.grad != nullptr ? run(std::true_type{}) : run(std::false_type{});
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
