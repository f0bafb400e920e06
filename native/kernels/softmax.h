// Vector helpers for the row-wise kernels (categorical.h, sparse.h, divergence.h), written
// once for every value type V (float, double, avx2::VecF32x8, avx2::VecF64x4):
// - loops over a span of a row in vectors, one body for whole vectors and the masked tail;
// - the NaN-skipping chunk maximum and the streaming (online) log-sum-exp.
//
// Streaming log-sum-exp, one pass over memory: a row is cut into chunks of kChunkElements
// (ordered_sum.h) from its first element. For each chunk, its maximum cm (NaN skipped) is
// taken over the chunk, then sum_j exp(x_j - shift) with shift = cm (0 when cm = -inf, so a
// chunk of -inf gives 0 rather than exp(-inf + inf) = NaN) re-reading the chunk from L1; the
// running pair (M, S) is rescaled when M grows:
//   shift > M: S <- S exp(M - shift) + s_chunk, M <- shift;  else S <- S + s_chunk exp(shift - M).
// lse = M + log S, with S >= 1 whenever the row holds a finite maximum. A NaN anywhere reaches
// the chunk sum through exp(NaN - shift); a +inf gives exp(inf - inf) = NaN (as PyTorch).
// exp() per element is the vector exp of simd/avx2/math.h on AVX2 (libm on the portable path),
// its x <= 0 form (expNonPositive: x - shift <= 0, or NaN);
// only one scalar exp per chunk and one log per row touch libm.
//
// Precision: the logits paths (the hot ones) compute per element in the dtype (float32 math
// for float32 data, as PyTorch) and sum in double. The paths whose terms cancel (probability
// inputs, focal, KL, JS) compute in double for float32 data too (WideOf below): the float32
// arithmetic there misses the fixtures' rtol 1e-6 by up to 10x.
//
// Sums: a span's vectors go to two accumulator sets in turn (vector k to set k mod 2, a
// partial last vector, zero in its unused lanes, to set 1), combined set0 + set1 and then
// across lanes as the Accumulator's total(): fixed by the shape and the ISA alone.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/softmax.h"
#endif

#include <math.h>

#include <cstddef>
#include <type_traits>

#include "ordered_sum.h"
#include "regression.h"  // ScalarOf, kerasEpsilon

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// Rows with more chunks than this recompute exp() for the gradient instead of keeping the
// exponentials of the value pass in the gradient buffer (the chunk shifts live on the stack).
inline constexpr size_t kMaxScratchChunks = 64;

// Tags telling a loop body whether it sees a whole vector or the partial last one.
using WholeVector = std::false_type;
using PartialVector = std::true_type;

// Loads n elements (all lanes for a whole vector) of storage type S into the compute type V;
// unused lanes 0. S is V's scalar, or float under a double V (the float32 paths that compute
// in double: WideOf below), converted exactly.
template <class V, class S, class Tag>
LOSSKIT_INLINE V loadLanes(const S* p, size_t n, Tag) {
  using T = VecTraits<V>;
  if constexpr (std::is_same_v<S, ScalarOf<V>>) {
    if constexpr (Tag::value) {
      return T::loadPartial(p, n);  // reads p[0, n) only
    } else {
      (void)n;
      return T::load(p);
    }
  } else if constexpr (T::kLanes == 1) {
    (void)n;
    return static_cast<V>(*p);
  } else {
    // float -> double lanes (simd/avx2/vec.h), found by argument-dependent lookup on the tag.
    constexpr const V* kTag = nullptr;
    if constexpr (Tag::value) {
      return widenLoadPartial(kTag, p, n);
    } else {
      (void)n;
      return widenLoad(kTag, p);
    }
  }
}

// Stores n lanes (all for a whole vector) of v to storage type S (rounded once when narrower).
template <class V, class S, class Tag>
LOSSKIT_INLINE void storeLanes(S* p, V v, size_t n, Tag) {
  using T = VecTraits<V>;
  if constexpr (std::is_same_v<S, ScalarOf<V>>) {
    if constexpr (Tag::value) {
      T::storePartial(p, v, n);
    } else {
      (void)n;
      T::store(p, v);
    }
  } else if constexpr (T::kLanes == 1) {
    (void)n;
    *p = static_cast<S>(v);
  } else {
    if constexpr (Tag::value) {
      narrowStorePartial(p, v, n);
    } else {
      (void)n;
      narrowStore(p, v);
    }
  }
}

// v with its unused lanes (>= n) set to +0 (bitwise, so an inf or NaN there vanishes too).
template <class V, class Tag>
LOSSKIT_INLINE V zeroUnusedLanes(V v, size_t n, Tag) {
  if constexpr (Tag::value) {
    return VecTraits<V>::zeroBeyond(v, n);
  } else {
    (void)n;
    return v;
  }
}

// v with its unused lanes (>= n) set to `fill`.
template <class V, class Tag>
LOSSKIT_INLINE V fillUnusedLanes(V v, V fill, size_t n, Tag) {
  if constexpr (Tag::value) {
    using S = ScalarOf<V>;
    constexpr size_t kLanes = VecTraits<V>::kLanes;
    S index[kLanes];
    for (size_t l = 0; l < kLanes; ++l) index[l] = static_cast<S>(l);
    return select(VecTraits<V>::load(index) < V(static_cast<S>(n)), v, fill);
  } else {
    (void)n;
    (void)fill;
    return v;
  }
}

// n doubles (all lanes for a whole vector) rounded to V's scalar; unused lanes 0.
template <class V, class Tag>
LOSSKIT_INLINE V loadDoubles(const double* p, size_t n, Tag tag) {
  if constexpr (std::is_same_v<ScalarOf<V>, double>) {
    return loadLanes<V>(p, n, tag);
  } else if constexpr (VecTraits<V>::kLanes == 1) {
    (void)n;
    return static_cast<V>(*p);
  } else {
    // double -> float lanes (simd/avx2/vec.h), found by argument-dependent lookup on the tag.
    constexpr const V* kTag = nullptr;
    if constexpr (Tag::value) {
      return narrowLoadPartial(kTag, p, n);
    } else {
      (void)n;
      return narrowLoad(kTag, p);
    }
  }
}

// body(i, n, tag) for each vector of [0, count): whole vectors (n = lanes), then the partial
// tail (tag PartialVector, n < lanes) if any.
template <class V, class Body>
LOSSKIT_INLINE void forEachVector(size_t count, Body&& body) {
  constexpr size_t kLanes = VecTraits<V>::kLanes;
  size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) body(i, kLanes, WholeVector{});
  if constexpr (kLanes > 1) {
    if (i < count) body(i, count - i, PartialVector{});
  }
}

// body(i, n, tag, sums) for each vector of [0, count), alternating two accumulator sets
// (vector k to set k mod 2, the partial tail to set 1); returns set0 merged with set1.
// The body zeroes unused lanes of what it adds.
template <class V, class Sums, class Body>
LOSSKIT_INLINE Sums accumulateVectors(size_t count, Body&& body) {
  constexpr size_t kLanes = VecTraits<V>::kLanes;
  Sums s0, s1;
  size_t i = 0;
  for (; i + 2 * kLanes <= count; i += 2 * kLanes) {
    body(i, kLanes, WholeVector{}, s0);
    body(i + kLanes, kLanes, WholeVector{}, s1);
  }
  if (i + kLanes <= count) {
    body(i, kLanes, WholeVector{}, s0);
    i += kLanes;
  }
  if constexpr (kLanes > 1) {
    if (i < count) body(i, count - i, PartialVector{}, s1);
  }
  s0.merge(s1);
  return s0;
}

// N double accumulators of V (indexed by constants only, so they stay in registers).
template <class V, size_t N>
struct VectorSums {
  typename VecTraits<V>::Accumulator acc[N];
  LOSSKIT_INLINE void merge(const VectorSums& other) {
    for (size_t k = 0; k < N; ++k) acc[k].merge(other.acc[k]);
  }
  LOSSKIT_INLINE double total(size_t k) const { return acc[k].total(); }
};

// max(m, x) that keeps m when x is NaN (clampMin returns its first operand then); the
// callers let NaN reach their result through another path (the exp sum, the products).
template <class V>
LOSSKIT_INLINE V maxSkippingNan(V m, V x) {
  return clampMin(m, x);
}

// Largest lane of v (NaN lanes skipped; v never holds NaN here).
template <class V>
LOSSKIT_INLINE ScalarOf<V> maxLane(V v) {
  using S = ScalarOf<V>;
  constexpr size_t kLanes = VecTraits<V>::kLanes;
  S lanes[kLanes];
  VecTraits<V>::store(lanes, v);
  S m = lanes[0];
  for (size_t l = 1; l < kLanes; ++l) m = clampMin(m, lanes[l]);
  return m;
}

// Largest lane of v, NaN if any lane is NaN.
template <class V>
LOSSKIT_INLINE ScalarOf<V> maxLanePropagatingNan(V v) {
  using S = ScalarOf<V>;
  constexpr size_t kLanes = VecTraits<V>::kLanes;
  S lanes[kLanes];
  VecTraits<V>::store(lanes, v);
  S m = lanes[0];
  for (size_t l = 1; l < kLanes; ++l) m = max(m, lanes[l]);
  return m;
}

// Maximum of x[0, count), NaN skipped; -inf when every element is NaN or -inf.
template <class V, class S>
LOSSKIT_INLINE ScalarOf<V> chunkMax(const S* x, size_t count) {
  using C = ScalarOf<V>;
  constexpr size_t kLanes = VecTraits<V>::kLanes;
  const V negInf(static_cast<C>(-HUGE_VAL));
  V m0 = negInf, m1 = negInf;
  size_t i = 0;
  for (; i + 2 * kLanes <= count; i += 2 * kLanes) {
    m0 = maxSkippingNan(m0, loadLanes<V>(x + i, kLanes, WholeVector{}));
    m1 = maxSkippingNan(m1, loadLanes<V>(x + i + kLanes, kLanes, WholeVector{}));
  }
  if (i + kLanes <= count) {
    m0 = maxSkippingNan(m0, loadLanes<V>(x + i, kLanes, WholeVector{}));
    i += kLanes;
  }
  if constexpr (kLanes > 1) {
    if (i < count) {
      const size_t n = count - i;
      m1 = maxSkippingNan(m1, fillUnusedLanes(loadLanes<V>(x + i, n, PartialVector{}), negInf, n,
                                              PartialVector{}));
    }
  }
  return maxLane(maxSkippingNan(m0, m1));
}

// The shift a chunk's exponentials are taken against: its maximum, or 0 for a chunk of -inf.
template <class S>
LOSSKIT_INLINE S expShift(S chunkMaximum) {
  return chunkMaximum == static_cast<S>(-HUGE_VAL) ? S(0) : chunkMaximum;
}

// The running (M, S) of the streaming log-sum-exp (see the top of this file).
struct OnlineLse {
  double max = -HUGE_VAL;
  double sum = 0.0;

  LOSSKIT_INLINE void add(double shift, double chunkSum) {
    if (shift > max) {
      sum = sum * exp(max - shift) + chunkSum;  // exp(-inf) = 0 for the first chunk
      max = shift;
    } else {
      sum += chunkSum * exp(shift - max);
    }
  }
  LOSSKIT_INLINE double lse() const { return max + log(sum); }
};

// sum_j exp(x_j - shift) over x[0, count); when e is non-null, exp(x_j - shift) is also
// stored to e[j] (the gradient buffer used as scratch).
// Order (an exception to the two sets above, for the hottest loop of the softmax losses):
// whole vectors in groups of four, added in V as (v0 + v1) + (v2 + v3) (exps are in [0, 1]:
// two roundings of at most 2^-24 relative, below the exps' own error) and then widened into
// accumulator set 0 (a quarter of the widening work); then a pair the same way (v0 + v1), a
// last single whole vector to set 0 alone, a partial one to set 1.
template <class V, class S>
LOSSKIT_INLINE double sumExpShifted(const S* x, size_t count, ScalarOf<V> shift, S* e) {
  constexpr size_t kLanes = VecTraits<V>::kLanes;
  const V shiftV(shift);
  auto expAt = [&](size_t i, size_t n, auto tag) {
    const V ex = expNonPositive(loadLanes<V>(x + i, n, tag) - shiftV);  // x <= shift
    if (e != nullptr) storeLanes(e + i, ex, n, tag);
    return ex;
  };
  typename VecTraits<V>::Accumulator s0, s1;
  size_t i = 0;
  for (; i + 4 * kLanes <= count; i += 4 * kLanes) {
    const V ex01 = expAt(i, kLanes, WholeVector{}) + expAt(i + kLanes, kLanes, WholeVector{});
    const V ex23 = expAt(i + 2 * kLanes, kLanes, WholeVector{}) + expAt(i + 3 * kLanes, kLanes, WholeVector{});
    s0.add(ex01 + ex23);
  }
  for (; i + 2 * kLanes <= count; i += 2 * kLanes) {
    const V ex0 = expAt(i, kLanes, WholeVector{});
    s0.add(ex0 + expAt(i + kLanes, kLanes, WholeVector{}));
  }
  if (i + kLanes <= count) {
    s0.add(expAt(i, kLanes, WholeVector{}));
    i += kLanes;
  }
  if constexpr (kLanes > 1) {
    if (i < count) s1.add(zeroUnusedLanes(expAt(i, count - i, PartialVector{}), count - i, PartialVector{}));
  }
  s0.merge(s1);
  return s0.total();
}

// Chunks of a row: (index, offset, count).
template <class Body>
LOSSKIT_INLINE void forEachChunk(size_t length, Body&& body) {
  size_t index = 0;
  for (size_t offset = 0; offset < length; offset += kChunkElements, ++index) {
    body(index, offset, length - offset < kChunkElements ? length - offset : kChunkElements);
  }
}

// The streaming log-sum-exp of x[0, C), computed in V's precision. With scratch (rows of at
// most kMaxScratchChunks chunks), also stores exp(x_j - shift_k) to scratch[j] and each
// chunk's shift to shifts[k].
template <class V, class S>
LOSSKIT_INLINE OnlineLse streamingLse(const S* x, size_t classCount, S* scratch,
                                      ScalarOf<V>* shifts) {
  OnlineLse lse;
  forEachChunk(classCount, [&](size_t k, size_t offset, size_t count) {
    const ScalarOf<V> shift = expShift(chunkMax<V>(x + offset, count));
    if (shifts != nullptr) shifts[k] = shift;
    lse.add(shift, sumExpShifted<V>(x + offset, count, shift,
                                    scratch != nullptr ? scratch + offset : nullptr));
  });
  return lse;
}

// Whether a row of C classes keeps its exponentials in the gradient buffer between passes.
LOSSKIT_INLINE bool fitsScratch(size_t classCount) {
  return (classCount + kChunkElements - 1) / kChunkElements <= kMaxScratchChunks;
}

// The compute type of the float32 paths that need more than float32 arithmetic (cancelling
// terms under the fixtures' rtol 1e-6: categorical_crossentropy on probabilities, the focal
// loss, KL and JS): the ISA's double vector (VecF64, defined by native/kernels/<isa>/
// kernels.cpp before isa_table.h includes this file) for float32 data, V itself for float64.
template <class V>
using WideOf = std::conditional_t<std::is_same_v<ScalarOf<V>, float>, VecF64, V>;

// The clipping bounds of the paths that compute in W = WideOf<V>: Keras' 1e-7 and 1 - 1e-7 in
// W's precision, i.e. in double for float32 data too (as the JS fallback and the float64
// references clip; float32 arithmetic would clip at float(1 - 1e-7) = 1 - 1.19e-7).
template <class W>
LOSSKIT_INLINE W clipLow() {
  return W(static_cast<ScalarOf<W>>(1e-7));
}
template <class W>
LOSSKIT_INLINE W clipHigh() {
  return W(static_cast<ScalarOf<W>>(1.0 - 1e-7));
}

// log(num / den) for num, den > 0, given diff = num - den computed without cancellation:
// log1p(diff / den) while the ratio is within (1/2, 3/2) (where log(num / den) would lose the
// digits of a ratio close to 1), log(num / den) outside (where forming diff would lose those
// of a ratio close to 0). NaN in, NaN out.
template <class W>
LOSSKIT_INLINE W logRatio(W num, W den, W diff) {
  const W half(static_cast<ScalarOf<W>>(0.5));
  return select(abs(diff) < half * den, log1p(diff / den), log(num / den));
}

// x clipped to [lo, hi]; a NaN x stays NaN (clampMin and max/min propagate it).
template <class V>
LOSSKIT_INLINE V clipToRange(V x, V lo, V hi) {
  return min(clampMin(x, lo), hi);
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
