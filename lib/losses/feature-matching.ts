/**
 * feature_matching (perceptual loss): the distance between features of a prediction and of its
 * target taken at several layers of the user's own network, e.g. a TF.js model's intermediate
 * outputs. No pretrained network ships with losskit.
 *
 * Inputs: `{ predicted: [f_1, ..., f_L], target: [g_1, ..., g_L] }`, layer l a [B, ...] tensor
 * (the same B for every layer). Per sample b: sum_l w_l mean(|f_l[b] - g_l[b]|^q), q = 1 ('l1')
 * or 2 ('l2'), the mean over all of the layer's non-batch axes; then the usual reduction. The
 * gradients w.r.t. every predicted layer come back in `grads` as 'predicted.0', 'predicted.1'...
 * (`grad` is layer 0's). Each layer runs through the native L1/L2 kernels.
 */

import { LosskitError, describeType, formatShape } from '../errors';
import { broadcastSampleWeight } from '../reduce';
import { readFloatTensor, readTensor, toFloat, type FloatArray, type Tensor } from '../tensor';
import type { StructuredSpec } from './spec';
import { enumOption, optionalVectorOption } from './spec';

const LOSS = 'feature_matching';

function layerList(value: unknown, argument: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new LosskitError('LOSSKIT_INVALID_TYPE', `Argument '${argument}' passed to '${LOSS}' must be a non-empty array of layer tensors (got ${describeType(value)})`, {
      argument,
      expected: 'array of tensors',
      actual: describeType(value),
    });
  }
  return value;
}

export const featureMatching: StructuredSpec = {
  kind: 'structured',
  name: 'feature_matching',
  className: 'FeatureMatching',
  aliases: ['perceptual', 'perceptual_loss'],
  options: {
    distance: enumOption('l1', ['l1', 'l2'], "'l1' (mean absolute) or 'l2' (mean squared) difference per layer"),
    layerWeights: optionalVectorOption('a weight per layer (1 each when null)'),
  },
  formula: 'sum_l w_l mean(|f_l - g_l|^q) per sample',
  inputNames: ['predicted', 'target'],
  prepare(config, inputs) {
    const predictedInputs = layerList(inputs.predicted, 'predicted');
    const targetInputs = layerList(inputs.target, 'target');
    if (targetInputs.length !== predictedInputs.length) {
      throw new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Arguments 'target' and 'predicted' passed to '${LOSS}' must list the same number of layers (got ${targetInputs.length} and ${predictedInputs.length})`, {
        argument: 'target',
        expected: predictedInputs.length,
        actual: targetInputs.length,
      });
    }
    const layerWeights = (config.layerWeights as number[] | null) ?? predictedInputs.map(() => 1);
    if (layerWeights.length !== predictedInputs.length) {
      throw new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Option 'layerWeights' of '${LOSS}' must have one weight per layer: ${predictedInputs.length} (got ${layerWeights.length})`, {
        argument: 'layerWeights',
        expected: predictedInputs.length,
        actual: layerWeights.length,
      });
    }
    const layers = predictedInputs.map((value, l) => {
      const argument = `predicted[${l}]`;
      const predicted = readFloatTensor(value, { argument, loss: LOSS });
      if (predicted.shape.length < 1 || predicted.data.length === 0) {
        throw new LosskitError('LOSSKIT_EMPTY_INPUT', `Argument '${argument}' passed to '${LOSS}' must be a non-empty [B, ...] tensor (got ${formatShape(predicted.shape)})`, {
          argument,
          expected: '[B, ...]',
          actual: predicted.shape,
        });
      }
      const raw = readTensor(targetInputs[l], { argument: `target[${l}]`, loss: LOSS });
      if (raw.shape.length !== predicted.shape.length || raw.shape.some((d, i) => d !== predicted.shape[i])) {
        throw new LosskitError(
          'LOSSKIT_SHAPE_MISMATCH',
          `Arguments 'target[${l}]' and 'predicted[${l}]' passed to '${LOSS}' must have the same shape: size mismatch (got target[${l}]: ${formatShape(raw.shape)}, predicted[${l}]: ${formatShape(predicted.shape)})`,
          { argument: `target[${l}]`, expected: predicted.shape, actual: raw.shape },
        );
      }
      return { predicted, target: toFloat(raw, predicted.dtype) as Tensor };
    });
    const batch = layers[0]!.predicted.shape[0] as number;
    layers.forEach(({ predicted }, l) => {
      if (predicted.shape[0] !== batch) {
        throw new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Argument 'predicted[${l}]' passed to '${LOSS}' must have the batch size of layer 0: ${batch} (got ${predicted.shape[0]})`, {
          argument: `predicted[${l}]`,
          expected: batch,
          actual: predicted.shape[0],
        });
      }
    });
    const weights = broadcastSampleWeight(inputs.sampleWeight, [batch], LOSS);
    const kernelName = config.distance === 'l2' ? 'mean_squared_error' : 'mean_absolute_error';
    const noParams = new Float64Array(0);
    return {
      yPred: layers[0]!.predicted,
      primaryName: 'predicted.0',
      extraGrads: layers.slice(1).map(({ predicted }, i) => ({ name: `predicted.${i + 1}`, like: predicted })),
      perSampleShape: [batch],
      weights,
      sampleCount: batch,
      inputs: layers.flatMap(({ predicted, target }) => [predicted.data, target.data]),
      invoke(kernels, perSample, grad, gradScale, async, extraGrads) {
        const id = kernels.elementwiseKernels[kernelName] as number;
        // One elementwise call per layer, each sample one row; the layer weight folds into
        // the sample weights, and the per-sample values of the layers add up.
        const layerPerSample = perSample ? layers.map(() => new Float64Array(batch)) : layers.map(() => null);
        const calls = layers.map(({ predicted, target }, l) => {
          const rowLength = predicted.data.length / batch;
          const layerWeight = layerWeights[l] as number;
          const sampleWeight = Float64Array.from({ length: batch }, (_, b) => layerWeight * (weights ? (weights[b] as number) : 1));
          const layerGrad: FloatArray | null = l === 0 ? grad : (extraGrads[l - 1] ?? null);
          const args = [id, target.data, predicted.data, null, noParams, rowLength, sampleWeight, layerPerSample[l] ?? null, layerGrad, gradScale / rowLength] as const;
          return async ? kernels.elementwiseAsync(...args) : kernels.elementwise(...args);
        });
        const finish = (totals: number[]) => {
          if (perSample) {
            for (let b = 0; b < batch; b++) perSample[b] = layerPerSample.reduce((sum, values) => sum + (values![b] as number), 0);
          }
          return totals.reduce((a, b) => a + b, 0);
        };
        return async ? Promise.all(calls).then(finish) : finish(calls as number[]);
      },
    };
  },
};
