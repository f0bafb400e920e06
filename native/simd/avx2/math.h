// Vector exp / log / log1p for AVX2 + FMA, float32 x 8 and float64 x 4.
//
// Include this header ONLY from translation units compiled with -mavx2 -mfma. Everything lives
// in losskit::avx2 (never a namespace shared with the portable build), so an out-of-line copy
// of an inline function compiled for AVX2 can never be picked by the linker for scalar code.
//
// Design (the SLEEF / Cephes / fdlibm recipe, restated for 256-bit lanes):
//   exp: k = round(x / ln2), r = x - k*ln2 with ln2 split hi + lo (Cody-Waite, fused), a
//        minimax polynomial for e^r on |r| <= ln2/2, then 2^k built from exponent bits and
//        applied in two halves so that gradual underflow and overflow round exactly once.
//   log: x = 2^e * m with m in [sqrt(1/2), sqrt(2)) taken straight from the bits; log(m) from a
//        polynomial in f = m - 1; e*ln2 added last in two pieces.
//   log1p: u = 1 + x, then log(u) with the rounding error of 1 + x folded back into f.
// The common path has no branches; special values are patched with compares and blends.
// No libm call appears anywhere below.
//
// Accuracy figures in the contracts below are the worst cases found by
// native/tools/math_sweep.cpp (every float32; ~10^7 float64 per function against long double
// libm) and by test/vector-math.test.ts (against V8's Math.* rounded to the dtype).
#ifndef LOSSKIT_NATIVE_SIMD_AVX2_MATH_H_
#define LOSSKIT_NATIVE_SIMD_AVX2_MATH_H_

#include "../attributes.h"

#if !defined(__AVX2__) || !LOSSKIT_HAVE_FMA
#error "native/simd/avx2/math.h needs -mavx2 -mfma; include it only from the AVX2 translation units"
#endif

#include <immintrin.h>

#include <cstdint>

namespace losskit {
namespace avx2 {

// Inlining is forced: these sit inside kernels' inner loops, and a call would spill the ymm
// constants on every iteration.
#define LOSSKIT_AVX2_MATH_INLINE LOSSKIT_STATIC_INLINE

namespace math_detail {

LOSSKIT_AVX2_MATH_INLINE __m256 bits_ps(std::int32_t bits) {
  return _mm256_castsi256_ps(_mm256_set1_epi32(bits));
}
LOSSKIT_AVX2_MATH_INLINE __m256d bits_pd(std::int64_t bits) {
  return _mm256_castsi256_pd(_mm256_set1_epi64x(bits));
}

// Bit patterns of sqrt(1/2): subtracting them from x's bits moves the exponent boundary from
// 1.0 to sqrt(1/2), so the mantissa lands in [sqrt(1/2), sqrt(2)) without a compare.
constexpr std::int32_t kSqrtHalfBitsF32 = 0x3f3504f3;
constexpr std::int64_t kSqrtHalfBitsF64 = 0x3fe6a09e667f3bcdLL;

// Long polynomials are evaluated with Estrin's scheme (pairs, then powers x^2, x^4, x^8): loops
// around these functions are mostly bound by the dependency chain (measured on Zen 4), and
// Estrin halves its depth for a multiply or two more on the FMA ports.

// log(2^e * (1 + f)) for f in [sqrt(1/2) - 1, sqrt(2) - 1), e integral, |e| <= 2^8.
// `lo` carries the small terms the caller adds: e * ln2_lo, plus log1p's rounding correction.
// Cephes logf: log(1+f) = f - f^2/2 + f^3 * P(f), P of degree 8 (S. Moshier,
// cephes/single/logf.c); ln2 = 0.693359375 - 2.12194440e-4 so e * 0.693359375 is exact.
constexpr float kLn2HiF32 = 0.693359375f;
constexpr float kLn2LoF32 = -2.12194440e-4f;

LOSSKIT_AVX2_MATH_INLINE __m256 log_reduced_ps(__m256 f, __m256 e, __m256 lo) {
  const __m256 f2 = _mm256_mul_ps(f, f);
  const __m256 f4 = _mm256_mul_ps(f2, f2);
  const __m256 p01 = _mm256_fmadd_ps(_mm256_set1_ps(-2.4999993993e-1f), f, _mm256_set1_ps(3.3333331174e-1f));
  const __m256 p23 = _mm256_fmadd_ps(_mm256_set1_ps(-1.6668057665e-1f), f, _mm256_set1_ps(2.0000714765e-1f));
  const __m256 p45 = _mm256_fmadd_ps(_mm256_set1_ps(-1.2420140846e-1f), f, _mm256_set1_ps(1.4249322787e-1f));
  const __m256 p78 = _mm256_fmadd_ps(_mm256_set1_ps(7.0376836292e-2f), f, _mm256_set1_ps(-1.1514610310e-1f));
  const __m256 p68 = _mm256_fmadd_ps(p78, f, _mm256_set1_ps(1.1676998740e-1f));
  const __m256 p03 = _mm256_fmadd_ps(p23, f2, p01);
  const __m256 p48 = _mm256_fmadd_ps(p68, f2, p45);
  const __m256 p = _mm256_fmadd_ps(p48, f4, p03);
  // f - f^2/2 + f^3 P = f + f^2 (f P - 1/2); the small terms meet first, f and the large
  // e*ln2_hi last, so their rounding errors stay small.
  const __m256 y = _mm256_fmadd_ps(f2, _mm256_fmsub_ps(f, p, _mm256_set1_ps(0.5f)), lo);
  return _mm256_fmadd_ps(e, _mm256_set1_ps(kLn2HiF32), _mm256_add_ps(f, y));
}

// log(2^e * (1 + f)) for f in [sqrt(1/2) - 1, sqrt(2) - 1), e integral; `lo` as above.
// fdlibm e_log.c: s = f / (2 + f), log(1+f) = f - hfsq + s * (hfsq + R(s^2)),
// Lg1..Lg7 the Remez coefficients of R (|error| < 2^-58.45); ln2_hi has 32 trailing zero bits
// so e * ln2_hi is exact for every exponent.
constexpr double kLn2HiF64 = 6.93147180369123816490e-01;
constexpr double kLn2LoF64 = 1.90821492927058770002e-10;

LOSSKIT_AVX2_MATH_INLINE __m256d log_reduced_pd(__m256d f, __m256d e, __m256d lo) {
  const __m256d s = _mm256_div_pd(f, _mm256_add_pd(_mm256_set1_pd(2.0), f));
  const __m256d z = _mm256_mul_pd(s, s);
  const __m256d w = _mm256_mul_pd(z, z);
  // fdlibm's even/odd split: two short chains in w = s^4.
  __m256d t1 = _mm256_fmadd_pd(w, _mm256_set1_pd(1.531383769920937332e-01), _mm256_set1_pd(2.222219843214978396e-01));
  t1 = _mm256_fmadd_pd(w, t1, _mm256_set1_pd(3.999999999940941908e-01));
  t1 = _mm256_mul_pd(w, t1);
  __m256d t2 = _mm256_fmadd_pd(w, _mm256_set1_pd(1.479819860511658591e-01), _mm256_set1_pd(1.818357216161805012e-01));
  t2 = _mm256_fmadd_pd(w, t2, _mm256_set1_pd(2.857142874366239149e-01));
  t2 = _mm256_fmadd_pd(w, t2, _mm256_set1_pd(6.666666666666735130e-01));
  const __m256d R = _mm256_fmadd_pd(z, t2, t1);
  const __m256d hfsq = _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), f), f);
  const __m256d tail = _mm256_fmadd_pd(s, _mm256_add_pd(hfsq, R), lo);
  // e*ln2_hi - ((hfsq - tail) - f), the order fdlibm uses to keep f's bits.
  return _mm256_fmsub_pd(e, _mm256_set1_pd(kLn2HiF64), _mm256_sub_pd(_mm256_sub_pd(hfsq, tail), f));
}

}  // namespace math_detail

// ---------------------------------------------------------------------------------------------
// exp_ps: e^x, 8 x float32.
// Max error: 0.99 ulp from the exact value over all 2^32 inputs (native/tools/math_sweep.cpp);
//   1 ulp from Math.fround(Math.exp(x)), asserted by test/vector-math.test.ts.
// Valid range: all floats. Results below FLT_MIN are gradual-underflow denormals rounded once
//   (no flush to zero); x > 88.7228 gives +inf, x < -103.973 gives +0.
// Specials: exp(NaN) = NaN, exp(+inf) = +inf, exp(-inf) = +0, exp(+-0) = 1.
// Source: SLEEF xexpf (coefficients and ln2 split; Naoki Shibata, Boost license).
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX2_MATH_INLINE __m256 exp_ps(__m256 x) {
  // 1.5 * 2^23: adding it rounds to an integer and leaves that integer in the low mantissa bits.
  const __m256 shifter = _mm256_set1_ps(0x1.8p23f);
  // MINPS/MAXPS return the second operand when either is NaN, so x goes second: NaN survives
  // (and then poisons r, hence the result). +-110 is past both overflow and total underflow
  // and keeps 2^(k/2) a normal float.
  x = _mm256_max_ps(_mm256_set1_ps(-110.0f), _mm256_min_ps(_mm256_set1_ps(110.0f), x));
  const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), shifter);
  const __m256 k = _mm256_sub_ps(t, shifter);
  // r = x - k*ln2; with FMA the hi step is exact, the lo step rounds once.
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693145751953125f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.428606765330187045e-06f), r);
  // e^r = 1 + r + r^2 * p(r), p of degree 5. Horner here, not Estrin: one multiply fewer on
  // the FMA ports and 0.99 instead of 1.03 ulp (the chain is short enough either way).
  __m256 p = _mm256_set1_ps(0.000198527617612853646278381f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.00139304355252534151077271f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.00833336077630519866943359f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.0416664853692054748535156f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.166666671633720397949219f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  const __m256 r2 = _mm256_mul_ps(r, r);
  const __m256 em1 = _mm256_fmadd_ps(r2, p, r);  // e^r - 1
  // 2^k as 2^floor(k/2) * 2^ceil(k/2): each half is a normal float, so results in the denormal
  // range round once (in the last multiply) and overflow comes out as +inf.
  // t's bits are 0x4b400000 + k; a logical shift halves k (floor) and keeps the offset even.
  const __m256i t_bits = _mm256_castps_si256(t);
  const __m256i half_lo = _mm256_srli_epi32(t_bits, 1);
  const __m256i half_hi = _mm256_sub_epi32(t_bits, half_lo);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 scale_lo = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half_lo, bias), 23));
  const __m256 scale_hi = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half_hi, bias), 23));
  // (em1 + 1) * scale_lo in one FMA: exact scaling by a power of two, one rounding as before.
  return _mm256_mul_ps(_mm256_fmadd_ps(em1, scale_lo, scale_lo), scale_hi);
}

// ---------------------------------------------------------------------------------------------
// exp_nonpositive_ps: e^x for x <= 0, 8 x float32 (the softmax exp(x - max) and the logistic
//   exp(-|x|)): exp_ps without the overflow side. For any x it is e^-|x|: the sign bit is set
//   first, so the logistic passes its logit as it is (binary.h).
// Max error: 0.99 ulp from the exact value over every float32 x <= 0 (math_sweep.cpp);
//   1 ulp from Math.fround(Math.exp(x)), asserted by test/vector-math.test.ts; x > 0 gives
//   the bits of -x.
// Valid range: every float (x > 0 as -x). Results below FLT_MIN are gradual-underflow
//   denormals rounded once; |x| > 103.973 gives +0.
// Specials: exp(NaN) = NaN, exp(+-inf) = +0, exp(+-0) = 1.
// Why it is cheaper: with k <= 0, 2^(k+64) is always a normal float, so 2^k is that (one
//   integer add and shift from k) times the constant 2^-64, which rounds denormal results
//   once and is exact otherwise (exp_ps needs two halves of 2^k for its overflow side).
// Source: exp_ps (SLEEF xexpf polynomial).
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX2_MATH_INLINE __m256 exp_nonpositive_ps(__m256 x) {
  const __m256 shifter = _mm256_set1_ps(0x1.8p23f);
  // -|x| (an OR of the sign bit, x itself for x <= 0), then NaN as the second operand survives
  // MAXPS. -110 is past total underflow; k >= -159.
  x = _mm256_max_ps(_mm256_set1_ps(-110.0f), _mm256_or_ps(x, _mm256_set1_ps(-0.0f)));
  const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), shifter);
  const __m256 k = _mm256_sub_ps(t, shifter);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693145751953125f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.428606765330187045e-06f), r);
  // The three smallest terms in one Estrin step (r^2 is needed anyway), the rest Horner: one
  // FMA shorter a chain than exp_ps, with its 0.98 ulp (full Estrin gives 1.03).
  const __m256 r2 = _mm256_mul_ps(r, r);
  const __m256 p35 = _mm256_fmadd_ps(_mm256_set1_ps(0.000198527617612853646278381f), r2,
                                     _mm256_fmadd_ps(_mm256_set1_ps(0.00139304355252534151077271f), r, _mm256_set1_ps(0.00833336077630519866943359f)));
  __m256 p = _mm256_fmadd_ps(p35, r, _mm256_set1_ps(0.0416664853692054748535156f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.166666671633720397949219f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  const __m256 em1 = _mm256_fmadd_ps(r2, p, r);  // e^r - 1
  // t's bits are 0x4b400000 + k; the shift drops the 0x4b400000 (no bits below bit 22).
  const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127 + 64)), 23));
  return _mm256_mul_ps(_mm256_fmadd_ps(em1, scale, scale), _mm256_set1_ps(0x1p-64f));
}

// ---------------------------------------------------------------------------------------------
// exp_pd: e^x, 4 x float64.
// Max error: 0.995 ulp from expl over ~9*10^6 inputs incl. the thresholds (math_sweep.cpp);
//   1.026 ulp at x = -371.166849 in math_sweep's 10^7 samples of x <= 0 (exp_nonpositive_pd);
//   1 ulp from Math.exp (test/vector-math.test.ts asserts <= 2: V8's own error adds up to 1).
// Valid range: all doubles. Denormal results are rounded once (no flush to zero);
//   x > 709.7827 gives +inf, x < -745.134 gives +0.
// Specials: exp(NaN) = NaN, exp(+inf) = +inf, exp(-inf) = +0, exp(+-0) = 1.
// Source: SLEEF xexp (degree-11 minimax polynomial, ln2 split L2U/L2L).
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX2_MATH_INLINE __m256d exp_pd(__m256d x) {
  // 1.5 * 2^52, the same round-to-integer trick as exp_ps.
  const __m256d shifter = _mm256_set1_pd(0x1.8p52);
  // NaN as second operand passes MIN/MAX. +-750 keeps 2^(k/2) normal (|k| <= 1083).
  x = _mm256_max_pd(_mm256_set1_pd(-750.0), _mm256_min_pd(_mm256_set1_pd(750.0), x));
  const __m256d t = _mm256_fmadd_pd(x, _mm256_set1_pd(1.442695040888963407359924681001892137), shifter);
  const __m256d k = _mm256_sub_pd(t, shifter);
  __m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(.69314718055966295651160180568695068359375), x);
  r = _mm256_fnmadd_pd(k, _mm256_set1_pd(.28235290563031577122588448175013436025525412068e-12), r);
  // e^r = 1 + r + r^2 * p(r), p of degree 10.
  const __m256d r2 = _mm256_mul_pd(r, r);
  const __m256d r4 = _mm256_mul_pd(r2, r2);
  const __m256d r8 = _mm256_mul_pd(r4, r4);
  const __m256d p01 = _mm256_fmadd_pd(_mm256_set1_pd(0.166666666666666851703837), r, _mm256_set1_pd(0.5));
  const __m256d p23 = _mm256_fmadd_pd(_mm256_set1_pd(0.00833333333331652721664984), r, _mm256_set1_pd(0.0416666666666665047591422));
  const __m256d p45 = _mm256_fmadd_pd(_mm256_set1_pd(0.000198412698960509205564975), r, _mm256_set1_pd(0.00138888888889774492207962));
  const __m256d p67 = _mm256_fmadd_pd(_mm256_set1_pd(2.75572362911928827629423e-06), r, _mm256_set1_pd(2.4801587159235472998791e-05));
  const __m256d p89 = _mm256_fmadd_pd(_mm256_set1_pd(2.51112930892876518610661e-08), r, _mm256_set1_pd(2.75573911234900471893338e-07));
  const __m256d p03 = _mm256_fmadd_pd(p23, r2, p01);
  const __m256d p47 = _mm256_fmadd_pd(p67, r2, p45);
  const __m256d p8x = _mm256_fmadd_pd(_mm256_set1_pd(2.08860621107283687536341e-09), r2, p89);
  const __m256d p = _mm256_fmadd_pd(p8x, r8, _mm256_fmadd_pd(p47, r4, p03));
  const __m256d em1 = _mm256_fmadd_pd(r2, p, r);  // e^r - 1
  // t's bits are 0x4338000000000000 + k (AVX2 has no 64-bit arithmetic shift, so the offset
  // does the sign work): halves, plus the 1023 bias, shifted into the exponent field.
  const __m256i t_bits = _mm256_castpd_si256(t);
  const __m256i half_lo = _mm256_srli_epi64(t_bits, 1);
  const __m256i half_hi = _mm256_sub_epi64(t_bits, half_lo);
  const __m256i bias = _mm256_set1_epi64x(1023);
  const __m256d scale_lo = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(half_lo, bias), 52));
  const __m256d scale_hi = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(half_hi, bias), 52));
  return _mm256_mul_pd(_mm256_fmadd_pd(em1, scale_lo, scale_lo), scale_hi);
}

// exp_nonpositive_pd: e^x for x <= 0, 4 x float64: exp_pd (avx512 exp_nonpositive_pd's 16-entry
// table has no one-instruction lookup in AVX2); vec_math.h and math_sweep.cpp call it by this name.
LOSSKIT_AVX2_MATH_INLINE __m256d exp_nonpositive_pd(__m256d x) { return exp_pd(x); }

// ---------------------------------------------------------------------------------------------
// log_ps: natural logarithm, 8 x float32.
// Max error: 0.86 ulp from the exact value over all 2^32 inputs (native/tools/math_sweep.cpp);
//   1 ulp from Math.fround(Math.log(x)), asserted by test/vector-math.test.ts.
// Valid range: all floats; denormal inputs are scaled by 2^25 first, so they are as accurate.
// Specials: log(+-0) = -inf, log(x < 0) = NaN, log(-inf) = NaN, log(+inf) = +inf,
//   log(NaN) = NaN, log(1) = +0 exactly.
// Source: Cephes logf (S. Moshier) polynomial; mantissa split at sqrt(1/2) via the bits.
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX2_MATH_INLINE __m256 log_ps(__m256 x) {
  using namespace math_detail;
  // Denormals (and 0 / negatives, patched below) are scaled by 2^25 into the normal range.
  const __m256 tiny = _mm256_cmp_ps(x, bits_ps(0x00800000), _CMP_LT_OQ);
  const __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(0x1p25f)), tiny);
  const __m256i x_bits = _mm256_castps_si256(xs);
  // e = floor(log2(x / sqrt(1/2))); m = x / 2^e lands in [sqrt(1/2), sqrt(2)).
  __m256i e = _mm256_srai_epi32(_mm256_sub_epi32(x_bits, _mm256_set1_epi32(kSqrtHalfBitsF32)), 23);
  const __m256 m = _mm256_castsi256_ps(_mm256_sub_epi32(x_bits, _mm256_slli_epi32(e, 23)));
  e = _mm256_sub_epi32(e, _mm256_and_si256(_mm256_castps_si256(tiny), _mm256_set1_epi32(25)));
  const __m256 ef = _mm256_cvtepi32_ps(e);
  __m256 r = log_reduced_ps(_mm256_sub_ps(m, _mm256_set1_ps(1.0f)), ef, _mm256_mul_ps(ef, _mm256_set1_ps(kLn2LoF32)));
  r = _mm256_blendv_ps(r, bits_ps(static_cast<std::int32_t>(0xff800000u)), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
  r = _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, bits_ps(0x7f800000), _CMP_EQ_OQ));  // +inf
  // x < 0 or NaN: the all-ones mask is itself a NaN, and an OR is cheaper than a blend.
  return _mm256_or_ps(r, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NGE_UQ));
}

// ---------------------------------------------------------------------------------------------
// log_positive_ps: natural logarithm of a positive normal float, 8 x float32 (clipped
//   probabilities: log(clip(p, 1e-7, 1 - 1e-7))).
// Max error: 0.86 ulp from the exact value over every float32 in [FLT_MIN, FLT_MAX]
//   (math_sweep.cpp): log_ps's arithmetic, bit for bit, on this domain.
// Valid range: [FLT_MIN, FLT_MAX] and NaN (NaN gives NaN; 0, denormals, negatives and +inf
//   give garbage).
// Why it is cheaper: no denormal pre-scaling and no patches for 0, negatives and +inf; only
//   NaN is forced through (its bits would otherwise decode as a finite number).
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX2_MATH_INLINE __m256 log_positive_ps(__m256 x) {
  using namespace math_detail;
  const __m256i x_bits = _mm256_castps_si256(x);
  const __m256i e = _mm256_srai_epi32(_mm256_sub_epi32(x_bits, _mm256_set1_epi32(kSqrtHalfBitsF32)), 23);
  const __m256 m = _mm256_castsi256_ps(_mm256_sub_epi32(x_bits, _mm256_slli_epi32(e, 23)));
  const __m256 ef = _mm256_cvtepi32_ps(e);
  const __m256 r = log_reduced_ps(_mm256_sub_ps(m, _mm256_set1_ps(1.0f)), ef, _mm256_mul_ps(ef, _mm256_set1_ps(kLn2LoF32)));
  return _mm256_or_ps(r, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));  // NaN: the all-ones mask is one
}

// ---------------------------------------------------------------------------------------------
// log_pd: natural logarithm, 4 x float64.
// Max error: 0.75 ulp from logl over ~10^7 inputs incl. denormals (math_sweep.cpp);
//   1 ulp from Math.log (test/vector-math.test.ts asserts <= 2: V8's own error adds up to 1).
// Valid range: all doubles; denormal inputs are scaled by 2^54 first.
// Specials: log(+-0) = -inf, log(x < 0) = NaN, log(-inf) = NaN, log(+inf) = +inf,
//   log(NaN) = NaN, log(1) = +0 exactly.
// Source: fdlibm e_log.c (Sun Microsystems) Lg1..Lg7 and ln2 split.
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX2_MATH_INLINE __m256d log_pd(__m256d x) {
  using namespace math_detail;
  const __m256d tiny = _mm256_cmp_pd(x, bits_pd(0x0010000000000000LL), _CMP_LT_OQ);
  const __m256d xs = _mm256_blendv_pd(x, _mm256_mul_pd(x, _mm256_set1_pd(0x1p54)), tiny);
  // Adding 1.0's bits minus sqrt(1/2)'s leaves e + 1023 in the exponent field, where
  // e = floor(log2(x / sqrt(1/2))) (no 64-bit arithmetic shift needed), and the mantissa
  // field plus sqrt(1/2)'s bits is m = x / 2^e in [sqrt(1/2), sqrt(2)).
  const __m256i shifted = _mm256_add_epi64(_mm256_castpd_si256(xs), _mm256_set1_epi64x(0x3ff0000000000000LL - kSqrtHalfBitsF64));
  const __m256d m = _mm256_castsi256_pd(_mm256_add_epi64(
      _mm256_and_si256(shifted, _mm256_set1_epi64x(0x000fffffffffffffLL)), _mm256_set1_epi64x(kSqrtHalfBitsF64)));
  // e + 1023 (11 bits) OR 2^52's bits is the double 2^52 + e + 1023: int64 -> double in two ops.
  const __m256i e_biased = _mm256_srli_epi64(shifted, 52);
  __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(e_biased, _mm256_set1_epi64x(0x4330000000000000LL))),
                            _mm256_set1_pd(0x1p52 + 1023.0));
  e = _mm256_sub_pd(e, _mm256_and_pd(tiny, _mm256_set1_pd(54.0)));
  __m256d r = log_reduced_pd(_mm256_sub_pd(m, _mm256_set1_pd(1.0)), e, _mm256_mul_pd(e, _mm256_set1_pd(kLn2LoF64)));
  r = _mm256_blendv_pd(r, bits_pd(static_cast<std::int64_t>(0xfff0000000000000ULL)), _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_EQ_OQ));
  r = _mm256_blendv_pd(r, bits_pd(0x7ff8000000000000LL), _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ));
  return _mm256_blendv_pd(r, x, _mm256_cmp_pd(x, bits_pd(0x7ff0000000000000LL), _CMP_NLT_UQ));
}

namespace math_detail {

// log(1 + x) before any special-value patch: the arithmetic log1p_ps and its restricted forms
// share (a NaN x reaches the result through the rounding error c).
LOSSKIT_AVX2_MATH_INLINE __m256 log1p_core_ps(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 u = _mm256_add_ps(one, x);
  // The rounding error of 1 + x: exact while u < 2^24; above that its error is < 2^-24 of a
  // result >= 16.6, i.e. invisible.
  const __m256 c = _mm256_sub_ps(x, _mm256_sub_ps(u, one));
  const __m256i u_bits = _mm256_castps_si256(u);
  // u >= 2^-24 whenever x > -1, so u is never denormal and needs no pre-scaling.
  const __m256i e = _mm256_srai_epi32(_mm256_sub_epi32(u_bits, _mm256_set1_epi32(kSqrtHalfBitsF32)), 23);
  const __m256 m = _mm256_castsi256_ps(_mm256_sub_epi32(u_bits, _mm256_slli_epi32(e, 23)));
  // 1 + x = 2^e * (m + c * 2^-e), 2^-e from bits. e is capped at 127, where the bits give 0
  // rather than 2^-127; harmless, as c is 0 for any u that large.
  const __m256 c_scaled = _mm256_mul_ps(c, _mm256_castsi256_ps(_mm256_slli_epi32(
      _mm256_sub_epi32(_mm256_set1_epi32(127), _mm256_min_epi32(e, _mm256_set1_epi32(127))), 23)));
  // f = m - 1 + c_scaled, rounded (exactly x when e == 0), and its rounding error f_err
  // (Fast2Sum: |m - 1| >= |c_scaled| whenever c_scaled != 0), which enters as
  // log(1 + f + f_err) = log(1 + f) + f_err / m; an 11-bit 1/m is plenty for a term that small.
  const __m256 m_minus_one = _mm256_sub_ps(m, one);
  const __m256 f = _mm256_add_ps(m_minus_one, c_scaled);
  const __m256 f_err = _mm256_add_ps(_mm256_sub_ps(m_minus_one, f), c_scaled);
  const __m256 ef = _mm256_cvtepi32_ps(e);
  const __m256 lo = _mm256_fmadd_ps(f_err, _mm256_rcp_ps(m), _mm256_mul_ps(ef, _mm256_set1_ps(kLn2LoF32)));
  return log_reduced_ps(f, ef, lo);
}

}  // namespace math_detail

// ---------------------------------------------------------------------------------------------
// log1p_ps: log(1 + x), 8 x float32, accurate for tiny x (log1p(1e-20) = 1e-20).
// Max error: 0.88 ulp from the exact value over all 2^32 inputs (native/tools/math_sweep.cpp);
//   1 ulp from Math.fround(Math.log1p(x)), asserted by test/vector-math.test.ts.
// Valid range: all floats.
// Specials: log1p(-1) = -inf, log1p(x < -1) = NaN, log1p(-inf) = NaN, log1p(+inf) = +inf,
//   log1p(NaN) = NaN, log1p(+-0) = +-0.
// Source: log_ps's Cephes core; the rounding error of 1 + x is carried along as in fdlibm
//   s_log1p.c (there as c/u; here split into f and a low part, without a division).
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX2_MATH_INLINE __m256 log1p_ps(__m256 x) {
  using namespace math_detail;
  __m256 r = log1p_core_ps(x);
  const __m256 minus_one = _mm256_set1_ps(-1.0f);
  r = _mm256_blendv_ps(r, bits_ps(static_cast<std::int32_t>(0xff800000u)), _mm256_cmp_ps(x, minus_one, _CMP_EQ_OQ));
  r = _mm256_blendv_ps(r, bits_ps(0x7fc00000), _mm256_cmp_ps(x, minus_one, _CMP_LT_OQ));
  // x itself for +inf, NaN and +-0 (the sums above would turn -0 into +0).
  const __m256 passthrough = _mm256_or_ps(_mm256_cmp_ps(x, bits_ps(0x7f800000), _CMP_NLT_UQ),
                                          _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
  return _mm256_blendv_ps(r, x, passthrough);
}

// ---------------------------------------------------------------------------------------------
// log1p_unit_ps: log(1 + x) for x in [0, 1], 8 x float32 (softplus: log1p(exp(-|x|))).
// Max error: 0.816 ulp from the exact value over every float32 in [0, 1] (math_sweep.cpp), at
//   x = 0.0719 (the low end of interval 1); 0.15% of them not correctly rounded (0.813 ulp and
//   0.23% for the polynomial over [-1/4, 1/2) this replaced);
//   1 ulp from Math.fround(Math.log1p(x)), asserted by test/vector-math.test.ts.
// Valid range: [0, 1] and NaN (NaN gives NaN; anything else outside gives garbage).
// Specials: log1p(+0) = +0, log1p(NaN) = NaN (log1p(-0) = +0, not -0).
// Method: avx512 log1p_unit_ps's table reduction with 8 entries, the most one VPERMPS looks up:
//   j = round(7 x) (the low three bits of x * 7 + 1.5 * 2^23), r = fma(x, inv_j, inv_j - 1)
//   rounded once, |r| <= 1/14 (inv_0 = 1: r = x exactly); log(1 + x) = L_j + log1p(r), L_j =
//   L_hi + L_lo (native/tools/log1p_unit_table.py 7). log1p(r) = r + r^2 p(r), p of degree 4
//   fitted to r in [-1/16, 1/14] (native/tools/log1p_unit_polynomial.py: minimax relative to
//   r, float32 coefficients rounded one at a time, the rest refitted): 2^-30.7 of r. L_hi + r is
//   summed exactly (Fast2Sum) and the rest joins its error term, as on AVX-512. 17 vector
//   operations where the polynomial over [-1/4, 1/2) it replaced took 20: one thread, value +
//   grad, 16M / 65536 elements (bench/compare-builds.mjs --isa=avx2), BCE from logits 0.96x /
//   0.94x the time, with posWeight 0.94x / 0.96x, binary focal 0.97x / 0.96x, log_cosh 0.96x /
//   0.94x.
// ---------------------------------------------------------------------------------------------
namespace math_detail {
  alignas(64) inline constexpr float kLog1pUnitInverseMinusOne[8] = {
      0.0f, -0x1p-3f, -0x1.c71c7p-3f, -0x1.333334p-2f,
      -0x1.745d18p-2f, -0x1.aaaaacp-2f, -0x1.d89d88p-2f, -0x1p-1f,
  };
  alignas(64) inline constexpr float kLog1pUnitLogHigh[8] = {
      0.0f, 0x1.1178e8p-3f, 0x1.01589p-2f, 0x1.6d3c34p-2f,
      0x1.ced532p-2f, 0x1.13f75ap-1f, 0x1.3cf2b4p-1f, 0x1.62e43p-1f,
  };
  alignas(64) inline constexpr float kLog1pUnitLogLow[8] = {
      0.0f, 0x1.13f23ep-30f, 0x1.4ab14cp-27f, -0x1.1ab384p-27f,
      -0x1.50d14ep-27f, 0x1.265d3cp-26f, -0x1.618748p-26f, -0x1.05c61p-29f,
  };
}  // namespace math_detail

LOSSKIT_AVX2_MATH_INLINE __m256 log1p_unit_ps(__m256 x) {
  using namespace math_detail;
  // VPERMPS reads the low three bits of each index: round(7 x), in [0, 7] for x in [0, 1]. A NaN
  // x gives some entry and a NaN r, which reaches the result.
  const __m256i index = _mm256_castps_si256(_mm256_fmadd_ps(x, _mm256_set1_ps(7.0f), _mm256_set1_ps(0x1.8p23f)));
  const __m256 inv_minus_one = _mm256_permutevar8x32_ps(_mm256_load_ps(kLog1pUnitInverseMinusOne), index);
  const __m256 log_high = _mm256_permutevar8x32_ps(_mm256_load_ps(kLog1pUnitLogHigh), index);
  const __m256 log_low = _mm256_permutevar8x32_ps(_mm256_load_ps(kLog1pUnitLogLow), index);
  const __m256 inv = _mm256_add_ps(inv_minus_one, _mm256_set1_ps(1.0f));  // exact
  const __m256 r = _mm256_fmadd_ps(x, inv, inv_minus_one);
  const __m256 r2 = _mm256_mul_ps(r, r);
  // p = (-1/2 + c1 r) + r^2 (c2 + c3 r + c4 r^2)
  const __m256 p01 = _mm256_fmadd_ps(_mm256_set1_ps(0x1.55550ep-2f), r, _mm256_set1_ps(-0.5f));
  const __m256 p34 = _mm256_fmadd_ps(_mm256_set1_ps(-0x1.50e4c6p-3f), r, _mm256_set1_ps(0x1.9b4d86p-3f));
  const __m256 p24 = _mm256_fmadd_ps(p34, r, _mm256_set1_ps(-0x1.00022p-2f));
  const __m256 p = _mm256_fmadd_ps(p24, r2, p01);
  const __m256 high = _mm256_add_ps(log_high, r);
  const __m256 high_error = _mm256_add_ps(_mm256_sub_ps(log_high, high), r);
  const __m256 low = _mm256_add_ps(high_error, log_low);
  return _mm256_add_ps(high, _mm256_fmadd_ps(r2, p, low));
}

// ---------------------------------------------------------------------------------------------
// log1p_negative_ps: log(1 + x) for x in (-1, 0), 8 x float32 (log(1 - p) of a clipped
//   probability p).
// Max error: 0.85 ulp from the exact value over every float32 in (-1, 0) (math_sweep.cpp):
//   log1p_ps's arithmetic, bit for bit, on this domain.
// Valid range: (-1, 0) and NaN (NaN gives NaN; -0 gives +0; -1, x < -1 and x > 0 give garbage).
// Why it is cheaper: 1 + x is in (0, 1), a normal float; log1p_ps's patches for -1, x < -1,
//   +-0, +inf and NaN are all dropped (a NaN reaches the result through the rounding error c).
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX2_MATH_INLINE __m256 log1p_negative_ps(__m256 x) { return math_detail::log1p_core_ps(x); }

// ---------------------------------------------------------------------------------------------
// log1p_nonnegative_ps: log(1 + x) for x >= 0, 8 x float32 (msle's log1p(max(x, EPS))).
// Max error: 0.88 ulp from the exact value over every float32 in [0, +inf) (math_sweep.cpp):
//   log1p_ps's arithmetic, bit for bit, on this domain.
// Valid range: [0, +inf] and NaN. Specials: log1p(+inf) = +inf, log1p(NaN) = NaN,
//   log1p(+0) = +0 (log1p(-0) = +0, not -0; negative x gives garbage).
// Why it is cheaper: log1p_ps without its patches for -1, x < -1 and +-0 (a NaN reaches the
//   result through the rounding error c; only +inf, whose c is inf - inf, is patched).
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX2_MATH_INLINE __m256 log1p_nonnegative_ps(__m256 x) {
  using namespace math_detail;
  const __m256 r = log1p_core_ps(x);
  return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, bits_ps(0x7f800000), _CMP_EQ_OQ));  // +inf
}

// ---------------------------------------------------------------------------------------------
// log1p_pd: log(1 + x), 4 x float64, accurate for tiny x (log1p(1e-300) = 1e-300).
// Max error: 0.75 ulp from log1pl over ~10^7 inputs (math_sweep.cpp);
//   1 ulp from Math.log1p (test/vector-math.test.ts asserts <= 2: V8's own error adds up to 1).
// Valid range: all doubles.
// Specials: log1p(-1) = -inf, log1p(x < -1) = NaN, log1p(-inf) = NaN, log1p(+inf) = +inf,
//   log1p(NaN) = NaN, log1p(+-0) = +-0.
// Source: log_pd's fdlibm core; the rounding error of 1 + x is carried along as in log1p_ps.
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX2_MATH_INLINE __m256d log1p_pd(__m256d x) {
  using namespace math_detail;
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d u = _mm256_add_pd(one, x);
  // Rounding error of 1 + x; exact while u < 2^53, negligible beyond.
  const __m256d c = _mm256_sub_pd(x, _mm256_sub_pd(u, one));
  const __m256i shifted = _mm256_add_epi64(_mm256_castpd_si256(u), _mm256_set1_epi64x(0x3ff0000000000000LL - kSqrtHalfBitsF64));
  const __m256d m = _mm256_castsi256_pd(_mm256_add_epi64(
      _mm256_and_si256(shifted, _mm256_set1_epi64x(0x000fffffffffffffLL)), _mm256_set1_epi64x(kSqrtHalfBitsF64)));
  const __m256i e_biased = _mm256_srli_epi64(shifted, 52);
  const __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(e_biased, _mm256_set1_epi64x(0x4330000000000000LL))),
                                  _mm256_set1_pd(0x1p52 + 1023.0));
  // 2^-e from bits: (1.5*2^52 + 1023) - e holds 1023 - e in its low bits. e is capped at 1023,
  // where that gives 0 rather than 2^-1023; harmless, as c is 0 for any u that large.
  const __m256d neg_e_biased = _mm256_sub_pd(_mm256_set1_pd(0x1.8p52 + 1023.0), _mm256_min_pd(e, _mm256_set1_pd(1023.0)));
  const __m256d c_scaled = _mm256_mul_pd(c, _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(neg_e_biased), 52)));
  const __m256d m_minus_one = _mm256_sub_pd(m, one);
  const __m256d f = _mm256_add_pd(m_minus_one, c_scaled);
  const __m256d f_err = _mm256_add_pd(_mm256_sub_pd(m_minus_one, f), c_scaled);
  // 1/m = 1/(1 + (m-1)) ~ 1 - (m-1) + (m-1)^2, within 5% on [sqrt(1/2), sqrt(2)): |f_err| is
  // below half an ulp of f, so this costs < 0.03 ulp and is cheaper than a reciprocal.
  const __m256d inv_m = _mm256_fmadd_pd(m_minus_one, m_minus_one, _mm256_sub_pd(one, m_minus_one));
  const __m256d lo = _mm256_fmadd_pd(f_err, inv_m, _mm256_mul_pd(e, _mm256_set1_pd(kLn2LoF64)));
  __m256d r = log_reduced_pd(f, e, lo);
  const __m256d minus_one = _mm256_set1_pd(-1.0);
  r = _mm256_blendv_pd(r, bits_pd(static_cast<std::int64_t>(0xfff0000000000000ULL)), _mm256_cmp_pd(x, minus_one, _CMP_EQ_OQ));
  r = _mm256_blendv_pd(r, bits_pd(0x7ff8000000000000LL), _mm256_cmp_pd(x, minus_one, _CMP_LT_OQ));
  const __m256d passthrough = _mm256_or_pd(_mm256_cmp_pd(x, bits_pd(0x7ff0000000000000LL), _CMP_NLT_UQ),
                                           _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_EQ_OQ));
  return _mm256_blendv_pd(r, x, passthrough);
}

// log1p_unit_pd: log(1 + x) for x in [0, 1], 4 x float64: log1p_pd (the 16-entry table of
// avx512 log1p_unit_pd has no one-instruction lookup in AVX2); vec_math.h and math_sweep.cpp
// call it by this name.
LOSSKIT_AVX2_MATH_INLINE __m256d log1p_unit_pd(__m256d x) { return log1p_pd(x); }

#undef LOSSKIT_AVX2_MATH_INLINE

}  // namespace avx2
}  // namespace losskit

#endif  // LOSSKIT_NATIVE_SIMD_AVX2_MATH_H_
