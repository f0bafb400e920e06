/**
 * Moving one axis to the end and back, for losses whose `axis` option names another axis than
 * the last (kernels always reduce the last one). Viewing the shape as [outer, K, inner] with K
 * the axis, the moved layout is [outer, inner, K].
 */

import { allocate, elementCount, type FloatArray, type Tensor } from './tensor';

function split(shape: readonly number[], axis: number) {
  return {
    outer: elementCount(shape.slice(0, axis)),
    length: shape[axis] as number,
    inner: elementCount(shape.slice(axis + 1)),
  };
}

/** A copy of `tensor` with `axis` moved last. */
export function moveAxisToEnd(tensor: Tensor, axis: number): Tensor {
  const { outer, length, inner } = split(tensor.shape, axis);
  const source = tensor.data;
  const moved = allocate(tensor.dtype, source.length);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < length; k++) {
      const from = (o * length + k) * inner;
      for (let i = 0; i < inner; i++) moved[(o * inner + i) * length + k] = source[from + i] as number;
    }
  }
  const shape = [...tensor.shape.slice(0, axis), ...tensor.shape.slice(axis + 1), length];
  return { data: moved, shape, dtype: tensor.dtype } as Tensor;
}

/** Writes `moved` (laid out by moveAxisToEnd) back into `into`, in the original layout. */
export function moveEndToAxis(moved: FloatArray, axis: number, shape: readonly number[], into: FloatArray): void {
  const { outer, length, inner } = split(shape, axis);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < length; k++) {
      const to = (o * length + k) * inner;
      for (let i = 0; i < inner; i++) into[to + i] = moved[(o * inner + i) * length + k] as number;
    }
  }
}
