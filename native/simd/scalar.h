// Portable helpers over float and double, with the same names and semantics as the vector
// types in native/simd/avx2/vec.h, so that a loss written once as a template runs on either.
//
// Included inside each per-ISA namespace (LOSSKIT_ISA_NAMESPACE, see
// native/kernels/scalar/kernels.cpp): the copies compiled with -mavx2 get their own mangled
// names and can never be picked by the linker for the baseline path. For the same reason
// these call the C library (::expf, ::fabs ...) rather than the inline C++ overloads of
// <cmath>, which would be emitted as shared (COMDAT) functions in every translation unit.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/simd/scalar.h"
#endif

#include <math.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "attributes.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// ---- Scalar arithmetic helpers (float and double overloads) -----------------------------

// mask ? a : b without a branch: the losses compute both sides of every kink and blend, and
// a data-dependent branch per element would be mispredicted half the time on noisy data.
// Done on the bit patterns, as the vector blend does (compilers keep `?:` on floats as a jump).
template <class S, class Bits>
LOSSKIT_INLINE S selectBits(bool mask, S a, S b) {
  Bits ab, bb;
  std::memcpy(&ab, &a, sizeof ab);
  std::memcpy(&bb, &b, sizeof bb);
  const Bits m = Bits{0} - static_cast<Bits>(mask);
  const Bits r = (ab & m) | (bb & ~m);
  S out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}
LOSSKIT_INLINE float select(bool mask, float a, float b) {
  return selectBits<float, uint32_t>(mask, a, b);
}
LOSSKIT_INLINE double select(bool mask, double a, double b) {
  return selectBits<double, uint64_t>(mask, a, b);
}

LOSSKIT_INLINE bool isNan(float x) { return x != x; }
LOSSKIT_INLINE bool isNan(double x) { return x != x; }

LOSSKIT_INLINE float abs(float x) { return ::fabsf(x); }
LOSSKIT_INLINE double abs(double x) { return ::fabs(x); }

// Magnitude of `mag` with the sign bit of `sign`; a NaN magnitude stays NaN.
LOSSKIT_INLINE float copysign(float mag, float sign) { return ::copysignf(mag, sign); }
LOSSKIT_INLINE double copysign(double mag, double sign) { return ::copysign(mag, sign); }

// ±1 for nonzero x, +0 for ±0 and NaN for NaN: a gradient built from it never hides a NaN.
// (x + 0 turns -0 into +0 and keeps NaN.)
LOSSKIT_INLINE float sign(float x) {
  return select((x > 0.0f) | (x < 0.0f), ::copysignf(1.0f, x), x + 0.0f);
}
LOSSKIT_INLINE double sign(double x) {
  return select((x > 0.0) | (x < 0.0), ::copysign(1.0, x), x + 0.0);
}

// max(x, lo) for a lower bound `lo` that is never NaN; a NaN x propagates. Written as
// `lo > x ? lo : x` to mirror _mm256_max_ps(lo, x), which returns its second operand when
// either is NaN.
LOSSKIT_INLINE float clampMin(float x, float lo) { return lo > x ? lo : x; }
LOSSKIT_INLINE double clampMin(double x, double lo) { return lo > x ? lo : x; }

// NaN-propagating max/min: NaN if either operand is NaN (unlike std::max or fmax).
LOSSKIT_INLINE float max(float a, float b) { return a != a ? a : (a > b ? a : b); }
LOSSKIT_INLINE double max(double a, double b) { return a != a ? a : (a > b ? a : b); }
LOSSKIT_INLINE float min(float a, float b) { return a != a ? a : (a < b ? a : b); }
LOSSKIT_INLINE double min(double a, double b) { return a != a ? a : (a < b ? a : b); }

// a * b + c. Unfused on the portable path (the build sets -ffp-contract=off), fused on AVX2:
// results are a function of the ISA, as the summation order is.
LOSSKIT_INLINE float mulAdd(float a, float b, float c) { return a * b + c; }
LOSSKIT_INLINE double mulAdd(double a, double b, double c) { return a * b + c; }

LOSSKIT_INLINE float sqrt(float x) { return ::sqrtf(x); }
LOSSKIT_INLINE double sqrt(double x) { return ::sqrt(x); }

// The portable path's transcendental functions are the C library's.
LOSSKIT_INLINE float exp(float x) { return ::expf(x); }
LOSSKIT_INLINE double exp(double x) { return ::exp(x); }
LOSSKIT_INLINE float log(float x) { return ::logf(x); }
LOSSKIT_INLINE double log(double x) { return ::log(x); }
LOSSKIT_INLINE float log1p(float x) { return ::log1pf(x); }
LOSSKIT_INLINE double log1p(double x) { return ::log1p(x); }
// Domain-restricted forms the vector paths specialise (simd/avx2/math.h); here the same libm
// calls: exp for x <= 0 (or NaN; the float one is e^-|x| for any x, as the vector float32
// forms in simd/*/math.h, so the logistic passes its logit as it is: binary.h), log1p for x
// in [0, 1] (or NaN),
LOSSKIT_INLINE float expNonPositive(float x) { return ::expf(-::fabsf(x)); }
LOSSKIT_INLINE double expNonPositive(double x) { return ::exp(x); }
LOSSKIT_INLINE float log1pUnit(float x) { return ::log1pf(x); }
LOSSKIT_INLINE double log1pUnit(double x) { return ::log1p(x); }
// log for a positive normal x, log1p for x in (-1, 0) and for x >= 0 (or NaN), likewise.
LOSSKIT_INLINE float logPositive(float x) { return ::logf(x); }
LOSSKIT_INLINE double logPositive(double x) { return ::log(x); }
LOSSKIT_INLINE float log1pNegative(float x) { return ::log1pf(x); }
LOSSKIT_INLINE double log1pNegative(double x) { return ::log1p(x); }
LOSSKIT_INLINE float log1pNonNegative(float x) { return ::log1pf(x); }
LOSSKIT_INLINE double log1pNonNegative(double x) { return ::log1p(x); }
// x's sign bit set (x < 0, -0, or a NaN with its sign bit) ? a : b. One blend on AVX2 (the
// sign bit is the blend mask), no compare.
LOSSKIT_INLINE float selectSignBit(float x, float a, float b) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits >> 31) != 0 ? a : b;
}
LOSSKIT_INLINE double selectSignBit(double x, double a, double b) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits >> 63) != 0 ? a : b;
}

// ---- Lane traits ---------------------------------------------------------------------------
//
// The drivers see every value type through VecTraits<V>: lane count, loads/stores (partial
// ones for tails), and a double accumulator. Vector types describe themselves with members
// (VecF32x8::kLanes, VecF32x8::load ...); the primary template forwards to those.

// Sums in double, one lane, for the portable path.
struct ScalarAccumulator {
  double sum = 0.0;
  LOSSKIT_INLINE void add(double v) { sum += v; }
  LOSSKIT_INLINE void addProduct(double a, double b) { sum += a * b; }
  LOSSKIT_INLINE void merge(const ScalarAccumulator& other) { sum += other.sum; }
  LOSSKIT_INLINE double total() const { return sum; }
};

template <class V>
struct VecTraits {
  using Scalar = typename V::Scalar;
  using Accumulator = typename V::Accumulator;
  static constexpr size_t kLanes = V::kLanes;
  static LOSSKIT_INLINE V load(const Scalar* p) { return V::load(p); }
  static LOSSKIT_INLINE V loadPartial(const Scalar* p, size_t n) { return V::loadPartial(p, n); }
  static LOSSKIT_INLINE void store(Scalar* p, V v) { V::store(p, v); }
  static LOSSKIT_INLINE void storePartial(Scalar* p, V v, size_t n) { V::storePartial(p, v, n); }
  static LOSSKIT_INLINE V zeroBeyond(V v, size_t n) { return V::zeroBeyond(v, n); }
  static LOSSKIT_INLINE void storeAsDouble(double* p, V v) { V::storeAsDouble(p, v); }
  // a * u + b * v computed in double, rounded to the dtype once.
  static LOSSKIT_INLINE V scaledSum(double a, V u, double b, V v) { return V::scaledSum(a, u, b, v); }
};

template <class S>
struct ScalarTraits {
  using Scalar = S;
  using Accumulator = ScalarAccumulator;
  static constexpr size_t kLanes = 1;
  static LOSSKIT_INLINE S load(const S* p) { return *p; }
  static LOSSKIT_INLINE S loadPartial(const S* p, size_t) { return *p; }
  static LOSSKIT_INLINE void store(S* p, S v) { *p = v; }
  static LOSSKIT_INLINE void storePartial(S* p, S v, size_t) { *p = v; }
  static LOSSKIT_INLINE S zeroBeyond(S v, size_t) { return v; }
  static LOSSKIT_INLINE void storeAsDouble(double* p, S v) { *p = static_cast<double>(v); }
  static LOSSKIT_INLINE S scaledSum(double a, S u, double b, S v) {
    return static_cast<S>(a * static_cast<double>(u) + b * static_cast<double>(v));
  }
};

template <>
struct VecTraits<float> : ScalarTraits<float> {};
template <>
struct VecTraits<double> : ScalarTraits<double> {};

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
