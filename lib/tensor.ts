/**
 * Input normalisation: every way a caller may hand over numbers becomes one view type,
 * `Tensor`, without copying typed arrays (subarray views keep their byte offset).
 *
 * Accepted inputs:
 * - nested number arrays (`[[1, 2], [3, 4]]`), read as float64;
 * - 1-D typed arrays (`Float32Array`, `Float64Array`; integer arrays for labels);
 * - `{ data, shape }` objects, `data` a typed array or a flat number array;
 * - tensor-like objects with `shape` and `dataSync()` (TensorFlow.js tensors).
 */

import { LosskitError, describeType, formatShape } from './errors';

/** The two computation dtypes: yPred's decides which one a call uses. */
export type Dtype = 'float32' | 'float64';
/** The typed arrays results and gradients come in. */
export type FloatArray = Float32Array | Float64Array;
/** Typed arrays accepted as inputs (integer ones for labels and targets). */
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** A dense row-major tensor: the type of every result losskit returns. */
export interface Tensor<A extends FloatArray = FloatArray> {
  /** The elements, row-major. */
  data: A;
  /** The dimensions; [] for a scalar. */
  shape: number[];
  /** 'float32' or 'float64', matching `data`. */
  dtype: A extends Float32Array ? 'float32' : A extends Float64Array ? 'float64' : Dtype;
}

/** A number, or nested arrays of numbers (rectangular), e.g. [[0, 1], [1, 0]]. */
export type NestedArray = number | readonly NestedArray[];

/** Flat data with a shape, e.g. { data: new Float32Array(8), shape: [2, 4] }. */
export interface ShapedData {
  /** The elements, row-major (typed arrays are read in place). */
  data: ArrayLike<number>;
  /** The dimensions; [data.length] when omitted. */
  shape?: readonly number[];
}

/** A TensorFlow.js-like tensor: anything with `shape` and `dataSync()`. */
export interface TensorLikeObject {
  /** The dimensions. */
  shape: readonly number[];
  /** The elements, row-major, as a typed array. */
  dataSync(): ArrayLike<number>;
}

/** Anything losskit accepts as yTrue, yPred or another tensor input. */
export type TensorInput = readonly NestedArray[] | NumericArray | ShapedData | TensorLikeObject;

/** An input read but not yet converted to a float dtype. */
export interface RawTensor {
  data: NumericArray | number[];
  shape: number[];
}

/** Where an input is going, for error messages. */
export interface InputContext {
  argument: string;
  loss: string;
}

export function dtypeOf(data: FloatArray): Dtype {
  return data instanceof Float32Array ? 'float32' : 'float64';
}

export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

function isNumericArray(value: unknown): value is NumericArray {
  return (
    ArrayBuffer.isView(value) &&
    !(value instanceof DataView) &&
    !(value instanceof BigInt64Array) &&
    !(value instanceof BigUint64Array)
  );
}

function invalidInput(ctx: InputContext, value: unknown): LosskitError {
  return new LosskitError(
    'LOSSKIT_INVALID_TYPE',
    `Argument '${ctx.argument}' passed to '${ctx.loss}' must be a nested number array, a ` +
      `Float32Array/Float64Array, a { data, shape } object or a tensor (got ${describeType(value)})`,
    { argument: ctx.argument, expected: 'tensor input', actual: describeType(value) },
  );
}

function checkShape(shape: unknown, length: number, ctx: InputContext): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new LosskitError(
      'LOSSKIT_INVALID_TYPE',
      `Argument '${ctx.argument}' passed to '${ctx.loss}' has an invalid shape: expected an array ` +
        `of non-negative integers (got ${JSON.stringify(shape)})`,
      { argument: ctx.argument, expected: 'array of non-negative integers', actual: shape },
    );
  }
  const count = elementCount(shape);
  if (count !== length) {
    throw new LosskitError(
      'LOSSKIT_SHAPE_MISMATCH',
      `Argument '${ctx.argument}' passed to '${ctx.loss}' has shape ${formatShape(shape)} ` +
        `(${count} elements) but its data holds ${length} elements`,
      { argument: ctx.argument, expected: count, actual: length },
    );
  }
  return shape.slice();
}

/** Flattens a rectangular nested array, checking every leaf is a number. */
function readNested(value: readonly NestedArray[], ctx: InputContext): RawTensor {
  const shape: number[] = [];
  for (let level: unknown = value; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const data = new Array<number>(elementCount(shape));
  let write = 0;
  const visit = (node: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') {
        throw new LosskitError(
          'LOSSKIT_INVALID_TYPE',
          `Argument '${ctx.argument}' passed to '${ctx.loss}' must hold only numbers ` +
            `(got ${describeType(node)} at [${path.join(',')}])`,
          { argument: ctx.argument, expected: 'number', actual: describeType(node) },
        );
      }
      data[write++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new LosskitError(
        'LOSSKIT_SHAPE_MISMATCH',
        `Argument '${ctx.argument}' passed to '${ctx.loss}' is ragged: expected ` +
          `${shape[depth]} entries at [${path.join(',')}] (got ` +
          `${Array.isArray(node) ? node.length : describeType(node)})`,
        { argument: ctx.argument, expected: shape[depth], actual: Array.isArray(node) ? node.length : node },
      );
    }
    for (let i = 0; i < node.length; i++) visit(node[i], depth + 1, [...path, i]);
  };
  visit(value, 0, []);
  return { data, shape };
}

/** Reads any accepted input form without converting its dtype. */
export function readTensor(value: unknown, ctx: InputContext): RawTensor {
  if (isNumericArray(value)) return { data: value, shape: [value.length] };
  if (Array.isArray(value)) return readNested(value, ctx);
  if (typeof value === 'object' && value !== null) {
    const candidate = value as Partial<ShapedData & TensorLikeObject>;
    if (typeof candidate.dataSync === 'function' && Array.isArray(candidate.shape)) {
      const data = candidate.dataSync();
      if (!isNumericArray(data)) throw invalidInput(ctx, value);
      return { data, shape: checkShape(candidate.shape, data.length, ctx) };
    }
    if ('data' in candidate) {
      const data = candidate.data;
      if (isNumericArray(data)) {
        return { data, shape: checkShape(candidate.shape ?? [data.length], data.length, ctx) };
      }
      if (Array.isArray(data) && data.every((x) => typeof x === 'number')) {
        return { data, shape: checkShape(candidate.shape ?? [data.length], data.length, ctx) };
      }
    }
  }
  throw invalidInput(ctx, value);
}

/** Returns `raw` as a float tensor of `dtype`, copying only when the storage type differs. */
export function toFloat(raw: RawTensor, dtype: Dtype): Tensor {
  const Target = dtype === 'float32' ? Float32Array : Float64Array;
  const data = raw.data instanceof Target ? raw.data : Target.from(raw.data);
  return { data, shape: raw.shape, dtype } as Tensor;
}

/** Reads a prediction-like input: its own float dtype decides the computation's dtype. */
export function readFloatTensor(value: unknown, ctx: InputContext): Tensor {
  const raw = readTensor(value, ctx);
  if (raw.data instanceof Float32Array) return toFloat(raw, 'float32');
  if (raw.data instanceof Float64Array || Array.isArray(raw.data)) return toFloat(raw, 'float64');
  throw new LosskitError(
    'LOSSKIT_INVALID_TYPE',
    `Argument '${ctx.argument}' passed to '${ctx.loss}' must be float32 or float64 ` +
      `(got ${raw.data.constructor.name}); convert it with Float32Array.from(...)`,
    { argument: ctx.argument, expected: 'float32 | float64', actual: raw.data.constructor.name },
  );
}

/** Makes a result tensor of `dtype` from float64 values (no copy when dtype is float64). */
export function fromFloat64(values: Float64Array, shape: number[], dtype: Dtype): Tensor {
  const data = dtype === 'float64' ? values : Float32Array.from(values);
  return { data, shape, dtype } as Tensor;
}

export function allocate(dtype: Dtype, length: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

/**
 * Broadcasts `raw` to `target` when its shape is `target` or a leading part of it (trailing
 * size-1 axes ignored, as Keras' squeeze_or_expand_to_same_rank does): each element repeats over
 * the missing trailing axes. `role` names the target in the error ("the per-sample shape").
 */
export function broadcastLeading(raw: RawTensor, target: number[], ctx: InputContext, role: string): RawTensor {
  const shape = raw.shape.slice();
  while (shape.at(-1) === 1 && target[shape.length - 1] !== 1) shape.pop();
  if (shape.length > target.length || shape.some((d, i) => d !== target[i])) {
    throw new LosskitError(
      'LOSSKIT_SHAPE_MISMATCH',
      `Argument '${ctx.argument}' passed to '${ctx.loss}' must have ${role} ${formatShape(target)} ` +
        `or a leading part of it (got ${formatShape(raw.shape)})`,
      { argument: ctx.argument, expected: target, actual: raw.shape },
    );
  }
  if (shape.length === target.length) return { data: raw.data, shape: target };
  const repeat = elementCount(target) / raw.data.length;
  const data = new Float64Array(elementCount(target));
  for (let i = 0; i < raw.data.length; i++) data.fill(raw.data[i] as number, i * repeat, (i + 1) * repeat);
  return { data, shape: target };
}

/**
 * The common input forms read without allocating, for the lean path of lib/loss.ts: a bare
 * Float32Array/Float64Array, or a plain { data, shape } whose data is one. Returns null for
 * anything else, valid or not; the full path (readTensor) then reads it or throws the error
 * that names the problem.
 */
export function plainFloatData(value: unknown): FloatArray | null {
  if (value instanceof Float32Array || value instanceof Float64Array) return value;
  if (typeof value !== 'object' || value === null) return null;
  const { data, dataSync } = value as { data?: unknown; dataSync?: unknown };
  if (!(data instanceof Float32Array || data instanceof Float64Array) || dataSync !== undefined) return null;
  return data;
}

/**
 * The shape of an input plainFloatData accepted: `undefined` for one axis of data.length (a bare
 * array, or { data } without a shape), the caller's own array when it is valid for `length`
 * elements (not copied: copy it before handing it out), null when it is not valid.
 */
export function plainShape(value: unknown, length: number): readonly number[] | null | undefined {
  if (ArrayBuffer.isView(value)) return undefined;
  const shape = (value as ShapedData).shape;
  if (shape === undefined) return undefined;
  if (!Array.isArray(shape)) return null;
  let count = 1;
  for (let i = 0; i < shape.length; i++) {
    const dim = shape[i];
    if (!Number.isSafeInteger(dim) || dim < 0) return null;
    count *= dim;
  }
  return count === length ? shape : null;
}
