// The AVX-512 kernels: the shared templates instantiated for avx512::VecF32x16 and
// avx512::VecF64x8 in their own namespace (losskit::isa_avx512). Only this translation unit is
// compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma (CMakeLists.txt);
// dispatch.cpp enters it only after checking the CPU and the OS (cpuid + XGETBV: ZMM and
// opmask state), and nothing here runs at load time (the table is constant-initialised data).
#define LOSSKIT_ISA_NAMESPACE isa_avx512

// GCC 12's avx512fintrin.h self-initialises the "undefined" source of unmasked intrinsics
// (getmant, scalef, min/max, cvtps_pd ...), which -Wextra reports at every use (GCC bug 105593,
// fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "../../simd/scalar.h"
#include "../../simd/avx512/vec.h"
#include "../../simd/avx512/vec_math.h"

namespace losskit {
namespace isa_avx512 {
using VecF32 = avx512::VecF32x16;
using VecF64 = avx512::VecF64x8;
constexpr const char* kIsaName = "avx512";
// Clears the upper ZMM/YMM halves before returning to baseline code (see cleanEntry,
// isa_table.h): the same SSE transition penalty as after AVX2 code.
inline void leaveVectorCode() { _mm256_zeroupper(); }
}  // namespace isa_avx512
}  // namespace losskit

#include "../isa_table.h"
