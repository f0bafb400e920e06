/**
 * From user inputs to one kernel call: read and check the tensors, work out the per-sample
 * shape, broadcast the weights, and bind the kernel arguments. This is the only place that knows
 * how each kind of loss lays its inputs out for the kernels.
 */

import { checkPrediction, normalizeAxis, pairWithPrediction } from './checks';
import { LosskitError } from './errors';
import { broadcastSampleWeight } from './reduce';
import { broadcastLeading, elementCount, readFloatTensor, readTensor, toFloat, type FloatArray, type Tensor, type TensorInput } from './tensor';
import type { KernelBackend } from './backend/types';
import type { LossConfig } from './config';
import type { LossSpec } from './losses/spec';

/** The named form of a loss's inputs; `variance` is gaussian_nll's third input. */
export interface LossInputs {
  yTrue: TensorInput;
  yPred: TensorInput;
  sampleWeight?: TensorInput | number | null;
  variance?: TensorInput;
}

export interface PreparedCall {
  yPred: Tensor;
  perSampleShape: number[];
  weights: Float64Array | null;
  /** Every array the kernel reads, so an `out` buffer can be checked against them. */
  inputs: FloatArray[];
  invoke(
    kernels: KernelBackend,
    perSample: Float64Array | null,
    grad: FloatArray | null,
    gradScale: number,
    async: boolean,
  ): number | Promise<number>;
}

function kernelId(kernels: KernelBackend, name: string): number {
  const id = kernels.elementwiseKernels[name];
  if (id === undefined) {
    throw new LosskitError(
      'LOSSKIT_BACKEND_UNAVAILABLE',
      `The loaded native addon has no kernel for '${name}'; it is older than this losskit: run \`npm rebuild losskit\``,
      { argument: 'backend', expected: name, actual: Object.keys(kernels.elementwiseKernels) },
    );
  }
  return id;
}

export function prepareCall(spec: LossSpec, config: LossConfig, params: Float64Array, inputs: LossInputs): PreparedCall {
  const loss = spec.name;
  const yPred = readFloatTensor(inputs.yPred, { argument: 'yPred', loss });
  checkPrediction(yPred, loss);
  const yTrue = pairWithPrediction(readTensor(inputs.yTrue, { argument: 'yTrue', loss }), yPred, 'yTrue', loss);

  if (spec.kind === 'cosine') {
    const rank = yPred.shape.length;
    const axis = normalizeAxis(config.axis as number, rank, loss);
    const outer = elementCount(yPred.shape.slice(0, axis));
    const axisLength = yPred.shape[axis] as number;
    const inner = elementCount(yPred.shape.slice(axis + 1));
    const perSampleShape = yPred.shape.filter((_, i) => i !== axis);
    const weights = broadcastSampleWeight(inputs.sampleWeight, perSampleShape, loss);
    return {
      yPred,
      perSampleShape,
      weights,
      inputs: [yTrue.data, yPred.data],
      invoke(kernels, perSample, grad, gradScale, async) {
        const args = [yTrue.data, yPred.data, outer, axisLength, inner, weights, perSample, grad, gradScale] as const;
        return async ? kernels.cosineSimilarityAsync(...args) : kernels.cosineSimilarity(...args);
      },
    };
  }

  const rowLength = yPred.shape.at(-1) as number;
  const perSampleShape = yPred.shape.slice(0, -1);
  const weights = broadcastSampleWeight(inputs.sampleWeight, perSampleShape, loss);
  let aux: FloatArray | null = null;
  if (spec.auxInput) {
    const argument = spec.auxInput.name;
    const value = (inputs as unknown as Record<string, unknown>)[argument];
    if (value === undefined || value === null) {
      throw new LosskitError(
        'LOSSKIT_INVALID_TYPE',
        `'${loss}' needs the input '${argument}': pass loss.value({ yTrue, yPred, ${argument} }) ` +
          `or the options { ${argument} }`,
        { argument, expected: 'tensor input', actual: value },
      );
    }
    const ctx = { argument, loss };
    const raw = broadcastLeading(readTensor(value, ctx), yPred.shape, ctx, "yPred's shape");
    spec.auxInput.check?.(raw.data, loss);
    aux = toFloat(raw, yPred.dtype).data;
  }
  return {
    yPred,
    perSampleShape,
    weights,
    inputs: aux ? [yTrue.data, yPred.data, aux] : [yTrue.data, yPred.data],
    invoke(kernels, perSample, grad, gradScale, async) {
      const id = kernelId(kernels, loss);
      // Elementwise kernels take the row mean's 1/rowLength inside gradScale (binding.ts).
      const elementScale = gradScale / rowLength;
      const args = [id, yTrue.data, yPred.data, aux, params, rowLength, weights, perSample, grad, elementScale] as const;
      return async ? kernels.elementwiseAsync(...args) : kernels.elementwise(...args);
    },
  };
}
