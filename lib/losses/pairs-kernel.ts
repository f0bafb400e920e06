/**
 * The JS kernels of the pair losses (the fallback backend's `pair` and two elementwise
 * functions), plain double arithmetic: the reference the native kernels (native/kernels/pairs.h,
 * native/kernels/ranking.h) are held to. Formulas and conventions in lib/backend/binding.ts
 * (PairArgs) and at the top of those headers.
 */

import type { PairArgs } from '../backend/binding';
import type { ElementwiseFunctions } from './spec';

/** Pair kernel ids, as the native addon's `pairKernels` (LOSSKIT_PAIR_KERNELS). */
export const pairKernelIds: Readonly<Record<string, number>> = Object.freeze({ contrastive: 0, cosine_embedding: 1 });

/** PyTorch's EPSILON in cosine_embedding_loss, added to each squared norm. */
const COSINE_EPSILON = 1e-12;

type FloatArray = Float32Array | Float64Array;

/** Writes c * u into g1 and -c * u into g2 over one row; exact zeros when c is 0. */
function writeContrastive(x1: FloatArray, x2: FloatArray, start: number, dim: number, eps: number, c: number, g1: FloatArray | null, g2: FloatArray | null): void {
  for (let k = start; k < start + dim; k++) {
    const v = (x1[k] as number) - (x2[k] as number) + eps;
    if (g1) g1[k] = c === 0 ? 0 : c * v;
    if (g2) g2[k] = c === 0 ? 0 : -c * v;
  }
}

/**
 * contrastive [margin, eps]: v = x1 - x2 + eps, d = ||v||, h = max(margin - d, 0),
 * l = y d^2 + (1 - y) h^2; dl/dx1 = (2y + (1 - y) s) v with s = -2h / d on an active hinge
 * with d > 0, 0 where inactive or d = 0 (NaN for NaN h); dl/dx2 = -dl/dx1.
 */
function contrastiveRow(x1: FloatArray, x2: FloatArray, y: number, start: number, dim: number, params: Float64Array, scale: number, g1: FloatArray | null, g2: FloatArray | null): number {
  const margin = params[0] as number;
  const eps = params[1] as number;
  let sum = 0;
  for (let k = start; k < start + dim; k++) {
    const v = (x1[k] as number) - (x2[k] as number) + eps;
    sum += v * v;
  }
  const d = Math.sqrt(sum);
  const h = Math.max(margin - d, 0); // NaN d gives NaN
  if (g1 || g2) {
    const hingeSlope = h > 0 && d > 0 ? (-2 * h) / d : h * 0;
    writeContrastive(x1, x2, start, dim, eps, scale * (2 * y + (1 - y) * hingeSlope), g1, g2);
  }
  return y * d * d + (1 - y) * h * h;
}

/**
 * cosine_embedding [margin] (PyTorch F.cosine_embedding_loss): cos = x1.x2 / sqrt(s1 s2),
 * s = |x|^2 + 1e-12; l = 1 - cos (y = 1), max(0, cos - margin) (y = -1), 0 otherwise.
 * dl/dx1 = k (x2 / D - cos x1 / s1) (and symmetric), k = -1 (y = 1), 1 on an active hinge
 * (y = -1, cos - margin > 0; NaN for NaN), else 0.
 */
function cosineEmbeddingRow(x1: FloatArray, x2: FloatArray, y: number, start: number, dim: number, params: Float64Array, scale: number, g1: FloatArray | null, g2: FloatArray | null): number {
  const margin = params[0] as number;
  let p = 0;
  let q1 = 0;
  let q2 = 0;
  for (let k = start; k < start + dim; k++) {
    const a = x1[k] as number;
    const b = x2[k] as number;
    p += a * b;
    q1 += a * a;
    q2 += b * b;
  }
  const s1 = q1 + COSINE_EPSILON;
  const s2 = q2 + COSINE_EPSILON;
  const denom = Math.sqrt(s1 * s2);
  const cos = p / denom;
  let loss = 0;
  let slope = 0;
  if (y === 1) {
    loss = 1 - cos;
    slope = -1;
  } else if (y === -1) {
    const margined = cos - margin;
    loss = Math.max(margined, 0); // NaN propagates
    slope = margined > 0 ? 1 : margined <= 0 ? 0 : margined;
  } else {
    // Any other label costs 0 (PyTorch), but a NaN label or cos (a NaN or infinite input) gives
    // NaN: x - x is +0 for a finite x and NaN otherwise (native/kernels/pairs.h, same formula).
    loss = y - y + (cos - cos);
    slope = loss;
  }
  if (g1 || g2) {
    const c = scale * slope;
    const a = c / denom;
    const b1 = (-c * cos) / s1;
    const b2 = (-c * cos) / s2;
    for (let k = start; k < start + dim; k++) {
      const u = x1[k] as number;
      const w = x2[k] as number;
      if (g1) g1[k] = c === 0 ? 0 : a * w + b1 * u;
      if (g2) g2[k] = c === 0 ? 0 : a * u + b2 * w;
    }
  }
  return loss;
}

const PAIR_ROWS = [contrastiveRow, cosineEmbeddingRow] as const;

/** The JS kernel (also the fallback backend's `pair`): contract in binding.ts (PairArgs). */
export function pairKernel(...[kernel, x1, x2, targets, batch, params, sampleWeight, perSample, grad1, grad2, gradScale]: PairArgs): number {
  const row = PAIR_ROWS[kernel];
  if (row === undefined) throw new RangeError(`pair: 'kernel' must be an integer in [0, ${PAIR_ROWS.length - 1}] (got ${kernel})`);
  const dim = x1.length / batch;
  let total = 0;
  for (let i = 0; i < batch; i++) {
    const weight = sampleWeight ? (sampleWeight[i] as number) : 1;
    const loss = weight * row(x1, x2, targets[i] as number, i * dim, dim, params, gradScale * weight, grad1, grad2);
    total += loss;
    if (perSample) perSample[i] = loss;
  }
  return total;
}

/**
 * margin_ranking [margin], a = x2, x = x1, y in {1, -1}: r = margin - y (x - a) (PyTorch's
 * -y (x1 - x2) + margin), f = max(0, r); f' (d/dx1) = -y where r > 0, 0 where r <= 0, NaN
 * where r is NaN. (lib gives x2 the gradient -f'.)
 */
export const marginRankingFunctions: ElementwiseFunctions = {
  value(y, x, a, p) {
    return Math.max((p[0] as number) - y * (x - a), 0);
  },
  grad(y, x, a, p) {
    const r = (p[0] as number) - y * (x - a);
    return r > 0 ? -y : r <= 0 ? 0 : r;
  },
};

/**
 * contrastive_distance [margin], x = d a precomputed distance: h = max(margin - d, 0),
 * f = y d^2 + (1 - y) h^2, f' = 2 y d - 2 (1 - y) h.
 */
export const contrastiveDistanceFunctions: ElementwiseFunctions = {
  value(y, x, _a, p) {
    const h = Math.max((p[0] as number) - x, 0);
    const oneMinusY = 1 - y;
    return y * x * x + oneMinusY * h * h;
  },
  grad(y, x, _a, p) {
    const h = Math.max((p[0] as number) - x, 0);
    const oneMinusY = 1 - y;
    return 2 * y * x - 2 * oneMinusY * h;
  },
};
