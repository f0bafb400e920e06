/**
 * Composite losses: weighted sums of losses over the same (yTrue, yPred), each term optionally
 * restricted to a range of columns of the last axis (multi-task heads laid side by side, e.g.
 * columns [0, 4) a regression head under Huber and [4, 10) a classifier under categorical CE).
 *
 * value = sum_k w_k value_k(yTrue[..., cols_k], yPred[..., cols_k]); the gradient is the same
 * weighted sum, accumulated into one buffer (the caller's `out` when given; each term writes into
 * a scratch buffer the composite keeps between calls, so a training step allocates nothing).
 */

import { pairWithPrediction, checkPrediction, checkOut } from './checks';
import type { LossConfig, LossOptions } from './config';
import { LosskitError, describeType } from './errors';
import type { Loss, CallOptions, SampleWeightInput } from './loss';
import { allocate, readFloatTensor, readTensor, type FloatArray, type Tensor, type TensorInput } from './tensor';

/** One term of combineLosses(): a loss, its weight and the columns it reads. */
export interface CompositeTerm {
  /** A Loss, a loss name, or a getConfig() result. */
  loss: Loss | string | LossConfig;
  /** The term's factor in the sum (default 1; finite). */
  weight?: number;
  /** [start, end) columns of the last axis this term sees (default: all). */
  columns?: [number, number];
}

/** A validated CompositeTerm, its loss resolved. */
interface ResolvedTerm {
  /** The term's loss. */
  loss: Loss;
  /** The term's factor in the sum. */
  weight: number;
  /** [start, end) columns of the last axis, or null for all. */
  columns: [number, number] | null;
}

export const COMPOSITE_NAME = 'weighted_sum';

function compositeError(message: string, argument: string, actual: unknown): LosskitError {
  return new LosskitError('LOSSKIT_INVALID_CONFIG', `${message}`, { argument, expected: 'see the message', actual });
}

/** Copies columns [start, end) of every row of `data` (rows of `width`). */
function sliceColumns(data: FloatArray, width: number, [start, end]: [number, number], into: FloatArray): void {
  const span = end - start;
  for (let row = 0, r = 0; r < data.length; row += span, r += width) {
    for (let j = 0; j < span; j++) into[row + j] = data[r + start + j] as number;
  }
}

/**
 * A weighted sum of losses over the same (yTrue, yPred), from combineLosses(); the gradients
 * accumulate into one buffer. Each term uses its own reduction ('none' is refused).
 */
export class CompositeLoss {
  /** Always 'weighted_sum'. */
  readonly name = COMPOSITE_NAME;
  readonly #terms: ResolvedTerm[];
  #scratch = new Map<string, FloatArray>();

  /** Use combineLosses(), which validates the terms.
   * @internal */
  constructor(terms: ResolvedTerm[]) {
    this.#terms = terms;
  }

  /** Weighted sum of the terms' values (each reduced by its own reduction; 'none' is refused). */
  value(yTrue: TensorInput, yPred: TensorInput, sampleWeight?: SampleWeightInput): number {
    return this.#run(yTrue, yPred, sampleWeight, null, false).value;
  }

  /** d(value)/d(yPred): the terms' gradients times their weights, in `options.out` if given. */
  grad(yTrue: TensorInput, yPred: TensorInput, sampleWeight?: SampleWeightInput, options: CallOptions = {}): Tensor {
    return this.#run(yTrue, yPred, sampleWeight, options.out ?? null, true).grad!;
  }

  /** Value and gradient in one pass over the terms; `options.out` receives the gradient. */
  valueAndGrad(
    yTrue: TensorInput,
    yPred: TensorInput,
    sampleWeight?: SampleWeightInput,
    options: CallOptions = {},
  ): {
    /** The weighted sum of the terms' values. */
    value: number;
    /** d(value)/d(yPred), same shape and dtype as yPred. */
    grad: Tensor;
  } {
    const result = this.#run(yTrue, yPred, sampleWeight, options.out ?? null, true);
    return { value: result.value, grad: result.grad! };
  }

  /** `value` as a promise. The terms run on the calling thread, one after the other. */
  async valueAsync(yTrue: TensorInput, yPred: TensorInput, sampleWeight?: SampleWeightInput): Promise<number> {
    return this.value(yTrue, yPred, sampleWeight);
  }

  /** `valueAndGrad` as a promise. The terms run on the calling thread. */
  async valueAndGradAsync(yTrue: TensorInput, yPred: TensorInput, sampleWeight?: SampleWeightInput, options: CallOptions = {}) {
    return this.valueAndGrad(yTrue, yPred, sampleWeight, options);
  }

  /** { name: 'weighted_sum', terms: [{ weight, columns?, loss: config }] }, JSON for getLoss(). */
  getConfig(): {
    /** Always 'weighted_sum'. */
    name: string;
    /** The terms in order. */
    terms: Array<{
      /** The term's factor. */
      weight: number;
      /** [start, end) columns of the last axis, when the term has them. */
      columns?: [number, number];
      /** The term's loss config. */
      loss: LossConfig;
    }>;
  } {
    return {
      name: COMPOSITE_NAME,
      terms: this.#terms.map(({ loss, weight, columns }) => ({ weight, ...(columns ? { columns } : {}), loss: loss.getConfig() })),
    };
  }

  /** Same as getConfig(), so that JSON.stringify(loss) gives the config. */
  toJSON() {
    return this.getConfig();
  }

  /** A scratch buffer kept between calls (one per term, role, dtype and size). */
  #buffer(key: string, dtype: Tensor['dtype'], length: number): FloatArray {
    const id = `${key}:${dtype}:${length}`;
    let buffer = this.#scratch.get(id);
    if (!buffer) {
      buffer = allocate(dtype, length);
      this.#scratch.set(id, buffer);
    }
    return buffer;
  }

  #run(yTrueInput: TensorInput, yPredInput: TensorInput, sampleWeight: SampleWeightInput, out: FloatArray | null, wantGrad: boolean) {
    const yPred = readFloatTensor(yPredInput, { argument: 'yPred', loss: COMPOSITE_NAME });
    checkPrediction(yPred, COMPOSITE_NAME);
    const yTrue = pairWithPrediction(readTensor(yTrueInput, { argument: 'yTrue', loss: COMPOSITE_NAME }), yPred, 'yTrue', COMPOSITE_NAME);
    const width = yPred.shape.at(-1) as number;
    const grad = wantGrad ? (out ? checkOut(out, yPred, [yTrue.data, yPred.data], COMPOSITE_NAME) : allocate(yPred.dtype, yPred.data.length)) : null;
    if (grad) grad.fill(0);
    let value = 0;
    this.#terms.forEach(({ loss, weight, columns }, k) => {
      if (columns && columns[1] > width) {
        throw compositeError(`Term ${k} of '${COMPOSITE_NAME}' reads columns [${columns[0]}, ${columns[1]}) but yPred's last axis has ${width}`, 'columns', columns);
      }
      let termTrue: Tensor = yTrue;
      let termPred: Tensor = yPred;
      if (columns) {
        const span = columns[1] - columns[0];
        const shape = [...yPred.shape.slice(0, -1), span];
        const length = (yPred.data.length / width) * span;
        const sliceOf = (t: Tensor, key: string) => {
          const data = this.#buffer(`${k}:${key}`, t.dtype, length);
          sliceColumns(t.data, width, columns, data);
          return { data, shape, dtype: t.dtype } as Tensor;
        };
        termTrue = sliceOf(yTrue, 'true');
        termPred = sliceOf(yPred, 'pred');
      }
      if (!wantGrad) {
        value += weight * (loss.value(termTrue, termPred, sampleWeight) as number);
        return;
      }
      const scratch = this.#buffer(`${k}:grad`, termPred.dtype, termPred.data.length);
      const result = loss.valueAndGrad(termTrue, termPred, sampleWeight, { out: scratch });
      value += weight * (result.value as number);
      if (columns) {
        const span = columns[1] - columns[0];
        for (let row = 0, r = 0; r < grad!.length; row += span, r += width) {
          for (let j = 0; j < span; j++) grad![r + columns[0] + j] = (grad![r + columns[0] + j] as number) + weight * (scratch[row + j] as number);
        }
      } else {
        for (let i = 0; i < grad!.length; i++) grad![i] = (grad![i] as number) + weight * (scratch[i] as number);
      }
    });
    return { value, grad: grad ? ({ data: grad, shape: yPred.shape, dtype: yPred.dtype } as Tensor) : undefined };
  }
}

/** Validates terms and resolves their losses with `resolve` (getLoss). */
export function compositeTerms(terms: unknown, resolve: (loss: Loss | string | LossConfig | LossOptions) => Loss): ResolvedTerm[] {
  if (!Array.isArray(terms) || terms.length === 0) {
    throw compositeError(`'${COMPOSITE_NAME}' needs a non-empty array of terms { loss, weight?, columns? } (got ${describeType(terms)})`, 'terms', terms);
  }
  return terms.map((term: CompositeTerm, k) => {
    const weight = term.weight ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight)) throw compositeError(`Term ${k} of '${COMPOSITE_NAME}' needs a finite weight (got ${String(weight)})`, 'weight', weight);
    const columns = term.columns ?? null;
    if (columns && !(Array.isArray(columns) && columns.length === 2 && Number.isSafeInteger(columns[0]) && Number.isSafeInteger(columns[1]) && columns[0] >= 0 && columns[1] > columns[0])) {
      throw compositeError(`Term ${k} of '${COMPOSITE_NAME}' needs columns [start, end) with 0 <= start < end (got ${JSON.stringify(columns)})`, 'columns', columns);
    }
    const loss = resolve(term.loss);
    if (loss.reduction === 'none') throw compositeError(`Term ${k} of '${COMPOSITE_NAME}' must reduce to a number (reduction 'none' given)`, 'reduction', 'none');
    return { loss, weight, columns: columns as [number, number] | null };
  });
}
