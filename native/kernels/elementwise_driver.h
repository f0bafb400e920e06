// The generic driver of the elementwise losses (regression.h): blocking, tails, row means,
// sample weights, the fused reduction in double and the gradient write, for any value type V
// (float, double, avx2::VecF32x8, avx2::VecF64x4) and any loss functor.
//
// Contract (lib/backend/binding.ts): rows of L = rowLength elements, l_i = (1/L) sum_j f_ij,
// w_i = sampleWeight[i] or 1; returns sum_i w_i l_i; perSample[i] = w_i l_i;
// grad[ij] = gradScale * w_i * f'_ij, in the dtype of yPred (float math for float32): lib/
// folds the row mean's 1/L (and the reduction's divisor) into gradScale (lib/prepare.ts).
//
// Summation order, a function of (n, rowLength, ISA) only - never of threads or sync/async:
// - Element values are computed in the dtype and accumulated in double.
// - Rows with L >= kShortRowLength: the row is cut into chunks of kChunkElements starting at
//   its first element. Inside a chunk, vector k (k-th group of `lanes` elements) goes to
//   accumulator k mod 4 while whole groups of 4 vectors remain; the (at most 3) leftover
//   whole vectors go to accumulators 0, 1, 2 in turn, and a partial last vector (zero in its
//   unused lanes) to accumulator 3. Accumulators combine as
//   (a0 + a1) + (a2 + a3), then lanes as in the Accumulator's total() (avx2/vec.h). The row
//   sum is 0 + chunk0 + chunk1 + ... in order.
//   Exception, for the losses that opt in with kSumsQuadsInDtype (binary_crossentropy, whose
//   values are >= 0 for labels in [0, 1]: no cancellation) on float32 vectors only: inside a
//   chunk, each whole group of 4 vectors is added in float32 as (v0 + v1) + (v2 + v3)
//   (two roundings of at most 2^-24 relative) and that sum goes to accumulator 0; the
//   leftover whole vectors and the partial one go to accumulators 0, 1, 2 and 3 as above.
//   A quarter of the widening work; still a function of (n, rowLength, ISA) only.
// - Rows with L < kShortRowLength: element values are evaluated across the flat array (the
//   lanes straddle rows) into a buffer of doubles; each row sum is then
//   v_0 + v_1 + ... + v_{L-1} in order. An element's value does not depend on its lane.
// - l_i = rowSum * (1/L) (the reciprocal rounded once: a multiply per row, not a division);
//   w_i * l_i are summed by OrderedRowSum (groups of kRowGroup rows, four partials each).
// - grad = f' * S(gradScale * w_i), one multiply in the dtype.
//
// Threads: a call of n >= kParallelElements elements (row_driver.h) spreads over the pool
// (thread_pool.h; setThreads / LOSSKIT_THREADS) in one of two splits, both of which compute
// the very values above into a buffer and add them in the order above, so any thread count,
// sync or async, gives the same bits:
// - by row group (short rows, and rows up to kGroupedRowMaxLength when there are at least
//   kMinGroupTasks groups): a task runs whole groups of kRowGroup rows; each group's
//   OrderedRowSum is stored and the group sums are added in group order, exactly as
//   OrderedRowSum adds them;
// - by chunk (longer rows, or few rows): a task runs chunks of kChunkElements; each chunk
//   sum is stored, and each row sum 0 + chunk0 + chunk1 + ... is formed afterwards in order.
// perSample and the gradient are written by the tasks, each element once.
// Gradients of kStreamingStoreMinBytes or more are written with streaming stores
// (streaming_store.h) wherever a chunk or block starts aligned for them: the same values,
// without reading the lines first. A loss whose kernel measured slower with them opts out
// (kStreamsGradient = false; see StreamsGradient below). A loss whose run-time option picks its
// formula (binary_crossentropy's fromLogits) hands the driver a functor with the option fixed
// at compile time (HasFixedVariants below): one branch per call, not one per vector. A loss
// whose kernel is one long dependency chain may split it in two passes per group of four
// vectors (kStaged below): the same operations, the same bits.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/elementwise_driver.h"
#endif

#include <cstddef>
#include <new>
#include <utility>

#include "kernel_table.h"
#include "ordered_sum.h"
#include "row_driver.h"  // kParallelElements, kTaskElements
#include "streaming_store.h"
#include "thread_pool.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// Rows shorter than this are evaluated across the flat array (no lanes wasted per row).
inline constexpr size_t kShortRowLength = 16;
// Elements evaluated per block on the short-row path (whole rows per block).
inline constexpr size_t kFlatBlockElements = 1024;
static_assert(kShortRowLength <= kFlatBlockElements, "a block must hold at least one row");

// f at y[i], x[i], a[i] (one vector); `grad` receives f' when kGrad.
template <bool kGrad, class V, class Loss, class S>
LOSSKIT_INLINE V evalAt(const Loss& loss, const S* y, const S* x, const S* a, size_t i, V& grad) {
  using T = VecTraits<V>;
  V aux(S(0));
  if constexpr (Loss::kUsesAux) aux = T::load(a + i);
  return loss.template eval<kGrad>(T::load(y + i), T::load(x + i), aux, grad);
}

// The same for the n < lanes elements from i; the unused lanes read nothing.
template <bool kGrad, class V, class Loss, class S>
LOSSKIT_INLINE V evalPartialAt(const Loss& loss, const S* y, const S* x, const S* a, size_t i,
                               size_t n, V& grad) {
  using T = VecTraits<V>;
  V aux(S(0));
  if constexpr (Loss::kUsesAux) aux = T::loadPartial(a + i, n);
  return loss.template eval<kGrad>(T::loadPartial(y + i, n), T::loadPartial(x + i, n), aux, grad);
}

// One vector at i into `acc`; writes gradFactor * f' to g + i when kGrad, with the store
// policy Store (PlainStore or StreamingStore, streaming_store.h).
template <bool kGrad, class Store, class V, class Loss, class S, class Acc>
LOSSKIT_INLINE void accumulateAt(const Loss& loss, const S* y, const S* x, const S* a, S* g,
                                 size_t i, V gradFactor, Acc& acc) {
  V grad;
  acc.add(evalAt<kGrad>(loss, y, x, a, i, grad));
  if constexpr (kGrad) Store::store(g + i, grad * gradFactor);
}

// f at vector i, with gradFactor * f' written to g + i when kGrad (the value unsummed).
template <bool kGrad, class Store, class V, class Loss, class S>
LOSSKIT_INLINE V valueAndStoreAt(const Loss& loss, const S* y, const S* x, const S* a, S* g,
                                 size_t i, V gradFactor) {
  V grad;
  const V value = evalAt<kGrad>(loss, y, x, a, i, grad);
  if constexpr (kGrad) Store::store(g + i, grad * gradFactor);
  return value;
}

// Declares Trait<Loss>::kValue: Loss::member, a functor's optional compile-time flag, where the
// functor declares it, else fallback.
#define LOSSKIT_LOSS_FLAG(Trait, member, fallback)              \
  template <class Loss, class = void>                           \
  struct Trait {                                                \
    static constexpr bool kValue = fallback;                    \
  };                                                            \
  template <class Loss>                                         \
  struct Trait<Loss, decltype(void(Loss::member))> {            \
    static constexpr bool kValue = Loss::member;                \
  }

// Whether sumChunk adds groups of four vectors in the dtype before widening (see the header):
// only for a loss with kSumsQuadsInDtype = true, on float32 vectors.
LOSSKIT_LOSS_FLAG(SumsQuadsInDtype, kSumsQuadsInDtype, false);
template <class Loss, class V>
inline constexpr bool kSumsQuadsInDtype =
    SumsQuadsInDtype<Loss>::kValue && VecTraits<V>::kLanes > 1 &&
    sizeof(typename VecTraits<V>::Scalar) == 4;

// Staged losses (kStaged = true: the logistic losses on logits, log_cosh) on vector types:
// sumChunk takes each group of four vectors in two passes, loss.stage<kGrad>(y, x, a, s1, s2)
// for the four into small stack buffers (StagedGroup), then loss.evalStaged<kGrad>(y, x, a, s1,
// s2, grad) for the four (its operands copied there too where the loss asks: kStagedCopiesOperands
// below; the next group's first pass alongside, where it asks: kStagedPipelined). stage and
// evalStaged are eval's operations split in two, so values, gradients and the summation order
// are those of the one-pass loop. Why: the BCE kernel is one long chain per vector (exp, then
// log1p and the division), and the out-of-order window holds too few vectors' worth of it to
// keep the FMA pipes busy; going through the buffer, the four exps issue first. Measured in
// one process, one thread, builds with and without alternated (bench/compare-builds.mjs), BCE
// from logits value+grad float32: 16M 0.93-0.96x the time (AVX-512), 0.85x (AVX2); with
// AVX-512's table log1p (simd/avx512/math.h) 0.85-0.89x at 16M, 0.89-0.92x in cache (262144).
// Blocks of 8 and 16 vectors per first pass gained less (0.94x and 0.99x at 16M). Staging the
// others at 16M: BCE with posWeight 0.85-0.86x, focal on logits 0.83x (gamma 2) and 0.94x
// (gamma 1.5), log_cosh 0.89-0.93x (AVX-512) and 0.85x (AVX2).
LOSSKIT_LOSS_FLAG(IsStaged, kStaged, false);
template <class Loss, class V>
inline constexpr bool kStaged = IsStaged<Loss>::kValue && VecTraits<V>::kLanes > 1;

// Whether a staged loss's second pass takes its operands from copies the first pass leaves on
// the stack (kStagedCopiesOperands = true) rather than from the arrays again (false where
// absent). Why: reading yTrue and yPred a second time cost the AVX-512 BCE kernel 15-25% at 16M
// where the two arrays lie 64 MiB + 0..8 KiB apart, as same-sized 64 MiB arrays allocated one
// after the other can (0.73-0.93 against 0.63-0.65 ns/el 32 KiB or more further apart); the
// read-2-write-1 limit kernel, which reads each once, showed no such step. The likely cause is
// the L1's way predictor on AMD (a hash of the linear address, one line per hash and set): a
// line of one array evicts the other's line of the same index. Measured, one thread, 16M
// float32, value+grad (the placements: bench/compare-builds.mjs --gap=1024 / --gap=262144; one
// rerun there, builds without and with the copies: BCE 0.90x / 1.01x, posWeight 0.88x, log_cosh
// 0.85x at --gap=1024), with the copies, in that layout / the other: BCE from logits 0.66-0.71 /
// 0.64-0.68 (was 0.73-0.93 / 0.63-0.65), in the bench's own inputs 0.67-0.69 against 0.73-0.80;
// BCE with posWeight 0.91-0.99 / 0.92 (was 1.05-1.11 / 0.88-0.89); log_cosh 0.96-1.04 / 0.83
// (was 1.08-1.10 / 0.87-0.88). Binary focal on logits, heavier per element, lost 3-8% in both
// layouts and does not copy.
LOSSKIT_LOSS_FLAG(StagedCopiesOperands, kStagedCopiesOperands, false);

// Whether a staged loss's loop is software-pipelined by one group (kStagedPipelined = true):
// the first pass of the next group runs in the same step as the second pass of this one, so
// the two (independent) halves interleave, and the out-of-order window holds eight vectors'
// chains rather than four; the first pass's results then go through the stack (the compiler no
// longer folds the buffer away). Measured in one process, one thread, value+grad
// (bench/compare-builds.mjs, builds without and with it), float32 16M / 65536 elements: BCE
// from logits 0.96x / 0.97x the time on AVX-512, 0.94x / 0.97x on AVX2; binary focal on logits
// 0.95x / 0.94x and 0.92x / 0.91x; float64 0.97-0.99x. BCE with posWeight and log_cosh lost
// 3-8% on AVX-512 (their operand copies become real stores, two cycles each for a 512-bit store
// on Zen 4, native/tools/vector_op_throughput.cpp; without the copies 16-18% where the arrays
// alias: kStagedCopiesOperands) and stay one group at a time there (both pipeline on AVX2 only:
// regression.h, binary.h).
LOSSKIT_LOSS_FLAG(StagedPipelined, kStagedPipelined, false);

// One group of a staged loop on the stack: the first pass's results (first, second) and, for a
// loss that copies them, its operands.
template <class V, class Loss>
struct StagedGroup {
  using S = typename VecTraits<V>::Scalar;
  static constexpr size_t kElements = kChunkAccumulators * VecTraits<V>::kLanes;
  static constexpr bool kCopies = StagedCopiesOperands<Loss>::kValue;
  static constexpr size_t kCopyElements = kCopies ? kElements : 1;
  alignas(64) S y[kCopyElements];
  alignas(64) S x[kCopyElements];
  alignas(64) S a[kCopies && Loss::kUsesAux ? kElements : 1];
  alignas(64) S first[kElements];
  alignas(64) S second[kElements];
};

// The first pass on the vector at i, the j-th element of its group.
template <bool kGrad, class V, class Loss, class S>
LOSSKIT_INLINE void stageAt(const Loss& loss, const S* y, const S* x, const S* a, size_t i,
                            StagedGroup<V, Loss>& group, size_t j) {
  using T = VecTraits<V>;
  const V yv = T::load(y + i);
  const V xv = T::load(x + i);
  V aux(S(0));
  if constexpr (Loss::kUsesAux) aux = T::load(a + i);
  if constexpr (StagedGroup<V, Loss>::kCopies) {
    T::store(group.y + j, yv);
    T::store(group.x + j, xv);
    if constexpr (Loss::kUsesAux) T::store(group.a + j, aux);
  }
  V first, second;
  loss.template stage<kGrad>(yv, xv, aux, first, second);
  T::store(group.first + j, first);
  T::store(group.second + j, second);
}

// The second pass on the j-th element of the group, the vector at i; writes gradFactor * f' to
// g + i.
template <bool kGrad, class Store, class V, class Loss, class S>
LOSSKIT_INLINE V stagedValueAndStoreAt(const Loss& loss, const StagedGroup<V, Loss>& group, size_t j,
                                       const S* y, const S* x, const S* a, size_t i, S* g, V gradFactor) {
  using T = VecTraits<V>;
  constexpr bool kCopies = StagedGroup<V, Loss>::kCopies;
  const V yv = kCopies ? T::load(group.y + j) : T::load(y + i);
  const V xv = kCopies ? T::load(group.x + j) : T::load(x + i);
  V aux(S(0));
  if constexpr (Loss::kUsesAux) aux = kCopies ? T::load(group.a + j) : T::load(a + i);
  V grad;
  const V value = loss.template evalStaged<kGrad>(yv, xv, aux, T::load(group.first + j), T::load(group.second + j), grad);
  if constexpr (kGrad) Store::store(g + i, grad * gradFactor);
  return value;
}

// The first pass over the group of four vectors from i.
template <bool kGrad, class V, class Loss, class S>
LOSSKIT_INLINE void stageGroup(const Loss& loss, const S* y, const S* x, const S* a, size_t i,
                               StagedGroup<V, Loss>& group) {
  constexpr size_t kLanes = VecTraits<V>::kLanes;
  for (size_t j = 0; j < kChunkAccumulators * kLanes; j += kLanes) {
    stageAt<kGrad>(loss, y, x, a, i + j, group, j);
  }
}

// The second pass over the group staged from i: its four values into the accumulators, in the
// order of the header; gradFactor * f' to g + i when kGrad.
template <bool kGrad, class Store, class V, class Loss, class S, class Acc>
LOSSKIT_INLINE void finishGroup(const Loss& loss, const StagedGroup<V, Loss>& group, const S* y,
                                const S* x, const S* a, S* g, size_t i, V gradFactor, Acc& acc0,
                                Acc& acc1, Acc& acc2, Acc& acc3) {
  constexpr size_t kLanes = VecTraits<V>::kLanes;
  V v[kChunkAccumulators];
  for (size_t k = 0; k < kChunkAccumulators; ++k) {
    const size_t j = k * kLanes;
    v[k] = stagedValueAndStoreAt<kGrad, Store>(loss, group, j, y, x, a, i + j, g, gradFactor);
  }
  if constexpr (kSumsQuadsInDtype<Loss, V>) {
    acc0.add((v[0] + v[1]) + (v[2] + v[3]));
  } else {
    acc0.add(v[0]);
    acc1.add(v[1]);
    acc2.add(v[2]);
    acc3.add(v[3]);
  }
}

// Sum of f over `count` (<= kChunkElements) contiguous elements, in the order documented
// above; writes gradFactor * f' to g when kGrad. Accumulators are named, never indexed at run
// time, so they stay in registers.
template <bool kGrad, class V, class Store, class Loss, class S>
LOSSKIT_INLINE double sumChunk(const Loss& loss, const S* y, const S* x, const S* a, S* g,
                               size_t count, V gradFactor) {
  using T = VecTraits<V>;
  static_assert(kChunkAccumulators == 4, "sumChunk is written for four accumulators");
  constexpr size_t kLanes = T::kLanes;
  constexpr size_t kStep = kChunkAccumulators * kLanes;
  typename T::Accumulator acc0, acc1, acc2, acc3;

  size_t i = 0;
  if constexpr (kStaged<Loss, V>) {
    if constexpr (StagedPipelined<Loss>::kValue) {
      // Each step stages the group after i and finishes i's; the two buffers alternate by name
      // (fixed addresses), hence two steps per turn of the loop, written out: indexing the
      // buffers by a variable measured 4-8% slower for BCE, and keeping a pointer to the last
      // one (to finish it after the loop) 12-26% slower.
      StagedGroup<V, Loss> even, odd;
      if (i + kStep <= count) {
        stageGroup<kGrad>(loss, y, x, a, i, even);
        for (;;) {
          if (i + 2 * kStep > count) {
            finishGroup<kGrad, Store>(loss, even, y, x, a, g, i, gradFactor, acc0, acc1, acc2, acc3);
            i += kStep;
            break;
          }
          stageGroup<kGrad>(loss, y, x, a, i + kStep, odd);
          finishGroup<kGrad, Store>(loss, even, y, x, a, g, i, gradFactor, acc0, acc1, acc2, acc3);
          i += kStep;
          if (i + 2 * kStep > count) {
            finishGroup<kGrad, Store>(loss, odd, y, x, a, g, i, gradFactor, acc0, acc1, acc2, acc3);
            i += kStep;
            break;
          }
          stageGroup<kGrad>(loss, y, x, a, i + kStep, even);
          finishGroup<kGrad, Store>(loss, odd, y, x, a, g, i, gradFactor, acc0, acc1, acc2, acc3);
          i += kStep;
        }
      }
    } else {
      for (; i + kStep <= count; i += kStep) {
        StagedGroup<V, Loss> group;
        stageGroup<kGrad>(loss, y, x, a, i, group);
        finishGroup<kGrad, Store>(loss, group, y, x, a, g, i, gradFactor, acc0, acc1, acc2, acc3);
      }
    }
  }
  if constexpr (kSumsQuadsInDtype<Loss, V>) {
    for (; i + kStep <= count; i += kStep) {
      const V v01 = valueAndStoreAt<kGrad, Store>(loss, y, x, a, g, i, gradFactor) +
                    valueAndStoreAt<kGrad, Store>(loss, y, x, a, g, i + kLanes, gradFactor);
      const V v23 = valueAndStoreAt<kGrad, Store>(loss, y, x, a, g, i + 2 * kLanes, gradFactor) +
                    valueAndStoreAt<kGrad, Store>(loss, y, x, a, g, i + 3 * kLanes, gradFactor);
      acc0.add(v01 + v23);
    }
  } else {
    for (; i + kStep <= count; i += kStep) {
      accumulateAt<kGrad, Store>(loss, y, x, a, g, i, gradFactor, acc0);
      accumulateAt<kGrad, Store>(loss, y, x, a, g, i + kLanes, gradFactor, acc1);
      accumulateAt<kGrad, Store>(loss, y, x, a, g, i + 2 * kLanes, gradFactor, acc2);
      accumulateAt<kGrad, Store>(loss, y, x, a, g, i + 3 * kLanes, gradFactor, acc3);
    }
  }
  // Up to three whole vectors remain: accumulators 0, 1, 2 in turn.
  if (i + kLanes <= count) {
    accumulateAt<kGrad, Store>(loss, y, x, a, g, i, gradFactor, acc0);
    i += kLanes;
    if (i + kLanes <= count) {
      accumulateAt<kGrad, Store>(loss, y, x, a, g, i, gradFactor, acc1);
      i += kLanes;
      if (i + kLanes <= count) {
        accumulateAt<kGrad, Store>(loss, y, x, a, g, i, gradFactor, acc2);
        i += kLanes;
      }
    }
  }
  // A partial last vector (zero in its unused lanes): accumulator 3.
  if constexpr (kLanes > 1) {
    if (i < count) {
      const size_t n = count - i;
      V grad;
      const V value = evalPartialAt<kGrad>(loss, y, x, a, i, n, grad);
      acc3.add(T::zeroBeyond(value, n));
      if constexpr (kGrad) T::storePartial(g + i, grad * gradFactor, n);
    }
  }
  acc0.merge(acc1);
  acc2.merge(acc3);
  acc0.merge(acc2);
  return acc0.total();
}

// sumChunk with streaming stores for the gradient where the call asked for them (`stream`)
// and the chunk's gradient starts aligned for them; plain stores otherwise. Same values.
template <bool kGrad, class V, class Loss, class S>
LOSSKIT_INLINE double sumChunkStored(const Loss& loss, const S* y, const S* x, const S* a, S* g,
                                     size_t count, V gradFactor, bool stream) {
  if constexpr (kGrad && StreamingStore<V>::kAvailable) {
    if (stream && isAlignedTo(g, StreamingStore<V>::kAlignment)) {
      return sumChunk<kGrad, V, StreamingStore<V>>(loss, y, x, a, g, count, gradFactor);
    }
  }
  return sumChunk<kGrad, V, PlainStore<V>>(loss, y, x, a, g, count, gradFactor);
}

// Whether a loss's gradient may be streamed: true unless it declares kStreamsGradient = false.
// Measured at 16M float32 elements, one thread, the same build with and without streaming
// stores alternated in one process: memory-bound losses gain 1.3-1.5x from them (mse, mae,
// huber, hinge, ...), while binary_crossentropy lost 13-27% and log_cosh 12-14% (avx2 and
// avx512); posWeight BCE, focal and gaussian_nll tie. Those two opt out.
LOSSKIT_LOSS_FLAG(StreamsGradient, kStreamsGradient, true);

// Whether a gradient call writes with streaming stores: only large gradients (a smaller one
// stays in the cache, where the caller reads it next), of losses that do not opt out.
template <bool kGrad, class V, class Loss, class S>
bool streamsGradient(const ElementwiseCall<S>& call) {
  return kGrad && StreamingStore<V>::kAvailable && StreamsGradient<Loss>::kValue &&
         call.n * sizeof(S) >= kStreamingStoreMinBytes;
}

// The drivers take the functor and the call by value: as locals whose address never escapes,
// the compiler knows the gradient stores cannot alias them and keeps them in registers.

// The chunk `offset / kChunkElements` of `row` (L >= kShortRowLength): its sum, its gradient.
template <bool kGrad, class V, class Loss, class S>
LOSSKIT_INLINE double sumRowChunk(const Loss& loss, const ElementwiseCall<S>& call, size_t row,
                                  size_t offset, V gradFactor, bool stream) {
  const size_t rowLength = call.rowLength;
  const size_t start = row * rowLength + offset;
  const size_t count = rowLength - offset < kChunkElements ? rowLength - offset : kChunkElements;
  const S* aux = Loss::kUsesAux ? call.aux + start : nullptr;
  S* grad = kGrad ? call.grad + start : nullptr;
  return sumChunkStored<kGrad>(loss, call.yTrue + start, call.yPred + start, aux, grad, count,
                               gradFactor, stream);
}

template <bool kGrad, class V, class S>
LOSSKIT_INLINE V rowGradFactor(const ElementwiseCall<S>& call, double weight) {
  V factor(S(0));
  if constexpr (kGrad) factor = V(static_cast<S>(call.gradScale * weight));
  return factor;
}

// Rows [firstRow, endRow) of L >= kShortRowLength, one pass per row, chunk by chunk; writes
// perSample and returns the OrderedRowSum of these rows.
template <bool kGrad, class V, class Loss, class S>
double sumLongRows(const Loss loss, const ElementwiseCall<S> call, size_t firstRow,
                   size_t endRow, bool stream) {
  const size_t rowLength = call.rowLength;
  const double invRowLength = 1.0 / static_cast<double>(rowLength);
  OrderedRowSum total;
  for (size_t row = firstRow; row < endRow; ++row) {
    const double weight = call.sampleWeight != nullptr ? call.sampleWeight[row] : 1.0;
    const V gradFactor = rowGradFactor<kGrad, V>(call, weight);
    double rowSum = 0.0;
    for (size_t offset = 0; offset < rowLength; offset += kChunkElements) {
      rowSum += sumRowChunk<kGrad>(loss, call, row, offset, gradFactor, stream);
    }
    const double weighted = weight * (rowSum * invRowLength);
    if (call.perSample != nullptr) call.perSample[row] = weighted;
    total.add(weighted);
  }
  return total.finish();
}

// Chunks [firstChunk, endChunk) of the call's rows (chunk c = chunk c mod chunksPerRow of row
// c / chunksPerRow): chunkSums[c] = the chunk's sum; writes the gradient.
template <bool kGrad, class V, class Loss, class S>
void sumChunkRange(const Loss loss, const ElementwiseCall<S> call, size_t firstChunk,
                   size_t endChunk, double* chunkSums, bool stream) {
  const size_t chunksPerRow = (call.rowLength + kChunkElements - 1) / kChunkElements;
  for (size_t c = firstChunk; c < endChunk; ++c) {
    const size_t row = c / chunksPerRow;
    const double weight = call.sampleWeight != nullptr ? call.sampleWeight[row] : 1.0;
    chunkSums[c] = sumRowChunk<kGrad>(loss, call, row, (c % chunksPerRow) * kChunkElements,
                                      rowGradFactor<kGrad, V>(call, weight), stream);
  }
}

// The rows' weighted means from their chunk sums, in the order of sumLongRows: perSample and
// the OrderedRowSum of every row.
template <class S>
double sumRowsFromChunks(const ElementwiseCall<S>& call, const double* chunkSums) {
  const size_t rowLength = call.rowLength;
  const size_t rows = call.n / rowLength;
  const size_t chunksPerRow = (rowLength + kChunkElements - 1) / kChunkElements;
  const double invRowLength = 1.0 / static_cast<double>(rowLength);
  OrderedRowSum total;
  for (size_t row = 0; row < rows; ++row) {
    const double weight = call.sampleWeight != nullptr ? call.sampleWeight[row] : 1.0;
    double rowSum = 0.0;
    for (size_t k = 0; k < chunksPerRow; ++k) rowSum += chunkSums[row * chunksPerRow + k];
    const double weighted = weight * (rowSum * invRowLength);
    if (call.perSample != nullptr) call.perSample[row] = weighted;
    total.add(weighted);
  }
  return total.finish();
}

// Per-block helpers of the short-row path, compiled for each row length 1 .. kShortRowLength-1
// so their row loops unroll; they do not depend on the loss, so there are only a few.

// rowLosses[r] = w_r * (v_r0 + v_r1 + ... + v_r(L-1)) * (1/L), sums in element order.
template <size_t kRowLength>
void shortRowLosses(const double* values, const double* weights, double* rowLosses,
                    size_t rows) {
  constexpr double kInv = 1.0 / static_cast<double>(kRowLength);
  auto rowMean = [values](size_t r) {
    const double* v = values + r * kRowLength;
    double sum = v[0];
    for (size_t j = 1; j < kRowLength; ++j) sum += v[j];
    return sum * kInv;  // exact (folded away) for kRowLength = 1
  };
  if (weights != nullptr) {
    for (size_t r = 0; r < rows; ++r) rowLosses[r] = weights[r] * rowMean(r);
  } else {
    for (size_t r = 0; r < rows; ++r) rowLosses[r] = rowMean(r);
  }
}

// factors[r * L + j] = S(gradScale * w_r).
template <size_t kRowLength, class S>
void shortRowGradFactors(const double* weights, double gradScale, S* factors, size_t rows) {
  for (size_t r = 0; r < rows; ++r) {
    const S factor = static_cast<S>(gradScale * weights[r]);
    for (size_t j = 0; j < kRowLength; ++j) factors[r * kRowLength + j] = factor;
  }
}

// A plain array of entry points (not std::array, whose inline members would be shared by
// name between the ISA translation units).
template <class Fn, size_t kSize>
struct EntryTable {
  Fn entries[kSize];
  constexpr Fn operator[](size_t i) const { return entries[i]; }
};

template <size_t... kRowLengths>
constexpr auto makeShortRowLossTable(std::index_sequence<kRowLengths...>) {
  using Fn = void (*)(const double*, const double*, double*, size_t);
  return EntryTable<Fn, sizeof...(kRowLengths)>{{&shortRowLosses<kRowLengths + 1>...}};
}
template <class S, size_t... kRowLengths>
constexpr auto makeShortRowGradFactorTable(std::index_sequence<kRowLengths...>) {
  using Fn = void (*)(const double*, double, S*, size_t);
  return EntryTable<Fn, sizeof...(kRowLengths)>{{&shortRowGradFactors<kRowLengths + 1, S>...}};
}

// Indexed by rowLength - 1.
inline constexpr auto kShortRowLosses =
    makeShortRowLossTable(std::make_index_sequence<kShortRowLength - 1>());
template <class S>
inline constexpr auto kShortRowGradFactors =
    makeShortRowGradFactorTable<S>(std::make_index_sequence<kShortRowLength - 1>());

// Rows of L < kShortRowLength: blocks of whole rows are evaluated across the flat array (the
// gradient written straight out, scaled per element), their values kept in a buffer of
// doubles and then reduced row by row. A block holds a power-of-two number of rows (>= 64),
// so blocks tile the row groups exactly and OrderedRowSum::addRows keeps its partial sums in
// registers.
//
// Rows [firstRow, endRow); returns their OrderedRowSum (firstRow is 0 or a group boundary).
template <bool kGrad, class V, class Store, class Loss, class S>
double sumShortRowsStored(const Loss loss, const ElementwiseCall<S> call, size_t firstRow,
                          size_t endRow) {
  using T = VecTraits<V>;
  constexpr size_t kLanes = T::kLanes;
  const size_t rowLength = call.rowLength;
  const double gradScale = call.gradScale;
  const auto rowLossesOf = kShortRowLosses[rowLength - 1];
  const auto gradFactorsOf = kShortRowGradFactors<S>[rowLength - 1];
  const V uniformGradFactor(static_cast<S>(gradScale));
  size_t rowsPerBlock = kRowGroup;
  while (rowsPerBlock * rowLength > kFlatBlockElements) rowsPerBlock /= 2;

  // `kLanes` of slack: the partial last vector is stored (and its factors read) whole.
  double values[kFlatBlockElements + kLanes];
  double rowLosses[kRowGroup];
  // Per-element gradient factors S(gradScale * w_i), only with sample weights.
  S gradFactors[kGrad ? kFlatBlockElements + kLanes : 1];

  OrderedRowSum total;
  for (; firstRow < endRow; firstRow += rowsPerBlock) {
    const size_t blockRows = endRow - firstRow < rowsPerBlock ? endRow - firstRow : rowsPerBlock;
    const size_t count = blockRows * rowLength;
    const size_t start = firstRow * rowLength;
    const S* y = call.yTrue + start;
    const S* x = call.yPred + start;
    const S* a = Loss::kUsesAux ? call.aux + start : nullptr;
    const double* weights = call.sampleWeight != nullptr ? call.sampleWeight + firstRow : nullptr;

    if constexpr (kGrad) {
      if (weights != nullptr) {
        gradFactorsOf(weights, gradScale, gradFactors, blockRows);
        for (size_t j = count; j < count + kLanes; ++j) gradFactors[j] = S(0);
      }
    }
    S* g = kGrad ? call.grad + start : nullptr;
    auto gradFactorAt = [&](size_t i) {
      return weights != nullptr ? T::load(gradFactors + i) : uniformGradFactor;
    };

    size_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
      V grad;
      T::storeAsDouble(values + i, evalAt<kGrad>(loss, y, x, a, i, grad));
      if constexpr (kGrad) Store::store(g + i, grad * gradFactorAt(i));
    }
    if constexpr (kLanes > 1) {
      if (i < count) {
        V grad;
        T::storeAsDouble(values + i, evalPartialAt<kGrad>(loss, y, x, a, i, count - i, grad));
        if constexpr (kGrad) T::storePartial(g + i, grad * gradFactorAt(i), count - i);
      }
    }

    rowLossesOf(values, weights, rowLosses, blockRows);
    if (call.perSample != nullptr) {
      for (size_t r = 0; r < blockRows; ++r) call.perSample[firstRow + r] = rowLosses[r];
    }
    total.addRows(rowLosses, blockRows);
  }
  return total.finish();
}

// Blocks start at multiples of 64 rows from a group boundary, so with the gradient's first
// element aligned every block's is: one check per call picks the store policy.
template <bool kGrad, class V, class Loss, class S>
double sumShortRows(const Loss loss, const ElementwiseCall<S> call, size_t firstRow,
                    size_t endRow, bool stream) {
  if constexpr (kGrad && StreamingStore<V>::kAvailable) {
    if (stream && isAlignedTo(call.grad + firstRow * call.rowLength, StreamingStore<V>::kAlignment)) {
      return sumShortRowsStored<kGrad, V, StreamingStore<V>>(loss, call, firstRow, endRow);
    }
  }
  return sumShortRowsStored<kGrad, V, PlainStore<V>>(loss, call, firstRow, endRow);
}

// ---- Threads --------------------------------------------------------------------------------

// Rows up to this length are split by row group when there are enough groups (a group is then
// at most 2^20 elements); longer rows, or fewer groups, by chunk.
inline constexpr size_t kGroupedRowMaxLength = 1024;
inline constexpr size_t kMinGroupTasks = 8;

template <bool kGrad, class V, class Loss, class S>
struct ElementwiseTasks {
  Loss loss;
  ElementwiseCall<S> call;
  bool stream;

  // values[g] = the OrderedRowSum of row group g.
  static void groups(void* context, size_t begin, size_t end, double* values) {
    const ElementwiseTasks& t = *static_cast<const ElementwiseTasks*>(context);
    const size_t rows = t.call.n / t.call.rowLength;
    for (size_t g = begin; g < end; ++g) {
      const size_t first = g * kRowGroup;
      const size_t last = rows - first < kRowGroup ? rows : first + kRowGroup;
      values[g] = t.call.rowLength < kShortRowLength
                      ? sumShortRows<kGrad, V>(t.loss, t.call, first, last, t.stream)
                      : sumLongRows<kGrad, V>(t.loss, t.call, first, last, t.stream);
    }
    if (t.stream) finishStreamingStores();
  }

  // values[c] = the sum of chunk c.
  static void chunks(void* context, size_t begin, size_t end, double* values) {
    const ElementwiseTasks& t = *static_cast<const ElementwiseTasks*>(context);
    sumChunkRange<kGrad, V>(t.loss, t.call, begin, end, values, t.stream);
    if (t.stream) finishStreamingStores();
  }
};

// The call spread over the pool; false (nothing written) when it stays on this thread: too
// small, one thread, a single task, or no memory for the partial sums.
template <bool kGrad, class V, class Loss, class S>
bool sumOnPool(const Loss& loss, const ElementwiseCall<S>& call, bool stream, double& total) {
  if (call.n < kParallelElements) return false;
  const size_t threads = poolThreadCount();
  if (threads < 2) return false;
  const size_t rowLength = call.rowLength;
  const size_t rows = call.n / rowLength;
  const size_t groups = (rows + kRowGroup - 1) / kRowGroup;
  const bool byGroup = rowLength < kShortRowLength ||
                       (rowLength <= kGroupedRowMaxLength && groups >= kMinGroupTasks);
  const size_t chunksPerRow = (rowLength + kChunkElements - 1) / kChunkElements;
  const size_t items = byGroup ? groups : rows * chunksPerRow;
  if (items < 2) return false;
  double* values = new (std::nothrow) double[items];
  if (values == nullptr) return false;

  ElementwiseTasks<kGrad, V, Loss, S> tasks{loss, call, stream};
  using Tasks = ElementwiseTasks<kGrad, V, Loss, S>;
  if (byGroup) {
    const size_t groupElements = kRowGroup * rowLength;
    const size_t perTask = groupElements < kTaskElements ? kTaskElements / groupElements : 1;
    runRowTasks(groups, perTask, &Tasks::groups, &tasks, values);
    // OrderedRowSum's order: group sums added in group order, from 0.
    total = 0.0;
    for (size_t g = 0; g < groups; ++g) total += values[g];
  } else {
    const size_t chunkElements = rowLength < kChunkElements ? rowLength : kChunkElements;
    const size_t perTask = chunkElements < kTaskElements ? kTaskElements / chunkElements : 1;
    runRowTasks(items, perTask, &Tasks::chunks, &tasks, values);
    total = sumRowsFromChunks(call, values);
  }
  delete[] values;
  return true;
}

template <bool kGrad, class V, class Loss, class S>
double sumElementwise(const Loss& loss, const ElementwiseCall<S>& call) {
  const bool stream = streamsGradient<kGrad, V, Loss>(call);
  double total;
  if (sumOnPool<kGrad, V>(loss, call, stream, total)) return total;
  const size_t rows = call.n / call.rowLength;
  total = call.rowLength < kShortRowLength ? sumShortRows<kGrad, V>(loss, call, 0, rows, stream)
                                           : sumLongRows<kGrad, V>(loss, call, 0, rows, stream);
  if (stream) finishStreamingStores();
  return total;
}

// Whether a loss hands the driver a functor with its run-time option fixed at compile time
// (kHasFixedVariants = true and visitFixed(f): binary_crossentropy's fromLogits), so the loop
// holds no branch on it; false unless declared.
LOSSKIT_LOSS_FLAG(HasFixedVariants, kHasFixedVariants, false);

// The kernel entry for one loss and one value type: builds the functor from the parameters
// once, then runs the driver that fits the row length and the size.
template <template <class> class LossT, class V>
double elementwiseKernel(const ElementwiseCall<typename VecTraits<V>::Scalar>& call) {
  const LossT<V> loss(call.params);
  if constexpr (HasFixedVariants<LossT<V>>::kValue) {
    return loss.visitFixed([&call](const auto& fixed) {
      if (call.grad != nullptr) return sumElementwise<true, V>(fixed, call);
      return sumElementwise<false, V>(fixed, call);
    });
  } else {
    if (call.grad != nullptr) return sumElementwise<true, V>(loss, call);
    return sumElementwise<false, V>(loss, call);
  }
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
