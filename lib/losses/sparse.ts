/**
 * sparse_categorical_crossentropy: integer class labels instead of one-hot rows. With
 * `classWeight` and reduction 'weighted_mean' it is PyTorch's CrossEntropyLoss(weight,
 * ignore_index); targets equal to `ignoreClass` contribute nothing (Keras 3 masks them).
 * Reductions divide by the number of non-ignored targets (or their weight sum): the divisor
 * logic lives in lib/prepare.ts with the label checks.
 */

import type { SparseRowFunction, SparseSpec } from './spec';
import { booleanOption, optionalIntegerOption, optionalVectorOption } from './spec';

const EPSILON = 1e-7;

/**
 * Logits: lse - x_k, gradient softmax - onehot(k). Probabilities (Keras/TF.js): clip each
 * probability to [1e-7, 1 - 1e-7] first, then -log(q_k / sum q); no gradient through the clip.
 */
export const sparseCategoricalCrossentropyRow: SparseRowFunction = (label, x, start, c, p, grad, scale) => {
  if (p[0] === 1) {
    let max = -Infinity;
    for (let j = start; j < start + c; j++) max = Math.max(max, x[j] as number);
    let sum = 0;
    for (let j = start; j < start + c; j++) sum += Math.exp((x[j] as number) - max);
    const lse = max + Math.log(sum);
    if (grad) {
      // softmax = exp(x - max) / sum, not exp(x - lse): max + log(sum) rounds to max when |max|
      // is large (1e150), which gave two tied maxima softmax 1 each (the native kernels divide).
      const finiteMax = Number.isFinite(max);
      for (let j = 0; j < c; j++) {
        const e = Math.exp((x[start + j] as number) - max);
        grad[start + j] = scale * ((finiteMax ? e / sum : e) - (j === label ? 1 : 0));
      }
    }
    return lse - (x[start + label] as number);
  }
  let sum = 0;
  for (let j = start; j < start + c; j++) sum += Math.min(Math.max(x[j] as number, EPSILON), 1 - EPSILON);
  const own = Math.min(Math.max(x[start + label] as number, EPSILON), 1 - EPSILON);
  if (grad) {
    for (let j = 0; j < c; j++) {
      const xj = x[start + j] as number;
      const slope = xj > EPSILON && xj < 1 - EPSILON ? 1 : xj * 0;
      grad[start + j] = scale * slope * (1 / sum - (j === label ? 1 / own : 0));
    }
  }
  return Math.log(sum) - Math.log(own);
};

export const sparseCategoricalCrossentropy: SparseSpec = {
  kind: 'sparse',
  name: 'sparse_categorical_crossentropy',
  className: 'SparseCategoricalCrossentropy',
  aliases: ['scce'],
  options: {
    fromLogits: booleanOption(false, 'yPred holds logits rather than probabilities'),
    ignoreClass: optionalIntegerOption('a label value whose targets are skipped (PyTorch ignore_index)'),
    classWeight: optionalVectorOption('a weight per class (PyTorch weight)'),
  },
  formula: '-log softmax(yPred)[y] (logits) or -log(clip(p)[y] / sum clip(p))',
  params: (c) => [c.fromLogits ? 1 : 0],
  jsRow: sparseCategoricalCrossentropyRow,
};
