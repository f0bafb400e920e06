// Non-temporal ("streaming") stores for outputs too large to stay in the cache: a plain store
// first reads the line it writes (read for ownership), so out = f(a, b) moves four lines per
// three; a streaming store writes the line without reading it. Used by the gradient writes of
// the elementwise driver and by the memory-bandwidth probe (memory_bandwidth.h), with the same
// size threshold, so the probe's limit is one the losses can reach. The stored values are the
// same either way: only the cache traffic changes, never a bit of the result.
//
// StreamingStore<V>::store(p, v) needs p aligned to kAlignment bytes; kAvailable is false on
// the portable path (no streaming store there: store() is the plain one). Streaming stores are
// weakly ordered: call finishStreamingStores() after the last one, before another thread (or
// JavaScript) reads what they wrote.
//
// The intrinsics live here rather than in native/simd/ because they are a store policy of the
// drivers, not an operation of the value types (the losses never see them).
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/streaming_store.h"
#endif

#include <cstddef>
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "../simd/attributes.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// Outputs of at least this many bytes are written with streaming stores. Measured on Zen 4
// (2 cores, 32 MiB L3; mse value-and-gradient, float32, one thread): streaming is slower at
// 1-4 MiB of gradient (4-6%), faster from 8 MiB: 13% at 8 MiB, 24% at 12, ~30% at 64.
inline constexpr size_t kStreamingStoreMinBytes = size_t{8} << 20;

// The plain store, the policy used below the threshold and on misaligned outputs.
template <class V>
struct PlainStore {
  template <class S>
  static LOSSKIT_INLINE void store(S* p, V v) {
    VecTraits<V>::store(p, v);
  }
};

template <class V>
struct StreamingStore {
  static constexpr bool kAvailable = false;
  static constexpr size_t kAlignment = 1;
  template <class S>
  static LOSSKIT_INLINE void store(S* p, V v) {
    VecTraits<V>::store(p, v);
  }
};

#if defined(__AVX512F__)
// Four 16-byte quarters: typed arrays from malloc'd memory are 16-byte aligned, often not 64.
template <>
struct StreamingStore<avx512::VecF32x16> {
  static constexpr bool kAvailable = true;
  static constexpr size_t kAlignment = 16;
  static LOSSKIT_INLINE void store(float* p, avx512::VecF32x16 v) {
    _mm_stream_ps(p, _mm512_extractf32x4_ps(v.raw, 0));
    _mm_stream_ps(p + 4, _mm512_extractf32x4_ps(v.raw, 1));
    _mm_stream_ps(p + 8, _mm512_extractf32x4_ps(v.raw, 2));
    _mm_stream_ps(p + 12, _mm512_extractf32x4_ps(v.raw, 3));
  }
};
template <>
struct StreamingStore<avx512::VecF64x8> {
  static constexpr bool kAvailable = true;
  static constexpr size_t kAlignment = 16;
  static LOSSKIT_INLINE void store(double* p, avx512::VecF64x8 v) {
    _mm_stream_pd(p, _mm512_extractf64x2_pd(v.raw, 0));
    _mm_stream_pd(p + 2, _mm512_extractf64x2_pd(v.raw, 1));
    _mm_stream_pd(p + 4, _mm512_extractf64x2_pd(v.raw, 2));
    _mm_stream_pd(p + 6, _mm512_extractf64x2_pd(v.raw, 3));
  }
};
#elif defined(__AVX2__)
// Two 16-byte halves: typed arrays from malloc'd memory are 16-byte aligned, often not 32.
template <>
struct StreamingStore<avx2::VecF32x8> {
  static constexpr bool kAvailable = true;
  static constexpr size_t kAlignment = 16;
  static LOSSKIT_INLINE void store(float* p, avx2::VecF32x8 v) {
    _mm_stream_ps(p, _mm256_castps256_ps128(v.raw));
    _mm_stream_ps(p + 4, _mm256_extractf128_ps(v.raw, 1));
  }
};
template <>
struct StreamingStore<avx2::VecF64x4> {
  static constexpr bool kAvailable = true;
  static constexpr size_t kAlignment = 16;
  static LOSSKIT_INLINE void store(double* p, avx2::VecF64x4 v) {
    _mm_stream_pd(p, _mm256_castpd256_pd128(v.raw));
    _mm_stream_pd(p + 2, _mm256_extractf128_pd(v.raw, 1));
  }
};
#endif

LOSSKIT_INLINE bool isAlignedTo(const void* p, size_t alignment) {
  return (reinterpret_cast<uintptr_t>(p) & (alignment - 1)) == 0;
}

// Orders this thread's streaming stores before its later stores (the pool's completion
// signal, the return to JavaScript).
LOSSKIT_INLINE void finishStreamingStores() {
#if defined(__AVX2__)
  _mm_sfence();
#endif
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
