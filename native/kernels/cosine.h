// Negative cosine similarity along the middle axis of a [outer, axisLength, inner] view;
// sample s = o * inner + k is the vector x[o, :, k]. PyTorch 1.13 form:
//   dot = sum x y, nx2 = sum x^2, ny2 = sum y^2 (all in double),
//   denom = sqrt(max(nx2 * ny2, 1e-16))  (= max(|x| |y|, 1e-8)),  l_s = -dot / denom.
// Gradient, the exact derivative of that expression (the denominator is constant where the
// clamp is active):
//   dl/dx = -y / denom + [nx2 * ny2 > 1e-16] * dot * x / (nx2 * denom).
// Returns sum_s w_s l_s (OrderedRowSum order); perSample[s] = w_s l_s;
// grad = gradScale * w_s * dl_s/dx = cy * y + cx * x, formed in double and rounded once (the
// two terms cancel exactly when x is parallel to y, e.g. for axisLength 1).
//
// Order: inner == 1 and axisLength >= kShortRowLength sums each sample in chunks of
// kChunkElements with two interleaved vector accumulators per quantity (vector k of a chunk
// to accumulator k mod 2, a partial last vector to accumulator 1), combined (a0 + a1) then
// across lanes as the Accumulator's total(); chunk sums are added in order. Otherwise
// (inner > 1, or a short axis) each sample's terms are summed sequentially along the axis
// (plain double arithmetic, identical on every ISA). Samples: OrderedRowSum. The contiguous
// case (inner == 1, long axis) of kParallelElements or more runs its samples on the pool
// (row_driver.h sumRows: the same values, summed in the same order).
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/cosine.h"
#endif

#include <cstddef>

#include "elementwise_driver.h"  // kShortRowLength
#include "kernel_table.h"
#include "ordered_sum.h"
#include "row_driver.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// Per-sample results: the loss and the coefficients of the gradient (grad = cy*y + cx*x).
struct CosineSample {
  double loss;
  double cy;
  double cx;
};

// weight = gradScale * w_s. NaN in dot or the norms propagates (clampMin keeps it, and the
// `>` test is false, leaving cy NaN).
LOSSKIT_INLINE CosineSample cosineSample(double dot, double nx2, double ny2, double weight) {
  constexpr double kEpsSquared = 1e-16;  // (1e-8)^2, PyTorch 1.13's cosine_similarity eps
  const double normProduct = nx2 * ny2;
  const double denom = sqrt(clampMin(normProduct, kEpsSquared));
  CosineSample s;
  s.loss = -dot / denom;
  s.cy = -weight / denom;
  s.cx = normProduct > kEpsSquared ? weight * (dot / (nx2 * denom)) : 0.0;
  return s;
}

// Adds x*y, x*x and y*y of one vector to three accumulators.
template <class V, class Acc>
LOSSKIT_INLINE void accumulateProducts(V y, V x, Acc& dot, Acc& xx, Acc& yy) {
  dot.addProduct(x, y);
  xx.addProduct(x, x);
  yy.addProduct(y, y);
}

// dot, nx2 and ny2 of one contiguous sample of `length` elements (order: see the top).
template <class V, class S>
LOSSKIT_INLINE void cosineSums(const S* y, const S* x, size_t length, double& dot, double& nx2,
                               double& ny2) {
  using T = VecTraits<V>;
  using Acc = typename T::Accumulator;
  constexpr size_t kLanes = T::kLanes;
  dot = nx2 = ny2 = 0.0;
  for (size_t offset = 0; offset < length; offset += kChunkElements) {
    const size_t count = length - offset < kChunkElements ? length - offset : kChunkElements;
    const S* yc = y + offset;
    const S* xc = x + offset;
    Acc dot0, dot1, xx0, xx1, yy0, yy1;
    size_t i = 0;
    for (; i + 2 * kLanes <= count; i += 2 * kLanes) {
      accumulateProducts(T::load(yc + i), T::load(xc + i), dot0, xx0, yy0);
      accumulateProducts(T::load(yc + i + kLanes), T::load(xc + i + kLanes), dot1, xx1, yy1);
    }
    if (i + kLanes <= count) {
      accumulateProducts(T::load(yc + i), T::load(xc + i), dot0, xx0, yy0);
      i += kLanes;
    }
    if constexpr (kLanes > 1) {
      if (i < count) {  // the zero lanes add exact zeros
        accumulateProducts(T::loadPartial(yc + i, count - i), T::loadPartial(xc + i, count - i),
                           dot1, xx1, yy1);
      }
    }
    dot0.merge(dot1);
    xx0.merge(xx1);
    yy0.merge(yy1);
    dot += dot0.total();
    nx2 += xx0.total();
    ny2 += yy0.total();
  }
}

// grad[j] = cy * y[j] + cx * x[j] over one contiguous sample.
template <class V, class S>
LOSSKIT_INLINE void cosineGrad(const S* y, const S* x, S* g, size_t length, double cy,
                               double cx) {
  using T = VecTraits<V>;
  constexpr size_t kLanes = T::kLanes;
  size_t i = 0;
  for (; i + kLanes <= length; i += kLanes) {
    T::store(g + i, T::scaledSum(cy, T::load(y + i), cx, T::load(x + i)));
  }
  if constexpr (kLanes > 1) {
    if (i < length) {
      const size_t n = length - i;
      T::storePartial(g + i, T::scaledSum(cy, T::loadPartial(y + i, n), cx, T::loadPartial(x + i, n)),
                      n);
    }
  }
}

// Samples are independent rows: sumRows (row_driver.h) runs them in order, or spreads a call
// of kParallelElements or more over the pool, with the same OrderedRowSum of their values.
template <class V, class S>
double cosineContiguous(const CosineCall<S> call) {
  const size_t length = call.axisLength;
  const auto sampleValue = [call, length](size_t s, double weight) {
    const S* y = call.yTrue + s * length;
    const S* x = call.yPred + s * length;
    double dot, nx2, ny2;
    cosineSums<V>(y, x, length, dot, nx2, ny2);
    const CosineSample sample = cosineSample(dot, nx2, ny2, call.gradScale * weight);
    if (call.grad != nullptr) {
      cosineGrad<V>(y, x, call.grad + s * length, length, sample.cy, sample.cx);
    }
    return weight * sample.loss;
  };
  return sumRows(sampleValue, call.outer, length, call.sampleWeight, call.perSample);
}

// inner > 1: blocks of up to kInnerBlock samples side by side (contiguous in k), so every pass
// walks memory in order; each sample's sums are sequential along the axis.
template <class S>
double cosineStrided(const CosineCall<S> call) {
  constexpr size_t kInnerBlock = 64;
  const size_t length = call.axisLength;
  const size_t inner = call.inner;
  OrderedRowSum total;
  for (size_t o = 0; o < call.outer; ++o) {
    const size_t base = o * length * inner;
    for (size_t k0 = 0; k0 < inner; k0 += kInnerBlock) {
      const size_t width = inner - k0 < kInnerBlock ? inner - k0 : kInnerBlock;
      double dot[kInnerBlock] = {}, nx2[kInnerBlock] = {}, ny2[kInnerBlock] = {};
      for (size_t j = 0; j < length; ++j) {
        const S* y = call.yTrue + base + j * inner + k0;
        const S* x = call.yPred + base + j * inner + k0;
        for (size_t k = 0; k < width; ++k) {
          const double xv = x[k], yv = y[k];
          dot[k] += xv * yv;
          nx2[k] += xv * xv;
          ny2[k] += yv * yv;
        }
      }
      double cy[kInnerBlock], cx[kInnerBlock];
      for (size_t k = 0; k < width; ++k) {
        const size_t s = o * inner + k0 + k;
        const double weight = call.sampleWeight != nullptr ? call.sampleWeight[s] : 1.0;
        const CosineSample sample = cosineSample(dot[k], nx2[k], ny2[k], call.gradScale * weight);
        const double weighted = weight * sample.loss;
        if (call.perSample != nullptr) call.perSample[s] = weighted;
        total.add(weighted);
        cy[k] = sample.cy;
        cx[k] = sample.cx;
      }
      if (call.grad != nullptr) {
        for (size_t j = 0; j < length; ++j) {
          const size_t row = base + j * inner + k0;
          for (size_t k = 0; k < width; ++k) {
            call.grad[row + k] = static_cast<S>(cy[k] * static_cast<double>(call.yTrue[row + k]) +
                                                cx[k] * static_cast<double>(call.yPred[row + k]));
          }
        }
      }
    }
  }
  return total.finish();
}

// inner == 1 with a short axis (< kShortRowLength): per-sample vector set-up would cost more
// than the sample, so each sample's sums run sequentially in double, blocks of samples are
// finished together (the loop over the block vectorises its sqrt and divisions).
template <class S>
double cosineShortRows(const CosineCall<S> call) {
  constexpr size_t kBlock = 64;
  const size_t length = call.axisLength;
  OrderedRowSum total;
  for (size_t s0 = 0; s0 < call.outer; s0 += kBlock) {
    const size_t width = call.outer - s0 < kBlock ? call.outer - s0 : kBlock;
    double dot[kBlock], nx2[kBlock], ny2[kBlock];
    for (size_t k = 0; k < width; ++k) {
      const S* y = call.yTrue + (s0 + k) * length;
      const S* x = call.yPred + (s0 + k) * length;
      double d = 0.0, xx = 0.0, yy = 0.0;
      for (size_t j = 0; j < length; ++j) {
        const double xv = x[j], yv = y[j];
        d += xv * yv;
        xx += xv * xv;
        yy += yv * yv;
      }
      dot[k] = d;
      nx2[k] = xx;
      ny2[k] = yy;
    }
    double weighted[kBlock], cy[kBlock], cx[kBlock];
    for (size_t k = 0; k < width; ++k) {
      const double weight = call.sampleWeight != nullptr ? call.sampleWeight[s0 + k] : 1.0;
      const CosineSample sample = cosineSample(dot[k], nx2[k], ny2[k], call.gradScale * weight);
      weighted[k] = weight * sample.loss;
      cy[k] = sample.cy;
      cx[k] = sample.cx;
    }
    if (call.perSample != nullptr) {
      for (size_t k = 0; k < width; ++k) call.perSample[s0 + k] = weighted[k];
    }
    for (size_t k = 0; k < width; ++k) total.add(weighted[k]);
    if (call.grad != nullptr) {
      for (size_t k = 0; k < width; ++k) {
        const size_t base = (s0 + k) * length;
        for (size_t j = 0; j < length; ++j) {
          call.grad[base + j] = static_cast<S>(cy[k] * static_cast<double>(call.yTrue[base + j]) +
                                               cx[k] * static_cast<double>(call.yPred[base + j]));
        }
      }
    }
  }
  return total.finish();
}

template <class V>
double cosineKernel(const CosineCall<typename VecTraits<V>::Scalar>& call) {
  if (call.inner > 1) return cosineStrided(call);
  if (call.axisLength < kShortRowLength) return cosineShortRows(call);
  return cosineContiguous<V>(call);
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
