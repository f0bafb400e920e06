/**
 * Soft overlap losses for segmentation: each sample's probability map (all non-batch axes
 * flattened) against its target mask. Per sample, with I = sum x y, X = sum x, Y = sum y and a
 * smoothing term s that keeps empty masks finite:
 * - dice:    1 - (2I + s) / (X + Y + s)
 * - iou:     1 - (I + s) / (X + Y - I + s)   (Jaccard)
 * - tversky: 1 - (TP + s) / (TP + alpha FP + beta FN + s), TP = I, FP = sum (1 - y) x,
 *            FN = sum y (1 - x)  (alpha = beta = 0.5 is dice, 1 and 1 is iou)
 * The per-sample values are then reduced like every other loss. Native: native/kernels/segmentation.h.
 */

import type { CategoricalSpec, RowFunction } from './spec';
import { numberOption } from './spec';

function sums(y: ArrayLike<number>, x: ArrayLike<number>, start: number, n: number) {
  let intersection = 0;
  let predicted = 0;
  let target = 0;
  for (let j = start; j < start + n; j++) {
    const xj = x[j] as number;
    const yj = y[j] as number;
    intersection += xj * yj;
    predicted += xj;
    target += yj;
  }
  return { intersection, predicted, target };
}

export const diceRow: RowFunction = (y, x, start, n, p, _w, grad, scale) => {
  const s = p[0] as number;
  const { intersection, predicted, target } = sums(y, x, start, n);
  const denominator = predicted + target + s;
  const numerator = 2 * intersection + s;
  if (grad) {
    for (let j = start; j < start + n; j++) {
      grad[j] = (-scale * (2 * (y[j] as number) * denominator - numerator)) / (denominator * denominator);
    }
  }
  return 1 - numerator / denominator;
};

export const iouRow: RowFunction = (y, x, start, n, p, _w, grad, scale) => {
  const s = p[0] as number;
  const { intersection, predicted, target } = sums(y, x, start, n);
  const denominator = predicted + target - intersection + s;
  const numerator = intersection + s;
  if (grad) {
    for (let j = start; j < start + n; j++) {
      const yj = y[j] as number;
      grad[j] = (-scale * (yj * denominator - numerator * (1 - yj))) / (denominator * denominator);
    }
  }
  return 1 - numerator / denominator;
};

export const tverskyRow: RowFunction = (y, x, start, n, p, _w, grad, scale) => {
  const alpha = p[0] as number;
  const beta = p[1] as number;
  const s = p[2] as number;
  const { intersection, predicted, target } = sums(y, x, start, n);
  // FP = X - I and FN = Y - I.
  const denominator = intersection + alpha * (predicted - intersection) + beta * (target - intersection) + s;
  const numerator = intersection + s;
  if (grad) {
    for (let j = start; j < start + n; j++) {
      const yj = y[j] as number;
      const slope = yj + alpha * (1 - yj) - beta * yj;
      grad[j] = (-scale * (yj * denominator - numerator * slope)) / (denominator * denominator);
    }
  }
  return 1 - numerator / denominator;
};

const smooth = () => numberOption(1, { min: 0 }, 'added to numerator and denominator (keeps empty masks finite)');

export const dice: CategoricalSpec = {
  kind: 'categorical',
  name: 'dice',
  className: 'Dice',
  aliases: ['dice_loss', 'soft_dice'],
  options: { smooth: smooth() },
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
  options: { smooth: smooth() },
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
  },
  formula: '1 - (TP + s) / (TP + alpha FP + beta FN + s) per sample',
  sampleRows: true,
  params: (c) => [c.alpha as number, c.beta as number, c.smooth as number],
  jsRow: tverskyRow,
};

export const segmentationLosses = [dice, iou, tversky] as const;
