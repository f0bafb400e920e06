// Thin AVX2 vector types for the kernels: VecF32x8 (__m256) and VecF64x4 (__m256d), with
// the operators and helpers of native/simd/scalar.h under the same names, so a loss written
// once as a template compiles for float, double and both vector widths.
//
// Only translation units under native/**/avx2/ include this header; they alone are compiled
// with -mavx2 -mfma, and they are only entered after dispatch.cpp has checked the CPU.
//
// Semantics that the losses rely on:
// - comparisons follow C++: <, <=, >, >=, == are false when either side is NaN, != is true;
// - max/min propagate a NaN from either operand; clampMin(x, lo) propagates a NaN x;
// - sign(x) is ±1, +0 for ±0, NaN for NaN;
// - mulAdd is a fused multiply-add;
// - Accumulator sums lanes in double; total() combines lanes in a fixed order.
#pragma once

#if !defined(__AVX2__) || (!defined(__FMA__) && !defined(_MSC_VER))
#error "native/simd/avx2/vec.h needs -mavx2 -mfma (set only on native/**/avx2/*.cpp)"
#endif

#include <immintrin.h>

#include <cstddef>

#include "../attributes.h"

namespace losskit {
namespace avx2 {

// Lanes [0, n) all ones, the rest zero; n in [0, 8] (resp. [0, 4]).
LOSSKIT_INLINE __m256i tailMaskEpi32(size_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
LOSSKIT_INLINE __m256i tailMaskEpi64(size_t n) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(n)),
                            _mm256_setr_epi64x(0, 1, 2, 3));
}

// Lanes (a, b, c, d) -> (a + c) + (b + d). The order is part of the numeric contract: do not
// change it without accepting new last bits in every AVX2 result.
LOSSKIT_INLINE double horizontalSum(__m256d v) {
  const __m128d pairs = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(pairs, _mm_unpackhi_pd(pairs, pairs)));
}

struct MaskF32x8 {
  __m256 raw;
};
struct MaskF64x4 {
  __m256d raw;
};

// ---- VecF64x4 -----------------------------------------------------------------------------

struct VecF64x4 {
  using Scalar = double;
  using Mask = MaskF64x4;
  static constexpr size_t kLanes = 4;

  __m256d raw;

  VecF64x4() = default;
  explicit VecF64x4(__m256d v) : raw(v) {}
  explicit VecF64x4(double s) : raw(_mm256_set1_pd(s)) {}

  static LOSSKIT_INLINE VecF64x4 load(const double* p) { return VecF64x4(_mm256_loadu_pd(p)); }
  // Reads only p[0, n) (masked lanes never fault); the other lanes are 0.
  static LOSSKIT_INLINE VecF64x4 loadPartial(const double* p, size_t n) {
    return VecF64x4(_mm256_maskload_pd(p, tailMaskEpi64(n)));
  }
  static LOSSKIT_INLINE void store(double* p, VecF64x4 v) { _mm256_storeu_pd(p, v.raw); }
  static LOSSKIT_INLINE void storePartial(double* p, VecF64x4 v, size_t n) {
    _mm256_maskstore_pd(p, tailMaskEpi64(n), v.raw);
  }
  static LOSSKIT_INLINE VecF64x4 zeroBeyond(VecF64x4 v, size_t n) {
    return VecF64x4(_mm256_and_pd(v.raw, _mm256_castsi256_pd(tailMaskEpi64(n))));
  }
  static LOSSKIT_INLINE void storeAsDouble(double* p, VecF64x4 v) { store(p, v); }
  // a * u + b * v (one fused rounding).
  static LOSSKIT_INLINE VecF64x4 scaledSum(double a, VecF64x4 u, double b, VecF64x4 v) {
    return VecF64x4(_mm256_fmadd_pd(_mm256_set1_pd(a), u.raw, _mm256_mul_pd(_mm256_set1_pd(b), v.raw)));
  }

  // Four double lanes.
  struct Accumulator {
    __m256d sum = _mm256_setzero_pd();
    LOSSKIT_INLINE void add(VecF64x4 v) { sum = _mm256_add_pd(sum, v.raw); }
    LOSSKIT_INLINE void addProduct(VecF64x4 a, VecF64x4 b) {
      sum = _mm256_fmadd_pd(a.raw, b.raw, sum);
    }
    LOSSKIT_INLINE void merge(const Accumulator& other) { sum = _mm256_add_pd(sum, other.sum); }
    LOSSKIT_INLINE double total() const { return horizontalSum(sum); }
  };
};

// ---- VecF32x8 -----------------------------------------------------------------------------

struct VecF32x8 {
  using Scalar = float;
  using Mask = MaskF32x8;
  static constexpr size_t kLanes = 8;

  __m256 raw;

  VecF32x8() = default;
  explicit VecF32x8(__m256 v) : raw(v) {}
  explicit VecF32x8(float s) : raw(_mm256_set1_ps(s)) {}

  static LOSSKIT_INLINE VecF32x8 load(const float* p) { return VecF32x8(_mm256_loadu_ps(p)); }
  // Reads only p[0, n) (masked lanes never fault); the other lanes are 0.
  static LOSSKIT_INLINE VecF32x8 loadPartial(const float* p, size_t n) {
    return VecF32x8(_mm256_maskload_ps(p, tailMaskEpi32(n)));
  }
  static LOSSKIT_INLINE void store(float* p, VecF32x8 v) { _mm256_storeu_ps(p, v.raw); }
  static LOSSKIT_INLINE void storePartial(float* p, VecF32x8 v, size_t n) {
    _mm256_maskstore_ps(p, tailMaskEpi32(n), v.raw);
  }
  static LOSSKIT_INLINE VecF32x8 zeroBeyond(VecF32x8 v, size_t n) {
    return VecF32x8(_mm256_and_ps(v.raw, _mm256_castsi256_ps(tailMaskEpi32(n))));
  }

  // Float -> double of lanes 0-3 and 4-7 (exact).
  static LOSSKIT_INLINE __m256d lowToDouble(VecF32x8 v) {
    return _mm256_cvtps_pd(_mm256_castps256_ps128(v.raw));
  }
  static LOSSKIT_INLINE __m256d highToDouble(VecF32x8 v) {
    return _mm256_cvtps_pd(_mm256_extractf128_ps(v.raw, 1));
  }
  static LOSSKIT_INLINE void storeAsDouble(double* p, VecF32x8 v) {
    _mm256_storeu_pd(p, lowToDouble(v));
    _mm256_storeu_pd(p + 4, highToDouble(v));
  }
  // a * u + b * v formed in double and rounded to float once (no cancellation in float).
  static LOSSKIT_INLINE VecF32x8 scaledSum(double a, VecF32x8 u, double b, VecF32x8 v) {
    const __m256d av = _mm256_set1_pd(a), bv = _mm256_set1_pd(b);
    const __m256d low = _mm256_fmadd_pd(av, lowToDouble(u), _mm256_mul_pd(bv, lowToDouble(v)));
    const __m256d high = _mm256_fmadd_pd(av, highToDouble(u), _mm256_mul_pd(bv, highToDouble(v)));
    return VecF32x8(_mm256_set_m128(_mm256_cvtpd_ps(high), _mm256_cvtpd_ps(low)));
  }

  // Eight lanes widened to double: lanes 0-3 in `low`, 4-7 in `high`;
  // total() = horizontalSum(low + high).
  struct Accumulator {
    __m256d low = _mm256_setzero_pd();
    __m256d high = _mm256_setzero_pd();
    LOSSKIT_INLINE void add(VecF32x8 v) {
      low = _mm256_add_pd(low, lowToDouble(v));
      high = _mm256_add_pd(high, highToDouble(v));
    }
    // a * b formed in double from the widened floats (exact product), fused into the sum.
    LOSSKIT_INLINE void addProduct(VecF32x8 a, VecF32x8 b) {
      low = _mm256_fmadd_pd(lowToDouble(a), lowToDouble(b), low);
      high = _mm256_fmadd_pd(highToDouble(a), highToDouble(b), high);
    }
    LOSSKIT_INLINE void merge(const Accumulator& other) {
      low = _mm256_add_pd(low, other.low);
      high = _mm256_add_pd(high, other.high);
    }
    LOSSKIT_INLINE double total() const { return horizontalSum(_mm256_add_pd(low, high)); }
  };
};

// ---- Operators and helpers, one set per width ------------------------------------------------
// Generated for (vector, mask, intrinsic suffix, scalar) to keep both widths identical.

#define LOSSKIT_AVX2_VECTOR_OPS(V, M, sfx, S)                                                    \
  LOSSKIT_INLINE V operator+(V a, V b) { return V(_mm256_add_##sfx(a.raw, b.raw)); }             \
  LOSSKIT_INLINE V operator-(V a, V b) { return V(_mm256_sub_##sfx(a.raw, b.raw)); }             \
  LOSSKIT_INLINE V operator*(V a, V b) { return V(_mm256_mul_##sfx(a.raw, b.raw)); }             \
  LOSSKIT_INLINE V operator/(V a, V b) { return V(_mm256_div_##sfx(a.raw, b.raw)); }             \
  LOSSKIT_INLINE V& operator+=(V& a, V b) { return a = a + b; }                                  \
  LOSSKIT_INLINE V& operator-=(V& a, V b) { return a = a - b; }                                  \
  LOSSKIT_INLINE V& operator*=(V& a, V b) { return a = a * b; }                                  \
  LOSSKIT_INLINE V operator-(V a) {                                                              \
    return V(_mm256_xor_##sfx(a.raw, _mm256_set1_##sfx(S(-0.0))));                               \
  }                                                                                              \
  LOSSKIT_INLINE M operator<(V a, V b) { return M{_mm256_cmp_##sfx(a.raw, b.raw, _CMP_LT_OQ)}; } \
  LOSSKIT_INLINE M operator<=(V a, V b) { return M{_mm256_cmp_##sfx(a.raw, b.raw, _CMP_LE_OQ)}; } \
  LOSSKIT_INLINE M operator>(V a, V b) { return M{_mm256_cmp_##sfx(a.raw, b.raw, _CMP_GT_OQ)}; } \
  LOSSKIT_INLINE M operator>=(V a, V b) { return M{_mm256_cmp_##sfx(a.raw, b.raw, _CMP_GE_OQ)}; } \
  LOSSKIT_INLINE M operator==(V a, V b) { return M{_mm256_cmp_##sfx(a.raw, b.raw, _CMP_EQ_OQ)}; } \
  LOSSKIT_INLINE M operator!=(V a, V b) {                                                        \
    return M{_mm256_cmp_##sfx(a.raw, b.raw, _CMP_NEQ_UQ)};                                       \
  }                                                                                              \
  LOSSKIT_INLINE M operator&(M a, M b) { return M{_mm256_and_##sfx(a.raw, b.raw)}; }             \
  LOSSKIT_INLINE M operator|(M a, M b) { return M{_mm256_or_##sfx(a.raw, b.raw)}; }              \
  /* mask ? a : b, lane by lane. */                                                              \
  LOSSKIT_INLINE V select(M mask, V a, V b) {                                                    \
    return V(_mm256_blendv_##sfx(b.raw, a.raw, mask.raw));                                       \
  }                                                                                              \
  LOSSKIT_INLINE M isNan(V a) { return M{_mm256_cmp_##sfx(a.raw, a.raw, _CMP_UNORD_Q)}; }        \
  LOSSKIT_INLINE V abs(V a) {                                                                    \
    return V(_mm256_andnot_##sfx(_mm256_set1_##sfx(S(-0.0)), a.raw));                            \
  }                                                                                              \
  LOSSKIT_INLINE V copysign(V mag, V sign) {                                                     \
    const auto signBit = _mm256_set1_##sfx(S(-0.0));                                             \
    return V(_mm256_or_##sfx(_mm256_andnot_##sfx(signBit, mag.raw),                              \
                             _mm256_and_##sfx(signBit, sign.raw)));                              \
  }                                                                                              \
  /* ±1 for nonzero lanes, +0 for ±0, NaN for NaN (x + 0 maps -0 to +0 and keeps NaN). */        \
  LOSSKIT_INLINE V sign(V x) {                                                                   \
    const auto zero = _mm256_setzero_##sfx();                                                    \
    const auto unit = _mm256_or_##sfx(_mm256_and_##sfx(x.raw, _mm256_set1_##sfx(S(-0.0))),       \
                                      _mm256_set1_##sfx(S(1.0)));                                \
    const auto nonzero = _mm256_cmp_##sfx(x.raw, zero, _CMP_NEQ_OQ);                             \
    return V(_mm256_blendv_##sfx(_mm256_add_##sfx(x.raw, zero), unit, nonzero));                 \
  }                                                                                              \
  /* max(x, lo) with lo never NaN: _mm256_max returns its second operand when either is NaN, */ \
  /* so a NaN x propagates. */                                                                   \
  LOSSKIT_INLINE V clampMin(V x, V lo) { return V(_mm256_max_##sfx(lo.raw, x.raw)); }            \
  /* NaN from either operand propagates. */                                                      \
  LOSSKIT_INLINE V max(V a, V b) {                                                               \
    return V(_mm256_blendv_##sfx(_mm256_max_##sfx(a.raw, b.raw), a.raw,                          \
                                 _mm256_cmp_##sfx(a.raw, a.raw, _CMP_UNORD_Q)));                 \
  }                                                                                              \
  LOSSKIT_INLINE V min(V a, V b) {                                                               \
    return V(_mm256_blendv_##sfx(_mm256_min_##sfx(a.raw, b.raw), a.raw,                          \
                                 _mm256_cmp_##sfx(a.raw, a.raw, _CMP_UNORD_Q)));                 \
  }                                                                                              \
  LOSSKIT_INLINE V mulAdd(V a, V b, V c) { return V(_mm256_fmadd_##sfx(a.raw, b.raw, c.raw)); }  \
  LOSSKIT_INLINE V sqrt(V a) { return V(_mm256_sqrt_##sfx(a.raw)); }

LOSSKIT_AVX2_VECTOR_OPS(VecF32x8, MaskF32x8, ps, float)
LOSSKIT_AVX2_VECTOR_OPS(VecF64x4, MaskF64x4, pd, double)

#undef LOSSKIT_AVX2_VECTOR_OPS

// ---- Conversions between float32 storage and double lanes -----------------------------------
// For the kernels that compute float32 data in double (native/kernels/softmax.h loadLanes /
// storeLanes / loadDoubles). The first argument is a type tag (never dereferenced) so that the
// generic code finds these by argument-dependent lookup.

LOSSKIT_INLINE __m128i tailMaskEpi32x4(size_t n) {
  return _mm_cmpgt_epi32(_mm_set1_epi32(static_cast<int>(n)), _mm_setr_epi32(0, 1, 2, 3));
}

// Four floats widened to double (exact); the partial form reads only p[0, n), other lanes 0.
LOSSKIT_INLINE VecF64x4 widenLoad(const VecF64x4*, const float* p) {
  return VecF64x4(_mm256_cvtps_pd(_mm_loadu_ps(p)));
}
LOSSKIT_INLINE VecF64x4 widenLoadPartial(const VecF64x4*, const float* p, size_t n) {
  return VecF64x4(_mm256_cvtps_pd(_mm_maskload_ps(p, tailMaskEpi32x4(n))));
}
// Four doubles rounded to float (once) and stored; the partial form writes only p[0, n).
LOSSKIT_INLINE void narrowStore(float* p, VecF64x4 v) { _mm_storeu_ps(p, _mm256_cvtpd_ps(v.raw)); }
LOSSKIT_INLINE void narrowStorePartial(float* p, VecF64x4 v, size_t n) {
  _mm_maskstore_ps(p, tailMaskEpi32x4(n), _mm256_cvtpd_ps(v.raw));
}
// Eight doubles rounded to float lanes; the partial form reads only p[0, n), other lanes 0.
LOSSKIT_INLINE VecF32x8 narrowLoad(const VecF32x8*, const double* p) {
  return VecF32x8(_mm256_set_m128(_mm256_cvtpd_ps(_mm256_loadu_pd(p + 4)),
                                  _mm256_cvtpd_ps(_mm256_loadu_pd(p))));
}
LOSSKIT_INLINE VecF32x8 narrowLoadPartial(const VecF32x8*, const double* p, size_t n) {
  const __m256d low = _mm256_maskload_pd(p, tailMaskEpi64(n < 4 ? n : 4));
  const __m256d high = n > 4 ? _mm256_maskload_pd(p + 4, tailMaskEpi64(n - 4)) : _mm256_setzero_pd();
  return VecF32x8(_mm256_set_m128(_mm256_cvtpd_ps(high), _mm256_cvtpd_ps(low)));
}

}  // namespace avx2
}  // namespace losskit
