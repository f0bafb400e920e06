/**
 * Reductions and sample weights, in one place for every loss.
 *
 * Per-sample losses l_i (the last axis reduced) are weighted by w_i (1 when no weights are
 * given) and reduced. Three divisor conventions exist in the field:
 * - Keras 3 `sum_over_batch_size`: sum(w * l) / count(l), whatever the weights (losskit's default);
 * - PyTorch `weight=` / `weighted_mean`: sum(w * l) / sum(w) (losskit's `weighted_mean`);
 * - TensorFlow.js `SUM_BY_NONZERO_WEIGHTS`: sum(w * l) / count(w != 0) (not offered).
 * When a divisor is 0 (every weight zero), the value and gradient are 0, as Keras' divide_no_nan
 * gives, not PyTorch's NaN.
 *
 * The gradient of 'none' is the gradient of sum(w * l), so a caller can chain its own reduction.
 */

import { LosskitError, describeType } from './errors';
import { broadcastLeading, elementCount, readTensor, toFloat, type InputContext } from './tensor';

/** How per-sample losses become the value: 'sum_over_batch_size' (Keras' default; 'mean' is an
 * alias), 'sum', 'none' (the per-sample tensor) or 'weighted_mean' (PyTorch's weighted mean,
 * Σ w·l / Σ w). */
export type Reduction = 'sum_over_batch_size' | 'mean' | 'sum' | 'none' | 'weighted_mean';

/** Every accepted reduction name, aliases included. */
export const REDUCTIONS: readonly Reduction[] = [
  'sum_over_batch_size',
  'mean',
  'sum',
  'none',
  'weighted_mean',
];

/** Keras spellings that name one of the reductions above. */
const REDUCTION_ALIASES: Readonly<Record<string, Reduction>> = {
  mean_with_sample_weight: 'weighted_mean',
};

/** Validates a reduction option, Keras `standardize_reduction` style (null means 'none'). */
export function standardizeReduction(value: unknown, loss: string): Reduction {
  if (value === undefined) return 'sum_over_batch_size';
  if (value === null) return 'none';
  if (typeof value === 'string') {
    if ((REDUCTIONS as readonly string[]).includes(value)) return value as Reduction;
    const alias = REDUCTION_ALIASES[value];
    if (alias) return alias;
  }
  throw new LosskitError(
    'LOSSKIT_INVALID_CONFIG',
    `Option 'reduction' of '${loss}' must be one of ${REDUCTIONS.map((r) => `'${r}'`).join(', ')} ` +
      `(got ${typeof value === 'string' ? `'${value}'` : describeType(value)})`,
    { argument: 'reduction', expected: REDUCTIONS, actual: value },
  );
}

/**
 * Sample weights broadcast over the per-sample losses: a number, a tensor of the per-sample
 * shape, or one whose shape is a leading part of it (a [B] weight over [B, T] losses). Returns
 * null for "no weights" so kernels take their unweighted path.
 */
export function broadcastSampleWeight(
  sampleWeight: unknown,
  perSampleShape: number[],
  loss: string,
): Float64Array | null {
  if (sampleWeight === undefined || sampleWeight === null) return null;
  if (typeof sampleWeight === 'number') {
    return new Float64Array(elementCount(perSampleShape)).fill(sampleWeight);
  }
  const ctx: InputContext = { argument: 'sampleWeight', loss };
  const raw = broadcastLeading(readTensor(sampleWeight, ctx), perSampleShape, ctx, 'the per-sample shape');
  return toFloat(raw, 'float64').data as Float64Array;
}

/** How a kernel's weighted sum becomes the reported value and gradient. */
export interface ReductionPlan {
  reduction: Reduction;
  /** value = weightedSum * valueScale (for every reduction but 'none'). */
  valueScale: number;
  /** d(value)/d(w_i * l_i): the factor lib hands the kernels as gradScale. */
  gradScale: number;
}

export function planReduction(
  reduction: Reduction,
  sampleCount: number,
  weights: Float64Array | null,
): ReductionPlan {
  const scale = reduction === 'weighted_mean' && weights ? weightedMeanScale(weights) : unweightedScale(reduction, sampleCount);
  return { reduction, valueScale: scale, gradScale: scale };
}

/** 1 / sum(w), or 0 for an all-zero sum. A sum that is not finite (a NaN or infinite weight) or
 * too small to invert (below 2^-1024, subnormal) has no usable mean: an error naming the weights,
 * where the backends would otherwise disagree (the native kernels take finite scales only).
 * Other reductions let a NaN weight propagate to the value and gradient. */
function weightedMeanScale(weights: Float64Array): number {
  const sum = sumOf(weights);
  const scale = scaleFor(sum);
  if (!Number.isFinite(sum) || !Number.isFinite(scale)) {
    throw new LosskitError(
      'LOSSKIT_INVALID_VALUE',
      `Argument 'sampleWeight': reduction 'weighted_mean' divides by the sum of the weights, which must be finite and invertible (got a sum of ${sum})`,
      { argument: 'sampleWeight', expected: 'a finite weight sum with a finite reciprocal', actual: sum },
    );
  }
  return scale;
}

/**
 * The value and gradient scale of a call without sample weights: 1 for 'none' and 'sum', 1/count
 * for the means ('weighted_mean' divides by the weight sum, which is the count without weights).
 * The lean path of lib/loss.ts takes it directly, with no plan object.
 */
export function unweightedScale(reduction: Reduction, sampleCount: number): number {
  return reduction === 'none' || reduction === 'sum' ? 1 : scaleFor(sampleCount);
}

// divide_no_nan: an all-zero weight vector (or no sample at all) reduces to 0 rather than 0/0.
function scaleFor(divisor: number): number {
  return divisor === 0 ? 0 : 1 / divisor;
}

function sumOf(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] as number;
  return total;
}
