// Elementwise regression losses, each written once for every value type V (float, double,
// avx2::VecF32x8, avx2::VecF64x4). x = yPred, y = yTrue, a = aux, d = x - y, EPS = 1e-7.
//
// The kernel table (ids in this order, LOSSKIT_ELEMENTWISE_KERNELS in kernel_table.h), with
// the `params` each expects:
//   0 mean_squared_error              []
//   1 mean_absolute_error             []
//   2 huber                           [delta]
//   3 smooth_l1                       [beta]
//   4 log_cosh                        []
//   5 mean_squared_logarithmic_error  []
//   6 mean_absolute_percentage_error  []
//   7 quantile                        [q]
//   8 poisson                         []
//   9 gaussian_nll                    [eps, full (0 or 1)]   aux = variance, required
//   10-14: the binary-classification losses, listed in binary.h
//
// A loss is a small functor:
//   static constexpr bool kUsesAux;       // reads `a` (the driver passes 0 otherwise)
//   explicit Loss(const double* params);  // parameters, in the order of kernel_table.h
//   template <bool kGrad> V eval(V y, V x, V a, V& grad) const;
// eval returns f(y, x, a) and, when kGrad, stores df/dx in `grad`. Value and gradient come
// from one function, so they share their branch boundary; branches are computed both ways
// and blended (PyTorch's huber_kernel / Vectorized::blendv style), never taken per element.
//
// NaN policy: a NaN in x or y (or a) reaches both the value and the gradient. Lower clips use
// clampMin (NaN-propagating), sign() maps NaN to NaN, and kink gradients use x + 0 (0 or NaN).
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/regression.h"
#endif

#include <type_traits>

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

template <class V>
using ScalarOf = typename VecTraits<V>::Scalar;

// Keras' epsilon, rounded to the dtype.
template <class V>
LOSSKIT_INLINE V kerasEpsilon() {
  return V(ScalarOf<V>(1e-7));
}

// d^2; grad 2d.
template <class V>
struct MeanSquaredError {
  static constexpr bool kUsesAux = false;
  explicit MeanSquaredError(const double*) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    const V d = x - y;
    if constexpr (kGrad) grad = d + d;
    return d * d;
  }
};

// |d|; grad sign(d), 0 at d = 0.
template <class V>
struct MeanAbsoluteError {
  static constexpr bool kUsesAux = false;
  explicit MeanAbsoluteError(const double*) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    const V d = x - y;
    if constexpr (kGrad) grad = sign(d);
    return abs(d);
  }
};

// [delta] |d| <= delta: 0.5 d^2, grad d; else delta (|d| - 0.5 delta), grad delta sign(d).
// A NaN d falls in the outer branch, where sign() keeps it.
template <class V>
struct Huber {
  static constexpr bool kUsesAux = false;
  V delta, halfDelta, half;
  explicit Huber(const double* params)
      : delta(ScalarOf<V>(params[0])),
        halfDelta(ScalarOf<V>(0.5 * params[0])),
        half(ScalarOf<V>(0.5)) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    const V d = x - y;
    const V ad = abs(d);
    const auto quadratic = ad <= delta;
    if constexpr (kGrad) grad = select(quadratic, d, delta * sign(d));
    return select(quadratic, half * d * d, delta * (ad - halfDelta));
  }
};

// [beta] |d| < beta: 0.5 d^2 / beta, grad d / beta; else |d| - 0.5 beta, grad sign(d).
// beta = 0 never takes the quadratic branch and is exactly mean_absolute_error (|d| - 0 and
// sign(d)); the discarded d / 0 lanes are blended away.
template <class V>
struct SmoothL1 {
  static constexpr bool kUsesAux = false;
  V beta, halfBeta, half;
  explicit SmoothL1(const double* params)
      : beta(ScalarOf<V>(params[0])),
        halfBeta(ScalarOf<V>(0.5 * params[0])),
        half(ScalarOf<V>(0.5)) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    const V d = x - y;
    const V ad = abs(d);
    const V scaled = d / beta;
    const auto quadratic = ad < beta;
    if constexpr (kGrad) grad = select(quadratic, scaled, sign(d));
    return select(quadratic, half * d * scaled, ad - halfBeta);
  }
};

// log cosh d = |d| + log1p(e) - ln 2 with e = exp(-2|d|) in (0, 1]; grad tanh d =
// sign(d) (1 - e) / (1 + e). For large |d|, e underflows to 0: value |d| - ln 2, grad +-1.
// Near 0 both forms cancel (|d| + log1p(e) is close to ln 2), so small |d| uses the Taylor
// series instead: threshold 0.125 (float) / 0.02 (double), where the first omitted term is
// below half an ulp of the result.
//   log cosh d = d^2/2 - d^4/12 + d^6/45 - 17 d^8/2520 (+ 31 d^10/14175 for double)
//   tanh d     = d - d^3/3 + 2 d^5/15 - 17 d^7/315 + 62 d^9/2835
template <class V>
struct LogCosh {
  using S = ScalarOf<V>;
  static constexpr bool kIsFloat = std::is_same_v<S, float>;
  static constexpr bool kUsesAux = false;
  // Plain gradient stores even when large: streaming ones made it slower (elementwise_driver.h).
  static constexpr bool kStreamsGradient = false;
  explicit LogCosh(const double*) {}

  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V a, V& grad) const {
    V e, ratio;
    stage<kGrad>(y, x, a, e, ratio);
    return evalStaged<kGrad>(y, x, a, e, ratio, grad);
  }
  // Staged (elementwise_driver.h, kStaged): e = exp(-2|d|) and, for the gradient,
  // (1 - e) / (1 + e) = tanh|d| first, the rest in a second pass; eval's bits.
  static constexpr bool kStaged = true;
  static constexpr bool kStagedCopiesOperands = true;  // (elementwise_driver.h)
  // Pipelined (elementwise_driver.h) on 256-bit vectors only: AVX2 float32 0.94x / 0.89x the
  // time at 16M / 65536 (float64 0.99x / 1.02x); with AVX-512 its copies' 512-bit stores cost
  // more than the overlap gains (1.03-1.08x).
  static constexpr bool kStagedPipelined = sizeof(V) == 32;
  template <bool kGrad>
  LOSSKIT_INLINE void stage(V y, V x, V, V& e, V& ratio) const {
    const V one(S(1));
    e = expNonPositive(V(S(-2)) * abs(x - y));  // -2|d| <= 0 (or NaN)
    ratio = (one - e) / (one + e);  // (dropped by the compiler for values alone)
  }
  template <bool kGrad>
  LOSSKIT_INLINE V evalStaged(V y, V x, V, V e, V ratio, V& grad) const {
    const V one(S(1));
    const V d = x - y;
    const V ad = abs(d);
    const V d2 = d * d;
    const auto series = ad < V(S(kIsFloat ? 0.125 : 0.02));

    V seriesValue = V(S(-17.0 / 2520));
    if constexpr (!kIsFloat) seriesValue = mulAdd(V(S(31.0 / 14175)), d2, seriesValue);
    seriesValue = mulAdd(seriesValue, d2, V(S(1.0 / 45)));
    seriesValue = mulAdd(seriesValue, d2, V(S(-1.0 / 12)));
    seriesValue = mulAdd(seriesValue, d2, V(S(0.5)));
    seriesValue = seriesValue * d2;
    const V value = ad + log1pUnit(e) - V(S(0.693147180559945309417232121458176568));  // e in [0, 1]

    if constexpr (kGrad) {
      V seriesGrad = mulAdd(V(S(62.0 / 2835)), d2, V(S(-17.0 / 315)));
      seriesGrad = mulAdd(seriesGrad, d2, V(S(2.0 / 15)));
      seriesGrad = mulAdd(seriesGrad, d2, V(S(-1.0 / 3)));
      seriesGrad = mulAdd(seriesGrad, d2, one);
      seriesGrad = seriesGrad * d;
      // copysign keeps a NaN magnitude, so a NaN d still gives a NaN gradient.
      const V tanhValue = copysign(ratio, d);
      grad = select(series, seriesGrad, tanhValue);
    }
    return select(series, seriesValue, value);
  }
};

// xc = max(x, EPS), yc = max(y, EPS), r = log1p(xc) - log1p(yc); value r^2;
// grad 2r / (1 + xc), 0 where x < EPS (the clip) - r * 0 there, so a NaN or infinite r
// still reaches the gradient.
template <class V>
struct MeanSquaredLogarithmicError {
  static constexpr bool kUsesAux = false;
  explicit MeanSquaredLogarithmicError(const double*) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    using S = ScalarOf<V>;
    const V eps = kerasEpsilon<V>();
    const V xc = clampMin(x, eps);
    const V yc = clampMin(y, eps);
    const V r = log1pNonNegative(xc) - log1pNonNegative(yc);  // xc, yc >= EPS (or NaN)
    if constexpr (kGrad) {
      grad = select(x < eps, r * V(S(0)), (r + r) / (V(S(1)) + xc));
    }
    return r * r;
  }
};

// 100 |y - x| / max(|y|, EPS); grad 100 sign(x - y) / max(|y|, EPS).
template <class V>
struct MeanAbsolutePercentageError {
  static constexpr bool kUsesAux = false;
  explicit MeanAbsolutePercentageError(const double*) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    using S = ScalarOf<V>;
    const V d = x - y;
    const V scale = V(S(100)) / clampMin(abs(y), kerasEpsilon<V>());
    if constexpr (kGrad) grad = sign(d) * scale;
    return abs(d) * scale;
  }
};

// [q] e = y - x; value max(q e, (q - 1) e); grad -q where e > 0, 1 - q where e < 0, 0 at
// e = 0 (and NaN for NaN: the last branch returns e + 0, which is +0 or NaN).
template <class V>
struct Quantile {
  static constexpr bool kUsesAux = false;
  V q, qMinusOne, negQ, oneMinusQ;
  explicit Quantile(const double* params)
      : q(ScalarOf<V>(params[0])),
        qMinusOne(ScalarOf<V>(params[0] - 1.0)),
        negQ(ScalarOf<V>(-params[0])),
        oneMinusQ(ScalarOf<V>(1.0 - params[0])) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    using S = ScalarOf<V>;
    const V e = y - x;
    if constexpr (kGrad) {
      grad = select(e > V(S(0)), negQ, select(e < V(S(0)), oneMinusQ, e + V(S(0))));
    }
    return max(q * e, qMinusOne * e);
  }
};

// x - y log(x + EPS); grad 1 - y / (x + EPS).
template <class V>
struct Poisson {
  static constexpr bool kUsesAux = false;
  explicit Poisson(const double*) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V, V& grad) const {
    using S = ScalarOf<V>;
    const V shifted = x + kerasEpsilon<V>();
    if constexpr (kGrad) grad = V(S(1)) - y / shifted;
    return x - y * log(shifted);
  }
};

// [eps, full] a = variance, v = max(a, eps); value 0.5 (log v + d^2 / v)
// (+ 0.5 log 2 pi when full != 0); grad d / v. No gradient flows through the clamp (it only
// touches v), as in PyTorch's gaussian_nll_loss.
template <class V>
struct GaussianNll {
  static constexpr bool kUsesAux = true;
  V eps, constant, half;
  explicit GaussianNll(const double* params)
      : eps(ScalarOf<V>(params[0])),
        constant(ScalarOf<V>(params[1] != 0.0 ? 0.918938533204672741780329736405617640 : 0.0)),
        half(ScalarOf<V>(0.5)) {}
  template <bool kGrad>
  LOSSKIT_INLINE V eval(V y, V x, V a, V& grad) const {
    const V v = clampMin(a, eps);
    const V d = x - y;
    const V scaled = d / v;
    if constexpr (kGrad) grad = scaled;
    return half * (log(v) + d * scaled) + constant;
  }
};

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
