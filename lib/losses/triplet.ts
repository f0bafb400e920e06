/**
 * triplet_margin (PyTorch F.triplet_margin_loss): max(d(a, p) - d(a, n) + margin, 0) per triplet
 * of [batch, dim] embeddings, d(u, v) = ||u - v + eps||_p (torch's pairwise_distance); with
 * `swap`, d(a, n) becomes min(d(a, n), d(p, n)) (Balntas et al. 2016). Named inputs
 * { anchor, positive, negative }; valueAndGrad gives `grads` for all three. Reductions as usual
 * ('mean' and 'sum_over_batch_size' are PyTorch's mean over the batch).
 */

import { LosskitError, formatShape } from '../errors';
import { broadcastSampleWeight } from '../reduce';
import { readFloatTensor, readTensor, toFloat, type Tensor } from '../tensor';
import type { TripletArgs } from '../backend/binding';
import type { StructuredSpec } from './spec';
import { booleanOption, numberOption } from './spec';

/** ||u - v + eps||_p over one row, and (when `slope` is given) d/du of it into slope. */
function distance(u: ArrayLike<number>, v: ArrayLike<number>, start: number, dim: number, p: number, eps: number, slope: Float64Array | null): number {
  let sum = 0;
  for (let k = 0; k < dim; k++) sum += Math.abs((u[start + k] as number) - (v[start + k] as number) + eps) ** p;
  const norm = sum ** (1 / p);
  if (slope) {
    // d||x||_p/dx_k = sign(x_k) |x_k|^(p-1) / ||x||_p^(p-1); 0 at x = 0 (as PyTorch's norm).
    const denominator = norm ** (p - 1);
    for (let k = 0; k < dim; k++) {
      const x = (u[start + k] as number) - (v[start + k] as number) + eps;
      slope[k] = norm === 0 || x === 0 ? 0 : (Math.sign(x) * Math.abs(x) ** (p - 1)) / denominator;
    }
  }
  return norm;
}

/** The JS kernel (also the fallback backend's `triplet`). */
export function tripletKernel(...[anchor, positive, negative, batch, params, sampleWeight, perSample, gradA, gradP, gradN, gradScale]: TripletArgs): number {
  const [margin, p, eps, swapFlag] = params as unknown as [number, number, number, number];
  const dim = anchor.length / batch;
  const wantGrad = gradA !== null || gradP !== null || gradN !== null;
  const slopeAP = wantGrad ? new Float64Array(dim) : null;
  const slopeAN = wantGrad ? new Float64Array(dim) : null;
  const slopePN = wantGrad ? new Float64Array(dim) : null;
  let total = 0;
  for (let i = 0; i < batch; i++) {
    const start = i * dim;
    const dPositive = distance(anchor, positive, start, dim, p, eps, slopeAP);
    let dNegative = distance(anchor, negative, start, dim, p, eps, slopeAN);
    let swapped = false;
    if (swapFlag === 1) {
      const dSwap = distance(positive, negative, start, dim, p, eps, slopePN);
      if (dSwap < dNegative) {
        dNegative = dSwap;
        swapped = true;
      }
    }
    const weight = sampleWeight ? (sampleWeight[i] as number) : 1;
    const margined = dPositive - dNegative + margin;
    const loss = Math.max(margined, 0);
    total += weight * loss;
    if (perSample) perSample[i] = weight * loss;
    if (!wantGrad) continue;
    // Active hinge: d/d(inputs) of d(a, p) - d(a or p, n); 0 where the margin is met.
    const scale = margined > 0 ? gradScale * weight : margined <= 0 ? 0 : margined;
    for (let k = 0; k < dim; k++) {
      const ap = (slopeAP as Float64Array)[k] as number;
      const negativeSlope = swapped ? ((slopePN as Float64Array)[k] as number) : ((slopeAN as Float64Array)[k] as number);
      if (gradA) gradA[start + k] = scale * (ap - (swapped ? 0 : negativeSlope));
      if (gradP) gradP[start + k] = scale * (-ap - (swapped ? negativeSlope : 0));
      if (gradN) gradN[start + k] = scale * negativeSlope;
    }
  }
  return total;
}

const NAMES = ['anchor', 'positive', 'negative'] as const;

export const tripletMargin: StructuredSpec = {
  kind: 'structured',
  name: 'triplet_margin',
  className: 'TripletMargin',
  aliases: ['triplet', 'triplet_loss', 'triplet_margin_loss', 'TripletMarginLoss'],
  options: {
    margin: numberOption(1, { min: 0 }, 'required gap between the positive and negative distances'),
    p: numberOption(2, { above: 0 }, 'the norm degree of the distance'),
    eps: numberOption(1e-6, { min: 0 }, 'added to the difference before the norm (PyTorch pairwise_distance)'),
    swap: booleanOption(false, 'use min(d(a, n), d(p, n)) as the negative distance'),
  },
  formula: 'max(||a - p + eps||_p - ||a - n + eps||_p + margin, 0)',
  inputNames: NAMES,
  prepare(config, inputs) {
    const loss = 'triplet_margin';
    const anchor = readFloatTensor(inputs.anchor, { argument: 'anchor', loss });
    const shape = anchor.shape;
    if (shape.length < 1 || shape.length > 2 || anchor.data.length === 0) {
      throw new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Argument 'anchor' passed to '${loss}' must be [batch, dim] or [dim] and non-empty (got ${formatShape(shape)})`, {
        argument: 'anchor',
        expected: '[batch, dim]',
        actual: shape,
      });
    }
    const others = (['positive', 'negative'] as const).map((argument) => {
      const raw = readTensor(inputs[argument], { argument, loss });
      if (raw.shape.length !== shape.length || raw.shape.some((d, i) => d !== shape[i])) {
        throw new LosskitError(
          'LOSSKIT_SHAPE_MISMATCH',
          `Arguments '${argument}' and 'anchor' passed to '${loss}' must have the same shape: size mismatch (got ${argument}: ${formatShape(raw.shape)}, anchor: ${formatShape(shape)})`,
          { argument, expected: shape, actual: raw.shape },
        );
      }
      return toFloat(raw, anchor.dtype) as Tensor;
    }) as [Tensor, Tensor];
    const batch = shape.length === 2 ? (shape[0] as number) : 1;
    const perSampleShape = shape.length === 2 ? [batch] : [];
    const weights = broadcastSampleWeight(inputs.sampleWeight, perSampleShape, loss);
    const params = Float64Array.from([config.margin as number, config.p as number, config.eps as number, config.swap ? 1 : 0]);
    const [positive, negative] = others;
    return {
      yPred: anchor,
      primaryName: 'anchor',
      extraGrads: [
        { name: 'positive', like: positive },
        { name: 'negative', like: negative },
      ],
      perSampleShape,
      weights,
      sampleCount: batch,
      inputs: [anchor.data, positive.data, negative.data],
      invoke(kernels, perSample, grad, gradScale, async, extraGrads) {
        const args = [anchor.data, positive.data, negative.data, batch, params, weights, perSample, grad, extraGrads[0] ?? null, extraGrads[1] ?? null, gradScale] as const;
        return async ? kernels.tripletAsync(...args) : kernels.triplet(...args);
      },
    };
  },
};
