// The memory-bandwidth probe: the fastest honest loops over the access patterns of the
// elementwise losses, so a benchmark can state a memory-bound loss's speed as a fraction of
// what the memory system allows (binding.ts memoryBandwidth).
//   kMemoryProbeRead:        reads a and b once, writes nothing; returns sum(a) + sum(b) (the
//                            sum keeps the loads from being optimised away).
//   kMemoryProbeRead2Write1: out = a - b (a loss value and gradient pass: two inputs, one
//                            output); returns sum(out).
// Same rules as the losses: vectors of the ISA, n >= kParallelElements spread over the pool
// (so setThreads applies), outputs of kStreamingStoreMinBytes or more written with streaming
// stores. Sums are in the dtype with eight (resp. four) independent vector accumulators; the
// block sums are added in block order, so the result does not depend on the threads.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/memory_bandwidth.h"
#endif

#include <cstddef>
#include <new>

#include "kernel_table.h"
#include "row_driver.h"  // kParallelElements, kTaskElements
#include "streaming_store.h"
#include "thread_pool.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// Elements per pool task of the probe (a multiple of every vector width).
inline constexpr size_t kProbeBlockElements = kTaskElements;

// sum(a[0, n)) + sum(b[0, n)).
template <class V>
double readSum(const typename VecTraits<V>::Scalar* a, const typename VecTraits<V>::Scalar* b,
               size_t n) {
  using T = VecTraits<V>;
  using S = typename T::Scalar;
  constexpr size_t kLanes = T::kLanes;
  constexpr size_t kStep = 4 * kLanes;
  V a0(S(0)), a1(S(0)), a2(S(0)), a3(S(0)), b0(S(0)), b1(S(0)), b2(S(0)), b3(S(0));
  size_t i = 0;
  for (; i + kStep <= n; i += kStep) {
    a0 = a0 + T::load(a + i);
    b0 = b0 + T::load(b + i);
    a1 = a1 + T::load(a + i + kLanes);
    b1 = b1 + T::load(b + i + kLanes);
    a2 = a2 + T::load(a + i + 2 * kLanes);
    b2 = b2 + T::load(b + i + 2 * kLanes);
    a3 = a3 + T::load(a + i + 3 * kLanes);
    b3 = b3 + T::load(b + i + 3 * kLanes);
  }
  for (; i < n; i += kLanes) {
    const size_t count = n - i < kLanes ? n - i : kLanes;
    a0 = a0 + T::loadPartial(a + i, count);
    b0 = b0 + T::loadPartial(b + i, count);
  }
  typename T::Accumulator total;
  total.add(((a0 + a1) + (a2 + a3)) + ((b0 + b1) + (b2 + b3)));
  return total.total();
}

// out[0, n) = a - b; returns sum(out). Store: PlainStore<V> or StreamingStore<V> (out aligned).
template <class V, class Store>
double differenceSum(const typename VecTraits<V>::Scalar* a,
                     const typename VecTraits<V>::Scalar* b, typename VecTraits<V>::Scalar* out,
                     size_t n) {
  using T = VecTraits<V>;
  using S = typename T::Scalar;
  constexpr size_t kLanes = T::kLanes;
  constexpr size_t kStep = 4 * kLanes;
  V s0(S(0)), s1(S(0)), s2(S(0)), s3(S(0));
  size_t i = 0;
  for (; i + kStep <= n; i += kStep) {
    const V d0 = T::load(a + i) - T::load(b + i);
    const V d1 = T::load(a + i + kLanes) - T::load(b + i + kLanes);
    const V d2 = T::load(a + i + 2 * kLanes) - T::load(b + i + 2 * kLanes);
    const V d3 = T::load(a + i + 3 * kLanes) - T::load(b + i + 3 * kLanes);
    Store::store(out + i, d0);
    Store::store(out + i + kLanes, d1);
    Store::store(out + i + 2 * kLanes, d2);
    Store::store(out + i + 3 * kLanes, d3);
    s0 = s0 + d0;
    s1 = s1 + d1;
    s2 = s2 + d2;
    s3 = s3 + d3;
  }
  for (; i < n; i += kLanes) {
    const size_t count = n - i < kLanes ? n - i : kLanes;
    const V d = T::loadPartial(a + i, count) - T::loadPartial(b + i, count);
    T::storePartial(out + i, d, count);
    s0 = s0 + d;
  }
  typename T::Accumulator total;
  total.add((s0 + s1) + (s2 + s3));
  return total.total();
}

template <int kKind, class V>
struct ProbeBlocks {
  using S = typename VecTraits<V>::Scalar;
  const S* a;
  const S* b;
  S* out;
  size_t n;
  bool stream;  // out + 0 is aligned for StreamingStore<V>

  // The sum of block k: elements [k * kProbeBlockElements, ...) up to n.
  double block(size_t k) const {
    const size_t begin = k * kProbeBlockElements;
    const size_t count = n - begin < kProbeBlockElements ? n - begin : kProbeBlockElements;
    if constexpr (kKind == kMemoryProbeRead) {
      return readSum<V>(a + begin, b + begin, count);
    } else {
      if constexpr (StreamingStore<V>::kAvailable) {
        if (stream) return differenceSum<V, StreamingStore<V>>(a + begin, b + begin, out + begin, count);
      }
      return differenceSum<V, PlainStore<V>>(a + begin, b + begin, out + begin, count);
    }
  }

  static void task(void* context, size_t begin, size_t end, double* values) {
    const ProbeBlocks& blocks = *static_cast<const ProbeBlocks*>(context);
    for (size_t k = begin; k < end; ++k) values[k] = blocks.block(k);
    if (blocks.stream) finishStreamingStores();
  }
};

template <int kKind, class V>
double memoryProbeKernel(const MemoryProbeCall<typename VecTraits<V>::Scalar>& call) {
  using S = typename VecTraits<V>::Scalar;
  // The unaligned head of out (streaming only) runs with plain stores, so that every block
  // after it starts aligned.
  size_t head = 0;
  bool stream = false;
  if constexpr (kKind == kMemoryProbeRead2Write1 && StreamingStore<V>::kAvailable) {
    if (call.n * sizeof(S) >= kStreamingStoreMinBytes) {
      while (head < call.n && !isAlignedTo(call.out + head, StreamingStore<V>::kAlignment)) ++head;
      stream = isAlignedTo(call.out + head, StreamingStore<V>::kAlignment);
    }
  }
  double total = 0.0;
  if (head != 0) total += differenceSum<V, PlainStore<V>>(call.a, call.b, call.out, head);
  ProbeBlocks<kKind, V> blocks{call.a + head, call.b + head,
                                     call.out != nullptr ? call.out + head : nullptr,
                                     call.n - head, stream};
  const size_t blockCount = (blocks.n + kProbeBlockElements - 1) / kProbeBlockElements;
  double* values = nullptr;
  if (call.n >= kParallelElements && blockCount > 1 && poolThreadCount() > 1) {
    values = new (std::nothrow) double[blockCount];
  }
  if (values != nullptr) {
    runRowTasks(blockCount, 1, &ProbeBlocks<kKind, V>::task, &blocks, values);
    for (size_t k = 0; k < blockCount; ++k) total += values[k];
    delete[] values;
  } else {
    for (size_t k = 0; k < blockCount; ++k) total += blocks.block(k);
    if (stream) finishStreamingStores();
  }
  return total;
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
