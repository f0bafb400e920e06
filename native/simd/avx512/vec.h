// Thin AVX-512 vector types for the kernels: VecF32x16 (__m512) and VecF64x8 (__m512d), with
// the same members, operators and helpers as the AVX2 types (native/simd/avx2/vec.h), so the
// shared templates compile for them unchanged.
//
// Only translation units under native/**/avx512/ include this header; they alone are compiled
// with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma, and they are only entered after
// dispatch.cpp has checked the CPU and the OS (ZMM and opmask state).
//
// Same semantics as avx2/vec.h (comparisons as C++, NaN-propagating max/min, sign, fused
// mulAdd, lane sums in double). What AVX-512 changes underneath:
// - masks are opmask registers (__mmask16 / __mmask8), so select is one masked blend;
// - partial loads and stores are masked moves: lanes outside the mask are never read or
//   written (no fault past the end of an array) and load as 0.
#pragma once

#if !defined(__AVX512F__) || !defined(__AVX512DQ__) || !defined(__AVX512BW__) || \
    !defined(__AVX512VL__) || (!defined(__FMA__) && !defined(_MSC_VER))
#error "native/simd/avx512/vec.h needs -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma (set only on native/**/avx512/*.cpp)"
#endif

#include <immintrin.h>

#include <cstddef>

#include "../attributes.h"

namespace losskit {
namespace avx512 {

// Lanes [0, n) set; n in [0, 16] (resp. [0, 8]).
LOSSKIT_INLINE __mmask16 tailMask16(size_t n) {
  return static_cast<__mmask16>((1u << n) - 1u);
}
LOSSKIT_INLINE __mmask8 tailMask8(size_t n) { return static_cast<__mmask8>((1u << n) - 1u); }

// Lanes (a0..a7) -> ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7)): the two 256-bit halves
// added, then avx2's (a + c) + (b + d). The order is part of the numeric contract of this ISA.
LOSSKIT_INLINE double horizontalSum(__m512d v) {
  const __m256d quads = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
  const __m128d pairs = _mm_add_pd(_mm256_castpd256_pd128(quads), _mm256_extractf128_pd(quads, 1));
  return _mm_cvtsd_f64(_mm_add_sd(pairs, _mm_unpackhi_pd(pairs, pairs)));
}

struct MaskF32x16 {
  __mmask16 raw;
};
struct MaskF64x8 {
  __mmask8 raw;
};

// ---- VecF64x8 -----------------------------------------------------------------------------

struct VecF64x8 {
  using Scalar = double;
  using Mask = MaskF64x8;
  static constexpr size_t kLanes = 8;

  __m512d raw;

  VecF64x8() = default;
  explicit VecF64x8(__m512d v) : raw(v) {}
  explicit VecF64x8(double s) : raw(_mm512_set1_pd(s)) {}

  static LOSSKIT_INLINE VecF64x8 load(const double* p) { return VecF64x8(_mm512_loadu_pd(p)); }
  // Reads only p[0, n) (masked lanes never fault); the other lanes are 0.
  static LOSSKIT_INLINE VecF64x8 loadPartial(const double* p, size_t n) {
    return VecF64x8(_mm512_maskz_loadu_pd(tailMask8(n), p));
  }
  static LOSSKIT_INLINE void store(double* p, VecF64x8 v) { _mm512_storeu_pd(p, v.raw); }
  static LOSSKIT_INLINE void storePartial(double* p, VecF64x8 v, size_t n) {
    _mm512_mask_storeu_pd(p, tailMask8(n), v.raw);
  }
  static LOSSKIT_INLINE VecF64x8 zeroBeyond(VecF64x8 v, size_t n) {
    return VecF64x8(_mm512_maskz_mov_pd(tailMask8(n), v.raw));
  }
  static LOSSKIT_INLINE void storeAsDouble(double* p, VecF64x8 v) { store(p, v); }
  // a * u + b * v (one fused rounding).
  static LOSSKIT_INLINE VecF64x8 scaledSum(double a, VecF64x8 u, double b, VecF64x8 v) {
    return VecF64x8(_mm512_fmadd_pd(_mm512_set1_pd(a), u.raw, _mm512_mul_pd(_mm512_set1_pd(b), v.raw)));
  }

  // Eight double lanes.
  struct Accumulator {
    __m512d sum = _mm512_setzero_pd();
    LOSSKIT_INLINE void add(VecF64x8 v) { sum = _mm512_add_pd(sum, v.raw); }
    LOSSKIT_INLINE void addProduct(VecF64x8 a, VecF64x8 b) {
      sum = _mm512_fmadd_pd(a.raw, b.raw, sum);
    }
    LOSSKIT_INLINE void merge(const Accumulator& other) { sum = _mm512_add_pd(sum, other.sum); }
    LOSSKIT_INLINE double total() const { return horizontalSum(sum); }
  };
};

// ---- VecF32x16 ----------------------------------------------------------------------------

struct VecF32x16 {
  using Scalar = float;
  using Mask = MaskF32x16;
  static constexpr size_t kLanes = 16;

  __m512 raw;

  VecF32x16() = default;
  explicit VecF32x16(__m512 v) : raw(v) {}
  explicit VecF32x16(float s) : raw(_mm512_set1_ps(s)) {}

  static LOSSKIT_INLINE VecF32x16 load(const float* p) { return VecF32x16(_mm512_loadu_ps(p)); }
  // Reads only p[0, n) (masked lanes never fault); the other lanes are 0.
  static LOSSKIT_INLINE VecF32x16 loadPartial(const float* p, size_t n) {
    return VecF32x16(_mm512_maskz_loadu_ps(tailMask16(n), p));
  }
  static LOSSKIT_INLINE void store(float* p, VecF32x16 v) { _mm512_storeu_ps(p, v.raw); }
  static LOSSKIT_INLINE void storePartial(float* p, VecF32x16 v, size_t n) {
    _mm512_mask_storeu_ps(p, tailMask16(n), v.raw);
  }
  static LOSSKIT_INLINE VecF32x16 zeroBeyond(VecF32x16 v, size_t n) {
    return VecF32x16(_mm512_maskz_mov_ps(tailMask16(n), v.raw));
  }

  // Float -> double of lanes 0-7 and 8-15 (exact).
  static LOSSKIT_INLINE __m512d lowToDouble(VecF32x16 v) {
    return _mm512_cvtps_pd(_mm512_castps512_ps256(v.raw));
  }
  static LOSSKIT_INLINE __m512d highToDouble(VecF32x16 v) {
    return _mm512_cvtps_pd(_mm512_extractf32x8_ps(v.raw, 1));
  }
  static LOSSKIT_INLINE void storeAsDouble(double* p, VecF32x16 v) {
    _mm512_storeu_pd(p, lowToDouble(v));
    _mm512_storeu_pd(p + 8, highToDouble(v));
  }
  // Two halves of eight doubles, each rounded to float once, as one vector.
  static LOSSKIT_INLINE VecF32x16 fromDoubles(__m512d low, __m512d high) {
    return VecF32x16(_mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(low)),
                                        _mm512_cvtpd_ps(high), 1));
  }
  // a * u + b * v formed in double and rounded to float once (no cancellation in float).
  static LOSSKIT_INLINE VecF32x16 scaledSum(double a, VecF32x16 u, double b, VecF32x16 v) {
    const __m512d av = _mm512_set1_pd(a), bv = _mm512_set1_pd(b);
    const __m512d low = _mm512_fmadd_pd(av, lowToDouble(u), _mm512_mul_pd(bv, lowToDouble(v)));
    const __m512d high = _mm512_fmadd_pd(av, highToDouble(u), _mm512_mul_pd(bv, highToDouble(v)));
    return fromDoubles(low, high);
  }

  // Sixteen lanes widened to double: lanes 0-7 in `low`, 8-15 in `high`;
  // total() = horizontalSum(low + high).
  struct Accumulator {
    __m512d low = _mm512_setzero_pd();
    __m512d high = _mm512_setzero_pd();
    LOSSKIT_INLINE void add(VecF32x16 v) {
      low = _mm512_add_pd(low, lowToDouble(v));
      high = _mm512_add_pd(high, highToDouble(v));
    }
    // a * b formed in double from the widened floats (exact product), fused into the sum.
    LOSSKIT_INLINE void addProduct(VecF32x16 a, VecF32x16 b) {
      low = _mm512_fmadd_pd(lowToDouble(a), lowToDouble(b), low);
      high = _mm512_fmadd_pd(highToDouble(a), highToDouble(b), high);
    }
    LOSSKIT_INLINE void merge(const Accumulator& other) {
      low = _mm512_add_pd(low, other.low);
      high = _mm512_add_pd(high, other.high);
    }
    LOSSKIT_INLINE double total() const { return horizontalSum(_mm512_add_pd(low, high)); }
  };
};

// ---- Operators and helpers, one set per width ------------------------------------------------
// Generated for (vector, mask, intrinsic suffix, scalar, integer suffix for the bit logic).

#define LOSSKIT_AVX512_VECTOR_OPS(V, M, sfx, S, isfx)                                            \
  LOSSKIT_INLINE V operator+(V a, V b) { return V(_mm512_add_##sfx(a.raw, b.raw)); }             \
  LOSSKIT_INLINE V operator-(V a, V b) { return V(_mm512_sub_##sfx(a.raw, b.raw)); }             \
  LOSSKIT_INLINE V operator*(V a, V b) { return V(_mm512_mul_##sfx(a.raw, b.raw)); }             \
  LOSSKIT_INLINE V operator/(V a, V b) { return V(_mm512_div_##sfx(a.raw, b.raw)); }             \
  LOSSKIT_INLINE V& operator+=(V& a, V b) { return a = a + b; }                                  \
  LOSSKIT_INLINE V& operator-=(V& a, V b) { return a = a - b; }                                  \
  LOSSKIT_INLINE V& operator*=(V& a, V b) { return a = a * b; }                                  \
  LOSSKIT_INLINE V operator-(V a) {                                                              \
    return V(_mm512_xor_##sfx(a.raw, _mm512_set1_##sfx(S(-0.0))));                               \
  }                                                                                              \
  LOSSKIT_INLINE M operator<(V a, V b) { return M{_mm512_cmp_##sfx##_mask(a.raw, b.raw, _CMP_LT_OQ)}; } \
  LOSSKIT_INLINE M operator<=(V a, V b) { return M{_mm512_cmp_##sfx##_mask(a.raw, b.raw, _CMP_LE_OQ)}; } \
  LOSSKIT_INLINE M operator>(V a, V b) { return M{_mm512_cmp_##sfx##_mask(a.raw, b.raw, _CMP_GT_OQ)}; } \
  LOSSKIT_INLINE M operator>=(V a, V b) { return M{_mm512_cmp_##sfx##_mask(a.raw, b.raw, _CMP_GE_OQ)}; } \
  LOSSKIT_INLINE M operator==(V a, V b) { return M{_mm512_cmp_##sfx##_mask(a.raw, b.raw, _CMP_EQ_OQ)}; } \
  LOSSKIT_INLINE M operator!=(V a, V b) {                                                        \
    return M{_mm512_cmp_##sfx##_mask(a.raw, b.raw, _CMP_NEQ_UQ)};                                \
  }                                                                                              \
  LOSSKIT_INLINE M operator&(M a, M b) { return M{static_cast<decltype(a.raw)>(a.raw & b.raw)}; } \
  LOSSKIT_INLINE M operator|(M a, M b) { return M{static_cast<decltype(a.raw)>(a.raw | b.raw)}; } \
  /* mask ? a : b, lane by lane (the blend takes its second operand where the mask is set). */  \
  LOSSKIT_INLINE V select(M mask, V a, V b) {                                                    \
    return V(_mm512_mask_blend_##sfx(mask.raw, b.raw, a.raw));                                   \
  }                                                                                              \
  LOSSKIT_INLINE M isNan(V a) { return M{_mm512_cmp_##sfx##_mask(a.raw, a.raw, _CMP_UNORD_Q)}; } \
  LOSSKIT_INLINE V abs(V a) { return V(_mm512_abs_##sfx(a.raw)); }                               \
  /* Bit select (ternary logic 0xCA: signBit ? sign : mag), one instruction. */                  \
  LOSSKIT_INLINE V copysign(V mag, V sign) {                                                     \
    const __m512i signBit = _mm512_cast##sfx##_si512(_mm512_set1_##sfx(S(-0.0)));               \
    return V(_mm512_castsi512_##sfx(_mm512_ternarylogic_##isfx(                                  \
        signBit, _mm512_cast##sfx##_si512(sign.raw), _mm512_cast##sfx##_si512(mag.raw), 0xCA))); \
  }                                                                                              \
  /* ±1 for nonzero lanes, +0 for ±0, NaN for NaN (x + 0 maps -0 to +0 and keeps NaN). */        \
  LOSSKIT_INLINE V sign(V x) {                                                                   \
    const auto nonzero = _mm512_cmp_##sfx##_mask(x.raw, _mm512_setzero_##sfx(), _CMP_NEQ_OQ);    \
    return V(_mm512_mask_blend_##sfx(nonzero, _mm512_add_##sfx(x.raw, _mm512_setzero_##sfx()),   \
                                     copysign(V(S(1.0)), x).raw));                               \
  }                                                                                              \
  /* max(x, lo) with lo never NaN: VMAX returns its second operand when either is NaN, so a */  \
  /* NaN x propagates. */                                                                        \
  LOSSKIT_INLINE V clampMin(V x, V lo) { return V(_mm512_max_##sfx(lo.raw, x.raw)); }            \
  /* NaN from either operand propagates. */                                                      \
  LOSSKIT_INLINE V max(V a, V b) {                                                               \
    return V(_mm512_mask_mov_##sfx(_mm512_max_##sfx(a.raw, b.raw),                               \
                                   _mm512_cmp_##sfx##_mask(a.raw, a.raw, _CMP_UNORD_Q), a.raw)); \
  }                                                                                              \
  LOSSKIT_INLINE V min(V a, V b) {                                                               \
    return V(_mm512_mask_mov_##sfx(_mm512_min_##sfx(a.raw, b.raw),                               \
                                   _mm512_cmp_##sfx##_mask(a.raw, a.raw, _CMP_UNORD_Q), a.raw)); \
  }                                                                                              \
  LOSSKIT_INLINE V mulAdd(V a, V b, V c) { return V(_mm512_fmadd_##sfx(a.raw, b.raw, c.raw)); }  \
  LOSSKIT_INLINE V sqrt(V a) { return V(_mm512_sqrt_##sfx(a.raw)); }

LOSSKIT_AVX512_VECTOR_OPS(VecF32x16, MaskF32x16, ps, float, epi32)
LOSSKIT_AVX512_VECTOR_OPS(VecF64x8, MaskF64x8, pd, double, epi64)

#undef LOSSKIT_AVX512_VECTOR_OPS

// ---- Conversions between float32 storage and double lanes -----------------------------------
// For the kernels that compute float32 data in double (native/kernels/softmax.h loadLanes /
// storeLanes / loadDoubles). The first argument is a type tag (never dereferenced) so that the
// generic code finds these by argument-dependent lookup.

// Eight floats widened to double (exact); the partial form reads only p[0, n), other lanes 0.
LOSSKIT_INLINE VecF64x8 widenLoad(const VecF64x8*, const float* p) {
  return VecF64x8(_mm512_cvtps_pd(_mm256_loadu_ps(p)));
}
LOSSKIT_INLINE VecF64x8 widenLoadPartial(const VecF64x8*, const float* p, size_t n) {
  return VecF64x8(_mm512_cvtps_pd(_mm256_maskz_loadu_ps(tailMask8(n), p)));
}
// Eight doubles rounded to float (once) and stored; the partial form writes only p[0, n).
LOSSKIT_INLINE void narrowStore(float* p, VecF64x8 v) { _mm256_storeu_ps(p, _mm512_cvtpd_ps(v.raw)); }
LOSSKIT_INLINE void narrowStorePartial(float* p, VecF64x8 v, size_t n) {
  _mm256_mask_storeu_ps(p, tailMask8(n), _mm512_cvtpd_ps(v.raw));
}
// Sixteen doubles rounded to float lanes; the partial form reads only p[0, n), other lanes 0.
LOSSKIT_INLINE VecF32x16 narrowLoad(const VecF32x16*, const double* p) {
  return VecF32x16::fromDoubles(_mm512_loadu_pd(p), _mm512_loadu_pd(p + 8));
}
LOSSKIT_INLINE VecF32x16 narrowLoadPartial(const VecF32x16*, const double* p, size_t n) {
  const __mmask16 mask = tailMask16(n);
  return VecF32x16::fromDoubles(_mm512_maskz_loadu_pd(static_cast<__mmask8>(mask), p),
                                _mm512_maskz_loadu_pd(static_cast<__mmask8>(mask >> 8), p + 8));
}

}  // namespace avx512
}  // namespace losskit
