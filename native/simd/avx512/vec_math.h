// exp/log/log1p on the AVX-512 vector types, forwarding to the vector math library in math.h
// (losskit::avx512::exp_ps ...; accuracy contracts are documented there).
#pragma once

#include "math.h"
#include "vec.h"

namespace losskit {
namespace avx512 {

LOSSKIT_INLINE VecF32x16 exp(VecF32x16 x) { return VecF32x16(exp_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 exp(VecF64x8 x) { return VecF64x8(exp_pd(x.raw)); }
LOSSKIT_INLINE VecF32x16 log(VecF32x16 x) { return VecF32x16(log_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 log(VecF64x8 x) { return VecF64x8(log_pd(x.raw)); }
LOSSKIT_INLINE VecF32x16 log1p(VecF32x16 x) { return VecF32x16(log1p_ps(x.raw)); }
LOSSKIT_INLINE VecF64x8 log1p(VecF64x8 x) { return VecF64x8(log1p_pd(x.raw)); }

}  // namespace avx512
}  // namespace losskit
