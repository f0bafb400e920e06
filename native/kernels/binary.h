// Elementwise binary-classification losses, each written once for every value type V (float,
// double, avx2::VecF32x8, avx2::VecF64x4), with the conventions of regression.h: a functor per
// loss (kUsesAux, a constructor from `params`, eval<kGrad>), both sides of every branch
// computed and blended, NaN in x or y (or a) reaching both the value and the gradient.
//
// x = yPred, y = yTrue, a = aux, EPS = 1e-7 (in the dtype), s = labelSmoothing,
// t = y (1 - s) + s / 2 (the smoothed label), sigma the logistic function.
//
// Kernel table rows (LOSSKIT_ELEMENTWISE_KERNELS in kernel_table.h, after gaussian_nll) and
// the `params` each expects:
//   10 binary_crossentropy             [fromLogits (0 or 1), labelSmoothing]
//   11 binary_crossentropy_pos_weight  [labelSmoothing]   aux = posWeight, required (logits)
//   12 binary_focal_crossentropy       [fromLogits, labelSmoothing, gamma, alpha,
//                                       applyClassBalancing (0 or 1)]
//   13 hinge                           [convertLabels (0 or 1)]
//   14 squared_hinge                   [convertLabels]
//
// Logits. With e = exp(-|x|) in [0, 1] and q = e / (1 + e) = sigma(-|x|) in [0, 1/2] (one exp,
// one division), sigma(x) = x >= 0 ? 1 - q : q and softplus(-|x|) = log1p(e). PyTorch's
// BCEWithLogitsLoss(pos_weight) f = (1 - t) x + lw softplus(-x), lw = 1 + (a - 1) t, is
// evaluated as
//   f  = |x| (x >= 0 ? 1 - t : a t) + lw log1p(e)
//   f' = x >= 0 ? (1 - t) - lw q : lw q - a t
// (for x < 0, softplus(-x) = |x| + log1p(e) and lw - (1 - t) = a t). a = 1 is Keras / TF's
// max(x, 0) - x t + log1p(e) and f' = sigma(x) - t. The same values, without the cancellation
// of the textbook forms: no inf - inf, f' keeps its relative accuracy when sigma(x) is close
// to t (f' = -q for t = 1, x >= 0, where sigma(x) - 1 would round to 0), and infinite logits
// give the limits: f = 0 where the weight of |x| is 0 (the label is met exactly), +inf
// otherwise; f' = (1 - t) resp. -a t.
// float32 accuracy (unit weight), against a float64 reference over x in [-100, 100] and
// t in {0, 0.3, 1}, in float32 ulps of the result (test/bce-accuracy.test.ts asserts 2 and
// 2.5): value 1.42 ulp (every native ISA); gradient 2.13 ulp for t = 0 and 1 (exp's
// ~1 ulp, the division, the rounding of 1 + e), 1.38 ulp of max(|f'|, t) for t = 0.3 (near
// sigma(x) = t the difference itself cancels, exactly, in float32).
//
// Probabilities (Keras): p = clip(x, EPS, 1 - EPS), f = -(t log p + (1 - t) log(1 - p));
// f' = (p - t) / (p (1 - p)) where the clip is inactive (EPS < x and 1 - x > EPS, compared in
// the dtype: 1 - x is exact there), and (p - t) * 0 where it is active (0, or NaN when t is
// NaN). log(1 - p) is log1p(-p) below the upper clip and log(EPS) at it, so float32 agrees
// with the float64 (and JS) value to float32 rounding: the upper bound 1 - EPS is never
// rounded to float32, where it would be 1 - 2^-23 (Keras' float32 gives 15.94, not 16.12, for
// a certain wrong prediction at x = 1).
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/binary.h"
#endif

#include <limits>
#include <utility>

#include "regression.h"  // ScalarOf, kerasEpsilon

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

template <class V>
using MaskOf = decltype(std::declval<V>() >= std::declval<V>());

// The logistic pieces of a logit x (see the header): one exp, one division. NaN x gives NaN
// e and q (and nonNegative false).
template <class V>
struct LogitParts {
  V x;                    // the logit (its sign bit picks the branch in logisticLoss)
  MaskOf<V> nonNegative;  // x >= 0
  V absX;                 // |x|
  V e;                    // exp(-|x|)
  V q;                    // sigma(-|x|) = e / (1 + e)
};

// exp(-|x|). The float32 forms of expNonPositive are e^-|x| for any x (simd/*/math.h,
// scalar.h) and take the logit as it is: the clear and flip of its sign bit here, at the head
// of the kernel's longest dependency chain, cost 10% of the AVX-512 kernel (one VRANGEPS there
// does them and the clamp). The float64 ones are given -|x| <= 0 (or NaN): only AVX-512's
// (a table, like the float32 form) would take any sign, the others forward to exp.
template <class V>
LOSSKIT_INLINE V expNegativeAbs(V x) {
  if constexpr (sizeof(ScalarOf<V>) == 4) return expNonPositive(x);
  return expNonPositive(-abs(x));
}

// sigma(-|x|) from e = exp(-|x|).
template <class V>
LOSSKIT_INLINE V sigmoidOfNegativeAbs(V e) {
  return e / (V(ScalarOf<V>(1)) + e);
}

// The parts of x from its e and q, computed here or earlier (a staged kernel's first pass).
template <class V>
LOSSKIT_INLINE LogitParts<V> logitParts(V x, V e, V q) {
  using S = ScalarOf<V>;
  return {x, x >= V(S(0)), abs(x), e, q};
}

template <class V>
LOSSKIT_INLINE LogitParts<V> splitLogit(V x) {
  const V e = expNegativeAbs(x);
  return logitParts(x, e, sigmoidOfNegativeAbs(e));
}

// splitLogit's transcendental half, the first pass of the staged logistic kernels
// (elementwise_driver.h, kStaged); logitParts(x, e, q) is then splitLogit(x). (Where a value
// alone does not use q, the compiler drops the division: value-only calls measured the same.)
template <class V>
LOSSKIT_INLINE void stageLogit(V x, V& e, V& q) {
  e = expNegativeAbs(x);
  q = sigmoidOfNegativeAbs(e);
}

// The first pass of the staged logistic kernels on logits, shared by their functors; the
// second pass, evalStaged, is each loss's own.
template <class V>
struct StagesLogit {
  template <bool kGrad>
  LOSSKIT_INLINE void stage(V, V x, V, V& e, V& q) const {
    stageLogit(x, e, q);
  }
};

// The weighted logistic loss of the header: value f, and f' into `grad` when kGrad.
// oneMinusT = 1 - t, aT = a t, lw = 1 + (a - 1) t (ignored, taken as 1, when kUnitWeight: no
// posWeight). The branch is taken on x's sign bit (one blend, no compare): -0 takes the x < 0
// side, where both formulas agree at |x| = 0. The weight of |x| is blended to an exact 0 where
// it is 0, so an infinite logit that meets its label gives 0, not inf * 0.
template <bool kGrad, bool kUnitWeight, class V>
LOSSKIT_INLINE V logisticLoss(const LogitParts<V>& parts, V oneMinusT, V aT, V lw, V& grad) {
  using S = ScalarOf<V>;
  const V zero(S(0));
  const V weight = selectSignBit(parts.x, aT, oneMinusT);
  const auto unweighted = weight == zero;
  const V softplus = log1pUnit(parts.e);  // e in [0, 1] (or NaN)
  if constexpr (kGrad) {
    const V lwq = kUnitWeight ? parts.q : lw * parts.q;
    grad = selectSignBit(parts.x, lwq - aT, oneMinusT - lwq);
  }
  // Unit weight: |x| weight + softplus in one FMA (one rounding, one op fewer than a product
  // blended to 0 and then added), softplus alone where the weight is 0.
  if constexpr (kUnitWeight) return select(unweighted, softplus, mulAdd(parts.absX, weight, softplus));
  return mulAdd(lw, softplus, select(unweighted, zero, parts.absX * weight));
}

// Keras' binary crossentropy on probabilities (see the header), for the smoothed label t.
template <bool kGrad, class V>
LOSSKIT_INLINE V clippedBinaryCrossentropy(V t, V x, V& grad) {
  using S = ScalarOf<V>;
  const V one(S(1));
  const V eps = kerasEpsilon<V>();
  const V oneMinusEps(S(1.0 - 1e-7));
  // 1 - x is exact for x >= 1/2, so `complement > EPS` is the upper clip's test x < 1 - EPS
  // without rounding 1 - EPS to the dtype (float32 would round it to 1 - 2^-23).
  const V complement = one - x;
  const auto belowTop = complement > eps;
  // NaN-propagating clip: clampMin keeps a NaN x, min a NaN first operand.
  const V p = min(clampMin(x, eps), oneMinusEps);
  if constexpr (kGrad) {
    const V d = p - t;
    grad = select((x > eps) & belowTop, d / (p * (one - p)), d * V(S(0)));
  }
  // log(1 - p): log1p(-p) under the upper clip (1 - p would round away most of a small p's
  // digits in float32), log(EPS) at it (not log of float32's 1 - (1 - 2^-23) = 2^-23: 15.94
  // instead of 16.12). A NaN x still reaches the value through log(p).
  // p is in [EPS, 1 - EPS] (or NaN): a positive normal, and -p in (-1, 0).
  const V logComplement = select(belowTop, log1pNegative(-p), V(S(-16.11809565095831978)));
  return -(t * logPositive(p) + (one - t) * logComplement);
}

// [fromLogits, labelSmoothing] Keras BinaryCrossentropy / PyTorch BCE(WithLogits)Loss, on
// t = y (1 - s) + s / 2. fromLogits is the same for every element: the driver runs the functor
// with it fixed at compile time (BinaryCrossentropyFixed, through visitFixed), so the loop holds
// one path and no branch (a branch per vector cost the AVX-512 logits kernel 5%).
template <class V, bool kFromLogits>
struct BinaryCrossentropyFixed : StagesLogit<V> {
  using S = ScalarOf<V>;
  static constexpr bool kUsesAux = false;
  // Values >= 0 (labels in [0, 1]): float32 vectors are summed in fours before widening
  // (elementwise_driver.h's header).
  static constexpr bool kSumsQuadsInDtype = true;
  // Plain gradient stores even when large: streaming ones made it slower (elementwise_driver.h).
  static constexpr bool kStreamsGradient = false;
  // (Skipping the FMA for t when labelSmoothing is 0, a second run-time branch in the loop,
  // made the AVX-512 kernel 15% slower: 0.84 against 0.73 ns/el in cache, the parameters unknown
  // at compile time.)
  V oneMinusS, halfS;
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    const V one(S(1));
    const V t = mulAdd(y, oneMinusS, halfS);
    if constexpr (kFromLogits) return logisticLoss<kGrad, true>(splitLogit(x), one - t, t, one, grad);
    return clippedBinaryCrossentropy<kGrad>(t, x, grad);
  }
  // Logits: staged (elementwise_driver.h, kStaged): e = exp(-|x|) and q = e / (1 + e) for a
  // group of four vectors first, then log1p(e) and the rest; eval's operations, eval's bits.
  static constexpr bool kStaged = kFromLogits;
  static constexpr bool kStagedCopiesOperands = true;  // (elementwise_driver.h)
  static constexpr bool kStagedPipelined = true;       // (elementwise_driver.h)
  template <bool kGrad>
  LOSSKIT_INLINE V evalStaged(V y, V x, V, V e, V q, V& grad) const {
    const V one(S(1));
    const V t = mulAdd(y, oneMinusS, halfS);
    return logisticLoss<kGrad, true>(logitParts(x, e, q), one - t, t, one, grad);
  }
};

template <class V>
struct BinaryCrossentropy {
  using S = ScalarOf<V>;
  static constexpr bool kUsesAux = false;
  static constexpr bool kSumsQuadsInDtype = true;
  static constexpr bool kStreamsGradient = false;
  // The driver calls visitFixed instead of looping over eval (elementwise_driver.h).
  static constexpr bool kHasFixedVariants = true;
  bool fromLogits;
  V oneMinusS, halfS;
  explicit BinaryCrossentropy(const double* params)
      : fromLogits(params[0] != 0.0),
        oneMinusS(S(1.0 - params[1])),
        halfS(S(0.5 * params[1])) {}
  // f(the functor with fromLogits fixed), once per call.
  template <class F>
  auto visitFixed(F&& f) const {
    if (fromLogits) return f(BinaryCrossentropyFixed<V, true>{{}, oneMinusS, halfS});
    return f(BinaryCrossentropyFixed<V, false>{{}, oneMinusS, halfS});
  }
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V a, V& grad) const {
    if (fromLogits) return BinaryCrossentropyFixed<V, true>{{}, oneMinusS, halfS}.template eval<kGrad>(y, x, a, grad);
    return BinaryCrossentropyFixed<V, false>{{}, oneMinusS, halfS}.template eval<kGrad>(y, x, a, grad);
  }
};

// [labelSmoothing] a = posWeight: PyTorch BCEWithLogitsLoss(pos_weight), logits only, on the
// smoothed label t; lw = 1 + (a - 1) t.
template <class V>
struct BinaryCrossentropyPosWeight : StagesLogit<V> {
  using S = ScalarOf<V>;
  static constexpr bool kUsesAux = true;
  V oneMinusS, halfS;
  explicit BinaryCrossentropyPosWeight(const double* params)
      : oneMinusS(S(1.0 - params[0])), halfS(S(0.5 * params[0])) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V a, V& grad) const {
    return weighted<kGrad>(y, a, splitLogit(x), grad);
  }
  // Staged as binary_crossentropy on logits (elementwise_driver.h, kStaged): eval's bits.
  static constexpr bool kStaged = true;
  static constexpr bool kStagedCopiesOperands = true;
  // Pipelined (elementwise_driver.h) on 256-bit vectors only, as log_cosh: AVX2 float32 0.97x /
  // 0.95x the time at 16M / 65536 (0.95x / 0.97x with the arrays 1024 elements apart; float64
  // 1.01x / 0.99x); with AVX-512 its copies' 512-bit stores cost more than the overlap gains.
  static constexpr bool kStagedPipelined = sizeof(V) == 32;
  template <bool kGrad>
  LOSSKIT_INLINE V evalStaged(V y, V x, V a, V e, V q, V& grad) const {
    return weighted<kGrad>(y, a, logitParts(x, e, q), grad);
  }

 private:
  template <bool kGrad>
  LOSSKIT_INLINE V weighted(V y, V a, const LogitParts<V>& parts, V& grad) const {
    const V one(S(1));
    const V t = mulAdd(y, oneMinusS, halfS);
    const V lw = mulAdd(a - one, t, one);
    return logisticLoss<kGrad, false>(parts, one - t, a * t, lw, grad);
  }
};

// [fromLogits, labelSmoothing, gamma, alpha, applyClassBalancing] Keras 3
// BinaryFocalCrossentropy: p = sigma(x) or x (unclipped), bce the binary crossentropy above
// (stable logistic form, or clipped probabilities), m = 1 - p_t = t (1 - p) + (1 - t) p,
// f = balance m^gamma bce with balance = t alpha + (1 - t)(1 - alpha) when balancing, else 1.
//   f' = balance (dfocal bce + m^gamma dbce),
//   dfocal = -gamma m^(gamma - 1) (2t - 1) dp/dx,  dp/dx = p (1 - p) (logits) or 1.
// m is formed from p and 1 - p directly (for logits both come from q, accurate however close
// to 0 either is), so it never suffers the cancellation of 1 - p_t and is >= 0 for t and p in
// [0, 1]; probabilities outside [0, 1] can make it negative, and then m^gamma is NaN unless
// gamma is an integer (as Math.pow; integers 1-4 are computed as products).
// m^gamma = exp(gamma log m) for m > 0 (products for gamma in 1-4: Keras' default 2 needs no
// exp or log), and gamma m^(gamma - 1) dp/dx = gamma m^gamma dp/dx / m
// (no second exp; on logits formed as gamma m^gamma (p (1 - p) / m) with p (1 - p) / m <= 1,
// since m lies between p and 1 - p, so nothing overflows). Where m^gamma underflows, that slope
// comes out 0: on logits the exact value is below the underflow too; on probabilities it takes
// m = x that small (float32, gamma = 2: x < 4e-23), where bce is clipped to about EPS and the
// dropped term gamma m^(gamma - 1) bce is below 1e-29.
// At m = 0 (the label met exactly) both take their limits, constants of gamma: m^gamma = 0
// (gamma > 0); the slope is 0 for gamma > 1, 1 for gamma = 1, and for gamma < 1 +-inf on
// probabilities (the true one-sided slope) but 0 on logits, where dp/dx = 0 and the product
// tends to 0. gamma = 0 (a loop-invariant branch) is exactly balance * bce: m^gamma = 1 and
// dfocal = 0 whatever m, and no exp or log is spent. dfocal bce is blended to dfocal where
// dfocal = 0, so an infinite bce (infinite logit) cannot make 0 * inf.
template <class V, bool kFromLogits>
struct BinaryFocalCrossentropyFixed : StagesLogit<V> {
  using S = ScalarOf<V>;
  static constexpr bool kUsesAux = false;
  bool gammaIsZero;
  int integerGamma;  // gamma when it is 1, 2, 3 or 4 (Keras' default is 2), else 0
  V oneMinusS, halfS, gamma, zeroFocal, zeroSlope, balanceScale, balanceShift, clippedLogLoss;

  static double slopeAtZero(double gamma, bool logits) {
    if (gamma == 0.0 || gamma > 1.0) return 0.0;
    if (gamma == 1.0) return 1.0;
    if (logits) return 0.0;
    return gamma > 0.0 ? std::numeric_limits<double>::infinity()
                       : -std::numeric_limits<double>::infinity();
  }
  static double focalAtZero(double gamma) {
    return gamma > 0.0 ? 0.0 : gamma == 0.0 ? 1.0 : std::numeric_limits<double>::infinity();
  }

  static int smallIntegerOf(double gamma) {
    for (int k = 1; k <= 4; ++k) {
      if (gamma == static_cast<double>(k)) return k;
    }
    return 0;
  }

  explicit BinaryFocalCrossentropyFixed(const double* params)
      : gammaIsZero(params[2] == 0.0),
        integerGamma(smallIntegerOf(params[2])),
        oneMinusS(S(1.0 - params[1])),
        halfS(S(0.5 * params[1])),
        gamma(S(params[2])),
        zeroFocal(S(focalAtZero(params[2]))),
        zeroSlope(S(slopeAtZero(params[2], kFromLogits))),
        // balance = t * balanceScale + balanceShift: t alpha + (1 - t)(1 - alpha), or 1.
        balanceScale(S(params[4] != 0.0 ? 2.0 * params[3] - 1.0 : 0.0)),
        balanceShift(S(params[4] != 0.0 ? 1.0 - params[3] : 1.0)),
        // -log(EPS) for EPS in the dtype: the value of -log(max(p, EPS)) at the clip.
        clippedLogLoss(S(-::log(static_cast<double>(S(1e-7))))) {}

  // m^gamma for m > 0: products for a small integer gamma (more accurate than exp and log, and
  // no transcendental cost), else exp(gamma log m).
  LOSSKIT_INLINE V powerOf(V m) const {
    if (integerGamma == 0) return exp(gamma * log(m));
    V power = m;
    for (int k = 1; k < integerGamma; ++k) power = power * m;
    return power;
  }

  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    V e(S(0)), q(S(0));
    if constexpr (kFromLogits) stageLogit(x, e, q);
    return evalStaged<kGrad>(y, x, V(S(0)), e, q, grad);
  }
  // Logits: staged as binary_crossentropy (elementwise_driver.h, kStaged): eval's bits.
  static constexpr bool kStaged = kFromLogits;
  static constexpr bool kStagedPipelined = true;  // (elementwise_driver.h)
  // e = exp(-|x|) and q = sigma(-|x|) for logits (unused for probabilities).
  template <bool kGrad>
  LOSSKIT_INLINE V evalStaged(V y, V x, V, V e, V q, V& grad) const {
    const V zero(S(0));
    const V one(S(1));
    const V t = mulAdd(y, oneMinusS, halfS);
    const V oneMinusT = one - t;
    V p, pc, bce, dbce = zero;
    V dpdx = one;
    if constexpr (kFromLogits) {
      const LogitParts<V> parts = logitParts(x, e, q);
      const V oneMinusQ = one - parts.q;
      p = select(parts.nonNegative, oneMinusQ, parts.q);
      pc = select(parts.nonNegative, parts.q, oneMinusQ);
      dpdx = p * pc;
      // Keras 3 applies the sigmoid, then the clipped probability BCE: the loss levels off at
      // -log(1e-7) for confidently wrong logits, and no gradient passes the clip. With 1 - p
      // at full precision (pc), the clip test, log(1 - p) and dbce/dx = p - t need no 1 - p
      // that cancels. (log(max(p, EPS)) differs from Keras' log(min(p, 1 - EPS)) by under 1e-7
      // where p > 1 - EPS.) -log(max(p, EPS)) = min(-log p, -log EPS) with -log p = -log
      // sigma(x) = softplus(-x) = log1p(e) + max(-x, 0), and -log(1 - p) = softplus(x): one
      // log1p on [0, 1] instead of two logs, and accurate where p or 1 - p is close to 1.
      const V eps = kerasEpsilon<V>();
      const V softplusAbs = log1pUnit(parts.e);  // e in [0, 1] (or NaN)
      const V softplusNeg = softplusAbs + selectSignBit(x, parts.absX, zero);  // -log p
      const V softplusPos = softplusAbs + selectSignBit(x, zero, parts.absX);  // -log(1 - p)
      bce = mulAdd(t, min(softplusNeg, clippedLogLoss), oneMinusT * min(softplusPos, clippedLogLoss));
      if constexpr (kGrad) {
        const V d = p * oneMinusT - t * pc;  // p - t
        dbce = select((p > eps) & (pc > eps), d, d * zero);
      }
    } else {
      p = x;
      pc = one - x;
      bce = clippedBinaryCrossentropy<kGrad>(t, x, dbce);
    }
    const V balance = mulAdd(t, balanceScale, balanceShift);
    if (gammaIsZero) {
      // m^0 = 1 and dfocal = 0 exactly, whatever m (so also for probabilities outside [0, 1],
      // where m may be negative or NaN): balance * bce, as binary_crossentropy's clip gives.
      if constexpr (kGrad) grad = balance * dbce;
      return balance * bce;
    }
    const V m = mulAdd(t, pc, oneMinusT * p);
    const auto met = m == zero;
    const V focal = select(met, zeroFocal, powerOf(m));
    if constexpr (kGrad) {
      // slope = gamma m^(gamma - 1) dp/dx without an intermediate overflow: on logits
      // p (1 - p) / m <= 1 (m lies between p and 1 - p), on probabilities gamma m^gamma / m.
      const V gammaFocal = gamma * focal;
      V slope;
      if constexpr (kFromLogits) {
        slope = select(met, zeroSlope, gammaFocal * (dpdx / m));
      } else {
        slope = select(met, zeroSlope, gammaFocal / m);
      }
      const V dfocal = -(slope * (t + t - one));
      const V cross = select(dfocal == zero, dfocal, dfocal * bce);
      grad = balance * mulAdd(focal, dbce, cross);
    }
    return balance * (focal * bce);
  }
};

// The kernel table's entry: the CPU driver loops over the functor with fromLogits fixed
// (visitFixed, as for binary_crossentropy), so the probability loop holds none of the logits
// path's registers and branches (sharing them made it 2.5% slower at 16M once the AVX-512
// log1p table took six registers); eval picks per element (the CUDA kernels).
template <class V>
struct BinaryFocalCrossentropy {
  static constexpr bool kUsesAux = false;
  static constexpr bool kHasFixedVariants = true;
  bool fromLogits;
  BinaryFocalCrossentropyFixed<V, true> logits;
  BinaryFocalCrossentropyFixed<V, false> probabilities;
  explicit BinaryFocalCrossentropy(const double* params)
      : fromLogits(params[0] != 0.0), logits(params), probabilities(params) {}
  template <class F>
  auto visitFixed(F&& f) const {
    if (fromLogits) return f(logits);
    return f(probabilities);
  }
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V a, V& grad) const {
    if (fromLogits) return logits.template eval<kGrad>(y, x, a, grad);
    return probabilities.template eval<kGrad>(y, x, a, grad);
  }
};

// [convertLabels] l = 2y - 1 when convertLabels (Keras 3 maps 0/1 labels to -1/1), else y;
// margin r = 1 - l x; f = max(0, r); f' = -l where r > 0, 0 where r <= 0, NaN for NaN r.
// (2y - 1 is exact for the 0/1 labels it is used on, fused or not.)
template <class V>
struct Hinge {
  using S = ScalarOf<V>;
  static constexpr bool kUsesAux = false;
  V labelScale, labelShift;
  explicit Hinge(const double* params)
      : labelScale(S(params[0] != 0.0 ? 2.0 : 1.0)), labelShift(S(params[0] != 0.0 ? -1.0 : 0.0)) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    const V zero(S(0));
    const V label = mulAdd(y, labelScale, labelShift);
    const V margin = V(S(1)) - label * x;
    // Not margin * 0: a margin of -inf (met by an infinite logit) has gradient 0, not NaN.
    if constexpr (kGrad) grad = select(margin > zero, -label, select(margin <= zero, zero, margin));
    return max(margin, zero);
  }
};

// [convertLabels] l as for hinge; r = max(0, 1 - l x); f = r^2; f' = -2 l r.
template <class V>
struct SquaredHinge {
  using S = ScalarOf<V>;
  static constexpr bool kUsesAux = false;
  V labelScale, labelShift;
  explicit SquaredHinge(const double* params)
      : labelScale(S(params[0] != 0.0 ? 2.0 : 1.0)), labelShift(S(params[0] != 0.0 ? -1.0 : 0.0)) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    const V label = mulAdd(y, labelScale, labelShift);
    const V margin = max(V(S(1)) - label * x, V(S(0)));
    if constexpr (kGrad) grad = V(S(-2)) * label * margin;
    return margin * margin;
  }
};

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
