// Connectionist temporal classification (Graves et al. 2006, "Connectionist Temporal
// Classification: Labelling Unsegmented Sequence Data with Recurrent Neural Networks", ICML;
// equation numbers below are that paper's), written once for every value type V and run in
// double whatever the dtype (W = WideOf<V>, softmax.h). The algorithm is PyTorch's
// (aten/src/ATen/native/LossCTC.cpp, by T. Viehmann), with 0-based indices where the paper
// has 1-based ones. The JS oracle lib/losses/ctc-kernel.ts is the same algorithm line by line.
//
// For item b: input length T_b = inputLengths[b], target l of length L = targetLengths[b],
// lp[t][c] = logProbs at (t, b, c). The extended target l' has length 2L + 1: blanks at even
// positions, l'_{2i+1} = l_i.
//
//   alpha (forward variables, in log space), eq (6)-(7):
//     alpha[0][0] = lp[0][blank], alpha[0][1] = lp[0][l_0] (L > 0), every other alpha[0][s] =
//     -inf (the initialisation above eq (6));
//     alpha[t][s] = logsumexp(alpha[t-1][s], alpha[t-1][s-1], alpha[t-1][s-2]) + lp[t][l'_s],
//     the s-2 term only when l'_s != blank and l'_s != l'_{s-2} (eq (7)), out-of-range terms
//     -inf.
//   loss, eq (8):  nll = -logsumexp(alpha[T_b-1][2L], alpha[T_b-1][2L-1]).
//   beta (backward variables, both ends including the emission at t, as PyTorch's),
//   eq (10)-(11):
//     beta[T_b-1][2L] = lp[T_b-1][blank], beta[T_b-1][2L-1] = lp[T_b-1][l_{L-1}] (L > 0), the
//     rest -inf (the initialisation above eq (10));
//     beta[t][s] = logsumexp(beta[t+1][s], beta[t+1][s+1], beta[t+1][s+2]) + lp[t][l'_s],
//     the s+2 term only when l'_{s+2} != l'_s (eq (11)).
//   gradient, eq (14)-(16): alpha[t][s] + beta[t][s] - lp[t][l'_s] is log of the probability of
//     the paths through state s at time t (eq (14), the emission counted twice, so once
//     removed); their posterior occupancy is gamma[t][s] = exp(that + nll), and
//       d nll / d lp[t][c] = -sum_{s: l'_s = c} gamma[t][s]                   ('exact')
//     PyTorch's autograd returns exp(lp[t][c]) - sum_{s: l'_s = c} gamma[t][s] ('torch'): the
//     gradient w.r.t. the logits of a log_softmax upstream (eq (16)) written at its input.
//     PyTorch forms exp(lcab + nll - lp) with lcab = logsumexp over those s; the sum of the
//     per-state exponentials is the same number with one rounding fewer per term, and no term
//     can overflow (each gamma <= 1). A state with alpha + beta = -inf contributes exactly 0
//     (also when lp = -inf, where PyTorch's form gives -inf + inf = NaN).
//
// logsumexp of two or three terms as PyTorch: m = the largest term (0 when all are -inf:
// "cannot do neginf-neginf"), log(sum exp(term - m)) + m, except that the largest term's
// exp(0) = 1 is not evaluated (two exponentials per state, not three; the sum is formed as
// 1 + (exp(middle - m) + exp(low - m)), a rounding apart from PyTorch's order). The recursions are vectorised
// over s (each row depends on the previous one only), with the ISA's vector exp/log on AVX2
// (libm on the portable path); the per-class sums and the logsumexp of eq (8) are scalar, in a
// fixed order. The gradient row of time t: exp(lp) (torch form) or 0 over all C classes in
// vectors, then the classes of l' overwritten with scale * (exp(lp) - posterior) or
// scale * (0 - posterior); float32 data is read exactly into double and each gradient entry
// rounded to float once. The ISAs differ only by the exp/log they use (a few ulp per term).
//
// Per item, results: losses[b] = nll, +inf when no alignment exists (alpha[T_b-1] final states
// -inf), 0 instead when zeroInfinity; an infinite loss writes a zero gradient for the item.
// T_b = 0: loss 0 for an empty target, +inf otherwise; no gradient row is used. Every gradient
// entry with t >= T_b is 0. The gradient is scaled by itemScales[b]; the return value is
// sum_b itemScales[b] * losses[b], added in item order.
//
// NaN policy: a NaN log-probability reaches every alpha / beta it feeds, hence the loss (as in
// PyTorch) and the gradient.
//
// Memory: per item, T_b rows of 2L + 3 doubles for alpha (2 rows when no gradient is asked),
// two rows for beta and a few rows of 2L + 1, plus C ints for the class -> slot map; one
// buffer per task (a range of items), grown to the largest item met, never in JavaScript
// memory. An item whose buffer cannot be allocated gets a NaN loss and a NaN gradient (no
// exception may leave a pool thread or the async worker).
//
// Threads: items are independent; each writes only losses[b] and its own gradient entries, so
// a batch with enough work (kCtcParallelWork cells) spreads ranges of items over the pool
// (thread_pool.h), and the return value is summed after, in item order: the same bits for any
// thread count, and for sync and async calls.
//
// Lengths and labels were checked by the addon; they are read again here (an async call's
// arrays could be written to by JavaScript before the job runs), and an item that now fails
// the checks gets a NaN loss and gradient rather than an out-of-bounds access.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/ctc.h"
#endif

#include <math.h>

#include <cstddef>
#include <cstdint>
#include <new>

#include "kernel_table.h"
#include "regression.h"
#include "softmax.h"
#include "thread_pool.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// Work (alpha/beta cells, plus gradient entries / 4) from which a batch goes to the pool.
inline constexpr size_t kCtcParallelWork = size_t{1} << 15;
// At most this many pool tasks per call: bounds the prefix sums of concatenated targets (each
// task finds its first item's offset from the start) and keeps tasks big enough to amortise
// their allocation.
inline constexpr size_t kCtcMaxTasks = 256;

// The buffers of one task, grown to the largest item it meets; ints[classSlot, +C) holds -1
// between items.
class CtcScratch {
 public:
  CtcScratch() = default;
  CtcScratch(const CtcScratch&) = delete;
  CtcScratch& operator=(const CtcScratch&) = delete;
  ~CtcScratch() {
    delete[] doubles_;
    delete[] ints_;
  }

  // False when out of memory (the buffers are then empty).
  bool reserve(size_t doubleCount, size_t intCount, size_t classCount) {
    if (doubleCount > doubleCapacity_) {
      delete[] doubles_;
      doubles_ = new (std::nothrow) double[doubleCount];
      doubleCapacity_ = doubles_ != nullptr ? doubleCount : 0;
      if (doubles_ == nullptr) return false;
    }
    const size_t totalInts = intCount + classCount;
    if (totalInts > intCapacity_) {
      delete[] ints_;
      ints_ = new (std::nothrow) int[totalInts];
      intCapacity_ = ints_ != nullptr ? totalInts : 0;
      if (ints_ == nullptr) return false;
      // The class -> slot map lives at the end, all -1.
      for (size_t c = 0; c < classCount; ++c) ints_[totalInts - classCount + c] = -1;
    }
    return true;
  }

  double* doubles() const { return doubles_; }
  // The per-state int rows, then (at intCapacity - classCount) the class -> slot map.
  int* ints() const { return ints_; }
  int* classSlots(size_t classCount) const { return ints_ + intCapacity_ - classCount; }

 private:
  double* doubles_ = nullptr;
  int* ints_ = nullptr;
  size_t doubleCapacity_ = 0;
  size_t intCapacity_ = 0;
};

template <class V>
struct CtcBatch {
  using S = ScalarOf<V>;
  using W = WideOf<V>;
  using WS = ScalarOf<W>;  // double

  const CtcCall<S>& call;

  // Element (t, b, 0) of logProbs / grad, and the stride between time steps.
  size_t itemBase(size_t b) const {
    return call.batchFirst ? b * call.timeSteps * call.classCount : b * call.classCount;
  }
  size_t timeStride() const {
    return call.batchFirst ? call.classCount : call.batchSize * call.classCount;
  }

  // grad rows [from, to) of item b set to `value`.
  void fillRows(size_t b, size_t from, size_t to, S value) const {
    if (call.grad == nullptr) return;
    S* g = call.grad + itemBase(b);
    const size_t stride = timeStride();
    const V v(value);
    for (size_t t = from; t < to; ++t) {
      S* row = g + t * stride;
      forEachVector<V>(call.classCount, [&](size_t i, size_t n, auto tag) { storeLanes(row + i, v, n, tag); });
    }
  }

  // The loss of item b (after zeroInfinity), its gradient written. `offset`: where its target
  // starts in call.targets.
  double item(size_t b, int64_t offset, CtcScratch& scratch) const {
    const double nan = static_cast<double>(NAN);
    const double inf = HUGE_VAL;
    const size_t timeSteps = call.timeSteps;
    const size_t classCount = call.classCount;
    const int64_t inputLength = call.inputLengths[b];
    const int64_t targetLength = call.targetLengths[b];

    // Re-check what the addon checked (see the top of this file).
    bool valid = inputLength >= 0 && static_cast<uint64_t>(inputLength) <= timeSteps &&
                 targetLength >= 0 && offset >= 0 &&
                 static_cast<uint64_t>(offset + targetLength) <= call.targetsLength &&
                 (!call.padded || static_cast<uint64_t>(targetLength) <= call.maxTargetLength);
    const int* target = call.targets + (valid ? offset : 0);
    for (int64_t i = 0; valid && i < targetLength; ++i) {
      valid = target[i] >= 0 && static_cast<uint64_t>(target[i]) < classCount && target[i] != call.blank;
    }
    if (!valid) {
      fillRows(b, 0, timeSteps, static_cast<S>(nan));
      return nan;
    }

    const size_t tb = static_cast<size_t>(inputLength);
    const size_t length = static_cast<size_t>(targetLength);
    if (tb == 0) {
      fillRows(b, 0, timeSteps, S(0));
      return length == 0 ? 0.0 : (call.zeroInfinity ? 0.0 : inf);
    }

    const bool withGrad = call.grad != nullptr;
    const size_t states = 2 * length + 1;  // |l'|
    const size_t stride = states + 2;      // a row of alpha or beta with two -inf pads
    const size_t alphaRows = withGrad ? tb : 2;
    // doubles: alpha, beta (2 rows), emissions, skip flags (+2), occupancies, slot sums.
    const size_t doubleCount = alphaRows * stride + 2 * stride + states + (states + 2) + states + states;
    // ints: labels of l', slots of l', labels of the slots.
    const size_t intCount = 3 * states;
    if (!scratch.reserve(doubleCount, intCount, withGrad ? classCount : 0)) {
      fillRows(b, 0, timeSteps, static_cast<S>(nan));
      return nan;
    }
    double* alpha = scratch.doubles();
    double* betaRows = alpha + alphaRows * stride;
    double* emit = betaRows + 2 * stride;
    double* skip = emit + states;  // [states + 2]: 1 where the s-2 transition is allowed
    double* gamma = skip + states + 2;
    double* slotSum = gamma + states;
    int* label = scratch.ints();
    int* slotOf = label + states;
    int* slotLabel = slotOf + states;

    const int blank = call.blank;
    for (size_t s = 0; s < states; ++s) label[s] = (s & 1) != 0 ? target[s / 2] : blank;
    // eq (7): the s-2 transition when l'_s != blank and l'_s != l'_{s-2} (blanks never differ
    // from their s-2, so the test on odd s is enough).
    for (size_t s = 0; s < states + 2; ++s) {
      skip[s] = s < states && s >= 2 && label[s] != label[s - 2] ? 1.0 : 0.0;
    }

    const S* lp = call.logProbs + itemBase(b);
    const size_t lpStride = timeStride();
    auto gatherEmissions = [&](size_t t) {
      const S* row = lp + t * lpStride;
      for (size_t s = 0; s < states; ++s) emit[s] = static_cast<double>(row[label[s]]);
    };

    const W negInf(static_cast<WS>(-HUGE_VAL));
    const W zero(WS(0));
    const W one(WS(1));
    // One row of eq (6) or (10): out[s] = logsumexp(x1[s], x2[s], allow[s] ? x3[s] : -inf)
    // + emit[s], as PyTorch forms it (see the top of this file). Two passes, the exponentials
    // (sum in `work`, the shift in `out`) then the logarithm: each loop's iterations are short
    // and independent, so the CPU overlaps them (one pass chaining exp and log ran 1.5x slower).
    double* work = gamma;  // free until the gradient step of the same t
    // exp(x), with x below -746 (-inf above all: unreachable states) taken as exactly 0, the
    // value exp rounds it to, without evaluating it: the vector exp reaches that 0 through a
    // subnormal product, and the microcode assist on it made the recursion 2.3x slower.
    const W underflow(WS(-746.0));
    auto expOrZero = [&](W x) {
      if constexpr (VecTraits<W>::kLanes == 1) {
        return x < underflow ? zero : exp(x);  // libm: a branch skips the call
      } else {
        const auto tiny = x < underflow;
        return select(tiny, zero, exp(select(tiny, zero, x)));
      }
    };
    auto recursionRow = [&](double* out, const double* x1, const double* x2, const double* x3,
                            const double* allow) {
      forEachVector<W>(states, [&](size_t s, size_t n, auto tag) {
        const W a = loadLanes<W>(x1 + s, n, tag);
        const W b2 = loadLanes<W>(x2 + s, n, tag);
        const W c = select(loadLanes<W>(allow + s, n, tag) == one, loadLanes<W>(x3 + s, n, tag), negInf);
        // The largest term's exponential is exp(0) = 1: only the other two are evaluated
        // (min/max propagate NaN, so a NaN term still reaches the sum).
        const W high = max(a, b2);
        const W low = min(a, b2);
        W m = max(high, c);
        const W middle = min(high, c);
        const auto allNegInf = m == negInf;
        m = select(allNegInf, zero, m);  // all -inf: no -inf - -inf, and the sum is 0
        const W largest = select(allNegInf, zero, one);
        storeLanes(work + s, largest + (expOrZero(middle - m) + expOrZero(low - m)), n, tag);
        storeLanes(out + s, m, n, tag);
      });
      forEachVector<W>(states, [&](size_t s, size_t n, auto tag) {
        const W m = loadLanes<W>(out + s, n, tag);
        storeLanes(out + s, log(loadLanes<W>(work + s, n, tag)) + m + loadLanes<W>(emit + s, n, tag), n, tag);
      });
    };

    // ---- alpha, eq (6)-(7) ------------------------------------------------------------------
    auto alphaRow = [&](size_t t) { return alpha + (withGrad ? t : (t & 1)) * stride + 2; };
    {
      double* row = alphaRow(0);
      row[-2] = row[-1] = -HUGE_VAL;
      for (size_t s = 0; s < states; ++s) row[s] = -HUGE_VAL;
      row[0] = static_cast<double>(lp[blank]);
      if (length > 0) row[1] = static_cast<double>(lp[label[1]]);
    }
    for (size_t t = 1; t < tb; ++t) {
      gatherEmissions(t);
      const double* prev = alphaRow(t - 1);
      double* cur = alphaRow(t);
      cur[-2] = cur[-1] = -HUGE_VAL;
      recursionRow(cur, prev, prev - 1, prev - 2, skip);
    }

    // ---- the loss, eq (8) -------------------------------------------------------------------
    const double* last = alphaRow(tb - 1);
    const double l1 = last[2 * length];
    const double l2 = length > 0 ? last[2 * length - 1] : -HUGE_VAL;
    double m = l1 > l2 ? l1 : l2;
    if (m == -HUGE_VAL) m = 0.0;
    const double nll = -(log(exp(l1 - m) + exp(l2 - m)) + m);

    if (nll == inf) {
      fillRows(b, 0, timeSteps, S(0));
      return call.zeroInfinity ? 0.0 : inf;
    }
    if (!withGrad) return nll;

    // ---- beta, eq (10)-(11), and the gradient, eq (14)-(16), from t = T_b - 1 down ----------
    int* classSlot = scratch.classSlots(classCount);
    size_t slots = 0;
    for (size_t s = 0; s < states; ++s) {
      const int c = label[s];
      if (classSlot[c] < 0) {
        classSlot[c] = static_cast<int>(slots);
        slotLabel[slots++] = c;
      }
      slotOf[s] = classSlot[c];
    }

    const double scale = call.itemScales[b];
    const WS nllW = static_cast<WS>(nll);
    const W scaleW(static_cast<WS>(scale));
    S* g = call.grad + itemBase(b);
    double* betaNext = betaRows + 0 * stride;
    double* betaCur = betaRows + 1 * stride;
    for (size_t t = tb; t-- > 0;) {
      gatherEmissions(t);
      betaCur[states] = betaCur[states + 1] = -HUGE_VAL;
      if (t == tb - 1) {
        for (size_t s = 0; s < states; ++s) betaCur[s] = -HUGE_VAL;
        betaCur[2 * length] = emit[2 * length];
        if (length > 0) betaCur[2 * length - 1] = emit[2 * length - 1];
      } else {
        recursionRow(betaCur, betaNext, betaNext + 1, betaNext + 2, skip + 2);
      }

      // gamma[s] = exp(alpha + beta - lp + nll), 0 where alpha + beta = -inf.
      const double* alphaT = alphaRow(t);
      forEachVector<W>(states, [&](size_t s, size_t n, auto tag) {
        const W ab = loadLanes<W>(alphaT + s, n, tag) + loadLanes<W>(betaCur + s, n, tag);
        const W occupancy = expOrZero(ab - loadLanes<W>(emit + s, n, tag) + W(nllW));
        storeLanes(gamma + s, select(ab == negInf, zero, occupancy), n, tag);
      });
      for (size_t k = 0; k < slots; ++k) slotSum[k] = 0.0;
      for (size_t s = 0; s < states; ++s) slotSum[slotOf[s]] += gamma[s];

      S* gRow = g + t * lpStride;
      const S* lpRow = lp + t * lpStride;
      if (call.torchGrad) {
        forEachVector<W>(classCount, [&](size_t c, size_t n, auto tag) {
          storeLanes(gRow + c, scaleW * expOrZero(loadLanes<W>(lpRow + c, n, tag)), n, tag);
        });
      } else {
        fillRowZero(gRow, classCount);
      }
      for (size_t k = 0; k < slots; ++k) {
        const int c = slotLabel[k];
        const double base = call.torchGrad ? exp(static_cast<double>(lpRow[c])) : 0.0;
        gRow[c] = static_cast<S>(scale * (base - slotSum[k]));
      }

      double* swap = betaNext;
      betaNext = betaCur;
      betaCur = swap;
    }
    fillRows(b, tb, timeSteps, S(0));
    for (size_t k = 0; k < slots; ++k) classSlot[slotLabel[k]] = -1;
    return nll;
  }

  static void fillRowZero(S* row, size_t count) {
    const V v(S(0));
    forEachVector<V>(count, [&](size_t i, size_t n, auto tag) { storeLanes(row + i, v, n, tag); });
  }

  // Where item `first`'s target starts (concatenated: the sum of the lengths before it,
  // negative lengths counted as 0; such an item fails its own checks).
  int64_t firstOffset(size_t first) const {
    if (call.padded) return static_cast<int64_t>(first * call.maxTargetLength);
    int64_t offset = 0;
    for (size_t b = 0; b < first; ++b) offset += call.targetLengths[b] > 0 ? call.targetLengths[b] : 0;
    return offset;
  }

  // losses[b] for b in [begin, end), gradients written.
  void items(size_t begin, size_t end, double* losses) const {
    CtcScratch scratch;
    int64_t offset = firstOffset(begin);
    for (size_t b = begin; b < end; ++b) {
      losses[b] = item(b, offset, scratch);
      if (call.padded) {
        offset += static_cast<int64_t>(call.maxTargetLength);
      } else {
        offset += call.targetLengths[b] > 0 ? call.targetLengths[b] : 0;
      }
    }
  }
};

template <class V>
void ctcItemRangeTask(void* context, size_t begin, size_t end, double* losses) {
  static_cast<const CtcBatch<V>*>(context)->items(begin, end, losses);
}

template <class V>
double ctcKernel(const CtcCall<ScalarOf<V>>& call) {
  const CtcBatch<V> batch{call};
  const size_t items = call.batchSize;
  // Work estimate: the alpha/beta cells, plus the gradient's entries at a quarter of a cell.
  size_t work = call.grad != nullptr ? items * call.timeSteps * call.classCount / 4 : 0;
  for (size_t b = 0; b < items; ++b) {
    const int64_t tb = call.inputLengths[b] > 0 ? call.inputLengths[b] : 0;
    const int64_t length = call.targetLengths[b] > 0 ? call.targetLengths[b] : 0;
    work += static_cast<size_t>(tb) * (2 * static_cast<size_t>(length) + 1);
  }
  if (items > 1 && work >= kCtcParallelWork && poolThreadCount() > 1) {
    const size_t itemsPerTask = (items + kCtcMaxTasks - 1) / kCtcMaxTasks;
    runRowTasks(items, itemsPerTask, &ctcItemRangeTask<V>, const_cast<CtcBatch<V>*>(&batch), call.losses);
  } else {
    batch.items(0, items, call.losses);
  }
  double total = 0.0;
  for (size_t b = 0; b < items; ++b) total += call.itemScales[b] * call.losses[b];
  return total;
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
