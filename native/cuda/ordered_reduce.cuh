// The deterministic summation order of the CUDA kernels, in one place, with a host mirror.
//
// A flat sum over n terms (an elementwise loss's weighted values, or per-row losses) runs as:
// 1. reductionBlocks(n) blocks of kThreads threads - a function of n alone, never of the GPU's
//    SM count, so two GPUs give the same bits. Thread t of block b takes the terms
//    i = b * kThreads + t + k * (blocks * kThreads), k = 0, 1, ... (a grid-stride loop: each
//    warp reads 32 consecutive elements, coalesced), adding them in k order into a double.
// 2. The block's kThreads sums are combined by blockSum: inside each warp a butterfly
//    (__shfl_xor_sync with offsets 16, 8, 4, 2, 1: every lane ends with the same bits, since
//    each level adds the same two values in either order), then warp 0 combines the
//    kThreads / 32 warp sums the same way (lanes past the warp count contribute +0.0).
//    The block's partial goes to partials[b] in global memory.
// 3. One block of kThreads threads sums the partials: thread t takes partials t, t + kThreads,
//    ... in order, then blockSum as above.
// No floating-point atomics anywhere: atomicAdd on doubles would make the order (and so the
// bits) depend on scheduling.
//
// orderedSumHost() below reproduces the order on the CPU bit for bit (IEEE double adds in the
// same order), which lets a GPU test compare the device result with it exactly, and lets the
// order itself be unit-tested without a GPU.
#pragma once

#include <cstddef>

#ifdef __CUDACC__
#define LOSSKIT_HD __host__ __device__
#else
#define LOSSKIT_HD
#endif

namespace losskit {
namespace cuda {

inline constexpr int kThreads = 256;
inline constexpr int kWarps = kThreads / 32;
// Enough blocks to fill an H100/H200 (132 SMs x 2048 threads = 1056 blocks of 256) for large
// inputs; small inputs get fewer blocks, each thread still summing at least kMinTermsPerThread.
inline constexpr size_t kMaxReductionBlocks = 1024;
inline constexpr size_t kMinTermsPerThread = 8;

LOSSKIT_HD inline size_t reductionBlocks(size_t n) {
  const size_t perBlock = static_cast<size_t>(kThreads) * kMinTermsPerThread;
  size_t blocks = (n + perBlock - 1) / perBlock;
  if (blocks < 1) blocks = 1;
  return blocks < kMaxReductionBlocks ? blocks : kMaxReductionBlocks;
}

// The butterfly of 32 lanes, as __shfl_xor_sync computes it (lane l adds lane l ^ offset).
inline void butterflyHost(double* lanes) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    double next[32];
    for (int l = 0; l < 32; ++l) next[l] = lanes[l] + lanes[l ^ offset];
    for (int l = 0; l < 32; ++l) lanes[l] = next[l];
  }
}

// blockSum of kThreads thread sums, on the host.
inline double blockSumHost(const double* threadSums) {
  double warpSums[32];
  for (int w = 0; w < 32; ++w) warpSums[w] = 0.0;
  for (int w = 0; w < kWarps; ++w) {
    double lanes[32];
    for (int l = 0; l < 32; ++l) lanes[l] = threadSums[w * 32 + l];
    butterflyHost(lanes);
    warpSums[w] = lanes[0];
  }
  // Warp 0 reads warpSums[lane] for lane < kWarps, +0.0 beyond.
  butterflyHost(warpSums);
  return warpSums[0];
}

// sum_i term(i) in the device order above (term: any callable size_t -> double).
template <class Term>
double orderedSumHost(size_t n, const Term& term) {
  const size_t blocks = reductionBlocks(n);
  const size_t stride = blocks * kThreads;
  double partials[kMaxReductionBlocks];
  double threadSums[kThreads];
  for (size_t b = 0; b < blocks; ++b) {
    for (int t = 0; t < kThreads; ++t) {
      double acc = 0.0;
      for (size_t i = b * kThreads + static_cast<size_t>(t); i < n; i += stride) acc += term(i);
      threadSums[t] = acc;
    }
    partials[b] = blockSumHost(threadSums);
  }
  for (int t = 0; t < kThreads; ++t) {
    double acc = 0.0;
    for (size_t i = static_cast<size_t>(t); i < blocks; i += kThreads) acc += partials[i];
    threadSums[t] = acc;
  }
  return blockSumHost(threadSums);
}

#ifdef __CUDACC__
// Butterfly over the warp: every lane returns the same bits.
__device__ __forceinline__ double warpSum(double v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// The block's sum, returned to every thread. `scratch` holds kWarps doubles (shared memory);
// every thread of the block must call it (it synchronises).
__device__ __forceinline__ double blockSum(double v, double* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warpSum(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < kWarps ? scratch[lane] : 0.0;
  v = warpSum(v);  // every warp computes the same total from the same kWarps values
  return v;
}
#endif

}  // namespace cuda
}  // namespace losskit
