/**
 * Binary classification losses: elementwise over independent labels, averaged over the last
 * axis (multi-label use: [batch, labels] gives one loss per sample, as Keras). The native
 * functors are in native/kernels/binary.h with the same formulas and branch boundaries.
 *
 * Probabilities are clipped to [1e-7, 1 - 1e-7] as Keras does, and no gradient flows through
 * an active clip; logits use the stable softplus form max(x, 0) - x y + log1p(exp(-|x|))
 * (tfjs-layers, PyTorch), finite for any finite logit.
 */

import type { ElementwiseFunctions, ElementwiseSpec } from './spec';
import { booleanOption, configError, integerOption, numberOption, optionalVectorOption } from './spec';

const EPSILON = 1e-7;

const smoothing = () => numberOption(0, { min: 0, max: 1 }, 'targets y -> y (1 - s) + s / 2');
const fromLogits = () => booleanOption(false, 'yPred holds logits rather than probabilities');

/** sigmoid(x) without overflow for any x. */
function sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** log(1 + exp(z)), stable for any z. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

const smoothed = (y: number, s: number) => y * (1 - s) + s / 2;

/** The binary cross-entropy f(y, x) and df/dx for probabilities (clipped) or logits. */
function bce(y: number, x: number, logits: boolean): number {
  if (logits) return Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
  const p = Math.min(Math.max(x, EPSILON), 1 - EPSILON);
  return -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
}

function bceGrad(y: number, x: number, logits: boolean): number {
  if (logits) return sigmoid(x) - y;
  // Inside the clip p = x; outside it the clip passes no gradient (x * 0 keeps NaN).
  return x > EPSILON && x < 1 - EPSILON ? (x - y) / (x * (1 - x)) : x * 0;
}

const binaryCrossentropyPosWeight: ElementwiseFunctions = {
  // PyTorch BCEWithLogitsLoss(pos_weight): (1 - y) x + (1 + (w - 1) y) softplus(-x).
  value(y, x, w, p) {
    const t = smoothed(y, p[0] as number);
    return (1 - t) * x + (1 + (w - 1) * t) * softplus(-x);
  },
  grad(y, x, w, p) {
    const t = smoothed(y, p[0] as number);
    return 1 - t - (1 + (w - 1) * t) * sigmoid(-x);
  },
};

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
    value: (y, x, _a, p) => bce(smoothed(y, p[1] as number), x, p[0] === 1),
    grad: (y, x, _a, p) => bceGrad(smoothed(y, p[1] as number), x, p[0] === 1),
  },
  jsKernels: { binary_crossentropy_pos_weight: binaryCrossentropyPosWeight },
};

/** Keras 3 binary_focal_crossentropy: (1 - p_t)^gamma bce, optionally class-balanced. */
function focal(y: number, x: number, p: Float64Array, wantGrad: boolean): number {
  const logits = p[0] === 1;
  const t = smoothed(y, p[1] as number);
  const gamma = p[2] as number;
  const alpha = p[3] as number;
  const balance = p[4] === 1 ? t * alpha + (1 - t) * (1 - alpha) : 1;
  const prob = logits ? sigmoid(x) : x;
  const pt = t * prob + (1 - t) * (1 - prob);
  const loss = bce(t, x, logits);
  // gamma = 0: the factor is exactly 1 and its derivative 0 (no 0 * inf at p_t = 1).
  const factor = gamma === 0 ? 1 : Math.pow(1 - pt, gamma);
  if (!wantGrad) return balance * factor * loss;
  const dProb = logits ? prob * (1 - prob) : 1;
  const dFactor = gamma === 0 ? 0 : -gamma * Math.pow(1 - pt, gamma - 1) * (2 * t - 1) * dProb;
  return balance * (dFactor * loss + factor * bceGrad(t, x, logits));
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
  name: 'hinge',
  className: 'Hinge',
  aliases: ['hinge_loss'],
  options: {},
  formula: 'mean(max(0, 1 - y yPred)), labels -1/1 (0/1 converted)',
  params: () => [0],
  dataParams: hingeLabelParams,
  js: {
    value: (y, x, _a, p) => Math.max(0, 1 - hingeLabel(y, p) * x),
    // Where the margin is met the gradient is 0; x * 0 keeps NaN.
    grad(y, x, _a, p) {
      const label = hingeLabel(y, p);
      return 1 - label * x > 0 ? -label : x * 0;
    },
  },
};

export const squaredHinge: ElementwiseSpec = {
  kind: 'elementwise',
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
