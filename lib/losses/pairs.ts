/**
 * Losses over pairs: contrastive (embeddings or precomputed distances), cosine_embedding and
 * margin_ranking (PyTorch semantics). Inputs by name, `labels` the pair targets:
 * - contrastive: `{ x1, x2, labels }` ([B, D], [B, D], [B]; label 1 = similar pair) or
 *   `{ distances, labels }` ([...], same shape);
 * - cosine_embedding: `{ x1, x2, labels }`, labels 1 or -1 (PyTorch CosineEmbeddingLoss);
 * - margin_ranking: `{ x1, x2, labels }`, same shapes, labels 1 (x1 should rank higher) or -1
 *   (PyTorch MarginRankingLoss); every element is a sample.
 * `grads` holds the gradient of each differentiable input (x1 and x2, or distances).
 * Kernels: native/kernels/pairs.h and lib/losses/pairs-kernel.ts.
 */

import { LosskitError, formatShape } from '../errors';
import { broadcastSampleWeight } from '../reduce';
import { elementCount, readFloatTensor, readTensor, toFloat, type Tensor } from '../tensor';
import type { PreparedCall } from '../prepare';
import type { StructuredSpec } from './spec';
import { numberOption } from './spec';

function sameShape(loss: string, argument: string, tensor: { shape: number[] }, reference: string, shape: number[]): void {
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
    throw new LosskitError(
      'LOSSKIT_SHAPE_MISMATCH',
      `Arguments '${argument}' and '${reference}' passed to '${loss}' must have matching shapes: size mismatch (got ${argument}: ${formatShape(tensor.shape)}, ${reference}: ${formatShape(shape)})`,
      { argument, expected: shape, actual: tensor.shape },
    );
  }
}

function nonEmpty(loss: string, argument: string, tensor: Tensor): void {
  if (tensor.data.length === 0 || tensor.shape.length === 0) {
    throw new LosskitError('LOSSKIT_EMPTY_INPUT', `Argument '${argument}' passed to '${loss}' must be non-empty (got ${formatShape(tensor.shape)})`, {
      argument,
      expected: 'non-empty',
      actual: tensor.shape,
    });
  }
}

/** x1, x2 [B, D] and labels [B] for the row-wise pair kernels. */
function embeddingPairCall(loss: string, kernelName: string, params: Float64Array, inputs: Readonly<Record<string, unknown>>): PreparedCall {
  const x1 = readFloatTensor(inputs.x1, { argument: 'x1', loss });
  nonEmpty(loss, 'x1', x1);
  if (x1.shape.length !== 2) {
    throw new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Argument 'x1' passed to '${loss}' must be [batch, dim] (got ${formatShape(x1.shape)})`, {
      argument: 'x1',
      expected: '[batch, dim]',
      actual: x1.shape,
    });
  }
  const raw2 = readTensor(inputs.x2, { argument: 'x2', loss });
  sameShape(loss, 'x2', raw2, 'x1', x1.shape);
  const x2 = toFloat(raw2, x1.dtype);
  const batch = x1.shape[0] as number;
  const rawLabels = readTensor(inputs.labels, { argument: 'labels', loss });
  if (rawLabels.data.length !== batch) {
    throw new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Argument 'labels' passed to '${loss}' must have one label per pair: ${batch} (got ${formatShape(rawLabels.shape)})`, {
      argument: 'labels',
      expected: [batch],
      actual: rawLabels.shape,
    });
  }
  const labels = toFloat({ data: rawLabels.data, shape: [batch] }, x1.dtype);
  const weights = broadcastSampleWeight(inputs.sampleWeight, [batch], loss);
  return {
    yPred: x1,
    primaryName: 'x1',
    extraGrads: [{ name: 'x2', like: x2 }],
    perSampleShape: [batch],
    weights,
    sampleCount: batch,
    inputs: [x1.data, x2.data, labels.data],
    invoke(kernels, perSample, grad, gradScale, async, extraGrads) {
      const id = kernels.pairKernels[kernelName];
      if (id === undefined) {
        throw new LosskitError('LOSSKIT_BACKEND_UNAVAILABLE', `The loaded native addon has no kernel for '${loss}'; rebuild it (\`npm run build:native\`)`, {
          argument: 'backend',
          expected: kernelName,
          actual: Object.keys(kernels.pairKernels ?? {}),
        });
      }
      const args = [id, x1.data, x2.data, labels.data, batch, params, weights, perSample, grad, extraGrads[0] ?? null, gradScale] as const;
      return async ? kernels.pairAsync(...args) : kernels.pair(...args);
    },
  };
}

/**
 * Elementwise pair losses (every element a sample): `primary` receives the kernel gradient and,
 * when `negatedName` is set, that input's gradient is its negation (margin_ranking's x2).
 */
function elementPairCall(
  loss: string,
  kernelName: string,
  params: Float64Array,
  primary: { name: string; value: unknown },
  labelsValue: unknown,
  aux: { name: string; value: unknown } | null,
  sampleWeight: unknown,
): PreparedCall {
  const x = readFloatTensor(primary.value, { argument: primary.name, loss });
  nonEmpty(loss, primary.name, x);
  const rawLabels = readTensor(labelsValue, { argument: 'labels', loss });
  sameShape(loss, 'labels', rawLabels, primary.name, x.shape);
  const labels = toFloat(rawLabels, x.dtype);
  let auxTensor: Tensor | null = null;
  if (aux) {
    const raw = readTensor(aux.value, { argument: aux.name, loss });
    sameShape(loss, aux.name, raw, primary.name, x.shape);
    auxTensor = toFloat(raw, x.dtype);
  }
  const perSampleShape = x.shape;
  const weights = broadcastSampleWeight(sampleWeight, perSampleShape, loss);
  return {
    yPred: x,
    primaryName: primary.name,
    extraGrads: auxTensor && aux ? [{ name: aux.name, like: auxTensor }] : [],
    perSampleShape,
    weights,
    sampleCount: elementCount(perSampleShape),
    inputs: auxTensor ? [x.data, labels.data, auxTensor.data] : [x.data, labels.data],
    invoke(kernels, perSample, grad, gradScale, async, extraGrads) {
      const id = kernels.elementwiseKernels[kernelName];
      if (id === undefined) {
        throw new LosskitError('LOSSKIT_BACKEND_UNAVAILABLE', `The loaded native addon has no kernel for '${loss}'; rebuild it (\`npm run build:native\`)`, {
          argument: 'backend',
          expected: kernelName,
          actual: Object.keys(kernels.elementwiseKernels),
        });
      }
      const args = [id, labels.data, x.data, auxTensor?.data ?? null, params, 1, weights, perSample, grad, gradScale] as const;
      const negated = extraGrads[0];
      const finish = (total: number) => {
        if (grad && negated) for (let i = 0; i < grad.length; i++) negated[i] = -(grad[i] as number);
        return total;
      };
      const result = async ? kernels.elementwiseAsync(...args) : kernels.elementwise(...args);
      return typeof result === 'number' ? finish(result) : result.then(finish);
    },
  };
}

export const contrastive: StructuredSpec = {
  kind: 'structured',
  name: 'contrastive',
  className: 'Contrastive',
  aliases: ['contrastive_loss'],
  options: {
    margin: numberOption(1, { min: 0 }, 'distance beyond which dissimilar pairs cost nothing'),
    eps: numberOption(1e-6, { min: 0 }, 'added to the difference before the norm (PyTorch pairwise_distance)'),
  },
  formula: 'y d^2 + (1 - y) max(margin - d, 0)^2, d = ||x1 - x2 + eps||',
  inputNames: ['x1', 'x2', 'labels', 'distances'],
  prepare(config, inputs) {
    if (inputs.distances !== undefined) {
      const params = Float64Array.from([config.margin as number]);
      return elementPairCall('contrastive', 'contrastive_distance', params, { name: 'distances', value: inputs.distances }, inputs.labels, null, inputs.sampleWeight);
    }
    return embeddingPairCall('contrastive', 'contrastive', Float64Array.from([config.margin as number, config.eps as number]), inputs);
  },
};

export const cosineEmbedding: StructuredSpec = {
  kind: 'structured',
  name: 'cosine_embedding',
  className: 'CosineEmbedding',
  aliases: ['cosine_embedding_loss'],
  options: { margin: numberOption(0, { min: -1, max: 1 }, 'cosine above which dissimilar pairs cost') },
  formula: '1 - cos(x1, x2) for y = 1; max(0, cos(x1, x2) - margin) for y = -1',
  inputNames: ['x1', 'x2', 'labels'],
  prepare(config, inputs) {
    return embeddingPairCall('cosine_embedding', 'cosine_embedding', Float64Array.from([config.margin as number]), inputs);
  },
};

export const marginRanking: StructuredSpec = {
  kind: 'structured',
  name: 'margin_ranking',
  className: 'MarginRanking',
  aliases: ['margin_ranking_loss'],
  options: { margin: numberOption(0, {}, 'required gap y (x1 - x2) >= margin') },
  formula: 'max(0, -y (x1 - x2) + margin) per element',
  inputNames: ['x1', 'x2', 'labels'],
  prepare(config, inputs) {
    return elementPairCall(
      'margin_ranking',
      'margin_ranking',
      Float64Array.from([config.margin as number]),
      { name: 'x1', value: inputs.x1 },
      inputs.labels,
      { name: 'x2', value: inputs.x2 },
      inputs.sampleWeight,
    );
  },
};

export const pairLosses = [contrastive, cosineEmbedding, marginRanking] as const;
