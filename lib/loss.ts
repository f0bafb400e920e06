/**
 * The Loss object: a spec plus a validated config, with value, gradient and fused
 * value-and-gradient, sync and async. Data flows one way:
 * inputs -> tensor views -> checks -> kernel call -> reduction -> result.
 */

import { activeBackend, elementwiseKernelsFor, type KernelBackend } from './backend';
import { elementwiseDriverFor, jsBackend, type ElementwiseDriver } from './backend/js';
import { checkOut, outFits } from './checks';
import { resolveConfig, type LossConfig, type LossOptions } from './config';
import { planReduction, unweightedScale, type Reduction } from './reduce';
import { kernelId, prepareCall, type LossInputs, type PreparedCall } from './prepare';
import { reducePartial, type Partial } from './partial';
import { LosskitError } from './errors';
import {
  allocate,
  elementCount,
  fromFloat64,
  plainFloatData,
  plainShape,
  type FloatArray,
  type Tensor,
  type TensorInput,
} from './tensor';
import type { ElementwiseFunctions, ElementwiseSpec, LossSpec } from './losses/spec';

/** Per-sample weights: a number (every sample), a tensor of the per-sample shape or of a leading
 * part of it, or null/undefined for none. */
export type SampleWeightInput = TensorInput | number | null | undefined;

/** Per-call options: a gradient buffer to reuse, and extra inputs some losses take. */
export interface CallOptions {
  /** Receives the gradient (yPred's dtype and length); returned as `grad.data`. */
  out?: FloatArray;
  /** Losses with several differentiable inputs: buffers for the other inputs' gradients, by
   * input name ({ positive, negative } for triplet_margin), each that input's dtype and length. */
  outs?: Record<string, FloatArray>;
  /** gaussian_nll's variance, same shape as yPred (or a leading part of it). */
  variance?: TensorInput;
}

/** A reduced loss is a number; reduction 'none' gives the per-sample tensor. */
export type LossValue<R extends Reduction> = R extends 'none' ? Tensor : number;

/** What valueAndGrad returns: the value (as `value` would) and the gradient(s). */
export interface ValueAndGrad<V> {
  /** The loss value: a number, or the per-sample tensor for reduction 'none'. */
  value: V;
  /** d(value)/d(yPred), same shape and dtype as yPred (a structured loss's primary input). */
  grad: Tensor;
  /** Losses with several differentiable inputs (triplet_margin): every input's gradient, by
   * input name, the primary one included. */
  grads?: Record<string, Tensor>;
}

type Want = 'value' | 'grad' | 'both';

interface Result {
  value: number | Tensor;
  /** Present unless only the value was asked for. */
  grad?: Tensor;
  grads?: Record<string, Tensor>;
}

/** A plain object of named inputs, as opposed to a tensor ({ data, shape } or tfjs-like). */
function isNamedInputs(first: unknown): first is LossInputs {
  return (
    typeof first === 'object' &&
    first !== null &&
    !Array.isArray(first) &&
    !ArrayBuffer.isView(first) &&
    !('data' in first) &&
    typeof (first as { dataSync?: unknown }).dataSync !== 'function'
  );
}

/** Accepts (yTrue, yPred, sampleWeight?, options?) or ({ yTrue, yPred, ... }, options?). */
function parseArguments(args: readonly unknown[]): { inputs: LossInputs; options: CallOptions } {
  if (isNamedInputs(args[0])) {
    const options = (args[1] ?? {}) as CallOptions;
    return { inputs: { variance: options.variance, ...args[0] }, options };
  }
  const options = (args[3] ?? {}) as CallOptions;
  return {
    inputs: {
      yTrue: args[0] as TensorInput,
      yPred: args[1] as TensorInput,
      sampleWeight: args[2] as SampleWeightInput,
      variance: options.variance,
    },
    options,
  };
}

/**
 * What the lean path needs of an elementwise loss, fixed when the Loss is made. The lean path
 * serves the common call, (yTrue, yPred) as two typed arrays of one dtype and shape, or
 * { data, shape } objects, with no sample weight, and `out` or nothing as options, without the
 * full path's intermediate objects; any other call, valid or not, takes the full path, which
 * runs the same kernels and throws the typed errors.
 */
interface LeanKernel {
  kernel: string;
  /** The kernel's id, for the backend it was looked up in (the lean path's cache). */
  id: number;
  idKernels: KernelBackend | null;
  reduction: Reduction;
  params: Float64Array;
  /** hinge's label detection writes into a copy of params (`scratch`) on each call. */
  dataParams: ElementwiseSpec['dataParams'];
  scratch: Float64Array;
  /** The axis the mean is taken over when the loss has that option, else null (the last). */
  axis: number | null;
  /** The JS kernel's closures, and the driver copies that run them ([float32, float64], made
   * on first use), called directly when the JS kernels run: no table lookups on the way. */
  functions: ElementwiseFunctions;
  drivers: [ElementwiseDriver | null, ElementwiseDriver | null];
  /** A defineLoss loss, which always runs in the JS driver. */
  custom: boolean;
  arithmeticOnly: boolean;
}

function leanKernel(spec: LossSpec, config: LossConfig, params: Float64Array): LeanKernel | null {
  if (spec.kind !== 'elementwise' || spec.auxInput || config.reduction === 'none') return null;
  if (spec.configAux && config[spec.configAux.option] !== null) return null;
  return {
    kernel: spec.name,
    id: -1,
    idKernels: null,
    reduction: config.reduction,
    params,
    dataParams: spec.dataParams,
    scratch: new Float64Array(params.length),
    axis: spec.hasAxis ? (config.axis as number) : null,
    // Parameters are fixed here (hinge's data-dependent one picks no formula).
    functions: spec.js.select ? spec.js.select(params) : spec.js,
    drivers: [null, null],
    custom: spec.custom === true,
    arithmeticOnly: spec.arithmeticOnly === true,
  };
}

/** Equal shapes, `undefined` standing for one axis of `length`. */
function sameShape(a: readonly number[] | undefined, b: readonly number[] | undefined, length: number): boolean {
  if (a === b) return true;
  const rank = a === undefined ? 1 : a.length;
  if ((b === undefined ? 1 : b.length) !== rank) return false;
  for (let i = 0; i < rank; i++) {
    if ((a === undefined ? length : a[i]) !== (b === undefined ? length : b[i])) return false;
  }
  return true;
}

/**
 * A configured loss. Get one from getLoss(), a Keras-style class (`new Huber({ delta: 2 })`) or
 * defineLoss(); it is immutable, and every call checks its inputs and throws a LosskitError on a
 * bad one. `R` is the reduction, which decides whether `value` is a number or a tensor.
 */
export class Loss<R extends Reduction = Reduction> {
  /** Canonical name, e.g. 'mean_squared_error'. */
  readonly name: string;
  /** How per-sample losses are reduced: 'sum_over_batch_size' (default), 'sum', 'none' or
   * 'weighted_mean'. */
  readonly reduction: R;
  readonly #spec: LossSpec;
  readonly #config: LossConfig;
  readonly #params: Float64Array;
  /** Everything the lean path reads, in one object of the same shape for every loss (the Loss
   * subclasses, MeanSquaredError, Huber..., each have their own). */
  readonly #lean: LeanKernel | null;

  /** Use getLoss(), a loss class or defineLoss() instead: `spec` is an internal registry entry.
   * @internal */
  constructor(spec: LossSpec, options?: LossOptions) {
    this.#spec = spec;
    this.#config = resolveConfig(spec, options);
    this.#params = Float64Array.from('params' in spec ? spec.params(this.#config) : []);
    this.#lean = leanKernel(spec, this.#config, this.#params);
    this.name = spec.name;
    this.reduction = this.#config.reduction as R;
  }

  /** The loss value: a number, or the per-sample tensor for reduction 'none'. */
  value(yTrue: TensorInput, yPred: TensorInput, sampleWeight?: SampleWeightInput, options?: CallOptions): LossValue<R>;
  value(inputs: LossInputs, options?: CallOptions): LossValue<R>;
  value(a?: unknown, b?: unknown, c?: unknown, d?: unknown): LossValue<R> {
    const lean = this.#leanCall(a, b, c, d, 'value');
    if (lean !== undefined) return lean as LossValue<R>;
    return this.#sync([a, b, c, d], 'value').value as LossValue<R>;
  }

  /** d(value)/d(yPred); for reduction 'none', the gradient of the sum of per-sample losses. */
  grad(yTrue: TensorInput, yPred: TensorInput, sampleWeight?: SampleWeightInput, options?: CallOptions): Tensor;
  grad(inputs: LossInputs, options?: CallOptions): Tensor;
  grad(a?: unknown, b?: unknown, c?: unknown, d?: unknown): Tensor {
    const lean = this.#leanCall(a, b, c, d, 'grad');
    if (lean !== undefined) return (lean as Result).grad!;
    return this.#sync([a, b, c, d], 'grad').grad!;
  }

  /** Value and gradient in one fused pass; `options.out` receives the gradient. */
  valueAndGrad(
    yTrue: TensorInput,
    yPred: TensorInput,
    sampleWeight?: SampleWeightInput,
    options?: CallOptions,
  ): ValueAndGrad<LossValue<R>>;
  valueAndGrad(inputs: LossInputs, options?: CallOptions): ValueAndGrad<LossValue<R>>;
  valueAndGrad(a?: unknown, b?: unknown, c?: unknown, d?: unknown): ValueAndGrad<LossValue<R>> {
    const lean = this.#leanCall(a, b, c, d, 'both');
    if (lean !== undefined) return lean as ValueAndGrad<LossValue<R>>;
    return this.#sync([a, b, c, d], 'both') as ValueAndGrad<LossValue<R>>;
  }

  /** `value` computed off the main thread (native backend); identical bits. Inputs must not be
   * written or transferred until the promise settles. */
  valueAsync(yTrue: TensorInput, yPred: TensorInput, sampleWeight?: SampleWeightInput, options?: CallOptions): Promise<LossValue<R>>;
  valueAsync(inputs: LossInputs, options?: CallOptions): Promise<LossValue<R>>;
  async valueAsync(...args: unknown[]): Promise<LossValue<R>> {
    return (await this.#async(args, 'value')).value as LossValue<R>;
  }

  /** `grad` computed off the main thread. */
  gradAsync(yTrue: TensorInput, yPred: TensorInput, sampleWeight?: SampleWeightInput, options?: CallOptions): Promise<Tensor>;
  gradAsync(inputs: LossInputs, options?: CallOptions): Promise<Tensor>;
  async gradAsync(...args: unknown[]): Promise<Tensor> {
    return (await this.#async(args, 'grad')).grad!;
  }

  /** `valueAndGrad` computed off the main thread; identical bits. */
  valueAndGradAsync(
    yTrue: TensorInput,
    yPred: TensorInput,
    sampleWeight?: SampleWeightInput,
    options?: CallOptions,
  ): Promise<ValueAndGrad<LossValue<R>>>;
  valueAndGradAsync(inputs: LossInputs, options?: CallOptions): Promise<ValueAndGrad<LossValue<R>>>;
  async valueAndGradAsync(...args: unknown[]): Promise<ValueAndGrad<LossValue<R>>> {
    return (await this.#async(args, 'both')) as ValueAndGrad<LossValue<R>>;
  }

  /**
   * The chunk's share of the loss: { weightedSum, count, weightSum }. Merge chunks with
   * mergePartials() and reduce with fromPartial(): the same value as one call on all the data
   * (to rounding). Not available for CTC, whose 'mean' divides each item by its target length
   * inside the call.
   */
  partial(yTrue: TensorInput, yPred: TensorInput, sampleWeight?: SampleWeightInput, options?: CallOptions): Partial;
  partial(inputs: LossInputs, options?: CallOptions): Partial;
  partial(...args: unknown[]): Partial {
    const { inputs } = parseArguments(args);
    const call = prepareCall(this.#spec, this.#config, this.#params, inputs);
    if (call.plan) {
      throw new LosskitError('LOSSKIT_INVALID_CONFIG', `'${this.name}' folds its reduction into the kernel call, so it has no partial results`, {
        argument: 'loss',
        expected: 'a loss without its own reduction',
        actual: this.name,
      });
    }
    const weightedSum = call.invoke(this.#kernelsFor(call), null, null, 1, false, []) as number;
    let weightSum = call.sampleCount;
    if (call.weights) {
      weightSum = 0;
      for (let i = 0; i < call.weights.length; i++) weightSum += call.weights[i] as number;
    }
    return { weightedSum, count: call.sampleCount, weightSum };
  }

  /** The loss's reduction applied to a (merged) partial result. */
  fromPartial(partial: Partial): number {
    return reducePartial(partial, this.reduction, this.name);
  }

  /** The configuration, as JSON that getLoss() accepts back. */
  getConfig(): LossConfig {
    return { ...this.#config };
  }

  /** Same as getConfig(), so that JSON.stringify(loss) gives the config. */
  toJSON(): LossConfig {
    return this.getConfig();
  }

  /** Elementwise calls follow the small-input dispatch of backend/index.ts, every path alike,
   * so sync, async, lean and full calls on one input run the same kernels. */
  #kernelsFor(call: PreparedCall): KernelBackend {
    const spec = this.#spec;
    return spec.kind === 'elementwise' ? elementwiseKernelsFor(call.yPred.data.length, spec.arithmeticOnly === true) : activeBackend().kernels;
  }

  /**
   * The lean path (see LeanKernel): the value (want 'value') or the result, or undefined when
   * the call needs the full path. Every check of the full path holds here too: a call this
   * path cannot prove valid goes to the full path, which names the problem.
   */
  #leanCall(yTrueInput: unknown, yPredInput: unknown, sampleWeight: unknown, options: unknown, want: Want): number | Result | undefined {
    const lean = this.#lean;
    if (lean === null || (sampleWeight !== undefined && sampleWeight !== null)) return undefined;
    const yPred = plainFloatData(yPredInput);
    const yTrue = plainFloatData(yTrueInput);
    if (yPred === null || yTrue === null) return undefined;
    const n = yPred.length;
    const float32 = yPred instanceof Float32Array;
    if (n === 0 || yTrue.length !== n || (yTrue instanceof Float32Array) !== float32) return undefined;
    const shape = plainShape(yPredInput, n);
    const trueShape = plainShape(yTrueInput, n);
    if (shape === null || trueShape === null || !sameShape(shape, trueShape, n)) return undefined;
    const rank = shape === undefined ? 1 : shape.length;
    if (rank === 0 || (lean.axis !== null && lean.axis !== -1 && lean.axis !== rank - 1)) return undefined;
    let grad: FloatArray | null = null;
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') return undefined;
      const { out, outs, variance } = options as CallOptions;
      if (outs !== undefined || variance !== undefined) return undefined;
      if (out !== undefined && want !== 'value') {
        if (!outFits(out, yTrue, yPred)) return undefined;
        grad = out;
      }
    }
    if (want !== 'value' && grad === null) grad = float32 ? new Float32Array(n) : new Float64Array(n);
    const rowLength = shape === undefined ? n : (shape[rank - 1] as number);
    const scale = unweightedScale(lean.reduction, n / rowLength);
    let params = lean.params;
    if (lean.dataParams) {
      lean.scratch.set(params);
      params = lean.dataParams(lean.scratch, yTrue);
    }
    // The kernels take the row mean's 1/rowLength inside gradScale (binding.ts).
    const gradScale = scale / rowLength;
    let total: number;
    const kernels = lean.custom ? jsBackend : elementwiseKernelsFor(n, lean.arithmeticOnly);
    if (kernels === jsBackend) {
      const { functions, drivers } = lean;
      const index = float32 ? 0 : 1;
      const driver = drivers[index] ?? (drivers[index] = elementwiseDriverFor(functions, float32));
      total = driver(functions.value, functions.grad, yTrue, yPred, null, params, rowLength, null, null, grad, gradScale);
    } else {
      if (kernels !== lean.idKernels) {
        lean.id = kernelId(kernels.elementwiseKernels, lean.kernel);
        lean.idKernels = kernels;
      }
      total = kernels.elementwise(lean.id, yTrue, yPred, null, params, rowLength, null, null, grad, gradScale) as number;
    }
    const value = total * scale;
    if (grad === null) return value;
    const gradShape = shape === undefined ? [n] : shape.slice();
    return { value, grad: { data: grad, shape: gradShape, dtype: float32 ? 'float32' : 'float64' } };
  }

  /** Checks the inputs and starts the kernel; the returned call finishes the result. */
  #start(args: readonly unknown[], want: Want, async: boolean): Started {
    const { inputs, options } = parseArguments(args);
    const call = prepareCall(this.#spec, this.#config, this.#params, inputs);
    const plan = call.plan ?? planReduction(this.reduction, call.sampleCount, call.weights);
    const perSample =
      want !== 'grad' && this.reduction === 'none' ? new Float64Array(elementCount(call.perSampleShape)) : null;
    let grad: FloatArray | null = null;
    if (want !== 'value') {
      grad =
        options.out !== undefined
          ? checkOut(options.out, call.yPred, call.inputs, this.name)
          : allocate(call.yPred.dtype, call.yPred.data.length);
    }
    const extras =
      want === 'value'
        ? []
        : (call.extraGrads ?? []).map(({ name, like }) => {
            const given = options.outs?.[name];
            const data = given !== undefined ? checkOut(given, like, call.inputs, this.name, `outs.${name}`) : allocate(like.dtype, like.data.length);
            return { name, like, data };
          });
    const total = call.invoke(
      this.#kernelsFor(call),
      perSample,
      grad,
      plan.gradScale,
      async,
      extras.map((e) => e.data),
    );
    const { yPred, perSampleShape } = call;
    const primaryName = call.primaryName ?? 'yPred';
    // Losses with named inputs always report `grads`, by input name.
    const named = call.primaryName !== undefined;
    return {
      total,
      finish(weightedSum: number): Result {
        const value = perSample
          ? fromFloat64(perSample, perSampleShape, yPred.dtype)
          : weightedSum * plan.valueScale;
        if (!grad) return { value };
        const primary: Tensor = { data: grad, shape: yPred.shape, dtype: yPred.dtype };
        if (extras.length === 0 && !named) return { value, grad: primary };
        const grads: Record<string, Tensor> = { [primaryName]: primary };
        for (const { name, like, data } of extras) grads[name] = { data, shape: like.shape, dtype: like.dtype };
        return { value, grad: primary, grads };
      },
    };
  }

  #sync(args: readonly unknown[], want: Want): Result {
    const started = this.#start(args, want, false);
    return started.finish(started.total as number);
  }

  async #async(args: readonly unknown[], want: Want): Promise<Result> {
    const started = this.#start(args, want, true);
    return started.finish(await started.total);
  }
}

interface Started {
  total: number | Promise<number>;
  finish(weightedSum: number): Result;
}
