/**
 * DeviceTensor: an array in GPU memory, with its dtype and shape. Made by cuda.upload() (or
 * returned as a gradient), read back by download(), freed by dispose() or, if never disposed,
 * when it is garbage-collected (the addon's handle has a finalizer that frees the memory).
 * Dispose explicitly in loops: the garbage collector sees a few bytes of JS object, not the
 * gigabytes of device memory behind it, so it may not hurry.
 */

import { LosskitError, formatShape } from '../errors';
import { CUDA_DTYPE, type CudaBinding, type CudaDtypeName, type DeviceHandle } from '../backend/cuda-binding';

export type DeviceDtype = CudaDtypeName;
export type DeviceArray = Float32Array | Float64Array | Int32Array;

const ARRAY_OF: Record<DeviceDtype, new (length: number) => DeviceArray> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
};

export function dtypeOfArray(data: unknown): DeviceDtype | null {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return null;
}

/** Checks a shape against an element count (non-negative integers whose product is `length`). */
export function checkDeviceShape(shape: unknown, length: number, argument: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new LosskitError('LOSSKIT_INVALID_TYPE', `Argument '${argument}' must be an array of non-negative integers (got ${JSON.stringify(shape)})`, {
      argument,
      expected: 'number[]',
      actual: shape,
    });
  }
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (count !== length) {
    throw new LosskitError(
      'LOSSKIT_SHAPE_MISMATCH',
      `Argument '${argument}' ${formatShape(shape as number[])} holds ${count} elements, but the data has ${length}`,
      { argument, expected: length, actual: count },
    );
  }
  return (shape as number[]).slice();
}

export class DeviceTensor {
  readonly dtype: DeviceDtype;
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly length: number;
  #binding: CudaBinding;
  #handle: DeviceHandle | null;

  /** @internal Use cuda.upload() or cuda.empty(). */
  constructor(binding: CudaBinding, dtype: DeviceDtype, shape: number[]) {
    const length = shape.reduce((a, b) => a * b, 1);
    this.#binding = binding;
    this.#handle = binding.alloc(CUDA_DTYPE[dtype], length);
    this.dtype = dtype;
    this.shape = Object.freeze(shape.slice());
    this.length = length;
  }

  /** Whether dispose() was called. */
  get disposed(): boolean {
    return this.#handle === null;
  }

  /** Copies the data to the host: into `out` (this dtype and length) or a new typed array. */
  download<T extends DeviceArray = DeviceArray>(out?: T): T {
    const handle = this.#live('download');
    const target = out ?? (new ARRAY_OF[this.dtype](this.length) as T);
    if (dtypeOfArray(target) !== this.dtype || target.length !== this.length) {
      throw new LosskitError(
        'LOSSKIT_SHAPE_MISMATCH',
        `download(out): 'out' must be a ${ARRAY_OF[this.dtype].name} of ${this.length} elements (got ${target.constructor.name} of ${target.length})`,
        { argument: 'out', expected: `${this.dtype}[${this.length}]`, actual: `${target.constructor.name}[${target.length}]` },
      );
    }
    this.#binding.download(handle, target);
    return target;
  }

  /** The data as a host tensor `{ data, shape, dtype }`, the form the CPU losses take. */
  toTensor(): { data: DeviceArray; shape: number[]; dtype: DeviceDtype } {
    return { data: this.download(), shape: this.shape.slice(), dtype: this.dtype };
  }

  /** Overwrites the device data with `data` (this dtype and length). */
  upload(data: DeviceArray): this {
    const handle = this.#live('upload');
    if (dtypeOfArray(data) !== this.dtype || data.length !== this.length) {
      throw new LosskitError(
        'LOSSKIT_SHAPE_MISMATCH',
        `upload(data): 'data' must be a ${ARRAY_OF[this.dtype].name} of ${this.length} elements (got ${data.constructor.name} of ${data.length})`,
        { argument: 'data', expected: `${this.dtype}[${this.length}]`, actual: `${data.constructor.name}[${data.length}]` },
      );
    }
    this.#binding.upload(handle, data);
    return this;
  }

  /** Frees the device memory now; later use throws. Safe to call twice. */
  dispose(): void {
    if (this.#handle === null) return;
    const handle = this.#handle;
    this.#handle = null;
    this.#binding.free(handle);
  }

  /** @internal The addon handle (throws once disposed). */
  handleFor(operation: string): DeviceHandle {
    return this.#live(operation);
  }

  #live(operation: string): DeviceHandle {
    if (this.#handle === null) {
      throw new LosskitError('LOSSKIT_INVALID_VALUE', `${operation}: this DeviceTensor ${formatShape(this.shape as number[])} was disposed`, {
        argument: 'tensor',
        expected: 'a live DeviceTensor',
        actual: 'disposed',
      });
    }
    return this.#handle;
  }
}
