/**
 * Partial results: a loss over data that arrives in chunks (a harness streaming 100M predictions,
 * or work split over worker_threads or machines) reduces to the same value as one call on all of
 * it. Each chunk gives { weightedSum, count, weightSum }; mergePartials adds them with
 * compensated (Neumaier) summation, so the merged sums are exact to within rounding whatever the
 * order; loss.fromPartial applies the loss's reduction to the merged result.
 */

import { LosskitError } from './errors';
import type { Reduction } from './reduce';

/** A chunk's share of a loss, from loss.partial(); merge with mergePartials(). */
export interface Partial {
  /** sum of w_i l_i over the chunk's per-sample losses. */
  weightedSum: number;
  /** How many per-sample losses 'sum_over_batch_size' divides by (ignored targets excluded). */
  count: number;
  /** sum of w_i (equal to count when there are no sample weights). */
  weightSum: number;
}

/** Neumaier's compensated sum of `values`. */
function compensatedSum(values: readonly number[]): number {
  let sum = 0;
  let compensation = 0;
  for (const value of values) {
    const t = sum + value;
    compensation += Math.abs(sum) >= Math.abs(value) ? sum - t + value : value - t + sum;
    sum = t;
  }
  return sum + compensation;
}

/** Adds partial results of chunks (compensated sums), for loss.fromPartial(). Throws a
 * LosskitError on an argument that is not a partial result. */
export function mergePartials(...partials: Partial[]): Partial {
  for (const [i, p] of partials.entries()) {
    const ok = typeof p === 'object' && p !== null && ['weightedSum', 'count', 'weightSum'].every((k) => typeof (p as unknown as Record<string, unknown>)[k] === 'number');
    if (!ok) {
      throw new LosskitError('LOSSKIT_INVALID_TYPE', `Argument ${i} passed to 'mergePartials' must be a partial result { weightedSum, count, weightSum }`, {
        argument: `partials[${i}]`,
        expected: '{ weightedSum, count, weightSum }',
        actual: p,
      });
    }
  }
  return {
    weightedSum: compensatedSum(partials.map((p) => p.weightedSum)),
    count: compensatedSum(partials.map((p) => p.count)),
    weightSum: compensatedSum(partials.map((p) => p.weightSum)),
  };
}

/** The reduced value of a (merged) partial result; a zero divisor gives 0 as everywhere. */
export function reducePartial(partial: Partial, reduction: Reduction, loss: string): number {
  switch (reduction) {
    case 'sum':
      return partial.weightedSum;
    case 'sum_over_batch_size':
    case 'mean':
      return partial.count === 0 ? 0 : partial.weightedSum / partial.count;
    case 'weighted_mean':
      return partial.weightSum === 0 ? 0 : partial.weightedSum / partial.weightSum;
    case 'none':
      throw new LosskitError('LOSSKIT_INVALID_CONFIG', `'${loss}' with reduction 'none' has per-sample values, not a partial result to reduce`, {
        argument: 'reduction',
        expected: 'a reducing reduction',
        actual: reduction,
      });
  }
}
