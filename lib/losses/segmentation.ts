/**
 * Soft overlap losses for segmentation: each sample's probability map (all non-batch axes
 * flattened) against its target mask. Per sample, with I = sum x y, X = sum x, Y = sum y and a
 * smoothing term s that keeps empty masks finite:
 * - dice:    1 - (2I + s) / (X + Y + s)
 * - iou:     1 - (I + s) / (X + Y - I + s)   (Jaccard)
 * - tversky: 1 - (TP + s) / (TP + alpha FP + beta FN + s), TP = I, FP = sum (1 - y) x,
 *            FN = sum y (1 - x)  (alpha = beta = 0.5 is dice, 1 and 1 is iou)
 * The per-sample values are then reduced like every other loss; with `perClass`, each class of
 * the last axis is scored separately and the classes averaged. Native: native/kernels/segmentation.h.
 */

import type { CategoricalSpec, RowFunction } from './spec';
import { booleanOption, numberOption } from './spec';

/**
 * All three are l = R / F with TP = sum x y, FP = sum (1 - y) x, FN = sum y (1 - x),
 * R = b FP + c FN and F = a TP + R + s: (a, b, c) = (2, 1, 1) for dice, (1, 1, 1) for iou and
 * (1, alpha, beta) for tversky. Summing FP and FN directly (not 1 - (a TP + s) / F with
 * FP = sum x - TP) keeps near-perfect predictions accurate. With N = a TP + s:
 * dl/dx_j = (N b (1 - y_j) - (a R + c N) y_j) / F^2.
 */
function overlapRow(y: ArrayLike<number>, x: ArrayLike<number>, start: number, n: number, a: number, b: number, c: number, s: number, grad: Float32Array | Float64Array | null, scale: number): number {
  let truePositive = 0;
  let falsePositive = 0;
  let falseNegative = 0;
  for (let j = start; j < start + n; j++) {
    const xj = x[j] as number;
    const yj = y[j] as number;
    truePositive += xj * yj;
    falsePositive += (1 - yj) * xj;
    falseNegative += yj * (1 - xj);
  }
  const mismatch = b * falsePositive + c * falseNegative;
  const matched = a * truePositive + s;
  const denominator = matched + mismatch;
  if (grad) {
    const factor = scale / (denominator * denominator);
    for (let j = start; j < start + n; j++) {
      const yj = y[j] as number;
      grad[j] = factor * (matched * b * (1 - yj) - (a * mismatch + c * matched) * yj);
    }
  }
  return mismatch / denominator;
}

export const diceRow: RowFunction = (y, x, start, n, p, _w, grad, scale) => overlapRow(y, x, start, n, 2, 1, 1, p[0] as number, grad, scale);
export const iouRow: RowFunction = (y, x, start, n, p, _w, grad, scale) => overlapRow(y, x, start, n, 1, 1, 1, p[0] as number, grad, scale);
export const tverskyRow: RowFunction = (y, x, start, n, p, _w, grad, scale) =>
  overlapRow(y, x, start, n, 1, p[0] as number, p[1] as number, p[2] as number, grad, scale);

const smooth = () => numberOption(1, { min: 0 }, 'added to numerator and denominator (keeps empty masks finite)');
const perClass = () => booleanOption(false, 'score each class (last axis) over the spatial axes and average the classes');

export const dice: CategoricalSpec = {
  kind: 'categorical',
  name: 'dice',
  className: 'Dice',
  aliases: ['dice_loss', 'soft_dice'],
  options: { smooth: smooth(), perClass: perClass() },
  formula: '1 - (2 sum(x y) + s) / (sum x + sum y + s) per sample',
  sampleRows: true,
  params: (c) => [c.smooth as number],
  jsRow: diceRow,
};

export const iou: CategoricalSpec = {
  kind: 'categorical',
  name: 'iou',
  className: 'IoU',
  aliases: ['jaccard', 'jaccard_loss', 'iou_loss', 'soft_iou'],
  options: { smooth: smooth(), perClass: perClass() },
  formula: '1 - (sum(x y) + s) / (sum x + sum y - sum(x y) + s) per sample',
  sampleRows: true,
  params: (c) => [c.smooth as number],
  jsRow: iouRow,
};

export const tversky: CategoricalSpec = {
  kind: 'categorical',
  name: 'tversky',
  className: 'Tversky',
  aliases: ['tversky_loss'],
  options: {
    alpha: numberOption(0.5, { min: 0 }, 'weight of false positives'),
    beta: numberOption(0.5, { min: 0 }, 'weight of false negatives'),
    smooth: smooth(),
    perClass: perClass(),
  },
  formula: '1 - (TP + s) / (TP + alpha FP + beta FN + s) per sample',
  sampleRows: true,
  params: (c) => [c.alpha as number, c.beta as number, c.smooth as number],
  jsRow: tverskyRow,
};

export const segmentationLosses = [dice, iou, tversky] as const;
