/**
 * From user inputs to one kernel call: read and check the tensors, work out the per-sample
 * shape, broadcast the weights, and bind the kernel arguments. This is the only place that knows
 * how each kind of loss lays its inputs out for the kernels.
 */

import { checkPrediction, normalizeAxis, pairWithPrediction } from './checks';
import { LosskitError, formatShape } from './errors';
import { broadcastSampleWeight } from './reduce';
import {
  allocate,
  broadcastLeading,
  elementCount,
  readFloatTensor,
  readTensor,
  toFloat,
  type FloatArray,
  type RawTensor,
  type Tensor,
  type TensorInput,
} from './tensor';
import { moveAxisToEnd, moveEndToAxis } from './transpose';
import type { KernelBackend } from './backend/types';
import { categoricalWith, elementwiseWith } from './backend/js';
import type { LossConfig } from './config';
import type { CategoricalSpec, CosineSpec, ElementwiseSpec, LossSpec, SparseSpec } from './losses/spec';

/** The named form of a loss's inputs: yTrue and yPred for most losses (`variance` is
 * gaussian_nll's third), the loss's own names for structured ones ({ anchor, positive, negative }). */
export interface LossInputs {
  /** Targets (labels for the sparse loss). */
  yTrue?: TensorInput;
  /** Predictions: the differentiable input. */
  yPred?: TensorInput;
  /** Per-sample weights, as in the positional form. */
  sampleWeight?: TensorInput | number | null;
  /** gaussian_nll's predicted variance, same shape as yPred (or a leading part of it). */
  variance?: TensorInput;
  [input: string]: unknown;
}

export interface PreparedCall {
  /** The primary differentiable input (yPred, or a structured loss's first input). */
  yPred: Tensor;
  /** Its name in the gradients ('yPred', 'logProbs', 'anchor'...). */
  primaryName?: string;
  /** Further inputs that receive a gradient (triplet's positive and negative). */
  extraGrads?: ReadonlyArray<{ name: string; like: Tensor }>;
  perSampleShape: number[];
  weights: Float64Array | null;
  /** The count 'sum_over_batch_size' divides by: the per-sample losses, less ignored targets. */
  sampleCount: number;
  /** Set by losses that fold the reduction into the kernel call themselves (CTC). */
  plan?: { valueScale: number; gradScale: number };
  /** Every array the kernel reads, so an `out` buffer can be checked against them. */
  inputs: FloatArray[];
  invoke(
    kernels: KernelBackend,
    perSample: Float64Array | null,
    grad: FloatArray | null,
    gradScale: number,
    async: boolean,
    extraGrads: FloatArray[],
  ): number | Promise<number>;
}

type Invoke = PreparedCall['invoke'];

/** The id of kernel `name` in a backend's table (throws when the loaded addon lacks it). */
export function kernelId(table: Readonly<Record<string, number>> | undefined, name: string): number {
  const id = table?.[name];
  if (id === undefined) {
    throw new LosskitError(
      'LOSSKIT_BACKEND_UNAVAILABLE',
      `The loaded native addon has no kernel for '${name}'; it is older than this losskit: rebuild it (\`npm run build:native\`)`,
      { argument: 'backend', expected: name, actual: Object.keys(table ?? {}) },
    );
  }
  return id;
}

/**
 * When a loss reduces over an axis other than the last, its inputs are copied with that axis
 * moved last (kernels always reduce the last axis) and the gradient is moved back afterwards.
 */
interface AxisMove {
  axis: number;
}

function axisMove(spec: LossSpec, config: LossConfig, shape: number[]): AxisMove | null {
  if (!('hasAxis' in spec) || !spec.hasAxis) return null;
  const axis = normalizeAxis(config.axis as number, shape.length, spec.name);
  if (axis === shape.length - 1) return null;
  return { axis };
}

/** Runs `kernel` with a gradient buffer in the moved layout and moves the result into `grad`. */
function withMovedGradient(move: AxisMove | null, originalShape: number[], invoke: Invoke): Invoke {
  if (!move) return invoke;
  return (kernels, perSample, grad, gradScale, async, extraGrads) => {
    const moved = grad ? allocate(grad instanceof Float32Array ? 'float32' : 'float64', grad.length) : null;
    const finish = (total: number) => {
      if (grad && moved) moveEndToAxis(moved, move.axis, originalShape, grad);
      return total;
    };
    const result = invoke(kernels, perSample, moved, gradScale, async, extraGrads);
    return typeof result === 'number' ? finish(result) : result.then(finish);
  };
}

function readPrediction(inputs: LossInputs, loss: string): Tensor {
  const yPred = readFloatTensor(inputs.yPred, { argument: 'yPred', loss });
  checkPrediction(yPred, loss);
  return yPred;
}

/** yTrue and yPred paired, with the loss's axis moved last when it is not already. */
function readTargetsAlongAxis(spec: ElementwiseSpec | CategoricalSpec, config: LossConfig, inputs: LossInputs) {
  const loss = spec.name;
  const given = readPrediction(inputs, loss);
  const paired = pairWithPrediction(readTensor(inputs.yTrue, { argument: 'yTrue', loss }), given, 'yTrue', loss);
  const move = axisMove(spec, config, given.shape);
  return {
    yPred: move ? moveAxisToEnd(given, move.axis) : given,
    yTrue: move ? moveAxisToEnd(paired, move.axis) : paired,
    originalShape: given.shape,
    move,
  };
}

function prepareCosine(spec: CosineSpec, config: LossConfig, inputs: LossInputs): PreparedCall {
  const loss = spec.name;
  const yPred = readPrediction(inputs, loss);
  const yTrue = pairWithPrediction(readTensor(inputs.yTrue, { argument: 'yTrue', loss }), yPred, 'yTrue', loss);
  const axis = normalizeAxis(config.axis as number, yPred.shape.length, loss);
  const outer = elementCount(yPred.shape.slice(0, axis));
  const axisLength = yPred.shape[axis] as number;
  const inner = elementCount(yPred.shape.slice(axis + 1));
  const perSampleShape = yPred.shape.filter((_, i) => i !== axis);
  const weights = broadcastSampleWeight(inputs.sampleWeight, perSampleShape, loss);
  return {
    yPred,
    perSampleShape,
    weights,
    sampleCount: elementCount(perSampleShape),
    inputs: [yTrue.data, yPred.data],
    invoke(kernels, perSample, grad, gradScale, async) {
      const args = [yTrue.data, yPred.data, outer, axisLength, inner, weights, perSample, grad, gradScale] as const;
      return async ? kernels.cosineSimilarityAsync(...args) : kernels.cosineSimilarity(...args);
    },
  };
}

/** The config vector `option` broadcast over rows of `rowLength` (posWeight). */
function configVectorAux(spec: ElementwiseSpec, config: LossConfig, n: number, rowLength: number, dtype: Tensor['dtype']): FloatArray {
  const option = spec.configAux!.option;
  const vector = config[option] as number[];
  if (vector.length !== 1 && vector.length !== rowLength) {
    throw new LosskitError(
      'LOSSKIT_SHAPE_MISMATCH',
      `Option '${option}' of '${spec.name}' must have 1 or ${rowLength} entries, one per class of the last axis (got ${vector.length})`,
      { argument: option, expected: rowLength, actual: vector.length },
    );
  }
  const aux = allocate(dtype, n);
  for (let i = 0; i < n; i++) aux[i] = vector[vector.length === 1 ? 0 : i % rowLength] as number;
  return aux;
}

function prepareElementwise(spec: ElementwiseSpec, config: LossConfig, params: Float64Array, inputs: LossInputs): PreparedCall {
  const loss = spec.name;
  const { yTrue, yPred, originalShape, move } = readTargetsAlongAxis(spec, config, inputs);
  const rowLength = yPred.shape.at(-1) as number;
  const perSampleShape = yPred.shape.slice(0, -1);
  const weights = broadcastSampleWeight(inputs.sampleWeight, perSampleShape, loss);
  let aux: FloatArray | null = null;
  let kernelName = spec.name;
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
    const raw = broadcastLeading(readTensor(value, ctx), originalShape, ctx, "yPred's shape");
    spec.auxInput.check?.(raw.data, loss);
    aux = toFloat(raw, yPred.dtype).data;
    if (move) aux = moveAxisToEnd({ data: aux, shape: originalShape, dtype: yPred.dtype }, move.axis).data;
  } else if (spec.configAux && config[spec.configAux.option] !== null) {
    aux = configVectorAux(spec, config, yPred.data.length, rowLength, yPred.dtype);
    kernelName = spec.configAux.kernel;
  }
  const callParams = spec.dataParams ? spec.dataParams(params.slice(), yTrue.data) : params;
  const invoke: Invoke = (kernels, perSample, grad, gradScale, async) => {
    // Elementwise kernels take the row mean's 1/rowLength inside gradScale (binding.ts).
    const elementScale = gradScale / rowLength;
    if (spec.custom) {
      const total = elementwiseWith(spec.js, yTrue.data, yPred.data, aux, callParams, rowLength, weights, perSample, grad, elementScale);
      return async ? Promise.resolve(total) : total;
    }
    const id = kernelId(kernels.elementwiseKernels, kernelName);
    const args = [id, yTrue.data, yPred.data, aux, callParams, rowLength, weights, perSample, grad, elementScale] as const;
    return async ? kernels.elementwiseAsync(...args) : kernels.elementwise(...args);
  };
  return {
    yPred: { ...yPred, shape: originalShape },
    perSampleShape,
    weights,
    sampleCount: elementCount(perSampleShape),
    inputs: aux ? [yTrue.data, yPred.data, aux] : [yTrue.data, yPred.data],
    invoke: withMovedGradient(move, originalShape, invoke),
  };
}

function classWeightFor(config: LossConfig, classCount: number, loss: string): Float64Array | null {
  const weights = config.classWeight as number[] | null | undefined;
  if (!weights) return null;
  if (weights.length !== classCount) {
    throw new LosskitError(
      'LOSSKIT_SHAPE_MISMATCH',
      `Option 'classWeight' of '${loss}' must have one entry per class: ${classCount} (got ${weights.length})`,
      { argument: 'classWeight', expected: classCount, actual: weights.length },
    );
  }
  return Float64Array.from(weights);
}

/**
 * Segmentation losses with `perClass`: [B, ..., C] maps are scored per (sample, class) over the
 * spatial axes and the C scores averaged into the sample's loss. The kernels see class-major
 * rows [B, C, spatial] (a copy); the gradient is moved back to yPred's layout.
 */
function preparePerClassOverlap(spec: CategoricalSpec, params: Float64Array, inputs: LossInputs): PreparedCall {
  const loss = spec.name;
  const yPred = readPrediction(inputs, loss);
  const yTrue = pairWithPrediction(readTensor(inputs.yTrue, { argument: 'yTrue', loss }), yPred, 'yTrue', loss);
  if (yPred.shape.length < 2) {
    throw new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Argument 'yPred' passed to '${loss}' with perClass must be [batch, ..., classes] (got ${formatShape(yPred.shape)})`, {
      argument: 'yPred',
      expected: '[batch, ..., classes]',
      actual: yPred.shape,
    });
  }
  const batch = yPred.shape[0] as number;
  const classes = yPred.shape.at(-1) as number;
  const spatial = yPred.data.length / (batch * classes);
  const classMajor = [batch, classes, spatial];
  const toClassMajor = (t: Tensor) => {
    const out = allocate(t.dtype, t.data.length);
    moveEndToAxis(t.data, 1, classMajor, out);
    return out;
  };
  const predicted = toClassMajor(yPred);
  const target = toClassMajor(yTrue);
  const sampleWeight = broadcastSampleWeight(inputs.sampleWeight, [batch], loss);
  const rowWeights = Float64Array.from({ length: batch * classes }, (_, r) => (sampleWeight ? (sampleWeight[Math.floor(r / classes)] as number) : 1) / classes);
  return {
    yPred,
    perSampleShape: [batch],
    weights: sampleWeight,
    sampleCount: batch,
    inputs: [yTrue.data, yPred.data],
    invoke(kernels, perSample, grad, gradScale, async) {
      const id = kernelId(kernels.categoricalKernels, spec.name);
      const rowValues = perSample ? new Float64Array(batch * classes) : null;
      const classMajorGrad = grad ? allocate(yPred.dtype, grad.length) : null;
      const finish = (total: number) => {
        if (perSample && rowValues) {
          for (let b = 0; b < batch; b++) {
            let sum = 0;
            for (let c = 0; c < classes; c++) sum += rowValues[b * classes + c] as number;
            perSample[b] = sum;
          }
        }
        if (grad && classMajorGrad) grad.set(moveAxisToEnd({ data: classMajorGrad, shape: classMajor, dtype: yPred.dtype } as Tensor, 1).data);
        return total;
      };
      const args = [id, target, predicted, params, spatial, null, rowWeights, rowValues, classMajorGrad, gradScale] as const;
      const result = async ? kernels.categoricalAsync(...args) : kernels.categorical(...args);
      return typeof result === 'number' ? finish(result) : result.then(finish);
    },
  };
}

function prepareCategorical(spec: CategoricalSpec, config: LossConfig, params: Float64Array, inputs: LossInputs): PreparedCall {
  if (spec.sampleRows && config.perClass) return preparePerClassOverlap(spec, params, inputs);
  const loss = spec.name;
  const { yTrue, yPred, originalShape, move } = readTargetsAlongAxis(spec, config, inputs);
  // Segmentation losses take each sample (all non-batch axes) as one row.
  const classCount = spec.sampleRows ? yPred.data.length / (yPred.shape[0] as number) : (yPred.shape.at(-1) as number);
  const perSampleShape = spec.sampleRows ? yPred.shape.slice(0, 1) : yPred.shape.slice(0, -1);
  const weights = broadcastSampleWeight(inputs.sampleWeight, perSampleShape, loss);
  const classWeight = classWeightFor(config, classCount, loss);
  const invoke: Invoke = (kernels, perSample, grad, gradScale, async) => {
    if (spec.custom) {
      const total = categoricalWith(spec.jsRow, yTrue.data, yPred.data, params, classCount, classWeight, weights, perSample, grad, gradScale);
      return async ? Promise.resolve(total) : total;
    }
    const id = kernelId(kernels.categoricalKernels, spec.name);
    const args = [id, yTrue.data, yPred.data, params, classCount, classWeight, weights, perSample, grad, gradScale] as const;
    return async ? kernels.categoricalAsync(...args) : kernels.categorical(...args);
  };
  return {
    yPred: { ...yPred, shape: originalShape },
    perSampleShape,
    weights,
    sampleCount: elementCount(perSampleShape),
    inputs: [yTrue.data, yPred.data],
    invoke: withMovedGradient(move, originalShape, invoke),
  };
}

/** Integer labels of shape yPred.shape[:-1] (a trailing size-1 axis allowed), as Int32Array;
 * errors name the first bad position. The CUDA path (lib/cuda) checks its labels here too. */
export function readLabels(raw: Pick<RawTensor, 'data' | 'shape'>, perSampleShape: number[], classCount: number, ignoreClass: number | null, loss: string): Int32Array {
  const shape = raw.shape.at(-1) === 1 && raw.shape.length === perSampleShape.length + 1 ? raw.shape.slice(0, -1) : raw.shape;
  if (shape.length !== perSampleShape.length || shape.some((d, i) => d !== perSampleShape[i])) {
    throw new LosskitError(
      'LOSSKIT_SHAPE_MISMATCH',
      `Argument 'yTrue' passed to '${loss}' must hold one class index per row of yPred: shape ` +
        `${formatShape(perSampleShape)} (got ${formatShape(raw.shape)})`,
      { argument: 'yTrue', expected: perSampleShape, actual: raw.shape },
    );
  }
  const labels = raw.data instanceof Int32Array ? raw.data : new Int32Array(raw.data.length);
  for (let i = 0; i < raw.data.length; i++) {
    const label = raw.data[i] as number;
    if (!Number.isInteger(label) || ((label < 0 || label >= classCount) && label !== ignoreClass)) {
      throw new LosskitError(
        Number.isInteger(label) ? 'LOSSKIT_INVALID_VALUE' : 'LOSSKIT_INVALID_TYPE',
        `Argument 'yTrue' passed to '${loss}' must hold integer class indices in [0, ${classCount})` +
          `${ignoreClass === null ? '' : ` or ignoreClass ${ignoreClass}`} (got ${label} at flat index ${i})`,
        { argument: 'yTrue', expected: `integer in [0, ${classCount})`, actual: label },
      );
    }
    labels[i] = label;
  }
  return labels;
}

function prepareSparse(spec: SparseSpec, config: LossConfig, params: Float64Array, inputs: LossInputs): PreparedCall {
  const loss = spec.name;
  const yPred = readPrediction(inputs, loss);
  const classCount = yPred.shape.at(-1) as number;
  const perSampleShape = yPred.shape.slice(0, -1);
  const ignoreClass = config.ignoreClass as number | null;
  const labels = readLabels(readTensor(inputs.yTrue, { argument: 'yTrue', loss }), perSampleShape, classCount, ignoreClass, loss);
  const classWeight = classWeightFor(config, classCount, loss);
  const sampleWeight = broadcastSampleWeight(inputs.sampleWeight, perSampleShape, loss);
  // Effective weight of target i: w_i * classWeight[y_i], 0 when ignored (PyTorch/Keras 3).
  let weights = sampleWeight;
  let sampleCount = labels.length;
  if (classWeight || ignoreClass !== null) {
    const effective = classWeight || sampleWeight ? new Float64Array(labels.length) : null;
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i] as number;
      const ignored = label === ignoreClass;
      if (ignored) sampleCount--;
      if (effective) {
        effective[i] = ignored ? 0 : (sampleWeight ? (sampleWeight[i] as number) : 1) * (classWeight ? (classWeight[label] as number) : 1);
      }
    }
    weights = effective;
  }
  return {
    yPred,
    perSampleShape,
    weights,
    sampleCount,
    inputs: [yPred.data],
    invoke(kernels, perSample, grad, gradScale, async) {
      const id = kernelId(kernels.sparseKernels, spec.name);
      const args = [id, labels, yPred.data, params, classCount, ignoreClass, weights, perSample, grad, gradScale] as const;
      return async ? kernels.sparseCategoricalAsync(...args) : kernels.sparseCategorical(...args);
    },
  };
}

export function prepareCall(spec: LossSpec, config: LossConfig, params: Float64Array, inputs: LossInputs): PreparedCall {
  switch (spec.kind) {
    case 'cosine':
      return prepareCosine(spec, config, inputs);
    case 'elementwise':
      return prepareElementwise(spec, config, params, inputs);
    case 'categorical':
      return prepareCategorical(spec, config, params, inputs);
    case 'sparse':
      return prepareSparse(spec, config, params, inputs);
    case 'structured':
      return spec.prepare(config, inputs);
  }
}
