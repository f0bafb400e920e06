/**
 * Shape, dtype and value checks run before any kernel, so kernels never re-validate what is
 * proven here (the native entry points still guard their lengths). Messages name the loss, the
 * argument, and the expected and actual shape or value.
 */

import { LosskitError, describeType, formatShape } from './errors';
import { type FloatArray, type RawTensor, type Tensor, toFloat } from './tensor';

/** Shapes equal up to trailing size-1 axes ([B] and [B, 1]), as Keras squeezes them. */
function sameUpToTrailingOnes(a: readonly number[], b: readonly number[]): boolean {
  const strip = (s: readonly number[]) => {
    const out = s.slice();
    while (out.at(-1) === 1) out.pop();
    return out;
  };
  const sa = strip(a);
  const sb = strip(b);
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

/** Predictions must have at least one axis and one element. */
export function checkPrediction(yPred: Tensor, loss: string): void {
  if (yPred.shape.length === 0 || yPred.data.length === 0) {
    throw new LosskitError(
      'LOSSKIT_EMPTY_INPUT',
      `Argument 'yPred' passed to '${loss}' must be non-empty with at least one axis ` +
        `(got shape ${formatShape(yPred.shape)})`,
      { argument: 'yPred', expected: 'at least one element', actual: yPred.shape },
    );
  }
}

/**
 * Pairs a target-like input with yPred: same shape (or the same up to a trailing size-1 axis),
 * converted to yPred's dtype (a copy only when the dtypes differ).
 */
export function pairWithPrediction(raw: RawTensor, yPred: Tensor, argument: string, loss: string): Tensor {
  if (!sameUpToTrailingOnes(raw.shape, yPred.shape)) {
    throw new LosskitError(
      'LOSSKIT_SHAPE_MISMATCH',
      `Arguments '${argument}' and 'yPred' passed to '${loss}' must have the same shape: size mismatch ` +
        `(got ${argument}: ${formatShape(raw.shape)}, yPred: ${formatShape(yPred.shape)})`,
      { argument, expected: yPred.shape, actual: raw.shape },
    );
  }
  return toFloat({ data: raw.data, shape: yPred.shape }, yPred.dtype);
}

/** Resolves a possibly negative axis against a rank. */
export function normalizeAxis(axis: number, rank: number, loss: string): number {
  if (axis < -rank || axis >= rank) {
    throw new LosskitError(
      'LOSSKIT_INVALID_CONFIG',
      `Option 'axis' of '${loss}' must be in [${-rank}, ${rank - 1}] for inputs of rank ${rank} (got ${axis})`,
      { argument: 'axis', expected: [-rank, rank - 1], actual: axis },
    );
  }
  return axis < 0 ? axis + rank : axis;
}

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && rangesOverlap(a, b);
}

/** A caller's gradient buffer must match yPred's dtype and length, and must not share memory
 * with an input (row-wise kernels read inputs again after writing gradients). */
export function checkOut(out: unknown, yPred: Tensor, inputs: readonly ArrayBufferView[], loss: string, argument = 'out'): FloatArray {
  const expected = yPred.data.constructor as Float32ArrayConstructor | Float64ArrayConstructor;
  if (!(out instanceof expected)) {
    throw new LosskitError(
      'LOSSKIT_INVALID_TYPE',
      `Option '${argument}' passed to '${loss}' must be a ${expected.name} like its input (got ${describeType(out)})`,
      { argument, expected: expected.name, actual: describeType(out) },
    );
  }
  if (out.length !== yPred.data.length) {
    throw new LosskitError(
      'LOSSKIT_SHAPE_MISMATCH',
      `Option '${argument}' passed to '${loss}' must have ${yPred.data.length} elements, the size of its input ` +
        `${formatShape(yPred.shape)} (got ${out.length})`,
      { argument, expected: yPred.data.length, actual: out.length },
    );
  }
  if (inputs.some((input) => overlaps(out, input))) {
    throw new LosskitError(
      'LOSSKIT_INVALID_VALUE',
      `Option '${argument}' passed to '${loss}' must not share memory with an input`,
      { argument, expected: 'a separate buffer', actual: 'overlaps an input' },
    );
  }
  return out;
}

/** Whether checkOut would accept `out` for an elementwise call on yTrue and yPred, without
 * throwing or allocating (the lean path of lib/loss.ts falls back to checkOut when not). */
export function outFits(out: unknown, yTrue: FloatArray, yPred: FloatArray): boolean {
  if (!(yPred instanceof Float32Array ? out instanceof Float32Array : out instanceof Float64Array)) return false;
  const view = out as FloatArray;
  if (view.length !== yPred.length) return false;
  // `.buffer` costs 10-20 ns a read (a builtin call), so out's is read once.
  const buffer = view.buffer;
  return !(yTrue.buffer === buffer && rangesOverlap(view, yTrue)) && !(yPred.buffer === buffer && rangesOverlap(view, yPred));
}

function rangesOverlap(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
