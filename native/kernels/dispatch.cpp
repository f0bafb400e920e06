// CPU detection and kernel selection (baseline code: no AVX anywhere in this file).
// The AVX2 check follows simdjson's internal/isadetection.h: CPUID leaf 1 must report FMA,
// AVX, XSAVE and OSXSAVE; XGETBV(0) must show the OS saving XMM and YMM state (XCR0 bits 1
// and 2); CPUID leaf 7 must report AVX2 (EBX bit 5).
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

namespace {

#if LOSSKIT_HAVE_AVX2_KERNELS && defined(LOSSKIT_X86)
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

// XCR0; only call when CPUID reports OSXSAVE.
uint64_t xgetbv0() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
#endif
}

bool detectAvx2() {
  constexpr uint32_t kFma = 1u << 12, kXsave = 1u << 26, kOsxsave = 1u << 27, kAvx = 1u << 28;
  constexpr uint64_t kXmmYmmState = (1u << 1) | (1u << 2);
  constexpr uint32_t kAvx2 = 1u << 5;
  if (cpuid(0, 0).eax < 7) return false;
  const uint32_t ecx = cpuid(1, 0).ecx;
  const uint32_t required = kFma | kXsave | kOsxsave | kAvx;
  if ((ecx & required) != required) return false;
  if ((xgetbv0() & kXmmYmmState) != kXmmYmmState) return false;
  return (cpuid(7, 0).ebx & kAvx2) != 0;
}
#endif

std::atomic<const KernelTable*>& activeSlot() {
  static std::atomic<const KernelTable*> slot{&kernelsFor(bestIsa())};
  return slot;
}

}  // namespace

const char* isaName(Isa isa) { return isa == Isa::kAvx2 ? "avx2" : "scalar"; }

bool avx2Available() {
#if LOSSKIT_HAVE_AVX2_KERNELS && defined(LOSSKIT_X86)
  static const bool available = detectAvx2();
  return available;
#else
  return false;
#endif
}

bool isaAvailable(Isa isa) { return isa == Isa::kScalar || avx2Available(); }

Isa bestIsa() { return avx2Available() ? Isa::kAvx2 : Isa::kScalar; }

const KernelTable& kernelsFor(Isa isa) {
#if LOSSKIT_HAVE_AVX2_KERNELS
  if (isa == Isa::kAvx2) return isa_avx2::kTable;
#endif
  (void)isa;
  return isa_scalar::kTable;
}

const KernelTable& activeKernels() { return *activeSlot().load(std::memory_order_acquire); }

Isa activeIsa() { return &activeKernels() == &isa_scalar::kTable ? Isa::kScalar : Isa::kAvx2; }

void selectIsa(Isa isa) { activeSlot().store(&kernelsFor(isa), std::memory_order_release); }

}  // namespace losskit
