// Vector exp / log / log1p for AVX-512 (F, DQ) + FMA, float32 x 16 and float64 x 8.
//
// Include this header ONLY from translation units compiled with the AVX-512 flags. Everything
// lives in losskit::avx512, never a namespace shared with another build (see avx2/math.h).
//
// The algorithms, coefficients and reductions are those of native/simd/avx2/math.h (SLEEF
// exp, Cephes logf, fdlibm log; read the design notes there). AVX-512 replaces only the bit
// manipulation around them, with the same values:
//   exp: 2^k is applied by VSCALEF (x * 2^k rounded once, overflow to inf and gradual
//        underflow included), where AVX2 builds two halves of 2^k from exponent bits and
//        multiplies twice; round(em1 + 1) * 2^k rounded once is exactly what the AVX2 pair of
//        multiplies computes (the first one is exact).
//   log: VGETEXP / VGETMANT split x into 2^e * m with m in [1, 2), denormals included (no
//        pre-scaling by 2^25 / 2^54); m >= sqrt(2) is halved (e + 1), the same split at
//        sqrt(1/2) that AVX2 takes from the bits, so m, e and the result are the same.
//   log1p: the same split of u = 1 + x; c * 2^-e by VSCALEF. The float path's 1/m in the
//        rounding correction is VRCP14 (14 bits) rather than VRCPPS (11 bits).
// Special values are patched with opmask moves instead of blends.
// Two exceptions in the algorithms: log1p_unit_ps (softplus in the logistic losses) and
// exp_nonpositive_ps (softmax, logistic) reduce by 32-entry tables looked up with VPERMT2PS,
// which AVX2 has no cheap form of (its log1p_unit_ps uses 8 entries, one VPERMPS), so not
// AVX2's bits; each takes fewer FMA-pipe operations and is more accurate (log1p_unit 0.760 ulp
// against 0.816, exp_nonpositive 0.754 against 0.986).
//
// Accuracy: the same contracts as avx2/math.h, asserted by test/vector-math.test.ts on this
// ISA (<= 1 ulp from Math.fround(Math.*) for float32, <= 2 from Math.* for float64). exp and
// log agree bit for bit with the AVX2 functions (every float32 input, and 8*10^6 random float64
// ones; test/isa-selection.test.ts keeps a sample); log1p_ps differs by 1 ulp on 114 of the
// 2^32 float32 inputs (the reciprocal), each side the correctly rounded one about half the time.
#ifndef LOSSKIT_NATIVE_SIMD_AVX512_MATH_H_
#define LOSSKIT_NATIVE_SIMD_AVX512_MATH_H_

#include "../attributes.h"

#if !defined(__AVX512F__) || !defined(__AVX512DQ__) || !LOSSKIT_HAVE_FMA
#error "native/simd/avx512/math.h needs the AVX-512 flags; include it only from the AVX-512 translation units"
#endif

#include <immintrin.h>

#include <cstdint>

namespace losskit {
namespace avx512 {

// Inlining is forced: these sit inside kernels' inner loops (see avx2/math.h).
#define LOSSKIT_AVX512_MATH_INLINE LOSSKIT_STATIC_INLINE

namespace math_detail {

LOSSKIT_AVX512_MATH_INLINE __m512 bits_ps(std::int32_t bits) {
  return _mm512_castsi512_ps(_mm512_set1_epi32(bits));
}
LOSSKIT_AVX512_MATH_INLINE __m512d bits_pd(std::int64_t bits) {
  return _mm512_castsi512_pd(_mm512_set1_epi64(bits));
}

// The largest mantissas kept in [1, sqrt(2)): the float / double just below sqrt(2) whose
// mantissa field equals that of sqrt(1/2) (avx2/math.h kSqrtHalfBits*). Mantissas at or above
// these are halved, so m lands in [sqrt(1/2), sqrt(2)) exactly as the AVX2 bit trick puts it.
constexpr std::int32_t kSqrtTwoBitsF32 = 0x3fb504f3;
constexpr std::int64_t kSqrtTwoBitsF64 = 0x3ff6a09e667f3bcdLL;

// x = 2^e * m with m in [sqrt(1/2), sqrt(2)), for finite x > 0 (denormals included); other
// inputs give values the callers patch.
LOSSKIT_AVX512_MATH_INLINE void split_ps(__m512 x, __m512& m, __m512& e) {
  m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
  e = _mm512_getexp_ps(x);
  const __mmask16 high = _mm512_cmp_ps_mask(m, bits_ps(kSqrtTwoBitsF32), _CMP_GE_OQ);
  m = _mm512_mask_mul_ps(m, high, m, _mm512_set1_ps(0.5f));
  e = _mm512_mask_add_ps(e, high, e, _mm512_set1_ps(1.0f));
}
LOSSKIT_AVX512_MATH_INLINE void split_pd(__m512d x, __m512d& m, __m512d& e) {
  m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
  e = _mm512_getexp_pd(x);
  const __mmask8 high = _mm512_cmp_pd_mask(m, bits_pd(kSqrtTwoBitsF64), _CMP_GE_OQ);
  m = _mm512_mask_mul_pd(m, high, m, _mm512_set1_pd(0.5));
  e = _mm512_mask_add_pd(e, high, e, _mm512_set1_pd(1.0));
}

// Cephes logf (avx2/math.h log_reduced_ps): log(2^e * (1 + f)), `lo` the small terms.
constexpr float kLn2HiF32 = 0.693359375f;
constexpr float kLn2LoF32 = -2.12194440e-4f;

LOSSKIT_AVX512_MATH_INLINE __m512 log_reduced_ps(__m512 f, __m512 e, __m512 lo) {
  const __m512 f2 = _mm512_mul_ps(f, f);
  const __m512 f4 = _mm512_mul_ps(f2, f2);
  const __m512 p01 = _mm512_fmadd_ps(_mm512_set1_ps(-2.4999993993e-1f), f, _mm512_set1_ps(3.3333331174e-1f));
  const __m512 p23 = _mm512_fmadd_ps(_mm512_set1_ps(-1.6668057665e-1f), f, _mm512_set1_ps(2.0000714765e-1f));
  const __m512 p45 = _mm512_fmadd_ps(_mm512_set1_ps(-1.2420140846e-1f), f, _mm512_set1_ps(1.4249322787e-1f));
  const __m512 p78 = _mm512_fmadd_ps(_mm512_set1_ps(7.0376836292e-2f), f, _mm512_set1_ps(-1.1514610310e-1f));
  const __m512 p68 = _mm512_fmadd_ps(p78, f, _mm512_set1_ps(1.1676998740e-1f));
  const __m512 p03 = _mm512_fmadd_ps(p23, f2, p01);
  const __m512 p48 = _mm512_fmadd_ps(p68, f2, p45);
  const __m512 p = _mm512_fmadd_ps(p48, f4, p03);
  const __m512 y = _mm512_fmadd_ps(f2, _mm512_fmsub_ps(f, p, _mm512_set1_ps(0.5f)), lo);
  return _mm512_fmadd_ps(e, _mm512_set1_ps(kLn2HiF32), _mm512_add_ps(f, y));
}

// fdlibm e_log.c (avx2/math.h log_reduced_pd).
constexpr double kLn2HiF64 = 6.93147180369123816490e-01;
constexpr double kLn2LoF64 = 1.90821492927058770002e-10;

LOSSKIT_AVX512_MATH_INLINE __m512d log_reduced_pd(__m512d f, __m512d e, __m512d lo) {
  const __m512d s = _mm512_div_pd(f, _mm512_add_pd(_mm512_set1_pd(2.0), f));
  const __m512d z = _mm512_mul_pd(s, s);
  const __m512d w = _mm512_mul_pd(z, z);
  __m512d t1 = _mm512_fmadd_pd(w, _mm512_set1_pd(1.531383769920937332e-01), _mm512_set1_pd(2.222219843214978396e-01));
  t1 = _mm512_fmadd_pd(w, t1, _mm512_set1_pd(3.999999999940941908e-01));
  t1 = _mm512_mul_pd(w, t1);
  __m512d t2 = _mm512_fmadd_pd(w, _mm512_set1_pd(1.479819860511658591e-01), _mm512_set1_pd(1.818357216161805012e-01));
  t2 = _mm512_fmadd_pd(w, t2, _mm512_set1_pd(2.857142874366239149e-01));
  t2 = _mm512_fmadd_pd(w, t2, _mm512_set1_pd(6.666666666666735130e-01));
  const __m512d R = _mm512_fmadd_pd(z, t2, t1);
  const __m512d hfsq = _mm512_mul_pd(_mm512_mul_pd(_mm512_set1_pd(0.5), f), f);
  const __m512d tail = _mm512_fmadd_pd(s, _mm512_add_pd(hfsq, R), lo);
  return _mm512_fmsub_pd(e, _mm512_set1_pd(kLn2HiF64), _mm512_sub_pd(_mm512_sub_pd(hfsq, tail), f));
}

}  // namespace math_detail

// ---------------------------------------------------------------------------------------------
// exp_ps: e^x, 16 x float32. Contract as avx2 exp_ps (<= 0.99 ulp; gradual underflow, no flush
// to zero; x > 88.7228 gives +inf, x < -103.973 gives +0; exp(NaN) = NaN, exp(+-inf) = +inf / +0,
// exp(+-0) = 1). Source: SLEEF xexpf.
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX512_MATH_INLINE __m512 exp_ps(__m512 x) {
  const __m512 shifter = _mm512_set1_ps(0x1.8p23f);
  // NaN passes as the second operand of MIN/MAX; +-110 keeps r finite for x = +-inf.
  x = _mm512_max_ps(_mm512_set1_ps(-110.0f), _mm512_min_ps(_mm512_set1_ps(110.0f), x));
  const __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), shifter);
  const __m512 k = _mm512_sub_ps(t, shifter);
  __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693145751953125f), x);
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(1.428606765330187045e-06f), r);
  __m512 p = _mm512_set1_ps(0.000198527617612853646278381f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.00139304355252534151077271f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.00833336077630519866943359f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.0416664853692054748535156f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.166666671633720397949219f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  const __m512 r2 = _mm512_mul_ps(r, r);
  const __m512 em1 = _mm512_fmadd_ps(r2, p, r);  // e^r - 1
  return _mm512_scalef_ps(_mm512_add_ps(em1, _mm512_set1_ps(1.0f)), k);
}

// ---------------------------------------------------------------------------------------------
// exp_pd: e^x, 8 x float64. Contract as avx2 exp_pd (<= 0.995 ulp from expl; x > 709.7827
// gives +inf, x < -745.134 gives +0; specials as exp_ps). Source: SLEEF xexp.
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX512_MATH_INLINE __m512d exp_pd(__m512d x) {
  const __m512d shifter = _mm512_set1_pd(0x1.8p52);
  x = _mm512_max_pd(_mm512_set1_pd(-750.0), _mm512_min_pd(_mm512_set1_pd(750.0), x));
  const __m512d t = _mm512_fmadd_pd(x, _mm512_set1_pd(1.442695040888963407359924681001892137), shifter);
  const __m512d k = _mm512_sub_pd(t, shifter);
  __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(.69314718055966295651160180568695068359375), x);
  r = _mm512_fnmadd_pd(k, _mm512_set1_pd(.28235290563031577122588448175013436025525412068e-12), r);
  const __m512d r2 = _mm512_mul_pd(r, r);
  const __m512d r4 = _mm512_mul_pd(r2, r2);
  const __m512d r8 = _mm512_mul_pd(r4, r4);
  const __m512d p01 = _mm512_fmadd_pd(_mm512_set1_pd(0.166666666666666851703837), r, _mm512_set1_pd(0.5));
  const __m512d p23 = _mm512_fmadd_pd(_mm512_set1_pd(0.00833333333331652721664984), r, _mm512_set1_pd(0.0416666666666665047591422));
  const __m512d p45 = _mm512_fmadd_pd(_mm512_set1_pd(0.000198412698960509205564975), r, _mm512_set1_pd(0.00138888888889774492207962));
  const __m512d p67 = _mm512_fmadd_pd(_mm512_set1_pd(2.75572362911928827629423e-06), r, _mm512_set1_pd(2.4801587159235472998791e-05));
  const __m512d p89 = _mm512_fmadd_pd(_mm512_set1_pd(2.51112930892876518610661e-08), r, _mm512_set1_pd(2.75573911234900471893338e-07));
  const __m512d p03 = _mm512_fmadd_pd(p23, r2, p01);
  const __m512d p47 = _mm512_fmadd_pd(p67, r2, p45);
  const __m512d p8x = _mm512_fmadd_pd(_mm512_set1_pd(2.08860621107283687536341e-09), r2, p89);
  const __m512d p = _mm512_fmadd_pd(p8x, r8, _mm512_fmadd_pd(p47, r4, p03));
  const __m512d em1 = _mm512_fmadd_pd(r2, p, r);  // e^r - 1
  return _mm512_scalef_pd(_mm512_add_pd(em1, _mm512_set1_pd(1.0)), k);
}

// ---------------------------------------------------------------------------------------------
// log_ps: natural logarithm, 16 x float32. Contract as avx2 log_ps (<= 0.86 ulp; denormals as
// accurate; log(+-0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, log(NaN) = NaN, log(1) = +0).
// Source: Cephes logf.
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX512_MATH_INLINE __m512 log_ps(__m512 x) {
  using namespace math_detail;
  __m512 m, e;
  split_ps(x, m, e);
  __m512 r = log_reduced_ps(_mm512_sub_ps(m, _mm512_set1_ps(1.0f)), e, _mm512_mul_ps(e, _mm512_set1_ps(kLn2LoF32)));
  const __m512 zero = _mm512_setzero_ps();
  r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, zero, _CMP_EQ_OQ), bits_ps(static_cast<std::int32_t>(0xff800000u)));
  r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, bits_ps(0x7f800000), _CMP_EQ_OQ), x);  // +inf
  return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, zero, _CMP_NGE_UQ), bits_ps(0x7fc00000));  // x < 0, NaN
}

// ---------------------------------------------------------------------------------------------
// log_pd: natural logarithm, 8 x float64. Contract as avx2 log_pd (<= 0.75 ulp from logl;
// specials as log_ps). Source: fdlibm e_log.c.
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX512_MATH_INLINE __m512d log_pd(__m512d x) {
  using namespace math_detail;
  __m512d m, e;
  split_pd(x, m, e);
  __m512d r = log_reduced_pd(_mm512_sub_pd(m, _mm512_set1_pd(1.0)), e, _mm512_mul_pd(e, _mm512_set1_pd(kLn2LoF64)));
  const __m512d zero = _mm512_setzero_pd();
  r = _mm512_mask_mov_pd(r, _mm512_cmp_pd_mask(x, zero, _CMP_EQ_OQ), bits_pd(static_cast<std::int64_t>(0xfff0000000000000ULL)));
  r = _mm512_mask_mov_pd(r, _mm512_cmp_pd_mask(x, zero, _CMP_LT_OQ), bits_pd(0x7ff8000000000000LL));
  return _mm512_mask_mov_pd(r, _mm512_cmp_pd_mask(x, bits_pd(0x7ff0000000000000LL), _CMP_NLT_UQ), x);  // +inf, NaN
}

// ---------------------------------------------------------------------------------------------
// log1p_ps: log(1 + x), 16 x float32, accurate for tiny x. Contract as avx2 log1p_ps
// (<= 0.88 ulp; log1p(-1) = -inf, log1p(x < -1) = NaN, log1p(+inf) = +inf, log1p(NaN) = NaN,
// log1p(+-0) = +-0). Source: Cephes core, fdlibm s_log1p.c's rounding correction.
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX512_MATH_INLINE __m512 log1p_ps(__m512 x) {
  using namespace math_detail;
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 u = _mm512_add_ps(one, x);
  const __m512 c = _mm512_sub_ps(x, _mm512_sub_ps(u, one));  // rounding error of 1 + x
  __m512 m, e;
  split_ps(u, m, e);
  // 1 + x = 2^e * (m + c * 2^-e); f = m - 1 + c * 2^-e and its rounding error (Fast2Sum).
  const __m512 c_scaled = _mm512_scalef_ps(c, _mm512_sub_ps(_mm512_setzero_ps(), e));
  const __m512 m_minus_one = _mm512_sub_ps(m, one);
  const __m512 f = _mm512_add_ps(m_minus_one, c_scaled);
  const __m512 f_err = _mm512_add_ps(_mm512_sub_ps(m_minus_one, f), c_scaled);
  const __m512 lo = _mm512_fmadd_ps(f_err, _mm512_rcp14_ps(m), _mm512_mul_ps(e, _mm512_set1_ps(kLn2LoF32)));
  __m512 r = log_reduced_ps(f, e, lo);
  const __m512 minus_one = _mm512_set1_ps(-1.0f);
  r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, minus_one, _CMP_EQ_OQ), bits_ps(static_cast<std::int32_t>(0xff800000u)));
  r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, minus_one, _CMP_LT_OQ), bits_ps(0x7fc00000));
  // x itself for +inf, NaN and +-0 (the sums above would turn -0 into +0).
  const __mmask16 passthrough = _mm512_cmp_ps_mask(x, bits_ps(0x7f800000), _CMP_NLT_UQ) |
                                _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ);
  return _mm512_mask_mov_ps(r, passthrough, x);
}

// ---------------------------------------------------------------------------------------------
// log1p_pd: log(1 + x), 8 x float64, accurate for tiny x. Contract as avx2 log1p_pd (<= 0.75 ulp
// from log1pl; specials as log1p_ps). Source: log_pd's fdlibm core, log1p_ps's correction.
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX512_MATH_INLINE __m512d log1p_pd(__m512d x) {
  using namespace math_detail;
  const __m512d one = _mm512_set1_pd(1.0);
  const __m512d u = _mm512_add_pd(one, x);
  const __m512d c = _mm512_sub_pd(x, _mm512_sub_pd(u, one));
  __m512d m, e;
  split_pd(u, m, e);
  const __m512d c_scaled = _mm512_scalef_pd(c, _mm512_sub_pd(_mm512_setzero_pd(), e));
  const __m512d m_minus_one = _mm512_sub_pd(m, one);
  const __m512d f = _mm512_add_pd(m_minus_one, c_scaled);
  const __m512d f_err = _mm512_add_pd(_mm512_sub_pd(m_minus_one, f), c_scaled);
  // 1/m ~ 1 - (m-1) + (m-1)^2 (avx2/math.h log1p_pd: < 0.03 ulp, cheaper than a division).
  const __m512d inv_m = _mm512_fmadd_pd(m_minus_one, m_minus_one, _mm512_sub_pd(one, m_minus_one));
  const __m512d lo = _mm512_fmadd_pd(f_err, inv_m, _mm512_mul_pd(e, _mm512_set1_pd(kLn2LoF64)));
  __m512d r = log_reduced_pd(f, e, lo);
  const __m512d minus_one = _mm512_set1_pd(-1.0);
  r = _mm512_mask_mov_pd(r, _mm512_cmp_pd_mask(x, minus_one, _CMP_EQ_OQ), bits_pd(static_cast<std::int64_t>(0xfff0000000000000ULL)));
  r = _mm512_mask_mov_pd(r, _mm512_cmp_pd_mask(x, minus_one, _CMP_LT_OQ), bits_pd(0x7ff8000000000000LL));
  const __mmask8 passthrough = _mm512_cmp_pd_mask(x, bits_pd(0x7ff0000000000000LL), _CMP_NLT_UQ) |
                               _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_EQ_OQ);
  return _mm512_mask_mov_pd(r, passthrough, x);
}

// ---------------------------------------------------------------------------------------------
// The domain-restricted float32 forms (avx2/math.h has their contracts and derivations). Same
// algorithms and coefficients; AVX-512 shortens the bit work: VSCALEF applies 2^k (and 2^-e in
// log1p's rounding correction), opmasks replace blends and ANDs with masks. Max errors below
// are measured on this ISA by native/tools/math_sweep.cpp (-DLOSSKIT_SWEEP_AVX512) over every
// float32 of the domain.
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// exp_nonpositive_ps: e^x for x <= 0, 16 x float32; for any x it is e^-|x| (avx2/math.h).
// Max error: 0.754 ulp from the exact value over every float32 x <= 0 (math_sweep.cpp), at
//   x = -87.72, where a result below FLT_MIN is rounded a second time by VSCALEF; 0.03% of all
//   float32 x not correctly rounded. Not avx2 exp_nonpositive_ps's bits (0.986 ulp, 0.42% not
//   correctly rounded there): a different reduction, the same specials. e^-|x| is symmetric, so
//   x > 0 gives e^-x to the same bits as -x does.
// Valid range: every float (x > 0 as -x). Gradual underflow; |x| > 103.973 gives +0.
//   Specials: exp(NaN) = NaN, exp(+-inf) = +0, exp(+-0) = 1.
// Why a table here: the softmax and logistic kernels run on exp, and with 2^(j/32) looked up
//   (VPERMT2PS from two registers) the polynomial drops from degree 6 to 3: 7 FMA-pipe
//   operations and two lookups where avx2's algorithm takes 10. Measured in one process against
//   the polynomial (bench/compare-builds.mjs, bench/run.mjs), one thread, float32: BCE from
//   logits value+grad 0.97x the time in cache, focal on logits 0.95x, sparse softmax CE
//   [4096, 1000] 0.95x, log_cosh 0.99x, BCE with posWeight 1.00x. Without T_lo (below) it was
//   0.90x for BCE, but 1.006 ulp, and the BCE value then reached 2.11 ulp where log1p(e) sits
//   just under a power of two (test/bce-accuracy.test.ts bounds it by 2).
// Method: k = round(32 x / ln 2), x = (k/32) ln 2 + r with |r| <= ln(2)/64 (two-part ln 2);
//   e^x = 2^floor(k/32) * T_j * e^r, j = k mod 32, T_j = 2^(j/32) = T_hi + T_lo
//   (native/tools/exp2_fraction_table.py); e^r - 1 = r + r^2 (1/2 + r/6) (the first omitted
//   term, r^4/24, is below 0.005 ulp); T_hi + (T_hi (e^r - 1) + T_lo) rounded once, then
//   VSCALEF by k/32 (it floors its exponent operand).
// ---------------------------------------------------------------------------------------------
namespace math_detail {
  alignas(64) inline constexpr float kExp2FractionHigh[32] = {
      0x1p+0f, 0x1.059b0ep+0f, 0x1.0b5586p+0f, 0x1.11301ep+0f,
      0x1.172b84p+0f, 0x1.1d4874p+0f, 0x1.2387a6p+0f, 0x1.29e9ep+0f,
      0x1.306fep+0f, 0x1.371a74p+0f, 0x1.3dea64p+0f, 0x1.44e086p+0f,
      0x1.4bfdaep+0f, 0x1.5342b6p+0f, 0x1.5ab07ep+0f, 0x1.6247ecp+0f,
      0x1.6a09e6p+0f, 0x1.71f75ep+0f, 0x1.7a1148p+0f, 0x1.82589ap+0f,
      0x1.8ace54p+0f, 0x1.93737cp+0f, 0x1.9c4918p+0f, 0x1.a5503cp+0f,
      0x1.ae89fap+0f, 0x1.b7f77p+0f, 0x1.c199bep+0f, 0x1.cb720ep+0f,
      0x1.d5818ep+0f, 0x1.dfc974p+0f, 0x1.ea4afap+0f, 0x1.f50766p+0f,
  };
  alignas(64) inline constexpr float kExp2FractionLow[32] = {
      0.0f, -0x1.9d4f52p-25f, 0x1.9f3122p-25f, -0x1.fdb496p-25f,
      -0x1.c15742p-27f, -0x1.d2e8cap-25f, 0x1.ceac48p-25f, -0x1.5c0424p-25f,
      0x1.4636e2p-25f, -0x1.18aac6p-25f, 0x1.824684p-25f, 0x1.8624b4p-30f,
      -0x1.593abcp-25f, -0x1.2c561p-25f, -0x1.5bd5ecp-27f, -0x1.f8b55p-25f,
      0x1.9fcef4p-26f, 0x1.1d8beep-25f, -0x1.829fdp-25f, -0x1.accc7cp-26f,
      0x1.15506ep-27f, -0x1.e64744p-25f, 0x1.51f848p-27f, -0x1.b83b54p-25f,
      -0x1.a94b14p-26f, -0x1.a09438p-25f, -0x1.3d56b2p-27f, -0x1.8837ccp-27f,
      -0x1.822dbcp-27f, -0x1.908c94p-25f, 0x1.52486cp-27f, -0x1.246ebp-26f,
  };
}  // namespace math_detail

LOSSKIT_AVX512_MATH_INLINE __m512 exp_nonpositive_ps(__m512 x) {
  using namespace math_detail;
  // Adding 1.5 * 2^18 rounds x / ln 2 to a multiple of 1/32 (the float's last place there) and
  // leaves k in the low mantissa bits: VPERMT2PS reads the low five, j = k mod 32.
  const __m512 shifter = _mm512_set1_ps(0x1.8p18f);
  // -min(|x|, 110) in one VRANGEPS (imm 0xE: the smaller magnitude, sign bit set): max(x, -110)
  // for x <= 0, and the logistic's exp(-|x|) without a caller's clear-and-flip of the sign: one
  // op at the head of the longest chain where they took three. -110 keeps r finite for +-inf.
  // VRANGEPS returns the constant for a NaN x; the NaN comes back through k (below).
  const __m512 x_in = x;
  x = _mm512_range_ps(x, _mm512_set1_ps(110.0f), 0xE);
  const __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), shifter);
  const __m512 k_over_32 = _mm512_sub_ps(t, shifter);
  __m512 r = _mm512_fnmadd_ps(k_over_32, _mm512_set1_ps(0x1.62e43p-1f), x);
  r = _mm512_fnmadd_ps(k_over_32, _mm512_set1_ps(-0x1.05c61p-29f), r);
  const __m512i j = _mm512_castps_si512(t);
  const __m512 table_high = _mm512_permutex2var_ps(_mm512_load_ps(kExp2FractionHigh), j, _mm512_load_ps(kExp2FractionHigh + 16));
  const __m512 table_low = _mm512_permutex2var_ps(_mm512_load_ps(kExp2FractionLow), j, _mm512_load_ps(kExp2FractionLow + 16));
  const __m512 p = _mm512_fmadd_ps(r, _mm512_set1_ps(1.0f / 6.0f), _mm512_set1_ps(0.5f));
  const __m512 em1 = _mm512_fmadd_ps(_mm512_mul_ps(r, r), p, r);  // e^r - 1
  // T_j e^r = T_hi + (T_hi (e^r - 1) + T_lo), rounded once at the add (T_lo (e^r - 1) is below
  // 2^-30 T_j).
  const __m512 scaled = _mm512_add_ps(table_high, _mm512_fmadd_ps(table_high, em1, table_low));
  // k/32, or x where x is NaN (VFIXUPIMM: the NaN classes answer with the source, every other
  // class keeps k/32): off the critical path, and VSCALEF by a NaN gives NaN.
  const __m512 k_or_nan = _mm512_fixupimm_ps(k_over_32, x_in, _mm512_set1_epi32(0x11), 0);
  return _mm512_scalef_ps(scaled, k_or_nan);
}

// ---------------------------------------------------------------------------------------------
// exp_nonpositive_pd: e^x for x <= 0, 8 x float64; for any x it is e^-|x|, as the float32 form.
// Max error: 0.750 ulp from expl over 10^7 samples of x <= 0 with walks across the table's
//   edges and the underflow thresholds (math_sweep.cpp), at x = -708.59, a result below DBL_MIN
//   rounded a second time by VSCALEF; 0.40% not correctly rounded (exp_pd there: 1.026 ulp,
//   5.5%); <= 2 ulp from Math.exp, asserted by test/vector-math.test.ts.
// Valid range: every double (x > 0 as -x). Gradual underflow; |x| > 745.134 gives +0.
//   Specials: exp(NaN) = NaN, exp(+-inf) = +0, exp(+-0) = 1.
// Method: exp_nonpositive_ps's with 16 entries, what one VPERMT2PD looks up: k = round(16 x /
//   ln 2) (adding 1.5 * 2^48 leaves it in the low mantissa bits), x = (k/16) ln 2 + r with
//   |r| <= ln(2)/32 (exp_pd's two-part ln 2, by FMAs); e^x = 2^floor(k/16) * T_j * e^r, j = k
//   mod 16, T_j = 2^(j/16) = T_hi + T_lo (native/tools/exp2_fraction_table.py 16 float64);
//   e^r - 1 by its Taylor series to r^7 (the first omitted term is below 2^-59 of it), where
//   exp_pd's reduction to |r| <= ln(2)/2 needs degree 11. The logistic and softmax kernels call
//   it (through expNonPositive). One process, one thread, value+grad, float64, 16M / 65536
//   elements (bench/compare-builds.mjs --f64), against exp_pd: BCE from logits 1.02x / 0.97x
//   the time, with posWeight 0.97x / 0.94x, binary focal 1.00x / 0.97x, log_cosh 0.94x /
//   0.92x; sparse softmax CE [4096, 1000] 0.93-0.96x (two processes, alternated).
// ---------------------------------------------------------------------------------------------
namespace math_detail {
  alignas(64) inline constexpr double kExp2FractionHighF64[16] = {
      0x1p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
      0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
      0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f09p+0,
      0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0,
  };
  alignas(64) inline constexpr double kExp2FractionLowF64[16] = {
      0.0, 0x1.8a62e4adc610bp-54, -0x1.19041b9d78a76p-55, 0x1.9b07eb6c70573p-54,
      0x1.6f46ad23182e4p-55, 0x1.ada0911f09ebcp-55, 0x1.d4397afec42e2p-56, 0x1.6324c054647adp-54,
      -0x1.bdd3413b26456p-54, -0x1.41577ee04992fp-55, 0x1.6e9f156864b27p-54, 0x1.c7c46b071f2bep-56,
      0x1.7a1cd345dcc81p-54, 0x1.11065895048ddp-55, 0x1.2ed02d75b3707p-55, -0x1.e9c23179c2893p-54,
  };
}  // namespace math_detail

LOSSKIT_AVX512_MATH_INLINE __m512d exp_nonpositive_pd(__m512d x) {
  using namespace math_detail;
  const __m512d shifter = _mm512_set1_pd(0x1.8p48);
  // -min(|x|, 750) in one VRANGEPD, as exp_nonpositive_ps; a NaN x comes back through k.
  const __m512d x_in = x;
  x = _mm512_range_pd(x, _mm512_set1_pd(750.0), 0xE);
  const __m512d t = _mm512_fmadd_pd(x, _mm512_set1_pd(1.442695040888963407359924681001892137), shifter);
  const __m512d k_over_16 = _mm512_sub_pd(t, shifter);
  __m512d r = _mm512_fnmadd_pd(k_over_16, _mm512_set1_pd(.69314718055966295651160180568695068359375), x);
  r = _mm512_fnmadd_pd(k_over_16, _mm512_set1_pd(.28235290563031577122588448175013436025525412068e-12), r);
  const __m512i j = _mm512_castpd_si512(t);
  const __m512d table_high = _mm512_permutex2var_pd(_mm512_load_pd(kExp2FractionHighF64), j, _mm512_load_pd(kExp2FractionHighF64 + 8));
  const __m512d table_low = _mm512_permutex2var_pd(_mm512_load_pd(kExp2FractionLowF64), j, _mm512_load_pd(kExp2FractionLowF64 + 8));
  const __m512d r2 = _mm512_mul_pd(r, r);
  const __m512d r4 = _mm512_mul_pd(r2, r2);
  // e^r - 1 = r + r^2 q, q = sum_k r^k / (k + 2)!, k = 0..5
  const __m512d q01 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 6.0), r, _mm512_set1_pd(0.5));
  const __m512d q23 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 120.0), r, _mm512_set1_pd(1.0 / 24.0));
  const __m512d q45 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 5040.0), r, _mm512_set1_pd(1.0 / 720.0));
  const __m512d q = _mm512_fmadd_pd(q45, r4, _mm512_fmadd_pd(q23, r2, q01));
  const __m512d em1 = _mm512_fmadd_pd(r2, q, r);
  const __m512d scaled = _mm512_add_pd(table_high, _mm512_fmadd_pd(table_high, em1, table_low));
  const __m512d k_or_nan = _mm512_fixupimm_pd(k_over_16, x_in, _mm512_set1_epi64(0x11), 0);
  return _mm512_scalef_pd(scaled, k_or_nan);
}

// ---------------------------------------------------------------------------------------------
// log_positive_ps: natural logarithm of a positive normal float, 16 x float32.
// Max error: 0.856 ulp from the exact value over every float32 in [FLT_MIN, FLT_MAX]
//   (math_sweep.cpp); bit for bit log_ps on this domain.
// Valid range: [FLT_MIN, FLT_MAX] and NaN (NaN gives NaN; 0, negatives and +inf give garbage).
// Why the bits and not VGETMANT / VGETEXP: for normal inputs the AVX2 split (integer sub, shift,
//   shift, sub) is shorter than getmant, compare and masked halving; NaN is patched by a mask.
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX512_MATH_INLINE __m512 log_positive_ps(__m512 x) {
  using namespace math_detail;
  const __m512i x_bits = _mm512_castps_si512(x);
  const __m512i e = _mm512_srai_epi32(_mm512_sub_epi32(x_bits, _mm512_set1_epi32(0x3f3504f3)), 23);
  const __m512 m = _mm512_castsi512_ps(_mm512_sub_epi32(x_bits, _mm512_slli_epi32(e, 23)));
  const __m512 ef = _mm512_cvtepi32_ps(e);
  const __m512 r = log_reduced_ps(_mm512_sub_ps(m, _mm512_set1_ps(1.0f)), ef, _mm512_mul_ps(ef, _mm512_set1_ps(kLn2LoF32)));
  return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);  // NaN
}

// ---------------------------------------------------------------------------------------------
// log1p_unit_ps: log(1 + x) for x in [0, 1], 16 x float32 (softplus: log1p(exp(-|x|))).
// Max error: 0.760 ulp from the exact value over every float32 in [0, 1] (math_sweep.cpp), at
//   x = 0.0166 (the low end of interval 1, where r's rounding weighs most); 0.14% of them not
//   correctly rounded. Not avx2 log1p_unit_ps's bits (8 intervals there; the same bounds and
//   specials).
// Valid range: [0, 1] and NaN. Specials: log1p(+0) = +0, log1p(NaN) = NaN (log1p(-0) = +0).
// Why a table here: the BCE-from-logits kernel is bound by how many vector operations it issues
//   (Zen 4 runs two 512-bit operations a cycle, one FMA-kind and one add-kind: native/tools/
//   vector_op_throughput.cpp; the kernel's mix keeps both busy, so every operation removed
//   counts); the 32-entry tables sit in six registers and VPERMT2PS looks them up, so log1p
//   takes 16 operations (avx2 log1p_unit_ps: 17 for 8 lanes). Measured against the previous
//   table form (22 operations: 1 + x rounded to u, its rounding error carried apart so that r
//   was exact; 0.660 ulp) in one process, one thread, value+grad, 16M / 65536 elements
//   (bench/compare-builds.mjs): BCE from logits 0.98x / 0.99x the time, with posWeight 0.91x /
//   0.94x, log_cosh 0.97x / 0.92x, binary focal on logits 0.98x / 0.99x.
// Method: j = round(31 x) (the low five bits of x * 31 + 1.5 * 2^23); inv_j ~ 1 / (1 + j/31),
//   r = (1 + x) inv_j - 1 = fma(x, inv_j, inv_j - 1), rounded once, |r| < 2^-5.9 (inv_0 = 1:
//   r = x exactly, so small x keep their relative accuracy); log(1 + x) = L_j + log1p(r) with
//   L_j = -log(inv_j) = L_hi + L_lo (native/tools/log1p_unit_table.py). log1p(r) = r - r^2/2 +
//   r^3/3 - r^4/4 + r^5/5 (the first omitted term is < 0.01 ulp); L_hi + r is summed exactly
//   (Fast2Sum: |L_hi| >= |r| or L_hi = 0) and the rest joins its error term, so the result is
//   rounded about once, plus r's own rounding (half an ulp of r), which weighs most where the
//   result is smallest against |r|: the low end of interval 1, the maximum above.
// ---------------------------------------------------------------------------------------------
namespace math_detail {
  alignas(64) inline constexpr float kLog1pUnitInverseMinusOne[32] = {
      0.0f, -0x1p-5f, -0x1.f07c2p-5f, -0x1.69697p-4f,
      -0x1.d41d4p-4f, -0x1.1c71c8p-3f, -0x1.4c1bbp-3f, -0x1.79436p-3f,
      -0x1.a41a4p-3f, -0x1.ccccdp-3f, -0x1.f3832p-3f, -0x1.0c30c4p-2f,
      -0x1.1dc478p-2f, -0x1.2e8ba4p-2f, -0x1.3e93e8p-2f, -0x1.4de9bcp-2f,
      -0x1.5c9884p-2f, -0x1.6aaaacp-2f, -0x1.7829ccp-2f, -0x1.851eb8p-2f,
      -0x1.91919p-2f, -0x1.9d89d8p-2f, -0x1.a90e7cp-2f, -0x1.b425ecp-2f,
      -0x1.bed61cp-2f, -0x1.c92494p-2f, -0x1.d31674p-2f, -0x1.dcb08cp-2f,
      -0x1.e5f754p-2f, -0x1.eeeefp-2f, -0x1.f79b48p-2f, -0x1p-1f,
  };
  alignas(64) inline constexpr float kLog1pUnitLogHigh[32] = {
      0.0f, 0x1.0415d8p-5f, 0x1.00155ap-4f, 0x1.7a5c7ap-4f,
      0x1.f11812p-4f, 0x1.323db2p-3f, 0x1.6a5aaap-3f, 0x1.a0f88p-3f,
      0x1.d62b1ep-3f, 0x1.05027cp-2f, 0x1.1e4b8p-2f, 0x1.36f888p-2f,
      0x1.4f10e8p-2f, 0x1.669b78p-2f, 0x1.7d9e96p-2f, 0x1.942038p-2f,
      0x1.aa25f6p-2f, 0x1.bfb4fcp-2f, 0x1.d4d234p-2f, 0x1.e98238p-2f,
      0x1.fdc958p-2f, 0x1.08d5d8p-1f, 0x1.129686p-1f, 0x1.1c288ap-1f,
      0x1.258d9ap-1f, 0x1.2ec754p-1f, 0x1.37d73ep-1f, 0x1.40bedp-1f,
      0x1.497f6cp-1f, 0x1.521a5ep-1f, 0x1.5a90e4p-1f, 0x1.62e43p-1f,
  };
  alignas(64) inline constexpr float kLog1pUnitLogLow[32] = {
      0.0f, 0x1.3ce888p-30f, -0x1.e58814p-29f, -0x1.d9b14ep-30f,
      0x1.da196cp-29f, 0x1.426d72p-28f, -0x1.72f8c4p-28f, -0x1.7acb2p-28f,
      -0x1.9a1a46p-31f, -0x1.3db10ap-27f, -0x1.fa3cfcp-27f, -0x1.ce4904p-27f,
      0x1.865e0ep-31f, 0x1.83ef1cp-27f, -0x1.8a48eep-27f, 0x1.622fd8p-27f,
      -0x1.2142e4p-27f, -0x1.f67a24p-31f, -0x1.989f76p-27f, -0x1.ed51bcp-27f,
      0x1.968b54p-27f, 0x1.9f39bcp-32f, 0x1.12db3ep-26f, 0x1.ca003cp-26f,
      0x1.937188p-26f, 0x1.fa9cd6p-26f, -0x1.958aa4p-32f, -0x1.a9c808p-27f,
      0x1.d946f2p-28f, -0x1.d2dfp-26f, 0x1.428f4cp-30f, -0x1.05c61p-29f,
  };
}  // namespace math_detail

LOSSKIT_AVX512_MATH_INLINE __m512 log1p_unit_ps(__m512 x) {
  using namespace math_detail;
  // VPERMT2PS reads the low five bits of each index: round(31 x), in [0, 31] for x in [0, 1]. A
  // NaN x gives some entry and a NaN r, which reaches the result.
  const __m512 j = _mm512_fmadd_ps(x, _mm512_set1_ps(31.0f), _mm512_set1_ps(0x1.8p23f));
  const __m512i index = _mm512_castps_si512(j);
  const __m512 inv_minus_one = _mm512_permutex2var_ps(_mm512_load_ps(kLog1pUnitInverseMinusOne), index, _mm512_load_ps(kLog1pUnitInverseMinusOne + 16));
  const __m512 log_high = _mm512_permutex2var_ps(_mm512_load_ps(kLog1pUnitLogHigh), index, _mm512_load_ps(kLog1pUnitLogHigh + 16));
  const __m512 log_low = _mm512_permutex2var_ps(_mm512_load_ps(kLog1pUnitLogLow), index, _mm512_load_ps(kLog1pUnitLogLow + 16));
  const __m512 inv = _mm512_add_ps(inv_minus_one, _mm512_set1_ps(1.0f));  // exact
  const __m512 r = _mm512_fmadd_ps(x, inv, inv_minus_one);
  const __m512 r2 = _mm512_mul_ps(r, r);
  __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(0.2f), r, _mm512_set1_ps(-0.25f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 3.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(-0.5f));
  const __m512 high = _mm512_add_ps(log_high, r);
  const __m512 high_error = _mm512_add_ps(_mm512_sub_ps(log_high, high), r);
  const __m512 low = _mm512_add_ps(high_error, log_low);
  return _mm512_add_ps(high, _mm512_fmadd_ps(r2, p, low));
}

// ---------------------------------------------------------------------------------------------
// log1p_unit_pd: log(1 + x) for x in [0, 1], 8 x float64 (softplus: log1p(exp(-|x|))).
// Max error: 0.774 ulp from the exact value (math_sweep.cpp: 10^7 samples over [0, 1], walks
//   across every interval edge), at x = 0.0360 (the low end of interval 1); 0.58% of them not
//   correctly rounded (the general log1p_pd: 0.746 ulp, 3.7%); <= 2 ulp from Math.log1p,
//   asserted by test/vector-math.test.ts.
// Valid range: [0, 1] and NaN. Specials: log1p(+0) = +0, log1p(NaN) = NaN (log1p(-0) = +0).
// Method: log1p_unit_ps's with 16 intervals, what one VPERMT2PD looks up: j = round(15 x) (the
//   low four bits of x * 15 + 1.5 * 2^52), r = fma(x, inv_j, inv_j - 1) rounded once,
//   |r| <= 1/30 (inv_0 = 1: r = x exactly), L_j = L_hi + L_lo (native/tools/log1p_unit_table.py
//   15 float64). log1p(r) = r + r^2 p(r), p the Taylor series to r^10 (log1p's to r^12; the
//   first omitted term is below 2^-62 of r), by Estrin's scheme. L_hi + r is summed exactly
//   (Fast2Sum) and the rest joins its error term. No division, exponent split or special-value
//   patching: the general log1p_pd it replaces in the logistic kernels took half the float64
//   BCE-from-logits kernel's time. One process, one thread, value+grad, float64, 16M / 65536
//   elements (bench/compare-builds.mjs --f64): BCE from logits 0.76x / 0.74x the time, with
//   posWeight 0.70x / 0.78x, binary focal on logits 0.78x / 0.79x, log_cosh 0.77x / 0.78x.
// ---------------------------------------------------------------------------------------------
namespace math_detail {
  alignas(64) inline constexpr double kLog1pUnitInverseMinusOneF64[16] = {
      0.0, -0x1p-4, -0x1.e1e1e1e1e1e2p-4, -0x1.5555555555554p-3,
      -0x1.af286bca1af28p-3, -0x1p-2, -0x1.2492492492492p-2, -0x1.45d1745d1745ep-2,
      -0x1.642c8590b2164p-2, -0x1.8p-2, -0x1.999999999999ap-2, -0x1.b13b13b13b13cp-2,
      -0x1.c71c71c71c71cp-2, -0x1.db6db6db6db6ep-2, -0x1.ee58469ee5846p-2, -0x1p-1,
  };
  alignas(64) inline constexpr double kLog1pUnitLogHighF64[16] = {
      0.0, 0x1.08598b59e3a07p-4, 0x1.005588ad375aep-3, 0x1.7565011e49675p-3,
      0x1.e41fccb76b0d7p-3, 0x1.269621134db92p-2, 0x1.588c2d913348fp-2, 0x1.882f1ef83ed45p-2,
      0x1.b5b3e24235e88p-2, 0x1.e148a1a2726cep-2, 0x1.058aefa811452p-1, 0x1.199fac68b4ab8p-1,
      0x1.2cf25fad8f1c3p-1, 0x1.3f91275240811p-1, 0x1.5188a4a02d7fep-1, 0x1.62e42fefa39efp-1,
  };
  alignas(64) inline constexpr double kLog1pUnitLogLowF64[16] = {
      0.0, -0x1.dd7009902bf32p-58, -0x1.23dbdc498b285p-59, -0x1.81495b2eb862bp-57,
      -0x1.ef0a9ec21b972p-57, 0x1.e0efadd9db02bp-56, 0x1.fafb06b03f0a5p-57, 0x1.d2273fd0174a6p-56,
      -0x1.4e3e22530be1bp-60, -0x1.ac81cc8a4dfb8p-56, -0x1.c19f73d945334p-60, -0x1.0e0e34e56089ep-58,
      0x1.0a35884260cffp-56, 0x1.4d147676db21dp-55, 0x1.5cc1daef69b6ap-55, 0x1.abc9e3b39803fp-56,
  };
}  // namespace math_detail

LOSSKIT_AVX512_MATH_INLINE __m512d log1p_unit_pd(__m512d x) {
  using namespace math_detail;
  // VPERMT2PD reads the low four bits of each index: round(15 x), in [0, 15] for x in [0, 1]. A
  // NaN x gives some entry and a NaN r, which reaches the result.
  const __m512i index = _mm512_castpd_si512(_mm512_fmadd_pd(x, _mm512_set1_pd(15.0), _mm512_set1_pd(0x1.8p52)));
  const __m512d inv_minus_one = _mm512_permutex2var_pd(_mm512_load_pd(kLog1pUnitInverseMinusOneF64), index, _mm512_load_pd(kLog1pUnitInverseMinusOneF64 + 8));
  const __m512d log_high = _mm512_permutex2var_pd(_mm512_load_pd(kLog1pUnitLogHighF64), index, _mm512_load_pd(kLog1pUnitLogHighF64 + 8));
  const __m512d log_low = _mm512_permutex2var_pd(_mm512_load_pd(kLog1pUnitLogLowF64), index, _mm512_load_pd(kLog1pUnitLogLowF64 + 8));
  const __m512d inv = _mm512_add_pd(inv_minus_one, _mm512_set1_pd(1.0));  // exact
  const __m512d r = _mm512_fmadd_pd(x, inv, inv_minus_one);
  const __m512d r2 = _mm512_mul_pd(r, r);
  const __m512d r4 = _mm512_mul_pd(r2, r2);
  const __m512d r8 = _mm512_mul_pd(r4, r4);
  // p = sum_k (-1)^(k+1) r^k / (k + 2), k = 0..10
  const __m512d p01 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 3.0), r, _mm512_set1_pd(-0.5));
  const __m512d p23 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 5.0), r, _mm512_set1_pd(-1.0 / 4.0));
  const __m512d p45 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 7.0), r, _mm512_set1_pd(-1.0 / 6.0));
  const __m512d p67 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 9.0), r, _mm512_set1_pd(-1.0 / 8.0));
  const __m512d p89 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 11.0), r, _mm512_set1_pd(-1.0 / 10.0));
  const __m512d p03 = _mm512_fmadd_pd(p23, r2, p01);
  const __m512d p47 = _mm512_fmadd_pd(p67, r2, p45);
  const __m512d p8x = _mm512_fmadd_pd(_mm512_set1_pd(-1.0 / 12.0), r2, p89);
  const __m512d p = _mm512_fmadd_pd(p8x, r8, _mm512_fmadd_pd(p47, r4, p03));
  const __m512d high = _mm512_add_pd(log_high, r);
  const __m512d high_error = _mm512_add_pd(_mm512_sub_pd(log_high, high), r);
  const __m512d low = _mm512_add_pd(high_error, log_low);
  return _mm512_add_pd(high, _mm512_fmadd_pd(r2, p, low));
}

namespace math_detail {

// log(u) for u = 1 + x rounded, c = x - (u - 1) its rounding error, u a positive normal float
// (log1p_ps's core without its special-value patches): 1 + x = 2^e * (m + c * 2^-e), m from the
// bits as in log_positive_ps, c * 2^-e by VSCALEF (AVX2 builds 2^-e from bits and multiplies).
LOSSKIT_AVX512_MATH_INLINE __m512 log1p_core_ps(__m512 u, __m512 c) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512i u_bits = _mm512_castps_si512(u);
  const __m512i e = _mm512_srai_epi32(_mm512_sub_epi32(u_bits, _mm512_set1_epi32(0x3f3504f3)), 23);
  const __m512 m = _mm512_castsi512_ps(_mm512_sub_epi32(u_bits, _mm512_slli_epi32(e, 23)));
  const __m512 ef = _mm512_cvtepi32_ps(e);
  const __m512 c_scaled = _mm512_scalef_ps(c, _mm512_sub_ps(_mm512_setzero_ps(), ef));
  // f = m - 1 + c_scaled and its rounding error (Fast2Sum), entering as f_err / m; 1/m from
  // VRCP14 as in log1p_ps.
  const __m512 m_minus_one = _mm512_sub_ps(m, one);
  const __m512 f = _mm512_add_ps(m_minus_one, c_scaled);
  const __m512 f_err = _mm512_add_ps(_mm512_sub_ps(m_minus_one, f), c_scaled);
  const __m512 lo = _mm512_fmadd_ps(f_err, _mm512_rcp14_ps(m), _mm512_mul_ps(ef, _mm512_set1_ps(kLn2LoF32)));
  return log_reduced_ps(f, ef, lo);
}

}  // namespace math_detail

// ---------------------------------------------------------------------------------------------
// log1p_negative_ps: log(1 + x) for x in (-1, 0), 16 x float32 (log(1 - p) of a clipped p).
// Max error: 0.845 ulp from the exact value over every float32 in (-1, 0) (math_sweep.cpp);
//   bit for bit this file's log1p_ps and avx2 log1p_negative_ps on the domain.
// Valid range: (-1, 0) and NaN (NaN gives NaN; -0 gives +0; -1, x < -1 and x > 0 give garbage).
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX512_MATH_INLINE __m512 log1p_negative_ps(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 u = _mm512_add_ps(one, x);
  // A NaN x reaches the result through c.
  return math_detail::log1p_core_ps(u, _mm512_sub_ps(x, _mm512_sub_ps(u, one)));
}

// ---------------------------------------------------------------------------------------------
// log1p_nonnegative_ps: log(1 + x) for x >= 0, 16 x float32 (msle).
// Max error: 0.876 ulp from the exact value over every float32 in [0, +inf] (math_sweep.cpp);
//   bit for bit this file's log1p_ps on the domain (1 ulp from avx2 log1p_nonnegative_ps on 114
//   inputs: VRCP14 for VRCPPS).
// Valid range: [0, +inf] and NaN. Specials: log1p(+inf) = +inf, log1p(NaN) = NaN,
//   log1p(+0) = +0 (log1p(-0) = +0; negative x gives garbage).
// ---------------------------------------------------------------------------------------------
LOSSKIT_AVX512_MATH_INLINE __m512 log1p_nonnegative_ps(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 u = _mm512_add_ps(one, x);
  const __m512 r = math_detail::log1p_core_ps(u, _mm512_sub_ps(x, _mm512_sub_ps(u, one)));
  // +inf: its c is inf - inf.
  return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, math_detail::bits_ps(0x7f800000), _CMP_EQ_OQ), x);
}

#undef LOSSKIT_AVX512_MATH_INLINE

}  // namespace avx512
}  // namespace losskit

#endif  // LOSSKIT_NATIVE_SIMD_AVX512_MATH_H_
