/**
 * cosine_similarity: the Keras loss is the negative cosine between yTrue and yPred along an
 * axis, so that minimising it aligns the vectors. The norm clamp follows PyTorch 1.13's
 * F.cosine_similarity: cos = x.y / sqrt(max(|x|^2 |y|^2, eps^2)), eps = 1e-8, so a zero vector
 * gives 0 and, where the clamp is active, the gradient is -y / eps.
 */

import type { CosineSpec } from './spec';
import { integerOption } from './spec';

const EPS_SQUARED = 1e-16;

export const cosineSimilarity: CosineSpec = {
  kind: 'cosine',
  name: 'cosine_similarity',
  className: 'CosineSimilarity',
  aliases: ['cosine', 'cosine_proximity'],
  options: {
    axis: integerOption(-1, 'the axis along which the cosine is taken'),
  },
  formula: '-sum(yTrue yPred) / max(|yTrue| |yPred|, 1e-8) along axis',
};

/**
 * JS fallback of the native `cosineSimilarity` entry point (same arguments and contract, see
 * lib/backend/binding.ts): the arrays are viewed as [outer, axisLength, inner] and sample
 * s = o * inner + k is the vector at [o, :, k].
 */
export function cosineSimilarityRows(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  outer: number,
  axisLength: number,
  inner: number,
  sampleWeight: Float64Array | null,
  perSample: Float64Array | null,
  grad: Float32Array | Float64Array | null,
  gradScale: number,
): number {
  let total = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * axisLength * inner + k;
      let dot = 0;
      let xx = 0;
      let yy = 0;
      for (let j = 0, i = base; j < axisLength; j++, i += inner) {
        const x = yPred[i] as number;
        const y = yTrue[i] as number;
        dot += x * y;
        xx += x * x;
        yy += y * y;
      }
      const sample = o * inner + k;
      const weight = sampleWeight ? (sampleWeight[sample] as number) : 1;
      const product = xx * yy;
      const clamped = !(product > EPS_SQUARED) && !Number.isNaN(product);
      const denom = Math.sqrt(clamped ? EPS_SQUARED : product);
      const loss = -dot / denom;
      total += weight * loss;
      if (perSample) perSample[sample] = weight * loss;
      if (grad) {
        // d(-dot/denom)/dx = -(y - [unclamped] dot x / |x|^2) / denom
        const scale = gradScale * weight;
        const projection = clamped ? 0 : dot / xx;
        for (let j = 0, i = base; j < axisLength; j++, i += inner) {
          grad[i] = (-scale * ((yTrue[i] as number) - projection * (yPred[i] as number))) / denom;
        }
      }
    }
  }
  return total;
}
