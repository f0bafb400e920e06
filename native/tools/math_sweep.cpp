// Accuracy sweep and micro-benchmark for native/simd/avx2/math.h, or with
// -DLOSSKIT_SWEEP_AVX512 for native/simd/avx512/math.h (same functions, 16 / 8 lanes).
//
//   g++ -O2 -mavx2 -mfma -std=c++17 native/tools/math_sweep.cpp -o /tmp/math_sweep
//   g++ -O2 -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma -DLOSSKIT_SWEEP_AVX512 -std=c++17 \
//       native/tools/math_sweep.cpp -o /tmp/math_sweep512
//   /tmp/math_sweep            # every float32, ~10^7 float64 per function, specials, timing
//   /tmp/math_sweep --quick    # every 16th float32 bit pattern, 10^6 float64 per function
//   /tmp/math_sweep --only log # one function (exp, log, log1p, exp_nonpositive, log1p_unit,
//                              # log_positive, log1p_negative, log1p_nonnegative);
//                              # --bench: timing only
//
// exp_nonpositive, log1p_unit, log_positive, log1p_negative and log1p_nonnegative (the kernels'
// domain-restricted forms) are swept over their domains only: every float32 x <= 0 (-0 to
// -inf), in [0, 1], positive normal, in (-1, 0), in [0, +inf]. Their float64 forms are sampled
// over the same domains: exp_nonpositive_pd and log1p_unit_pd (tables on avx512, exp_pd and
// log1p_pd on avx2), the others exp_pd / log1p_pd / log_pd themselves. exp_nonpositive is e^-|x|
// for any float32 x: the specials check that x > 0 gives the bits of -x.
//
// Errors are measured in ulps of the exact result, fractional, so 0.5 means correctly rounded:
// float32 against libm in double (itself < 1 double ulp, i.e. 2^-29 float ulps), float64
// against libm in long double (64-bit mantissa, 2^-11 double ulps). Infinity returned where a
// finite value was due is scored as 2^128 (float) / 2^1024 (double), the next "binade".
#include <cfloat>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#if defined(LOSSKIT_SWEEP_AVX512)
#include "../simd/avx512/math.h"
namespace simd = losskit::avx512;
#define LOSSKIT_SWEEP_ISA "avx512"
#else
#include "../simd/avx2/math.h"
namespace simd = losskit::avx2;
#define LOSSKIT_SWEEP_ISA "avx2"
#endif

namespace {

using simd::exp_nonpositive_pd;
using simd::exp_nonpositive_ps;
using simd::exp_pd;
using simd::exp_ps;
using simd::log1p_negative_ps;
using simd::log1p_nonnegative_ps;
using simd::log1p_unit_pd;
using simd::log1p_unit_ps;
using simd::log_positive_ps;
using simd::log1p_pd;
using simd::log1p_ps;
using simd::log_pd;
using simd::log_ps;

// One vector of each width, and its loads and stores.
#if defined(LOSSKIT_SWEEP_AVX512)
using VecF32 = __m512;
using VecF64 = __m512d;
constexpr std::size_t kLanesF32 = 16, kLanesF64 = 8;
inline VecF32 load_f32(const float* p) { return _mm512_loadu_ps(p); }
inline VecF64 load_f64(const double* p) { return _mm512_loadu_pd(p); }
inline void store_f32(float* p, VecF32 v) { _mm512_storeu_ps(p, v); }
inline void store_f64(double* p, VecF64 v) { _mm512_storeu_pd(p, v); }
#else
using VecF32 = __m256;
using VecF64 = __m256d;
constexpr std::size_t kLanesF32 = 8, kLanesF64 = 4;
inline VecF32 load_f32(const float* p) { return _mm256_loadu_ps(p); }
inline VecF64 load_f64(const double* p) { return _mm256_loadu_pd(p); }
inline void store_f32(float* p, VecF32 v) { _mm256_storeu_ps(p, v); }
inline void store_f64(double* p, VecF64 v) { _mm256_storeu_pd(p, v); }
#endif

constexpr double kInf = std::numeric_limits<double>::infinity();

float float_from_bits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
std::uint32_t bits_of(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
double double_from_bits(std::uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}
std::uint64_t bits_of_f64(double d) {
  std::uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

// Error of float y against the (nearly) exact ref, in float32 ulps of ref.
double ulp_error_f32(float y, double ref) {
  if (std::isnan(ref) || std::isnan(y)) return (std::isnan(ref) && std::isnan(y)) ? 0.0 : kInf;
  if (std::isinf(float(ref)) && double(y) == double(float(ref))) return 0.0;  // overflow, as due
  if (std::isinf(ref)) return kInf;
  if (ref == 0.0) return (y == 0.0f && std::signbit(y) == std::signbit(ref)) ? 0.0 : kInf;
  const double yv = std::isinf(y) ? std::copysign(0x1p128, double(y)) : double(y);
  int exponent = std::ilogb(ref);
  if (exponent < -126) exponent = -126;  // denormal range: fixed ulp 2^-149
  if (exponent > 127) exponent = 127;
  return std::fabs(yv - ref) / std::ldexp(1.0, exponent - 23);
}

// Error of double y against the long double ref, in float64 ulps of ref.
double ulp_error_f64(double y, long double ref) {
  if (std::isnan(ref) || std::isnan(y)) return (std::isnan(ref) && std::isnan(y)) ? 0.0 : kInf;
  if (std::isinf(double(ref)) && (long double)y == (long double)double(ref)) return 0.0;
  if (std::isinf(ref)) return kInf;
  if (ref == 0.0L) return (y == 0.0 && std::signbit(y) == std::signbit(ref)) ? 0.0 : kInf;
  const long double yv = std::isinf(y) ? std::copysign(0x1p1024L, (long double)y) : (long double)y;
  int exponent = std::ilogb(ref);
  if (exponent < -1022) exponent = -1022;
  if (exponent > 1023) exponent = 1023;
  return double(std::fabs(yv - ref) / std::ldexp(1.0L, exponent - 52));
}

struct Stats {
  double max_err = 0;
  double worst_x = 0;
  double worst_y = 0;
  double worst_ref = 0;
  std::uint64_t count = 0;
  std::uint64_t over_half = 0;  // results that are not correctly rounded
  void add(double err, double x, double y, double ref) {
    ++count;
    if (err > 0.5) ++over_half;
    if (err > max_err || std::isnan(err)) {
      max_err = err;
      worst_x = x;
      worst_y = y;
      worst_ref = ref;
    }
  }
  void merge(const Stats& o) {
    count += o.count;
    over_half += o.over_half;
    if (o.max_err > max_err) {
      max_err = o.max_err;
      worst_x = o.worst_x;
      worst_y = o.worst_y;
      worst_ref = o.worst_ref;
    }
  }
  void print(const char* name) const {
    std::printf("%-10s max %.3f ulp  at x=%.9g (got %.17g, want %.17g); %llu samples, %.4f%% not correctly rounded\n",
                name, max_err, worst_x, worst_y, worst_ref, (unsigned long long)count,
                count ? 100.0 * double(over_half) / double(count) : 0.0);
  }
};

enum class Fn { Exp, Log, Log1p, ExpNonPositive, Log1pUnit, LogPositive, Log1pNegative, Log1pNonNegative };
const char* fn_name(Fn fn) {
  switch (fn) {
    case Fn::Exp: return "exp";
    case Fn::Log: return "log";
    case Fn::Log1p: return "log1p";
    case Fn::ExpNonPositive: return "exp_nonpositive";
    case Fn::Log1pUnit: return "log1p_unit";
    case Fn::LogPositive: return "log_positive";
    case Fn::Log1pNegative: return "log1p_negative";
    case Fn::Log1pNonNegative: return "log1p_nonnegative";
  }
  return "?";
}
// The function of libm a restricted form computes.
Fn general_form(Fn fn) {
  switch (fn) {
    case Fn::ExpNonPositive: return Fn::Exp;
    case Fn::Log1pUnit: case Fn::Log1pNegative: case Fn::Log1pNonNegative: return Fn::Log1p;
    case Fn::LogPositive: return Fn::Log;
    default: return fn;
  }
}

// One loop per function (the function chosen outside the loop, as in the kernels).
template <class VecFn>
void map_f32(VecFn f, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; i += kLanesF32) store_f32(y + i, f(load_f32(x + i)));
}
template <class VecFn>
void map_f64(VecFn f, const double* x, double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; i += kLanesF64) store_f64(y + i, f(load_f64(x + i)));
}
// n must be a multiple of kLanesF32 (f32) / kLanesF64 (f64).
void apply_f32(Fn fn, const float* x, float* y, std::size_t n) {
  switch (fn) {
    case Fn::Exp: return map_f32([](VecF32 v) { return exp_ps(v); }, x, y, n);
    case Fn::Log: return map_f32([](VecF32 v) { return log_ps(v); }, x, y, n);
    case Fn::Log1p: return map_f32([](VecF32 v) { return log1p_ps(v); }, x, y, n);
    case Fn::ExpNonPositive: return map_f32([](VecF32 v) { return exp_nonpositive_ps(v); }, x, y, n);
    case Fn::Log1pUnit: return map_f32([](VecF32 v) { return log1p_unit_ps(v); }, x, y, n);
    case Fn::LogPositive: return map_f32([](VecF32 v) { return log_positive_ps(v); }, x, y, n);
    case Fn::Log1pNegative: return map_f32([](VecF32 v) { return log1p_negative_ps(v); }, x, y, n);
    case Fn::Log1pNonNegative: return map_f32([](VecF32 v) { return log1p_nonnegative_ps(v); }, x, y, n);
  }
}
void apply_f64(Fn fn, const double* x, double* y, std::size_t n) {
  if (fn == Fn::Log1pUnit) return map_f64([](VecF64 v) { return log1p_unit_pd(v); }, x, y, n);
  if (fn == Fn::ExpNonPositive) return map_f64([](VecF64 v) { return exp_nonpositive_pd(v); }, x, y, n);
  switch (general_form(fn)) {
    case Fn::Exp: return map_f64([](VecF64 v) { return exp_pd(v); }, x, y, n);
    case Fn::Log: return map_f64([](VecF64 v) { return log_pd(v); }, x, y, n);
    case Fn::Log1p: return map_f64([](VecF64 v) { return log1p_pd(v); }, x, y, n);
    default: return;
  }
}
double ref_f32(Fn fn, float x) {
  fn = general_form(fn);
  const double d = x;
  return fn == Fn::Exp ? std::exp(d) : fn == Fn::Log ? std::log(d) : std::log1p(d);
}
long double ref_f64(Fn fn, double x) {
  fn = general_form(fn);
  const long double d = x;
  return fn == Fn::Exp ? expl(d) : fn == Fn::Log ? logl(d) : log1pl(d);
}

// The float32 bit patterns [first, first + count) a function is swept over: all 2^32, or the
// domain of a restricted form (-0 to -inf; +0 to 1).
struct BitRange {
  std::uint64_t first, count;
};
BitRange domain_f32(Fn fn) {
  if (fn == Fn::ExpNonPositive) return {0x80000000u, 0xff800000u - 0x80000000u + 1};
  if (fn == Fn::Log1pUnit) return {0, 0x3f800000u + 1};
  if (fn == Fn::LogPositive) return {0x00800000u, 0x7f7fffffu - 0x00800000u + 1};
  if (fn == Fn::Log1pNegative) return {0x80000001u, 0xbf7fffffu - 0x80000001u + 1};  // (-1, -0)
  if (fn == Fn::Log1pNonNegative) return {0, 0x7f800000u + 1};  // +0 to +inf
  return {0, std::uint64_t(1) << 32};
}

// Every stride-th float32 bit pattern of the function's domain (stride 1: all of them), split
// over the cores.
Stats sweep_f32(Fn fn, std::uint32_t stride) {
  const BitRange domain = domain_f32(fn);
  unsigned threads = std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;
  std::vector<Stats> partial(threads);
  std::vector<std::thread> pool;
  const std::uint64_t total = domain.count / stride;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      constexpr std::size_t kBatch = 4096;
      std::vector<float> x(kBatch), y(kBatch);
      const std::uint64_t begin = total * t / threads, end = total * (t + 1) / threads;
      for (std::uint64_t i = begin; i < end; i += kBatch) {
        const std::size_t n = std::size_t(std::min<std::uint64_t>(kBatch, end - i));
        for (std::size_t j = 0; j < kBatch; ++j) x[j] = float_from_bits(std::uint32_t(domain.first + (i + (j < n ? j : 0)) * stride));
        apply_f32(fn, x.data(), y.data(), kBatch);
        for (std::size_t j = 0; j < n; ++j) {
          const double ref = ref_f32(fn, x[j]);
          partial[t].add(ulp_error_f32(y[j], ref), x[j], y[j], ref);
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  Stats all;
  for (auto& s : partial) all.merge(s);
  return all;
}

// float64 samples for one function: broad random coverage plus dense walks around the places
// where range reduction, scaling or the special-value blends change behaviour.
std::vector<double> samples_f64(Fn fn, std::size_t n_random) {
  std::mt19937_64 rng(12345 + int(fn));
  std::vector<double> xs;
  auto uniform = [&](double lo, double hi, std::size_t n) {
    std::uniform_real_distribution<double> d(lo, hi);
    for (std::size_t i = 0; i < n; ++i) xs.push_back(d(rng));
  };
  // Random bit patterns between two positive doubles: log-uniform, denormals included.
  auto log_uniform = [&](double lo, double hi, std::size_t n, bool both_signs) {
    std::uint64_t a, b;
    std::memcpy(&a, &lo, 8);
    std::memcpy(&b, &hi, 8);
    std::uniform_int_distribution<std::uint64_t> d(a, b);
    for (std::size_t i = 0; i < n; ++i) {
      const double v = double_from_bits(d(rng));
      xs.push_back(both_signs && (rng() & 1) ? -v : v);
    }
  };
  // k ulps either side of a point.
  auto walk = [&](double center, int k) {
    double up = center, down = center;
    xs.push_back(center);
    for (int i = 0; i < k; ++i) {
      up = std::nextafter(up, kInf);
      down = std::nextafter(down, -kInf);
      xs.push_back(up);
      xs.push_back(down);
    }
  };
  switch (fn) {
    case Fn::Exp:
      uniform(-750, 750, n_random * 4 / 10);
      uniform(-1, 1, n_random / 10);
      log_uniform(DBL_TRUE_MIN, 750, n_random * 4 / 10, true);
      walk(709.782712893384, 20000);     // overflow threshold
      walk(-708.3964185322641, 20000);   // result crosses DBL_MIN
      walk(-744.4400719213812, 20000);   // result near the smallest denormal
      walk(-745.1332191019412, 20000);   // result rounds to 0 below here
      for (int k = -1080; k <= 1030; ++k) walk(k * 0.6931471805599453, 20);  // reduction ties
      break;
    case Fn::Log:
      log_uniform(DBL_TRUE_MIN, DBL_MAX, n_random * 5 / 10, false);
      uniform(0.5, 2.0, n_random * 3 / 10);
      log_uniform(1.0, 1.0 + 0x1p-10, n_random / 20, false);
      log_uniform(1.0 - 0x1p-10, 1.0, n_random / 20, false);
      log_uniform(DBL_TRUE_MIN, DBL_MIN, n_random / 10, false);  // denormals
      walk(1.0, 100000);
      walk(0.7071067811865476, 20000);  // reduction boundaries
      walk(1.4142135623730951, 20000);
      walk(DBL_MIN, 20000);
      walk(DBL_MAX, 1000);
      break;
    case Fn::Log1p:
      log_uniform(DBL_TRUE_MIN, 1.0, n_random * 3 / 10, true);  // tiny, both signs
      log_uniform(1.0, DBL_MAX, n_random * 2 / 10, false);
      uniform(-1.0, 1.0, n_random * 3 / 10);
      uniform(-1.0, -0.5, n_random / 10);
      log_uniform(0x1p-60, 0.5, n_random / 10, false);
      walk(-1.0 + 0x1p-53, 20000);  // just above -1
      walk(0.41421356237309503, 20000);  // u crosses sqrt(2)
      walk(-0.2928932188134524, 20000);  // u crosses sqrt(1/2)
      walk(0x1p53, 20000);  // where 1 + x stops being exact in the correction
      walk(1.0, 20000);
      walk(DBL_MAX, 1000);
      break;
    case Fn::ExpNonPositive:
      uniform(-750, 0, n_random * 5 / 10);
      uniform(-1, 0, n_random / 10);
      log_uniform(DBL_TRUE_MIN, 750, n_random * 4 / 10, false);
      for (double& x : xs) x = -std::fabs(x);
      walk(-708.3964185322641, 20000);
      walk(-745.1332191019412, 20000);
      // avx512 exp_nonpositive_pd's rounding edges x = -(m + 1/2) ln 2 / 16 (where j changes).
      for (int m = 0; m < 48; ++m) walk(-(m + 0.5) * 0.69314718055994530942 / 16, 500);
      break;
    case Fn::Log1pUnit:
      uniform(0, 1, n_random * 5 / 10);
      log_uniform(DBL_TRUE_MIN, 1.0, n_random * 5 / 10, false);
      walk(0.41421356237309503, 20000);
      // avx512 log1p_unit_pd's interval edges (j + 1/2)/15, and the top of the domain.
      for (int j = 0; j < 15; ++j) walk((j + 0.5) / 15, 2000);
      walk(1.0, 2000);
      xs.erase(std::remove_if(xs.begin(), xs.end(), [](double x) { return x > 1.0; }), xs.end());
      break;
    case Fn::LogPositive:
      log_uniform(DBL_MIN, DBL_MAX, n_random * 5 / 10, false);
      uniform(1e-7, 1 - 1e-7, n_random * 5 / 10);
      break;
    case Fn::Log1pNonNegative:
      log_uniform(DBL_TRUE_MIN, DBL_MAX, n_random * 5 / 10, false);
      uniform(0, 4, n_random * 5 / 10);
      break;
    case Fn::Log1pNegative:
      uniform(-1 + 0x1p-53, -0x1p-60, n_random * 5 / 10);
      log_uniform(DBL_TRUE_MIN, 0.5, n_random * 5 / 10, false);
      for (double& x : xs) x = -std::fabs(x);
      break;
  }
  while (xs.size() % kLanesF64) xs.push_back(fn == Fn::ExpNonPositive || fn == Fn::Log1pNegative ? -0.5 : 0.5);
  return xs;
}

Stats sweep_f64(Fn fn, std::size_t n_random) {
  const std::vector<double> xs = samples_f64(fn, n_random);
  std::vector<double> ys(xs.size());
  apply_f64(fn, xs.data(), ys.data(), xs.size());
  Stats s;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const long double ref = ref_f64(fn, xs[i]);
    s.add(ulp_error_f64(ys[i], ref), xs[i], ys[i], double(ref));
  }
  return s;
}

// Special values (NaN, infinities, zeros, log(1)) must match libm bit for bit, any NaN
// matching any NaN; the other probes (thresholds, extremes) must be within 1 ulp.
int check_specials() {
  const float f_inputs[] = {0.0f, -0.0f, 1.0f, -1.0f, INFINITY, -INFINITY, NAN, -NAN, FLT_MIN, FLT_TRUE_MIN,
                            -FLT_TRUE_MIN, FLT_MAX, -FLT_MAX, 1e-20f, -1e-20f, 88.72283f, 88.72284f, -87.33654f,
                            -103.97207f, -103.97208f, -104.0f, -110.0f, 1e30f, 0x1p24f, 0x1p25f};
  const double d_inputs[] = {0.0, -0.0, 1.0, -1.0, INFINITY, -INFINITY, NAN, -NAN, DBL_MIN, DBL_TRUE_MIN,
                             -DBL_TRUE_MIN, DBL_MAX, -DBL_MAX, 1e-20, -1e-20, 1e-300, 709.782712893384,
                             709.7827128933841, -708.3964185322641, -745.1332191019411, -745.1332191019412,
                             -746.0, -750.0, 1e300, 0x1p53, 0x1p54};
  int failures = 0;
  auto must_be_exact = [](Fn fn, double x, double want) {
    return std::isnan(want) || std::isinf(want) || want == 0.0 || (fn == Fn::Log && x == 1.0);
  };
  for (Fn fn : {Fn::Exp, Fn::Log, Fn::Log1p}) {
    for (float x : f_inputs) {
      alignas(64) float in[kLanesF32], out[kLanesF32];
      for (float& v : in) v = x;
      apply_f32(fn, in, out, kLanesF32);
      const float want = fn == Fn::Exp ? std::exp(x) : fn == Fn::Log ? std::log(x) : std::log1p(x);
      const bool ok = must_be_exact(fn, x, want)
                          ? (std::isnan(want) && std::isnan(out[0])) || bits_of(want) == bits_of(out[0])
                          : ulp_error_f32(out[0], ref_f32(fn, x)) <= 1.0;
      if (!ok) {
        std::printf("SPECIAL MISMATCH f32 %s(%.9g) = %.9g, libm %.9g\n", fn_name(fn), x, out[0], want);
        ++failures;
      }
    }
    for (double x : d_inputs) {
      alignas(64) double in[kLanesF64], out[kLanesF64];
      for (double& v : in) v = x;
      apply_f64(fn, in, out, kLanesF64);
      const double want = fn == Fn::Exp ? std::exp(x) : fn == Fn::Log ? std::log(x) : std::log1p(x);
      std::uint64_t a, b;
      std::memcpy(&a, &want, 8);
      std::memcpy(&b, &out[0], 8);
      const bool ok = must_be_exact(fn, x, want) ? (std::isnan(want) && std::isnan(out[0])) || a == b
                                                 : ulp_error_f64(out[0], ref_f64(fn, x)) <= 1.0;
      if (!ok) {
        std::printf("SPECIAL MISMATCH f64 %s(%.17g) = %.17g, libm %.17g\n", fn_name(fn), x, out[0], want);
        ++failures;
      }
    }
  }
  // The restricted forms on their domains' special values.
  const float nonpositive[] = {-0.0f, 0.0f, -INFINITY, NAN, -FLT_MAX, -110.0f, -103.97208f, -103.5f, -87.33654f, -1e-30f};
  const float unit[] = {0.0f, NAN, FLT_TRUE_MIN, FLT_MIN, 1e-30f, 0x1p-24f, 0.41421356f, 1.0f};
  for (Fn fn : {Fn::ExpNonPositive, Fn::Log1pUnit}) {
    const float* inputs = fn == Fn::ExpNonPositive ? nonpositive : unit;
    const std::size_t count = fn == Fn::ExpNonPositive ? std::size(nonpositive) : std::size(unit);
    for (std::size_t i = 0; i < count; ++i) {
      const float x = inputs[i];
      alignas(64) float in[kLanesF32], out[kLanesF32];
      for (float& v : in) v = x;
      apply_f32(fn, in, out, kLanesF32);
      const float want = fn == Fn::ExpNonPositive ? std::exp(x) : std::log1p(x);
      const bool ok = must_be_exact(fn, x, want)
                          ? (std::isnan(want) && std::isnan(out[0])) || bits_of(want) == bits_of(out[0])
                          : ulp_error_f32(out[0], ref_f32(fn, x)) <= 1.0;
      if (!ok) {
        std::printf("SPECIAL MISMATCH f32 %s(%.9g) = %.9g, libm %.9g\n", fn_name(fn), x, out[0], want);
        ++failures;
      }
    }
  }
  // exp_nonpositive_pd on its domain's special values: libm's bits.
  for (double x : {0.0, -0.0, double(NAN), -double(INFINITY), -750.0, -1e-300}) {
    alignas(64) double in[kLanesF64], out[kLanesF64];
    for (double& v : in) v = x;
    apply_f64(Fn::ExpNonPositive, in, out, kLanesF64);
    const double want = std::exp(x);
    if (std::isnan(want) ? !std::isnan(out[0]) : bits_of_f64(out[0]) != bits_of_f64(want)) {
      std::printf("SPECIAL MISMATCH f64 exp_nonpositive(%.17g) = %.17g, libm %.17g\n", x, out[0], want);
      ++failures;
    }
  }
  // log1p_unit_pd on its domain's special values: libm's bits, but -0 may give +0 (the avx512
  // table form does, as the float32 forms do; avx2's log1p_pd gives -0).
  for (double x : {0.0, -0.0, double(NAN), DBL_TRUE_MIN, DBL_MIN, 1e-300, 0x1p-53, 1.0}) {
    alignas(64) double in[kLanesF64], out[kLanesF64];
    for (double& v : in) v = x;
    apply_f64(Fn::Log1pUnit, in, out, kLanesF64);
    const double want = std::log1p(x);
    const bool ok = std::isnan(want) ? std::isnan(out[0])
                    : x == 0.0       ? out[0] == 0.0 && (bits_of_f64(out[0]) == bits_of_f64(0.0) || std::signbit(x))
                                     : bits_of_f64(out[0]) == bits_of_f64(want);
    if (!ok) {
      std::printf("SPECIAL MISMATCH f64 log1p_unit(%.17g) = %.17g, libm %.17g\n", x, out[0], want);
      ++failures;
    }
  }
  // exp_nonpositive_ps is e^-|x| for any x (the logistic passes its logit as it is): x > 0
  // must give the bits of -x.
  for (float x : {0.0f, FLT_TRUE_MIN, 1e-30f, 0.3f, 0.34657359f, 1.0f, 87.33654f, 103.5f, 110.0f, FLT_MAX, INFINITY}) {
    alignas(64) float in[kLanesF32], out[kLanesF32], negated[kLanesF32];
    for (float& v : in) v = x;
    apply_f32(Fn::ExpNonPositive, in, out, kLanesF32);
    for (float& v : in) v = -x;
    apply_f32(Fn::ExpNonPositive, in, negated, kLanesF32);
    if (bits_of(out[0]) != bits_of(negated[0])) {
      std::printf("SPECIAL MISMATCH f32 exp_nonpositive(%.9g) = %.9g, of -x %.9g\n", x, out[0], negated[0]);
      ++failures;
    }
  }
  std::printf("specials: %s\n", failures ? "FAILED" : "all as libm");
  return failures;
}

template <class F>
double time_ns_per_call(F&& body, std::size_t calls) {
  const auto t0 = std::chrono::steady_clock::now();
  body();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / double(calls);
}

// Throughput over an L1-resident buffer, so the number is the function, not memory.
void benchmark() {
  constexpr std::size_t kN = 2048, kReps = 20000;
  std::mt19937 rng(7);
  std::vector<float> xf(kN), yf(kN);
  std::vector<double> xd(kN), yd(kN);
  for (Fn fn : {Fn::Exp, Fn::Log, Fn::Log1p, Fn::ExpNonPositive, Fn::Log1pUnit}) {
    const double lo = fn == Fn::Exp ? -80.0 : fn == Fn::ExpNonPositive ? -80.0 : fn == Fn::Log1pUnit ? 0.0 : 1e-6;
    const double hi = fn == Fn::Exp ? 80.0 : fn == Fn::ExpNonPositive ? 0.0 : fn == Fn::Log1pUnit ? 1.0 : 1e6;
    std::uniform_real_distribution<double> d(lo, hi);
    for (std::size_t i = 0; i < kN; ++i) xd[i] = d(rng), xf[i] = float(xd[i]);
    volatile float sink_f = 0;
    volatile double sink_d = 0;
    const double ns_f = time_ns_per_call(
        [&] {
          for (std::size_t r = 0; r < kReps; ++r) {
            apply_f32(fn, xf.data(), yf.data(), kN);
            asm volatile("" ::"r"(yf.data()) : "memory");
          }
        },
        kReps * kN / kLanesF32);
    sink_f = yf[kN / 2];
    const double ns_d = time_ns_per_call(
        [&] {
          for (std::size_t r = 0; r < kReps; ++r) {
            apply_f64(fn, xd.data(), yd.data(), kN);
            asm volatile("" ::"r"(yd.data()) : "memory");
          }
        },
        kReps * kN / kLanesF64);
    sink_d = yd[kN / 2];
    (void)sink_f;
    (void)sink_d;
    std::printf("speed %-15s f32: %.2f ns per %zu floats   f64: %.2f ns per %zu doubles\n", fn_name(fn), ns_f, kLanesF32, ns_d, kLanesF64);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, bench_only = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") quick = true;
    if (arg == "--bench") bench_only = true;
    if (arg == "--only" && i + 1 < argc) only = argv[++i];
  }
  std::printf("isa: %s\n", LOSSKIT_SWEEP_ISA);
  int failures = check_specials();
  if (!bench_only) {
    for (Fn fn : {Fn::Exp, Fn::Log, Fn::Log1p, Fn::ExpNonPositive, Fn::Log1pUnit, Fn::LogPositive, Fn::Log1pNegative,
               Fn::Log1pNonNegative}) {
      if (!only.empty() && only != fn_name(fn)) continue;
      const Stats s32 = sweep_f32(fn, quick ? 16 : 1);
      s32.print((std::string(fn_name(fn)) + "_ps").c_str());
      const Stats s64 = sweep_f64(fn, quick ? 1000000 : 10000000);
      s64.print((std::string(fn_name(fn)) + "_pd").c_str());
      std::fflush(stdout);
    }
  }
  benchmark();
  return failures ? 1 : 0;
}
