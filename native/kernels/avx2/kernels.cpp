// The AVX2 + FMA kernels: the shared templates instantiated for avx2::VecF32x8 and
// avx2::VecF64x4 in their own namespace (losskit::isa_avx2). Only this translation unit is
// compiled with -mavx2 -mfma (CMakeLists.txt); dispatch.cpp enters it only after checking
// the CPU and the OS (cpuid + XGETBV), and nothing here runs at load time (the table is
// constant-initialised data).
#define LOSSKIT_ISA_NAMESPACE isa_avx2

#include "../../simd/scalar.h"
#include "../../simd/avx2/vec.h"
#include "../../simd/avx2/vec_math.h"

namespace losskit {
namespace isa_avx2 {
using VecF32 = avx2::VecF32x8;
using VecF64 = avx2::VecF64x4;
constexpr const char* kIsaName = "avx2";
// Clears the upper YMM halves before returning to baseline code (see cleanEntry, isa_table.h).
inline void leaveVectorCode() { _mm256_zeroupper(); }
}  // namespace isa_avx2
}  // namespace losskit

#include "../isa_table.h"
