// Throughput of the 512-bit operations the BCE-from-logits kernel is made of, on this CPU: the
// source of the Zen 4 figures in simd/avx512/math.h (log1p_unit_ps) and docs/ARCHITECTURE.md.
//
//   g++ -O3 -mavx512f -mavx512dq -std=c++17 native/tools/vector_op_throughput.cpp -o /tmp/vot
//   /tmp/vot
//
// Each line times eight independent chains of one operation (or four of each of two), so the
// result is issue throughput, not latency. Cycles assume the clock implied by a dependent
// VADDPS chain of latency 3 (Zen 4; a different latency scales every line alike).
#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

constexpr long kSteps = 20000000;

// Keeps eight vectors live (and their operations) without touching memory.
#define LOSSKIT_SINK8(v) __asm__ volatile("" ::"v"(v[0]), "v"(v[1]), "v"(v[2]), "v"(v[3]), "v"(v[4]), "v"(v[5]), "v"(v[6]), "v"(v[7]))

// Seconds per step of eight operations: first(v[k]) for k < 4, second(v[k]) for k >= 4.
template <class F, class G>
double perStep(F first, G second) {
  __m512 v[8];
  for (int k = 0; k < 8; ++k) v[k] = _mm512_set1_ps(0.5f + 0.01f * k);
  const double start = seconds();
  for (long n = 0; n < kSteps; ++n) {
    v[0] = first(v[0]); v[1] = first(v[1]); v[2] = first(v[2]); v[3] = first(v[3]);
    v[4] = second(v[4]); v[5] = second(v[5]); v[6] = second(v[6]); v[7] = second(v[7]);
    LOSSKIT_SINK8(v);
  }
  return (seconds() - start) / kSteps;
}

}  // namespace

int main() {
  const __m512 c1 = _mm512_set1_ps(1.0001f), c2 = _mm512_set1_ps(0.25f);
  const __m512 t0 = _mm512_set1_ps(1.0f), t1 = _mm512_set1_ps(2.0f);

  // The clock: a dependent chain of adds.
  __m512 s = _mm512_set1_ps(1.0f);
  double start = seconds();
  for (long n = 0; n < 4 * kSteps; ++n) {
    s = _mm512_add_ps(s, c2);
    __asm__ volatile("" : "+v"(s));
  }
  const double cycle = (seconds() - start) / (4.0 * kSteps) / 3.0;
  std::printf("clock %.2f GHz (dependent VADDPS, latency 3)\n", 1e-9 / cycle);

  const auto fma = [&](__m512 x) { return _mm512_fmadd_ps(x, c1, c2); };
  const auto add = [&](__m512 x) { return _mm512_add_ps(x, c1); };
  const auto perm = [&](__m512 x) { return _mm512_permutex2var_ps(t0, _mm512_castps_si512(x), t1); };
  const auto scalef = [&](__m512 x) { return _mm512_scalef_ps(x, c2); };
  const auto div = [&](__m512 x) { return _mm512_div_ps(c1, x); };
  const struct { const char* name; double step; } rows[] = {
      {"8 FMA", perStep(fma, fma)},
      {"8 add", perStep(add, add)},
      {"4 FMA + 4 add", perStep(fma, add)},
      {"8 VPERMT2PS", perStep(perm, perm)},
      {"4 VSCALEFPS + 4 FMA", perStep(scalef, fma)},
      {"4 VDIVPS + 4 FMA", perStep(div, fma)},
  };
  for (const auto& row : rows) std::printf("%-22s %6.2f cycles\n", row.name, row.step / cycle);

  // Stores: eight to distinct lines of an L1-resident buffer, 512-bit and 256-bit.
  float* buffer = static_cast<float*>(std::aligned_alloc(64, 4096));
  start = seconds();
  for (long n = 0; n < kSteps; ++n) {
    for (int k = 0; k < 8; ++k) _mm512_store_ps(buffer + 16 * k, c1);
    __asm__ volatile("" ::: "memory");
  }
  const double zmmStore = (seconds() - start) / kSteps / 8;
  start = seconds();
  for (long n = 0; n < kSteps; ++n) {
    for (int k = 0; k < 8; ++k) _mm256_store_ps(buffer + 8 * k, _mm512_castps512_ps256(c1));
    __asm__ volatile("" ::: "memory");
  }
  const double ymmStore = (seconds() - start) / kSteps / 8;
  std::printf("512-bit store %5.2f cycles each, 256-bit store %5.2f\n", zmmStore / cycle, ymmStore / cycle);
  std::free(buffer);
}
