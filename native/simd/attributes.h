// Compiler attributes shared by the SIMD layer and the kernels.
#pragma once

// Hot-loop helpers must inline into the driver: an out-of-line copy would cost a call per
// vector and, for code compiled with -mavx2, could leak into a baseline translation unit.
// MSVC proper has no __attribute__; clang-cl (which defines _MSC_VER too) takes the GNU form.
#if defined(_MSC_VER) && !defined(__clang__)
#define LOSSKIT_INLINE __forceinline
#else
#define LOSSKIT_INLINE inline __attribute__((always_inline))
#endif

// The same for file-local helpers (the vector math libraries' `static` functions).
#define LOSSKIT_STATIC_INLINE static LOSSKIT_INLINE

// Whether FMA3 instructions may be used in this translation unit. GCC and clang define __FMA__
// with -mfma (or -march=...); MSVC defines no __FMA__, but /arch:AVX2 and /arch:AVX512 allow
// FMA3 (its _mm*_fmadd_* intrinsics compile to vfmadd), and it defines __AVX2__ for both.
#if defined(__FMA__) || (defined(_MSC_VER) && !defined(__clang__) && defined(__AVX2__))
#define LOSSKIT_HAVE_FMA 1
#else
#define LOSSKIT_HAVE_FMA 0
#endif
