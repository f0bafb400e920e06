// Integer-label (sparse) categorical cross-entropy over [rows, C], written once for every
// value type V, and its entry point. k = labels[i], x = yPred row, EPS = 1e-7 in the dtype.
//
// Kernel table (LOSSKIT_SPARSE_KERNELS in kernel_table.h):
//   0 sparse_categorical_crossentropy [fromLogits]
//
// Logits: l = lse - x_k = (M - x_k) + log S (both terms >= 0: no cancellation), one streaming
// pass (softmax.h) that keeps exp(x_j - shift) in the gradient buffer; gradient
// gradFactor (softmax_j - [j == k]), the label's entry formed in double as
// gradFactor (softmax_k - 1).
// Probabilities (Keras / TF.js): q = clip(x, EPS, 1 - EPS) elementwise first, S' = sum_c q_c,
// l = log S' - log q_k; gradient gradFactor [j unclipped] (1/S' - [j == k] / q_k). Computed in
// double, float32 data too (EPS = 1e-7 and 1 - 1e-7 in double, as the JS fallback clips).
// A row whose label equals ignoreClass: l = 0, weighted value 0 whatever its weight, gradient
// row written as 0.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/sparse.h"
#endif

#include <cstddef>
#include <type_traits>

#include "kernel_table.h"
#include "regression.h"
#include "row_driver.h"
#include "softmax.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// First lane of a vector (the value of a broadcast).
template <class V>
LOSSKIT_INLINE ScalarOf<V> firstLane(V v) {
  ScalarOf<V> lanes[VecTraits<V>::kLanes];
  VecTraits<V>::store(lanes, v);
  return lanes[0];
}

template <class V>
struct SparseCategoricalCrossentropy {
  using S = ScalarOf<V>;
  bool fromLogits;
  size_t classCount;

  explicit SparseCategoricalCrossentropy(const SparseCall<S>& call)
      : fromLogits(call.params[0] != 0.0), classCount(call.classCount) {}

  template <bool kGrad>
  LOSSKIT_INLINE double row(size_t label, const S* x, S* g, double gradFactor) const {
    return fromLogits ? logitsRow<kGrad>(label, x, g, gradFactor)
                      : probabilitiesRow<kGrad>(label, x, g, gradFactor);
  }

  template <bool kGrad>
  double logitsRow(size_t label, const S* x, S* g, double gradFactor) const {
    const bool scratch = kGrad && fitsScratch(classCount);
    S shifts[kMaxScratchChunks];
    const OnlineLse lse =
        streamingLse<V>(x, classCount, scratch ? g : nullptr, scratch ? shifts : nullptr);
    if constexpr (kGrad) {
      const double softmaxScale = gradFactor / lse.sum;
      forEachChunk(classCount, [&](size_t k, size_t offset, size_t count) {
        const S* xc = x + offset;
        S* gc = g + offset;
        const S shift = scratch ? shifts[k] : expShift(chunkMax<V>(xc, count));
        const V shiftV(shift);
        const V scale(static_cast<S>(softmaxScale * exp(static_cast<double>(shift) - lse.max)));
        forEachVector<V>(count, [&](size_t i, size_t n, auto tag) {
          const V ex = scratch ? loadLanes<V>(gc + i, n, tag) : expNonPositive(loadLanes<V>(xc + i, n, tag) - shiftV);
          storeLanes(gc + i, ex * scale, n, tag);
        });
      });
      // The label's entry: its exponential recomputed by the same vector code (same bits).
      const size_t chunk = label / kChunkElements;
      const S shift = scratch ? shifts[chunk]
                              : expShift(chunkMax<V>(x + chunk * kChunkElements,
                                                     classCount - chunk * kChunkElements < kChunkElements
                                                         ? classCount - chunk * kChunkElements
                                                         : kChunkElements));
      const double softmaxK = static_cast<double>(firstLane(expNonPositive(V(x[label]) - V(shift)))) *
                              exp(static_cast<double>(shift) - lse.max) / lse.sum;
      g[label] = static_cast<S>(gradFactor * (softmaxK - 1.0));
    }
    return (lse.max - static_cast<double>(x[label])) + log(lse.sum);
  }

  template <bool kGrad>
  double probabilitiesRow(size_t label, const S* x, S* g, double gradFactor) const {
    using W = WideOf<V>;  // in double (float32 data too): clips at the double 1e-7, 1 - 1e-7
    using WS = ScalarOf<W>;
    const W eps = clipLow<W>();
    const W oneMinusEps = clipHigh<W>();
    const double sumQ = accumulateVectors<W, VectorSums<W, 1>>(
                            classCount,
                            [&](size_t i, size_t n, auto tag, auto& s) {
                              const W q = clipToRange(loadLanes<W>(x + i, n, tag), eps, oneMinusEps);
                              s.acc[0].add(zeroUnusedLanes(q, n, tag));
                            })
                            .total(0);
    // The label's clipped probability, the same min/max as the vector lanes.
    const WS xk = static_cast<WS>(x[label]);
    const WS qk = min(clampMin(xk, WS(1e-7)), WS(1.0 - 1e-7));
    if constexpr (kGrad) {
      const double inv = 1.0 / sumQ;
      const W unclippedGrad(static_cast<WS>(gradFactor * inv));
      const W zero(WS(0));
      forEachVector<W>(classCount, [&](size_t i, size_t n, auto tag) {
        const W xv = loadLanes<W>(x + i, n, tag);
        const auto clipped = (xv <= eps) | (xv >= oneMinusEps);
        storeLanes(g + i, select(clipped, unclippedGrad * zero, unclippedGrad), n, tag);
      });
      const double dk = inv - 1.0 / static_cast<double>(qk);
      const bool clippedK = (xk <= WS(1e-7)) | (xk >= WS(1.0 - 1e-7));
      g[label] = static_cast<S>(gradFactor * (clippedK ? dk * 0.0 : dk));
    }
    return log(sumQ) - log(static_cast<double>(qk));
  }
};

template <template <class> class LossT, class V>
double sparseKernel(const SparseCall<ScalarOf<V>>& call) {
  using S = ScalarOf<V>;
  const LossT<V> loss(call);
  const size_t classCount = call.classCount;
  auto run = [&](auto gradTag) {
    constexpr bool kGrad = decltype(gradTag)::value;
    auto rowFn = [&](size_t row, double weight) {
      const size_t offset = row * classCount;
      const int label = call.labels[row];
      if (call.hasIgnoreClass && label == call.ignoreClass) {
        if constexpr (kGrad) {
          S* g = call.grad + offset;
          forEachVector<V>(classCount, [&](size_t i, size_t n, auto tag) { storeLanes(g + i, V(S(0)), n, tag); });
        }
        return 0.0;
      }
      const double l = loss.template row<kGrad>(static_cast<size_t>(label), call.yPred + offset,
                                                kGrad ? call.grad + offset : nullptr,
                                                call.gradScale * weight);
      return weight * l;
    };
    return sumRows(rowFn, call.rows, classCount, call.sampleWeight, call.perSample);
  };
  return call.grad != nullptr ? run(std::true_type{}) : run(std::false_type{});
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
