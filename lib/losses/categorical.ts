/**
 * Categorical losses over the class axis: one loss per row of C classes. The JS row functions
 * here are the fallback and the oracle for native/kernels/categorical.h.
 *
 * - Logits go through log-sum-exp (max-shifted), so logits of +-1e4 stay finite.
 * - Probabilities follow Keras: each row is renormalised to sum 1, then clipped to
 *   [1e-7, 1 - 1e-7]; the gradient is the exact derivative through the renormalisation, with
 *   no gradient through an active clip.
 * - Label smoothing: y -> y (1 - s) + s / C. `classWeight` multiplies the smoothed targets
 *   (PyTorch's `weight` with probability targets).
 */

import type { CategoricalSpec, RowFunction } from './spec';
import { booleanOption, integerOption, numberOption, optionalVectorOption } from './spec';

const EPSILON = 1e-7;

const clip = (q: number) => Math.min(Math.max(q, EPSILON), 1 - EPSILON);
const unclipped = (q: number) => q > EPSILON && q < 1 - EPSILON;

/** A row's softmax: the log-sum-exp `lse` = max + log(sum), and softmax_j = exp(x_j - max) / sum
 * (as the native kernels compute it). Not exp(x_j - lse): when |max| is large (1e150) max + log(sum)
 * rounds to max, and a row with two tied maxima got softmax 1 for each instead of 0.5. */
interface Softmax {
  lse: number;
  at(j: number): number;
}

function softmaxOf(x: ArrayLike<number>, start: number, c: number): Softmax {
  let max = -Infinity;
  for (let j = start; j < start + c; j++) max = Math.max(max, x[j] as number);
  if (!Number.isFinite(max)) return { lse: max, at: (j) => Math.exp((x[start + j] as number) - max) };
  let sum = 0;
  for (let j = start; j < start + c; j++) sum += Math.exp((x[j] as number) - max);
  return { lse: max + Math.log(sum), at: (j) => Math.exp((x[start + j] as number) - max) / sum };
}

function rowSum(x: ArrayLike<number>, start: number, c: number): number {
  let sum = 0;
  for (let j = start; j < start + c; j++) sum += x[j] as number;
  return sum;
}

/** The smoothed, class-weighted target of class j. */
function target(y: ArrayLike<number>, start: number, j: number, c: number, s: number, w: Float64Array | null): number {
  return ((y[start + j] as number) * (1 - s) + s / c) * (w ? (w[j] as number) : 1);
}

export const categoricalCrossentropyRow: RowFunction = (y, x, start, c, p, w, grad, scale) => {
  const s = p[1] as number;
  let total = 0;
  let loss = 0;
  if (p[0] === 1) {
    const softmax = softmaxOf(x, start, c);
    const lse = softmax.lse;
    for (let j = 0; j < c; j++) {
      const t = target(y, start, j, c, s, w);
      total += t;
      loss += t * (lse - (x[start + j] as number));
    }
    if (grad) {
      for (let j = 0; j < c; j++) {
        const q = softmax.at(j);
        grad[start + j] = scale * (q * total - target(y, start, j, c, s, w));
      }
    }
    return loss;
  }
  const sum = rowSum(x, start, c);
  for (let j = 0; j < c; j++) {
    const t = target(y, start, j, c, s, w);
    const q = (x[start + j] as number) / sum;
    loss -= t * Math.log(clip(q));
    if (unclipped(q) || Number.isNaN(q)) total += t;
  }
  if (grad) {
    for (let j = 0; j < c; j++) {
      const q = (x[start + j] as number) / sum;
      const own = unclipped(q) || Number.isNaN(q) ? target(y, start, j, c, s, w) / q : 0;
      grad[start + j] = (scale * (total - own)) / sum;
    }
  }
  return loss;
};

/**
 * Keras 3 categorical_focal_crossentropy: sum_c alpha (1 - q_c)^gamma (-t_c log q_c), q the
 * softmax (logits) or the renormalised, clipped probabilities. With g_c = d(loss)/d(q_c), the
 * gradient is q_j (g_j - sum_c g_c q_c) for logits and (g_j - sum_c g_c q_c) / S for
 * probabilities (S the row sum).
 */
export const categoricalFocalRow: RowFunction = (y, x, start, c, p, w, grad, scale) => {
  const logits = p[0] === 1;
  const s = p[1] as number;
  const alpha = p[2] as number;
  const gamma = p[3] as number;
  const softmax = logits ? softmaxOf(x, start, c) : null;
  const sum = logits ? 1 : rowSum(x, start, c);
  const probability = (j: number) => (softmax ? softmax.at(j) : (x[start + j] as number) / sum);
  const lossTerm = (t: number, q: number) => alpha * (gamma === 0 ? 1 : Math.pow(1 - clip(q), gamma)) * -t * Math.log(clip(q));
  const dLossTerm = (t: number, q: number) => {
    if (!unclipped(q) && !Number.isNaN(q)) return 0;
    const focal = gamma === 0 ? 1 : Math.pow(1 - q, gamma);
    const dFocal = gamma === 0 ? 0 : -gamma * Math.pow(1 - q, gamma - 1);
    return alpha * t * (-dFocal * Math.log(q) - focal / q);
  };
  let loss = 0;
  let weighted = 0;
  for (let j = 0; j < c; j++) {
    const t = target(y, start, j, c, s, w);
    const q = probability(j);
    loss += lossTerm(t, q);
    if (grad) weighted += dLossTerm(t, q) * q;
  }
  if (grad) {
    for (let j = 0; j < c; j++) {
      const q = probability(j);
      const g = dLossTerm(target(y, start, j, c, s, w), q) - weighted;
      grad[start + j] = scale * (logits ? q * g : g / sum);
    }
  }
  return loss;
};

/** max(0, 1 + max_c (1 - y_c) x_c - sum_c y_c x_c) (Keras); ties go to the first maximum. */
export const categoricalHingeRow: RowFunction = (y, x, start, c, _p, _w, grad, scale) => {
  let positive = 0;
  let negative = -Infinity;
  let argmax = 0;
  for (let j = 0; j < c; j++) {
    const yj = y[start + j] as number;
    const xj = x[start + j] as number;
    positive += yj * xj;
    const candidate = (1 - yj) * xj;
    if (candidate > negative) {
      negative = candidate;
      argmax = j;
    }
  }
  const margin = negative - positive + 1;
  const loss = Math.max(0, margin);
  if (grad) {
    const active = margin > 0 ? 1 : margin * 0;
    for (let j = 0; j < c; j++) {
      const yj = y[start + j] as number;
      grad[start + j] = scale * active * (-yj + (j === argmax ? 1 - yj : 0));
    }
  }
  return loss;
};

const logitsOption = () => booleanOption(false, 'yPred holds logits rather than probabilities');
const smoothingOption = () => numberOption(0, { min: 0, max: 1 }, 'targets y -> y (1 - s) + s / C');
const axisOption = () => integerOption(-1, 'the class axis');

export const categoricalCrossentropy: CategoricalSpec = {
  kind: 'categorical',
  name: 'categorical_crossentropy',
  className: 'CategoricalCrossentropy',
  aliases: ['cce'],
  options: {
    fromLogits: logitsOption(),
    labelSmoothing: smoothingOption(),
    axis: axisOption(),
    classWeight: optionalVectorOption('a weight per class, multiplying the targets'),
  },
  formula: '-sum_c y_c log softmax(yPred)_c (logits) or -sum_c y_c log(clip(p_c / sum p))',
  hasClassWeight: true,
  hasAxis: true,
  params: (c) => [c.fromLogits ? 1 : 0, c.labelSmoothing as number],
  jsRow: categoricalCrossentropyRow,
};

export const categoricalFocalCrossentropy: CategoricalSpec = {
  kind: 'categorical',
  name: 'categorical_focal_crossentropy',
  className: 'CategoricalFocalCrossentropy',
  aliases: ['categorical_focal'],
  options: {
    alpha: numberOption(0.25, { min: 0 }, 'weight of every term'),
    gamma: numberOption(2, { min: 0 }, 'focusing parameter'),
    fromLogits: logitsOption(),
    labelSmoothing: smoothingOption(),
    axis: axisOption(),
  },
  formula: 'sum_c alpha (1 - q_c)^gamma (-y_c log q_c)',
  hasAxis: true,
  params: (c) => [c.fromLogits ? 1 : 0, c.labelSmoothing as number, c.alpha as number, c.gamma as number],
  jsRow: categoricalFocalRow,
};

export const categoricalHinge: CategoricalSpec = {
  kind: 'categorical',
  name: 'categorical_hinge',
  className: 'CategoricalHinge',
  aliases: [],
  options: {},
  formula: 'max(0, 1 + max((1 - y) yPred) - sum(y yPred))',
  params: () => [],
  jsRow: categoricalHingeRow,
};
