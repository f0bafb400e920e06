/**
 * Binary classification losses: elementwise over independent labels, averaged over the last
 * axis (multi-label use: [batch, labels] gives one loss per sample, as Keras). The native
 * functors are in native/kernels/binary.h with the same formulas and branch boundaries.
 *
 * Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras does, and no gradient flows through
 * an active clip; logits use the stable softplus form max(x, 0) - x y + log1p(exp(-|x|))
 * (tfjs-layers, PyTorch), finite for any finite logit and at its limit for infinite ones.
 */

import type { ElementwiseFunctions, ElementwiseSpec } from './spec';
import { booleanOption, configError, integerOption, numberOption, optionalVectorOption } from './spec';

const EPSILON = 1e-7;

const smoothing = () => numberOption(0, { min: 0, max: 1 }, 'targets y -> y (1 - s) + s / 2');
const fromLogits = () => booleanOption(false, 'yPred holds logits rather than probabilities');

/** |x| c, with 0 when c = 0 even for an infinite x (the limit of the loss there). */
const scaled = (x: number, c: number) => {
  // |x| * 0 is already +0 for a finite x, so only 0 * infinity needs a fix-up: the branch is on
  // a NaN product (rare, always predicted) rather than on c === 0 (half the labels; 1.2x slower
  // in JS). A NaN x, t or posWeight also gives 0 here, but then lw or the log1p term is NaN, so
  // logisticLoss stays NaN, as before.
  const product = Math.abs(x) * c;
  return product === product ? product : 0;
};

const smoothed = (y: number, s: number) => y * (1 - s) + s / 2;

/**
 * The binary cross-entropy on logits with positive weight w (1 for plain BCE), PyTorch's
 * (1 - t) x + lw softplus(-x), lw = 1 + (w - 1) t, written as |x| (x >= 0 ? 1 - t : w t)
 * + lw log1p(exp(-|x|)) so that no term cancels and infinite logits give their limits.
 */
function logisticLoss(t: number, x: number, w: number): number {
  const lw = 1 + (w - 1) * t;
  return scaled(x, x >= 0 ? 1 - t : w * t) + lw * Math.log1p(Math.exp(-Math.abs(x)));
}

function logisticGrad(t: number, x: number, w: number): number {
  const lw = 1 + (w - 1) * t;
  // (1 - t) - lw sigmoid(-x), from the smaller of sigmoid(x) and 1 - sigmoid(x), e / (1 + e) with
  // e = exp(-|x|), which keeps full relative precision for any x: for x >= 0 it is sigmoid(-x),
  // else sigmoid(x). (A [sigmoid, 1 - sigmoid] pair cost the fused value-and-gradient loop 1.3x.)
  const e = Math.exp(-Math.abs(x));
  const small = e / (1 + e);
  return x >= 0 ? 1 - t - lw * small : lw * small - w * t;
}

/** Keras' BCE on a probability, clipped to [1e-7, 1 - 1e-7]; at the upper clip log(1 - p) is
 * log(1e-7) exactly (the native kernels' constant). */
function clippedBce(t: number, x: number): number {
  const p = Math.min(Math.max(x, EPSILON), 1 - EPSILON);
  return -(t * Math.log(p) + (1 - t) * (1 - x > EPSILON ? Math.log1p(-p) : Math.log(EPSILON)));
}

/** d/dx of clippedBce: 0 where the clip is active ((p - t) * 0 keeps NaN, not infinities). */
function clippedBceGrad(t: number, x: number): number {
  const p = Math.min(Math.max(x, EPSILON), 1 - EPSILON);
  return x > EPSILON && 1 - x > EPSILON ? (p - t) / (p * (1 - p)) : (p - t) * 0;
}

const binaryCrossentropyPosWeight: ElementwiseFunctions = {
  value: (y, x, w, p) => logisticLoss(smoothed(y, p[0] as number), x, w),
  grad: (y, x, w, p) => logisticGrad(smoothed(y, p[0] as number), x, w),
};

/** binary_crossentropy's two formulas, p = [fromLogits, labelSmoothing]. */
const bceOnLogits: ElementwiseFunctions = {
  value: (y, x, _a, p) => logisticLoss(smoothed(y, p[1] as number), x, 1),
  grad: (y, x, _a, p) => logisticGrad(smoothed(y, p[1] as number), x, 1),
};
const bceOnProbabilities: ElementwiseFunctions = {
  value: (y, x, _a, p) => clippedBce(smoothed(y, p[1] as number), x),
  grad: (y, x, _a, p) => clippedBceGrad(smoothed(y, p[1] as number), x),
};
const selectBce = (p: Float64Array) => (p[0] === 1 ? bceOnLogits : bceOnProbabilities);

export const binaryCrossentropy: ElementwiseSpec = {
  kind: 'elementwise',
  name: 'binary_crossentropy',
  className: 'BinaryCrossentropy',
  aliases: ['bce', 'binary_cross_entropy', 'bce_loss'],
  options: {
    fromLogits: fromLogits(),
    labelSmoothing: smoothing(),
    axis: integerOption(-1, 'the axis the loss is averaged over'),
    posWeight: optionalVectorOption('weight of positive labels per class (PyTorch pos_weight; logits only)', true),
  },
  formula: 'mean(-(y log p + (1 - y) log(1 - p))), p = clip(yPred) or sigmoid(yPred)',
  configAux: { option: 'posWeight', kernel: 'binary_crossentropy_pos_weight' },
  checkConfig(c) {
    if (c.posWeight !== null && !c.fromLogits) {
      throw configError('binary_crossentropy', 'posWeight', 'used with fromLogits: true (PyTorch pos_weight is for logits)', c.posWeight);
    }
  },
  hasAxis: true,
  params: (c) => (c.posWeight ? [c.labelSmoothing as number] : [c.fromLogits ? 1 : 0, c.labelSmoothing as number]),
  js: {
    value: (y, x, a, p) => selectBce(p).value(y, x, a, p),
    grad: (y, x, a, p) => selectBce(p).grad(y, x, a, p),
    select: selectBce,
  },
  jsKernels: { binary_crossentropy_pos_weight: binaryCrossentropyPosWeight },
};

/**
 * Keras 3 binary_focal_crossentropy: p = sigmoid(x) for logits, then the clipped probability
 * BCE (so the loss levels off at -log(1e-7) for confidently wrong logits, as in Keras), times
 * (1 - p_t)^gamma, optionally class-balanced. 1 - p_t = t (1 - p) + (1 - t) p, with 1 - p
 * computed directly, so it does not cancel for confident predictions.
 */
function focal(y: number, x: number, p: Float64Array, wantGrad: boolean): number {
  const logits = p[0] === 1;
  const t = smoothed(y, p[1] as number);
  const gamma = p[2] as number;
  const alpha = p[3] as number;
  const balance = p[4] === 1 ? t * alpha + (1 - t) * (1 - alpha) : 1;
  // sigmoid(x) and 1 - sigmoid(x), each to full relative precision for any x (no pair allocated).
  let prob = x;
  let complement = 1 - x;
  if (logits) {
    const e = Math.exp(-Math.abs(x));
    const small = e / (1 + e);
    const large = 1 / (1 + e);
    prob = x >= 0 ? large : small;
    complement = x >= 0 ? small : large;
  }
  const m = t * complement + (1 - t) * prob;
  // On logits both p and 1 - p are exact, so the clipped BCE and its slope p - t are formed
  // from them (log(max(p, eps)) is within 1e-7 of Keras' log(min(p, 1 - eps)) near p = 1).
  const inside = prob > EPSILON && complement > EPSILON;
  const loss = logits
    ? -(t * Math.log(Math.max(prob, EPSILON)) + (1 - t) * Math.log(Math.max(complement, EPSILON)))
    : clippedBce(t, x);
  // gamma = 0: the factor is exactly 1 and its derivative 0 (no 0 * inf at m = 0).
  const factor = gamma === 0 ? 1 : Math.pow(m, gamma);
  if (!wantGrad) return balance * factor * loss;
  const dProb = logits ? prob * complement : 1;
  const dFactor = gamma === 0 || m === 0 ? 0 : -gamma * Math.pow(m, gamma - 1) * (2 * t - 1) * dProb;
  const slope = prob * (1 - t) - t * complement; // p - t
  const dLoss = logits ? (inside ? slope : slope * 0) : clippedBceGrad(t, x);
  return balance * (dFactor * loss + factor * dLoss);
}

export const binaryFocalCrossentropy: ElementwiseSpec = {
  kind: 'elementwise',
  name: 'binary_focal_crossentropy',
  className: 'BinaryFocalCrossentropy',
  aliases: ['binary_focal'],
  options: {
    applyClassBalancing: booleanOption(false, 'weight by alpha (positives) and 1 - alpha (negatives)'),
    alpha: numberOption(0.25, { min: 0, max: 1 }, 'class balance weight of positives'),
    gamma: numberOption(2, { min: 0 }, 'focusing parameter'),
    fromLogits: fromLogits(),
    labelSmoothing: smoothing(),
    axis: integerOption(-1, 'the axis the loss is averaged over'),
  },
  formula: 'mean((1 - p_t)^gamma bce [alpha_t]), p_t = y p + (1 - y)(1 - p)',
  hasAxis: true,
  params: (c) => [
    c.fromLogits ? 1 : 0,
    c.labelSmoothing as number,
    c.gamma as number,
    c.alpha as number,
    c.applyClassBalancing ? 1 : 0,
  ],
  js: {
    value: (y, x, _a, p) => focal(y, x, p, false),
    grad: (y, x, _a, p) => focal(y, x, p, true),
  },
};

/**
 * Keras 3 maps labels to -1/1 when every label is 0 or 1 (convert_binary_labels_to_hinge); the
 * kernel does the mapping itself when this parameter is 1, so the labels are never copied.
 */
function hingeLabelParams(params: Float64Array, yTrue: ArrayLike<number>): Float64Array {
  for (let i = 0; i < yTrue.length; i++) {
    const y = yTrue[i];
    if (y !== 0 && y !== 1) {
      params[0] = 0;
      return params;
    }
  }
  params[0] = 1;
  return params;
}

const hingeLabel = (y: number, p: Float64Array) => (p[0] === 1 ? 2 * y - 1 : y);

export const hinge: ElementwiseSpec = {
  kind: 'elementwise',
  arithmeticOnly: true,
  name: 'hinge',
  className: 'Hinge',
  aliases: ['hinge_loss'],
  options: {},
  formula: 'mean(max(0, 1 - y yPred)), labels -1/1 (0/1 converted)',
  params: () => [0],
  dataParams: hingeLabelParams,
  js: {
    value: (y, x, _a, p) => Math.max(0, 1 - hingeLabel(y, p) * x),
    // Where the margin is met the gradient is 0 (also for an infinite margin); NaN stays NaN.
    grad(y, x, _a, p) {
      const label = hingeLabel(y, p);
      const margin = 1 - label * x;
      return margin > 0 ? -label : margin <= 0 ? 0 : margin;
    },
  },
};

export const squaredHinge: ElementwiseSpec = {
  kind: 'elementwise',
  arithmeticOnly: true,
  name: 'squared_hinge',
  className: 'SquaredHinge',
  aliases: [],
  options: {},
  formula: 'mean(max(0, 1 - y yPred)^2), labels -1/1 (0/1 converted)',
  params: () => [0],
  dataParams: hingeLabelParams,
  js: {
    value(y, x, _a, p) {
      const margin = Math.max(0, 1 - hingeLabel(y, p) * x);
      return margin * margin;
    },
    grad(y, x, _a, p) {
      const label = hingeLabel(y, p);
      return -2 * label * Math.max(0, 1 - label * x);
    },
  },
};

export const binaryLosses = [binaryCrossentropy, binaryFocalCrossentropy, hinge, squaredHinge] as const;
