// Compiler attributes shared by the SIMD layer and the kernels.
#pragma once

// Hot-loop helpers must inline into the driver: an out-of-line copy would cost a call per
// vector and, for code compiled with -mavx2, could leak into a baseline translation unit.
#if defined(_MSC_VER) && !defined(__clang__)
#define LOSSKIT_INLINE __forceinline
#else
#define LOSSKIT_INLINE inline __attribute__((always_inline))
#endif
