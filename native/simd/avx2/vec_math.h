// exp/log/log1p on the vector types, forwarding to the vector math library in math.h
// (losskit::avx2::exp_ps ...; accuracy contracts are documented there).
#pragma once

#include "math.h"
#include "vec.h"

namespace losskit {
namespace avx2 {

LOSSKIT_INLINE VecF32x8 exp(VecF32x8 x) { return VecF32x8(exp_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 exp(VecF64x4 x) { return VecF64x4(exp_pd(x.raw)); }
LOSSKIT_INLINE VecF32x8 log(VecF32x8 x) { return VecF32x8(log_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 log(VecF64x4 x) { return VecF64x4(log_pd(x.raw)); }
LOSSKIT_INLINE VecF32x8 log1p(VecF32x8 x) { return VecF32x8(log1p_ps(x.raw)); }
LOSSKIT_INLINE VecF64x4 log1p(VecF64x4 x) { return VecF64x4(log1p_pd(x.raw)); }

}  // namespace avx2
}  // namespace losskit
