// CPU detection and kernel selection (baseline code: no AVX anywhere in this file).
// The AVX2 check follows simdjson's internal/isadetection.h: CPUID leaf 1 must report FMA,
// AVX, XSAVE and OSXSAVE; XGETBV(0) must show the OS saving XMM and YMM state (XCR0 bits 1
// and 2); CPUID leaf 7 must report AVX2 (EBX bit 5). AVX-512 needs that plus, in CPUID leaf 7
// EBX, F (bit 16), DQ (17), BW (30) and VL (31), and XCR0 bits 5, 6 and 7 (the OS saves the
// opmask registers and the upper halves of ZMM0-15 and ZMM16-31). AVX512_VBMI2 is CPUID leaf 7
// ECX bit 6; it only decides the default (bestIsa), not whether avx512 can run.
#include "dispatch.h"

#include <atomic>
#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#define LOSSKIT_X86 1
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace losskit {

namespace isa_scalar {
extern const KernelTable kTable;
}
#if LOSSKIT_HAVE_AVX2_KERNELS
namespace isa_avx2 {
extern const KernelTable kTable;
}
#endif
#if LOSSKIT_HAVE_AVX512_KERNELS
namespace isa_avx512 {
extern const KernelTable kTable;
}
#endif

namespace {

#if (LOSSKIT_HAVE_AVX2_KERNELS || LOSSKIT_HAVE_AVX512_KERNELS) && defined(LOSSKIT_X86)
struct CpuidRegisters {
  uint32_t eax, ebx, ecx, edx;
};

CpuidRegisters cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidRegisters r{};
#if defined(_MSC_VER)
  int regs[4];
  __cpuidex(regs, static_cast<int>(leaf), static_cast<int>(subleaf));
  r = {static_cast<uint32_t>(regs[0]), static_cast<uint32_t>(regs[1]),
       static_cast<uint32_t>(regs[2]), static_cast<uint32_t>(regs[3])};
#else
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
#endif
  return r;
}

// XCR0; only call when CPUID reports OSXSAVE. MSVC proper: the _xgetbv intrinsic. GCC, clang
// and clang-cl: inline asm, because clang's _xgetbv (xsaveintrin.h) carries target("xsave"),
// which clang can refuse to inline into this baseline (no -mxsave) translation unit.
// macOS enables AVX-512 register state lazily (on first use), so XCR0 there does not report
// ZMM state and avx512Available() is false on Intel Macs with AVX-512: they run avx2.
uint64_t xgetbv0() {
#if defined(_MSC_VER) && !defined(__clang__)
  return _xgetbv(0);
#else
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
#endif
}

constexpr uint64_t kXmmYmmState = (1u << 1) | (1u << 2);
// Opmask, ZMM0-15 upper halves, ZMM16-31.
constexpr uint64_t kZmmState = kXmmYmmState | (1u << 5) | (1u << 6) | (1u << 7);
constexpr uint32_t kAvx2 = 1u << 5;
constexpr uint32_t kAvx512Required =
    kAvx2 | (1u << 16) /* F */ | (1u << 17) /* DQ */ | (1u << 30) /* BW */ | (1u << 31) /* VL */;

// CPUID leaf 1 reports FMA and AVX, and the OS uses XSAVE; then XCR0 (which must hold every
// bit of `osState`) and CPUID leaf 7 EBX (every bit of `leaf7Ebx`).
bool detect(uint64_t osState, uint32_t leaf7Ebx) {
  constexpr uint32_t kFma = 1u << 12, kXsave = 1u << 26, kOsxsave = 1u << 27, kAvx = 1u << 28;
  if (cpuid(0, 0).eax < 7) return false;
  const uint32_t ecx = cpuid(1, 0).ecx;
  const uint32_t required = kFma | kXsave | kOsxsave | kAvx;
  if ((ecx & required) != required) return false;
  if ((xgetbv0() & osState) != osState) return false;
  return (cpuid(7, 0).ebx & leaf7Ebx) == leaf7Ebx;
}

constexpr uint32_t kAvx512Vbmi2Ecx = 1u << 6;
#endif

std::atomic<const KernelTable*>& activeSlot() {
  static std::atomic<const KernelTable*> slot{&kernelsFor(bestIsa())};
  return slot;
}

}  // namespace

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    default:
      return "scalar";
  }
}

bool avx2Available() {
#if LOSSKIT_HAVE_AVX2_KERNELS && defined(LOSSKIT_X86)
  static const bool available = detect(kXmmYmmState, kAvx2);
  return available;
#else
  return false;
#endif
}

bool avx512Available() {
#if LOSSKIT_HAVE_AVX512_KERNELS && defined(LOSSKIT_X86)
  static const bool available = detect(kZmmState, kAvx512Required);
  return available;
#else
  return false;
#endif
}

bool isaAvailable(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return avx512Available();
    case Isa::kAvx2:
      return avx2Available();
    default:
      return true;
  }
}

bool avx512Vbmi2Reported() {
#if (LOSSKIT_HAVE_AVX2_KERNELS || LOSSKIT_HAVE_AVX512_KERNELS) && defined(LOSSKIT_X86)
  static const bool reported = cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ecx & kAvx512Vbmi2Ecx) != 0;
  return reported;
#else
  return false;
#endif
}

// AVX-512 is the default where the CPU also reports AVX512_VBMI2: Ice Lake, Tiger Lake,
// Sapphire Rapids and later Intel cores, AMD Zen 4 and later, which run 512-bit FP code without
// the heavy clock drop of Skylake-X / Cascade Lake (those lack VBMI2 and keep avx2). Measured
// on Zen 4 (docs/ARCHITECTURE.md, "AVX-512"): 1.24-1.57x on the exp/log losses (bce, scce, ctc),
// a tie within noise on triplet and the memory-bound mse / huber.
bool avx512ByDefault() { return avx512Available() && avx512Vbmi2Reported(); }

Isa bestIsa() {
  if (avx512ByDefault()) return Isa::kAvx512;
  return avx2Available() ? Isa::kAvx2 : Isa::kScalar;
}

const KernelTable& kernelsFor(Isa isa) {
#if LOSSKIT_HAVE_AVX512_KERNELS
  if (isa == Isa::kAvx512) return isa_avx512::kTable;
#endif
#if LOSSKIT_HAVE_AVX2_KERNELS
  if (isa == Isa::kAvx2) return isa_avx2::kTable;
#endif
  (void)isa;
  return isa_scalar::kTable;
}

const KernelTable& activeKernels() { return *activeSlot().load(std::memory_order_acquire); }

Isa activeIsa() {
  const KernelTable* active = &activeKernels();
  // kernelsFor falls back to the scalar table for an ISA this build lacks, hence the checks.
  if (avx512Available() && active == &kernelsFor(Isa::kAvx512)) return Isa::kAvx512;
  if (avx2Available() && active == &kernelsFor(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kScalar;
}

void selectIsa(Isa isa) { activeSlot().store(&kernelsFor(isa), std::memory_order_release); }

}  // namespace losskit
