// exp/log/log1p (and their domain-restricted forms) on the vector types, forwarding to the vector math library in math.h
// (losskit::avx2::exp_ps ...; accuracy contracts are documented there).
#pragma once

#include "math.h"
#include "vec.h"

namespace losskit {
namespace avx2 {

LOSSKIT_INLINE VecF32x8 exp(VecF32x8 x) { return VecF32x8(exp_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 exp(VecF64x4 x) { return VecF64x4(exp_pd(x.raw)); }
LOSSKIT_INLINE VecF32x8 log(VecF32x8 x) { return VecF32x8(log_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 log(VecF64x4 x) { return VecF64x4(log_pd(x.raw)); }
LOSSKIT_INLINE VecF32x8 log1p(VecF32x8 x) { return VecF32x8(log1p_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 log1p(VecF64x4 x) { return VecF64x4(log1p_pd(x.raw)); }
// Domain-restricted forms (contracts in math.h): exp for x <= 0, log1p for x in [0, 1]. The
// float64 ones forward to the general functions (math.h names them exp_nonpositive_pd and
// log1p_unit_pd, as avx512 does its tables).
LOSSKIT_INLINE VecF32x8 expNonPositive(VecF32x8 x) { return VecF32x8(exp_nonpositive_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 expNonPositive(VecF64x4 x) { return VecF64x4(exp_nonpositive_pd(x.raw)); }
LOSSKIT_INLINE VecF32x8 log1pUnit(VecF32x8 x) { return VecF32x8(log1p_unit_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 log1pUnit(VecF64x4 x) { return VecF64x4(log1p_unit_pd(x.raw)); }
// log for a positive normal x, log1p for x in (-1, 0).
LOSSKIT_INLINE VecF32x8 logPositive(VecF32x8 x) { return VecF32x8(log_positive_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 logPositive(VecF64x4 x) { return VecF64x4(log_pd(x.raw)); }
LOSSKIT_INLINE VecF32x8 log1pNegative(VecF32x8 x) { return VecF32x8(log1p_negative_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 log1pNegative(VecF64x4 x) { return VecF64x4(log1p_pd(x.raw)); }
// log1p for x >= 0 (+inf included).
LOSSKIT_INLINE VecF32x8 log1pNonNegative(VecF32x8 x) { return VecF32x8(log1p_nonnegative_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 log1pNonNegative(VecF64x4 x) { return VecF64x4(log1p_pd(x.raw)); }

// x's sign bit set ? a : b (simd/scalar.h): BLENDV reads only the sign bit of its mask.
LOSSKIT_INLINE VecF32x8 selectSignBit(VecF32x8 x, VecF32x8 a, VecF32x8 b) {
  return VecF32x8(_mm256_blendv_ps(b.raw, a.raw, x.raw));
}
LOSSKIT_INLINE VecF64x4 selectSignBit(VecF64x4 x, VecF64x4 a, VecF64x4 b) {
  return VecF64x4(_mm256_blendv_pd(b.raw, a.raw, x.raw));
}

}  // namespace avx2
}  // namespace losskit
