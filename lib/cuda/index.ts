/**
 * losskit's optional CUDA path (issue 9; docs/CUDA.md). Everything here is lazy: importing
 * losskit neither opens the CUDA addon nor touches a driver; the first call that needs the GPU
 * does, once. Without the addon, a driver or a GPU, `cuda.available()` is false with the reason,
 * the 'auto' device computes on the CPU, and only an explicit 'cuda' request throws.
 *
 *   const { cuda } = require('losskit');
 *   const yTrue = cuda.upload(targets, [batch, dim]);           // DeviceTensor, stays on the GPU
 *   const yPred = cuda.upload(predictions, [batch, dim]);
 *   const mse = cuda.getLoss('mse');                             // device: 'auto' by default
 *   const { value, grad } = mse.valueAndGrad(yTrue, yPred);      // grad: a DeviceTensor
 *   grad.download(); grad.dispose(); yTrue.dispose(); yPred.dispose();
 */

import { Loss, type LossValue } from '../loss';
import { resolveConfig, type LossConfig, type LossOptions } from '../config';
import { LosskitError, formatShape } from '../errors';
import { findSpec } from '../losses/registry';
import type { LossSpec } from '../losses/spec';
import { broadcastSampleWeight, planReduction, type Reduction } from '../reduce';
import { pairWithPrediction } from '../checks';
import { readLabels } from '../prepare';
import { broadcastLeading, fromFloat64, readFloatTensor, readTensor, toFloat, type Tensor, type TensorInput } from '../tensor';
import { cudaAddon, type CudaBinding, type DeviceHandle } from '../backend/cuda-binding';
import { DeviceTensor, checkDeviceShape, dtypeOfArray, type DeviceArray, type DeviceDtype } from './device-tensor';
import { cudaStatus, usableBinding, type CudaStatus } from './status';

export { DeviceTensor } from './device-tensor';
export type { DeviceArray, DeviceDtype } from './device-tensor';
export type { CudaStatus, CudaUnavailableKind } from './status';
export { reasonFromProbe, formatCudaVersion } from './status';

/** Where a loss computes: 'cuda' (the GPU; an error if it cannot), 'cpu' (the CPU package:
 * native or JS, as backend() says), or 'auto' (the GPU when it is available and has a kernel
 * for the loss and options, else the CPU). */
export type Device = 'cuda' | 'cpu' | 'auto';

const DEVICES: readonly Device[] = ['auto', 'cuda', 'cpu'];

/** The elementwise kernels with a CUDA implementation: ids of native/kernels/kernel_table.h
 * (native/cuda/kernels.cu's runElementwise switch uses the same ids). */
export const CUDA_ELEMENTWISE_KERNELS: Readonly<Record<string, number>> = Object.freeze({
  mean_squared_error: 0,
  mean_absolute_error: 1,
  huber: 2,
  smooth_l1: 3,
  log_cosh: 4,
  mean_squared_logarithmic_error: 5,
  mean_absolute_percentage_error: 6,
  quantile: 7,
  poisson: 8,
  gaussian_nll: 9,
  binary_crossentropy: 10,
  binary_crossentropy_pos_weight: 11,
  binary_focal_crossentropy: 12,
  hinge: 13,
  squared_hinge: 14,
});

/** The row-wise losses with a CUDA kernel. */
export const CUDA_ROW_LOSSES: readonly string[] = ['categorical_crossentropy', 'sparse_categorical_crossentropy'];

function checkDevice(value: unknown, source: string): Device {
  if (typeof value === 'string' && (DEVICES as readonly string[]).includes(value)) return value as Device;
  throw new LosskitError('LOSSKIT_INVALID_CONFIG', `${source} must be one of ${DEVICES.map((d) => `'${d}'`).join(', ')} (got ${JSON.stringify(value)})`, {
    argument: 'device',
    expected: DEVICES,
    actual: value,
  });
}

let defaultDevice: Device | undefined;

function currentDefault(): Device {
  defaultDevice ??= process.env.LOSSKIT_DEVICE ? checkDevice(process.env.LOSSKIT_DEVICE, 'LOSSKIT_DEVICE') : 'auto';
  return defaultDevice;
}

function unavailable(what: string, reason: string): LosskitError {
  return new LosskitError('LOSSKIT_BACKEND_UNAVAILABLE', `The 'cuda' device was requested ${what}, but ${reason}`, {
    argument: 'device',
    expected: 'cuda',
    actual: 'cpu',
  });
}

/** The binding, or the error an explicit 'cuda' request raises. */
function requireBinding(what: string): CudaBinding {
  const binding = usableBinding();
  if (!binding) throw unavailable(what, `CUDA is not available: ${cudaStatus().reason}`);
  return binding;
}

function isDeviceTensor(value: unknown): value is DeviceTensor {
  return value instanceof DeviceTensor;
}

/** Copies a host array to a new DeviceTensor. `shape` defaults to [length]. */
function upload(data: DeviceArray | TensorInput, shape?: readonly number[]): DeviceTensor {
  const binding = requireBinding('by cuda.upload()');
  let array: DeviceArray;
  let dims: readonly number[] | undefined = shape;
  const direct = dtypeOfArray(data);
  if (direct !== null) {
    array = data as DeviceArray;
  } else {
    const raw = readTensor(data, { argument: 'data', loss: 'cuda.upload' });
    array = dtypeOfArray(raw.data) !== null ? (raw.data as DeviceArray) : Float64Array.from(raw.data as ArrayLike<number>);
    dims ??= raw.shape;
  }
  const checked = checkDeviceShape(dims ? [...dims] : [array.length], array.length, 'shape');
  const tensor = new DeviceTensor(binding, dtypeOfArray(array)!, checked);
  try {
    tensor.upload(array);
  } catch (error) {
    tensor.dispose();
    throw error;
  }
  return tensor;
}

/** A new DeviceTensor of `dtype` and `shape`, contents unspecified (cudaMalloc). */
function empty(dtype: DeviceDtype, shape: readonly number[]): DeviceTensor {
  const binding = requireBinding('by cuda.empty()');
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    throw new LosskitError('LOSSKIT_INVALID_TYPE', `cuda.empty: dtype must be 'float32', 'float64' or 'int32' (got ${JSON.stringify(dtype)})`, {
      argument: 'dtype',
      expected: ['float32', 'float64', 'int32'],
      actual: dtype,
    });
  }
  return new DeviceTensor(binding, dtype, checkDeviceShape([...shape], shape.reduce((a, b) => a * b, 1), 'shape'));
}

// ---- Losses on the device ----------------------------------------------------------------------

export interface DeviceCallOptions {
  /** Overrides the loss's device for this call. */
  device?: Device;
  /** Receives the gradient on the device (yPred's dtype and length); returned as `grad`. */
  out?: DeviceTensor;
  /** gaussian_nll's variance (host input or DeviceTensor of yPred's shape). */
  variance?: TensorInput | DeviceTensor;
}

export type DeviceInput = TensorInput | DeviceTensor;

export interface DeviceValueAndGrad<V> {
  value: V;
  /** A DeviceTensor when the call ran on the GPU (kept there until downloaded); a host
   * Tensor when it ran on the CPU. */
  grad: DeviceTensor | Tensor;
}

type Want = 'value' | 'grad' | 'both';

/** Why a config has no CUDA kernel (null when it has one). */
function cudaUnsupported(spec: LossSpec, config: LossConfig): string | null {
  const axisIsLast = config.axis === undefined || config.axis === -1;
  if (spec.kind === 'elementwise') {
    if (spec.custom || !(spec.name in CUDA_ELEMENTWISE_KERNELS)) return `'${spec.name}' has no CUDA kernel`;
    if (!axisIsLast) return `'${spec.name}' runs on CUDA along the last axis only (axis: -1)`;
    return null;
  }
  if (spec.kind === 'categorical' || spec.kind === 'sparse') {
    if (!CUDA_ROW_LOSSES.includes(spec.name)) return `'${spec.name}' has no CUDA kernel`;
    if (!axisIsLast) return `'${spec.name}' runs on CUDA along the last axis only (axis: -1)`;
    return null;
  }
  return `'${spec.name}' has no CUDA kernel`;
}

/** A device input, or a host input copied to the device for the call (`owned`). */
interface Staged {
  tensor: DeviceTensor;
  owned: boolean;
}

class Staging {
  readonly owned: DeviceTensor[] = [];
  constructor(readonly binding: CudaBinding) {}
  stage(array: DeviceArray, shape: number[]): DeviceTensor {
    const tensor = new DeviceTensor(this.binding, dtypeOfArray(array)!, shape);
    this.owned.push(tensor);
    tensor.upload(array);
    return tensor;
  }
  /** Frees every temporary (also on error paths). */
  release(): void {
    for (const tensor of this.owned) tensor.dispose();
    this.owned.length = 0;
  }
}

function shapeError(argument: string, loss: string, expected: readonly number[], actual: readonly number[]): LosskitError {
  return new LosskitError(
    'LOSSKIT_SHAPE_MISMATCH',
    `Arguments '${argument}' and 'yPred' passed to '${loss}' must have the same shape: size mismatch (got ${argument}: ${formatShape(actual as number[])}, yPred: ${formatShape(expected as number[])})`,
    { argument, expected, actual },
  );
}

/** Equal shapes up to trailing size-1 axes (checks.ts' rule for targets). */
function sameUpToTrailingOnes(a: readonly number[], b: readonly number[]): boolean {
  const trim = (s: readonly number[]) => {
    let end = s.length;
    while (end > 0 && s[end - 1] === 1) end--;
    return s.slice(0, end);
  };
  const ta = trim(a), tb = trim(b);
  return ta.length === tb.length && ta.every((d, i) => d === tb[i]);
}

/**
 * A loss that can run on the GPU: the same names, options, reductions, sample weights and
 * values as getLoss(), with inputs that may be DeviceTensors and a gradient that stays on the
 * device. Calls are synchronous (the value comes back to the host when the kernels finish).
 */
export class DeviceLoss<R extends Reduction = Reduction> {
  readonly name: string;
  readonly reduction: R;
  /** The device this loss asked for (undefined: the default, cuda.defaultDevice()). */
  readonly device: Device | undefined;
  readonly #spec: LossSpec;
  readonly #config: LossConfig;
  readonly #params: Float64Array;
  readonly #cpu: Loss<R>;
  readonly #unsupported: string | null;

  constructor(name: string, options?: LossOptions & { device?: Device }) {
    const { device, ...rest } = options ?? {};
    this.device = device === undefined ? undefined : checkDevice(device, "Option 'device'");
    this.#spec = findSpec(name);
    this.#config = resolveConfig(this.#spec, rest);
    this.#params = Float64Array.from('params' in this.#spec ? this.#spec.params(this.#config) : []);
    this.#cpu = new Loss(this.#spec, rest) as Loss<R>;
    this.#unsupported = cudaUnsupported(this.#spec, this.#config);
    this.name = this.#spec.name;
    this.reduction = this.#config.reduction as R;
  }

  /** The CPU loss this one falls back to. */
  get cpu(): Loss<R> {
    return this.#cpu;
  }

  /** Where a call with `options.device` would run now: 'cuda' or 'cpu' (throws when 'cuda'
   * is forced and cannot run). */
  resolveDevice(device?: Device): 'cuda' | 'cpu' {
    const wanted = device === undefined ? (this.device ?? currentDefault()) : checkDevice(device, "Option 'device'");
    if (wanted === 'cpu') return 'cpu';
    if (wanted === 'auto') return this.#unsupported === null && cudaStatus().available ? 'cuda' : 'cpu';
    if (this.#unsupported !== null) throw unavailable(`for '${this.name}'`, `${this.#unsupported} (use device 'auto' or 'cpu')`);
    requireBinding(`for '${this.name}'`);
    return 'cuda';
  }

  value(yTrue: DeviceInput, yPred: DeviceInput, sampleWeight?: TensorInput | number | null, options?: DeviceCallOptions): LossValue<R> {
    return this.#call(yTrue, yPred, sampleWeight, options, 'value').value as LossValue<R>;
  }

  grad(yTrue: DeviceInput, yPred: DeviceInput, sampleWeight?: TensorInput | number | null, options?: DeviceCallOptions): DeviceTensor | Tensor {
    return this.#call(yTrue, yPred, sampleWeight, options, 'grad').grad!;
  }

  valueAndGrad(
    yTrue: DeviceInput,
    yPred: DeviceInput,
    sampleWeight?: TensorInput | number | null,
    options?: DeviceCallOptions,
  ): DeviceValueAndGrad<LossValue<R>> {
    return this.#call(yTrue, yPred, sampleWeight, options, 'both') as DeviceValueAndGrad<LossValue<R>>;
  }

  getConfig(): LossConfig & { device?: Device } {
    return this.device === undefined ? { ...this.#config } : { ...this.#config, device: this.device };
  }

  #call(yTrue: DeviceInput, yPred: DeviceInput, sampleWeight: unknown, options: DeviceCallOptions | undefined, want: Want) {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new LosskitError('LOSSKIT_INVALID_TYPE', `The call options of '${this.name}' must be an object`, { argument: 'options', expected: 'object', actual: options });
    }
    const device = this.resolveDevice(options?.device);
    if (device === 'cpu') return this.#onCpu(yTrue, yPred, sampleWeight, options, want);
    return this.#onCuda(requireBinding(`for '${this.name}'`), yTrue, yPred, sampleWeight, options, want);
  }

  /** The CPU package on host copies of any device inputs. */
  #onCpu(yTrue: DeviceInput, yPred: DeviceInput, sampleWeight: unknown, options: DeviceCallOptions | undefined, want: Want) {
    const host = (v: unknown) => (isDeviceTensor(v) ? v.toTensor() : v) as TensorInput;
    if (options?.out !== undefined) {
      throw new LosskitError('LOSSKIT_INVALID_CONFIG', `'out' is a DeviceTensor and this call runs on the CPU; drop it or run on 'cuda'`, {
        argument: 'out',
        expected: 'no out on the cpu device',
        actual: 'DeviceTensor',
      });
    }
    const inputs = {
      yTrue: host(yTrue),
      yPred: host(yPred),
      sampleWeight: sampleWeight as TensorInput,
      variance: options?.variance === undefined ? undefined : host(options.variance),
    };
    const loss = this.#cpu;
    if (want === 'value') return { value: loss.value(inputs) };
    if (want === 'grad') return { grad: loss.grad(inputs) };
    const { value, grad } = loss.valueAndGrad(inputs);
    return { value, grad };
  }

  #onCuda(binding: CudaBinding, yTrueIn: DeviceInput, yPredIn: DeviceInput, sampleWeight: unknown, options: DeviceCallOptions | undefined, want: Want) {
    const spec = this.#spec;
    const loss = this.name;
    const staging = new Staging(binding);
    let grad: DeviceTensor | null = null;
    let gradOwned = false;
    try {
      // yPred decides the dtype, as on the CPU.
      let yPred: DeviceTensor;
      if (isDeviceTensor(yPredIn)) {
        if (yPredIn.dtype === 'int32') {
          throw new LosskitError('LOSSKIT_INVALID_TYPE', `Argument 'yPred' passed to '${loss}' must be float32 or float64 (got an int32 DeviceTensor)`, {
            argument: 'yPred',
            expected: 'float32 | float64',
            actual: 'int32',
          });
        }
        yPred = yPredIn;
      } else {
        const host = readFloatTensor(yPredIn, { argument: 'yPred', loss });
        yPred = staging.stage(host.data, host.shape);
      }
      const dtype = yPred.dtype as 'float32' | 'float64';
      const shape = yPred.shape.slice();
      if (shape.length === 0 || yPred.length === 0) {
        throw new LosskitError('LOSSKIT_EMPTY_INPUT', `Argument 'yPred' passed to '${loss}' must be non-empty with at least one axis (got shape ${formatShape(shape)})`, {
          argument: 'yPred',
          expected: 'at least one element',
          actual: shape,
        });
      }
      const lastAxis = shape[shape.length - 1] as number;
      const perSampleShape = shape.slice(0, -1);
      const rows = yPred.length / lastAxis;
      const likePred = { shape, dtype } as unknown as Tensor;

      if (want !== 'value') {
        if (options?.out !== undefined) {
          const out = options.out;
          if (!isDeviceTensor(out) || out.dtype !== dtype || out.length !== yPred.length) {
            throw new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Option 'out' of '${loss}' must be a ${dtype} DeviceTensor of ${yPred.length} elements`, {
              argument: 'out',
              expected: `${dtype}[${yPred.length}]`,
              actual: isDeviceTensor(out) ? `${out.dtype}[${out.length}]` : typeof out,
            });
          }
          if (out === yPred || out === yTrueIn || out === options?.variance) {
            throw new LosskitError('LOSSKIT_INVALID_VALUE', `Option 'out' of '${loss}' must not be one of the inputs`, { argument: 'out' });
          }
          grad = out;
        } else {
          grad = new DeviceTensor(binding, dtype, shape);
          gradOwned = true;
        }
      }

      let total: number;
      let weights: Float64Array | null;
      let sampleCount = rows;
      const perSample = this.reduction === 'none' && want !== 'grad' ? new Float64Array(rows) : null;
      const gradHandle = grad ? grad.handleFor('grad') : null;
      let plan;

      if (spec.kind === 'sparse') {
        const classCount = lastAxis;
        const ignoreClass = this.#config.ignoreClass as number | null;
        // Labels are rows x 4 bytes against the logits' rows x C: checking them on the host
        // (a download when they live on the device) costs little and gives the CPU's errors.
        const rawLabels = isDeviceTensor(yTrueIn) ? { data: yTrueIn.download(), shape: yTrueIn.shape.slice() } : readTensor(yTrueIn, { argument: 'yTrue', loss });
        const labels = readLabels(rawLabels, perSampleShape, classCount, ignoreClass, loss);
        const labelTensor = isDeviceTensor(yTrueIn) && yTrueIn.dtype === 'int32' ? yTrueIn : staging.stage(labels, [labels.length]);
        const classWeight = vectorOption(this.#config.classWeight, classCount, 'classWeight', loss);
        const given = broadcastSampleWeight(sampleWeight, perSampleShape, loss);
        weights = given;
        if (classWeight || ignoreClass !== null) {
          const effective = classWeight || given ? new Float64Array(labels.length) : null;
          for (let i = 0; i < labels.length; i++) {
            const label = labels[i] as number;
            const ignored = label === ignoreClass;
            if (ignored) sampleCount--;
            if (effective) effective[i] = ignored ? 0 : (given ? (given[i] as number) : 1) * (classWeight ? (classWeight[label] as number) : 1);
          }
          weights = effective;
        }
        plan = planReduction(this.reduction, sampleCount, weights);
        total = binding.sparse(this.#params[0] !== 0, labelTensor.handleFor('yTrue'), yPred.handleFor('yPred'), classCount, ignoreClass, weights, perSample, gradHandle, plan.gradScale);
      } else {
        const yTrue = this.#stageTarget(staging, yTrueIn, likePred, dtype, 'yTrue');
        weights = broadcastSampleWeight(sampleWeight, perSampleShape, loss);
        plan = planReduction(this.reduction, rows, weights);
        if (spec.kind === 'categorical') {
          const classWeight = vectorOption(this.#config.classWeight, lastAxis, 'classWeight', loss);
          total = binding.categorical(this.#params[0] !== 0, this.#params[1] as number, yTrue.handleFor('yTrue'), yPred.handleFor('yPred'), lastAxis, classWeight, weights, perSample, gradHandle, plan.gradScale);
        } else if (spec.kind === 'elementwise') {
          let kernel = CUDA_ELEMENTWISE_KERNELS[spec.name] as number;
          let aux: DeviceTensor | null = null;
          if (spec.auxInput) {
            const value = options?.variance;
            if (value === undefined || value === null) {
              throw new LosskitError('LOSSKIT_INVALID_TYPE', `'${loss}' needs the input '${spec.auxInput.name}': pass it as the option { ${spec.auxInput.name} }`, {
                argument: spec.auxInput.name,
                expected: 'tensor input',
                actual: value,
              });
            }
            if (isDeviceTensor(value)) {
              if (value.dtype !== dtype || value.length !== yPred.length) throw shapeError(spec.auxInput.name, loss, shape, value.shape);
              aux = value;
            } else {
              const ctx = { argument: spec.auxInput.name, loss };
              const raw = broadcastLeading(readTensor(value, ctx), shape, ctx, "yPred's shape");
              spec.auxInput.check?.(raw.data, loss);
              aux = staging.stage(toFloat(raw, dtype).data, shape);
            }
          } else if (spec.configAux && this.#config[spec.configAux.option] !== null) {
            const vector = vectorOption(this.#config[spec.configAux.option], lastAxis, spec.configAux.option, loss, true)!;
            const tiled = dtype === 'float32' ? new Float32Array(yPred.length) : new Float64Array(yPred.length);
            for (let i = 0; i < tiled.length; i++) tiled[i] = vector[vector.length === 1 ? 0 : i % lastAxis] as number;
            aux = staging.stage(tiled, shape);
            kernel = CUDA_ELEMENTWISE_KERNELS[spec.configAux.kernel] as number;
          }
          let params = this.#params;
          if (spec.dataParams) {
            // hinge's 0/1 label detection (lib/losses/binary.ts), on the device copy of yTrue.
            params = params.slice();
            params[0] = binding.allZeroOrOne(yTrue.handleFor('yTrue')) ? 1 : 0;
          }
          // The kernels take the row mean's 1/rowLength inside gradScale (binding.ts).
          total = binding.elementwise(kernel, yTrue.handleFor('yTrue'), yPred.handleFor('yPred'), aux ? aux.handleFor('aux') : null, params, lastAxis, weights, perSample, gradHandle, plan.gradScale / lastAxis);
        } else {
          throw unavailable(`for '${loss}'`, `'${loss}' has no CUDA kernel`);
        }
      }
      const value = perSample ? fromFloat64(perSample, perSampleShape, dtype) : total * plan.valueScale;
      gradOwned = false;  // handed to the caller from here on
      return grad ? { value, grad } : { value };
    } finally {
      staging.release();
      if (gradOwned && grad) grad.dispose();
    }
  }

  /** yTrue on the device, in yPred's dtype and shape (the same up to trailing 1s). */
  #stageTarget(staging: Staging, input: DeviceInput, likePred: Tensor, dtype: 'float32' | 'float64', argument: string): DeviceTensor {
    if (isDeviceTensor(input)) {
      if (input.dtype !== dtype) {
        throw new LosskitError('LOSSKIT_INVALID_TYPE', `Argument '${argument}' passed to '${this.name}' must be a ${dtype} DeviceTensor like yPred (got ${input.dtype}); device tensors are not converted`, {
          argument,
          expected: dtype,
          actual: input.dtype,
        });
      }
      if (!sameUpToTrailingOnes(input.shape, likePred.shape)) throw shapeError(argument, this.name, likePred.shape, input.shape);
      return input;
    }
    const paired = pairWithPrediction(readTensor(input, { argument, loss: this.name }), likePred, argument, this.name);
    return staging.stage(paired.data, likePred.shape.slice());
  }
}

function vectorOption(value: unknown, length: number, option: string, loss: string, allowOne = false): Float64Array | null {
  if (value === null || value === undefined) return null;
  const vector = value as number[];
  if (vector.length !== length && !(allowOne && vector.length === 1)) {
    throw new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Option '${option}' of '${loss}' must have ${allowOne ? `1 or ${length}` : length} entries, one per class (got ${vector.length})`, {
      argument: option,
      expected: length,
      actual: vector.length,
    });
  }
  return Float64Array.from(vector);
}

// ---- The public namespace ----------------------------------------------------------------------

/** The `cuda` namespace exported by losskit. */
export const cuda = {
  /** Whether losses can run on the GPU here (loads the addon and probes the driver once). */
  available(): boolean {
    return cudaStatus().available;
  },
  /** Why not, when available() is false: 'not built: ...', 'no driver: ...', 'driver too
   * old: ...', 'no device: ...', 'unsupported device: ...'; null when available. */
  unavailableReason(): string | null {
    return cudaStatus().reason;
  },
  /** The full report: reason, versions, devices, the addon's path. */
  status(): CudaStatus {
    return cudaStatus();
  },
  upload,
  empty,
  /** A loss that can run on the GPU (options as getLoss, plus `device`). */
  getLoss<R extends Reduction = 'sum_over_batch_size'>(name: string, options?: LossOptions & { reduction?: R; device?: Device }): DeviceLoss<R> {
    return new DeviceLoss<R>(name, options);
  },
  /** Sets the device of losses made without one (initially LOSSKIT_DEVICE or 'auto'). Forcing
   * 'cuda' checks now and throws with the reason when the GPU cannot run. Returns it. */
  setDefaultDevice(device: Device): Device {
    const checked = checkDevice(device, "setDefaultDevice's argument");
    if (checked === 'cuda') requireBinding('by setDefaultDevice()');
    defaultDevice = checked;
    return checked;
  },
  defaultDevice(): Device {
    return currentDefault();
  },
  /** Bytes of device memory held by live DeviceTensors (0 when the addon is not loaded). */
  memoryInUse(): number {
    return (usableBinding() ?? cudaAddon().binding)?.memoryInUse() ?? 0;
  },
};

/** @internal For tests and the bench: the raw addon when the GPU is usable. */
export function cudaBindingForTests(): CudaBinding | null {
  return usableBinding();
}

export type { DeviceHandle };
