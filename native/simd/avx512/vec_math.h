// exp/log/log1p (and their domain-restricted forms) on the AVX-512 vector types, forwarding to the vector math library in math.h
// (losskit::avx512::exp_ps ...; accuracy contracts are documented there).
#pragma once

#include "math.h"
#include "vec.h"

namespace losskit {
namespace avx512 {

LOSSKIT_INLINE VecF32x16 exp(VecF32x16 x) { return VecF32x16(exp_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 exp(VecF64x8 x) { return VecF64x8(exp_pd(x.raw)); }
LOSSKIT_INLINE VecF32x16 log(VecF32x16 x) { return VecF32x16(log_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 log(VecF64x8 x) { return VecF64x8(log_pd(x.raw)); }
LOSSKIT_INLINE VecF32x16 log1p(VecF32x16 x) { return VecF32x16(log1p_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 log1p(VecF64x8 x) { return VecF64x8(log1p_pd(x.raw)); }

// The domain-restricted forms the kernels call (contracts in math.h): exp for x <= 0, log1p for
// x in [0, 1], log for a positive normal x, log1p for x in (-1, 0) and for x >= 0. The float64
// ones forward to the general functions (as on AVX2), except exp for x <= 0 and log1p on [0, 1]
// (tables, as the float32 ones).
LOSSKIT_INLINE VecF32x16 expNonPositive(VecF32x16 x) { return VecF32x16(exp_nonpositive_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 expNonPositive(VecF64x8 x) { return VecF64x8(exp_nonpositive_pd(x.raw)); }
LOSSKIT_INLINE VecF32x16 log1pUnit(VecF32x16 x) { return VecF32x16(log1p_unit_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 log1pUnit(VecF64x8 x) { return VecF64x8(log1p_unit_pd(x.raw)); }
LOSSKIT_INLINE VecF32x16 logPositive(VecF32x16 x) { return VecF32x16(log_positive_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 logPositive(VecF64x8 x) { return log(x); }
LOSSKIT_INLINE VecF32x16 log1pNegative(VecF32x16 x) { return VecF32x16(log1p_negative_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 log1pNegative(VecF64x8 x) { return log1p(x); }
LOSSKIT_INLINE VecF32x16 log1pNonNegative(VecF32x16 x) { return VecF32x16(log1p_nonnegative_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 log1pNonNegative(VecF64x8 x) { return log1p(x); }

// x's sign bit set ? a : b (simd/scalar.h): the sign bits as an opmask, one blend.
LOSSKIT_INLINE VecF32x16 selectSignBit(VecF32x16 x, VecF32x16 a, VecF32x16 b) {
  const __mmask16 negative = _mm512_movepi32_mask(_mm512_castps_si512(x.raw));
  return VecF32x16(_mm512_mask_blend_ps(negative, b.raw, a.raw));
}
LOSSKIT_INLINE VecF64x8 selectSignBit(VecF64x8 x, VecF64x8 a, VecF64x8 b) {
  const __mmask8 negative = _mm512_movepi64_mask(_mm512_castpd_si512(x.raw));
  return VecF64x8(_mm512_mask_blend_pd(negative, b.raw, a.raw));
}

}  // namespace avx512
}  // namespace losskit
