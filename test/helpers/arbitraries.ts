// fast-check generators for the property tests (test/property*.test.ts): loss cases drawn from
// the registry with valid options, shapes of rank 1..4 (0-size axes included), dtypes and input
// forms, sample weights and reductions; element values come from a seeded generator (one
// fast-check integer), in each loss's own domain (the ranges the parity tests use) or with
// extremes mixed in.
import fc from 'fast-check';
import { REDUCTIONS, type Reduction } from '../../lib/index';
import { rng } from './random';

export type Dtype = 'float32' | 'float64';
/** How a tensor is passed: { data: typed array, shape }, or nested plain arrays (float64). */
export type Form = 'typed' | 'nested';
export type ValueMode = 'domain' | 'extreme';

/** The losses with yTrue/yPred inputs (every registry kind but 'structured'), with the ranges
 * of their inputs that exercise their branches (test/parity.test.ts) and their options. */
export interface LossDomain {
  yTrue: [number, number];
  yPred: [number, number];
  /** yTrue holds 0/1 labels, -1/1 labels, or integer class labels (sparse). */
  labels?: 'binary' | 'pm1' | 'classes';
  variance?: [number, number];
  /** Smallest rank the loss accepts (perClass needs [B, ..., C]). */
  minRank?: number;
}

const unit: [number, number] = [0, 1];

export const DOMAINS: Record<string, (options: Record<string, unknown>) => LossDomain> = {
  mean_squared_error: () => ({ yTrue: [-3, 3], yPred: [-3, 3] }),
  mean_absolute_error: () => ({ yTrue: [-3, 3], yPred: [-3, 3] }),
  huber: () => ({ yTrue: [-3, 3], yPred: [-3, 3] }),
  smooth_l1: () => ({ yTrue: [-3, 3], yPred: [-3, 3] }),
  log_cosh: () => ({ yTrue: [-30, 30], yPred: [-30, 30] }),
  mean_squared_logarithmic_error: () => ({ yTrue: [-0.5, 5], yPred: [-0.5, 5] }),
  mean_absolute_percentage_error: () => ({ yTrue: [0.1, 5], yPred: [-5, 5] }),
  quantile: () => ({ yTrue: [-3, 3], yPred: [-3, 3] }),
  poisson: () => ({ yTrue: [0, 5], yPred: [0, 5] }),
  gaussian_nll: () => ({ yTrue: [-3, 3], yPred: [-3, 3], variance: [0, 3] }),
  cosine_similarity: () => ({ yTrue: [-1, 1], yPred: [-1, 1] }),
  binary_crossentropy: (o) => (o.fromLogits ? { yTrue: unit, yPred: [-30, 30] } : { yTrue: unit, yPred: [-0.1, 1.1] }),
  binary_focal_crossentropy: (o) => (o.fromLogits ? { yTrue: unit, yPred: [-8, 8], labels: 'binary' } : { yTrue: unit, yPred: unit, labels: 'binary' }),
  hinge: () => ({ yTrue: unit, yPred: [-2, 2], labels: 'binary' }),
  squared_hinge: () => ({ yTrue: [-1, 1], yPred: [-2, 2] }),
  categorical_crossentropy: (o) => (o.fromLogits ? { yTrue: unit, yPred: [-20, 20] } : { yTrue: unit, yPred: unit }),
  sparse_categorical_crossentropy: (o) => ({ yTrue: unit, yPred: o.fromLogits ? [-20, 20] : unit, labels: 'classes' }),
  categorical_focal_crossentropy: (o) => (o.fromLogits ? { yTrue: unit, yPred: [-5, 5] } : { yTrue: unit, yPred: unit }),
  categorical_hinge: () => ({ yTrue: unit, yPred: [-2, 2], labels: 'binary' }),
  kl_divergence: () => ({ yTrue: unit, yPred: [-0.1, 1.1] }),
  js_divergence: () => ({ yTrue: unit, yPred: [-0.1, 1.1] }),
  dice: (o) => ({ yTrue: unit, yPred: unit, labels: 'binary', minRank: o.perClass ? 2 : 1 }),
  iou: (o) => ({ yTrue: unit, yPred: unit, minRank: o.perClass ? 2 : 1 }),
  tversky: (o) => ({ yTrue: unit, yPred: unit, labels: 'binary', minRank: o.perClass ? 2 : 1 }),
};

export const LOSS_NAMES = Object.keys(DOMAINS);

/** Losses whose mean runs over config.axis (any axis) rather than the last one. */
export const AXIS_LOSSES = new Set(['cosine_similarity', 'binary_crossentropy', 'binary_focal_crossentropy', 'categorical_crossentropy', 'categorical_focal_crossentropy']);
/** Losses that take one row per sample (all non-batch axes). */
export const SAMPLE_ROW_LOSSES = new Set(['dice', 'iou', 'tversky']);

/** Ordinary option values: a grid of 10^4 steps over [min, max] (fc.double would favour
 * subnormals and other extremes, which 'extreme' cases cover in the inputs instead). */
const finite = (min: number, max: number) => fc.integer({ min: 0, max: 10_000 }).map((k) => min + ((max - min) * k) / 10_000);

/** Valid option values of each loss; `classes` is the size of the class (or averaged) axis,
 * `rank` the input's rank. */
export function validOptions(name: string, rank: number, classes: (axis: number) => number): fc.Arbitrary<Record<string, unknown>> {
  const smoothing = fc.oneof(fc.constant(0), finite(0, 1));
  const axis = fc.integer({ min: -rank, max: rank - 1 });
  const weights = (n: number) => fc.array(finite(0, 3), { minLength: n, maxLength: n });
  switch (name) {
    case 'huber':
      return fc.record({ delta: finite(0.01, 5) });
    case 'smooth_l1':
      return fc.record({ beta: fc.oneof(fc.constant(0), finite(0, 5)) });
    case 'quantile':
      return fc.record({ quantile: finite(0.01, 0.99) });
    case 'gaussian_nll':
      return fc.record({ eps: finite(1e-9, 0.1), full: fc.boolean() });
    case 'cosine_similarity':
      return fc.record({ axis });
    case 'binary_crossentropy':
      return fc.record({ fromLogits: fc.boolean(), labelSmoothing: smoothing, axis }).chain((o) =>
        o.fromLogits
          ? fc.oneof(fc.constant(null), finite(0.1, 4), weights(classes(-1))).map((posWeight) => ({ ...o, axis: posWeight !== null ? -1 : o.axis, posWeight }))
          : fc.constant({ ...o, posWeight: null }),
      );
    case 'binary_focal_crossentropy':
      return fc.record({ applyClassBalancing: fc.boolean(), alpha: finite(0, 1), gamma: finite(0, 4), fromLogits: fc.boolean(), labelSmoothing: smoothing, axis });
    case 'categorical_crossentropy':
      return fc.record({ fromLogits: fc.boolean(), labelSmoothing: smoothing, axis }).chain((o) =>
        fc.oneof(fc.constant(null), weights(classes(o.axis))).map((classWeight) => ({ ...o, classWeight })),
      );
    case 'sparse_categorical_crossentropy':
      return fc.record({
        fromLogits: fc.boolean(),
        ignoreClass: fc.oneof(fc.constant(null), fc.constant(-100), fc.integer({ min: 0, max: Math.max(0, classes(-1) - 1) })),
        classWeight: fc.oneof(fc.constant(null), weights(classes(-1))),
      });
    case 'categorical_focal_crossentropy':
      return fc.record({ alpha: finite(0, 2), gamma: finite(0, 4), fromLogits: fc.boolean(), labelSmoothing: smoothing, axis });
    case 'dice':
    case 'iou':
      return fc.record({ smooth: finite(0, 2), perClass: rank >= 2 ? fc.boolean() : fc.constant(false) });
    case 'tversky':
      return fc.record({ alpha: finite(0, 1), beta: finite(0, 1), smooth: finite(0, 2), perClass: rank >= 2 ? fc.boolean() : fc.constant(false) });
    default:
      return fc.constant({});
  }
}

/** Shapes of rank minRank..maxRank, each axis 0..maxDim (0-size axes with probability ~1/8),
 * at most maxElements elements. */
export function shapeArb(minRank = 1, maxRank = 4, maxDim = 6, maxElements = 600): fc.Arbitrary<number[]> {
  const dim = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 7, arbitrary: fc.integer({ min: 1, max: maxDim }) });
  return fc.array(dim, { minLength: minRank, maxLength: maxRank }).filter((s) => s.reduce((a, b) => a * b, 1) <= maxElements);
}

export type SampleWeightKind = 'none' | 'scalar' | 'full' | 'leading';

export interface LossCase {
  name: string;
  shape: number[];
  dtype: Dtype;
  form: Form;
  /** yTrue in the other dtype (converted by lib). */
  yTrueOtherDtype: boolean;
  options: Record<string, unknown>;
  reduction: Reduction;
  sampleWeight: SampleWeightKind;
  values: ValueMode;
  seed: number;
}

export function lossCaseArb(names: readonly string[] = LOSS_NAMES, values: fc.Arbitrary<ValueMode> = fc.constant('domain')): fc.Arbitrary<LossCase> {
  return fc.constantFrom(...names).chain((name) =>
    shapeArb().chain((shape) => {
      const classes = (axis: number) => Math.max(1, shape[axis < 0 ? axis + shape.length : axis] ?? 1);
      return validOptions(name, shape.length, classes)
        .filter((options) => shape.length >= (DOMAINS[name]!(options).minRank ?? 1))
        .chain((options) =>
          fc.record({
            name: fc.constant(name),
            shape: fc.constant(shape),
            dtype: fc.constantFrom<Dtype>('float32', 'float64'),
            form: fc.constantFrom<Form>('typed', 'typed', 'nested'),
            yTrueOtherDtype: fc.boolean(),
            options: fc.constant(options),
            reduction: fc.constantFrom(...REDUCTIONS),
            sampleWeight: fc.constantFrom<SampleWeightKind>('none', 'scalar', 'full', 'leading'),
            values,
            seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          }),
        );
    }),
  );
}

/** Extreme finite values mixed into 'extreme' cases (within float32's range for float32). */
export function extremes(dtype: Dtype): number[] {
  const big = dtype === 'float32' ? 1e15 : 1e150;
  const tiny = dtype === 'float32' ? 1e-40 : 1e-310; // subnormal
  return [0, -0, big, -big, tiny, -tiny, 1e-30, -1e-30, 1e6, -1e6];
}

/** n values in [lo, hi] from `random`, with extremes mixed in (1 in 4) in 'extreme' mode. */
export function valuesIn(random: () => number, n: number, [lo, hi]: [number, number], mode: ValueMode, dtype: Dtype): number[] {
  const special = extremes(dtype);
  return Array.from({ length: n }, () => {
    if (mode === 'extreme' && random() < 0.25) return special[Math.floor(random() * special.length)] as number;
    return lo + (hi - lo) * random();
  });
}

/** `data` as nested arrays of `shape` (a number for shape []). */
export function nest(data: ArrayLike<number>, shape: readonly number[]): unknown {
  if (shape.length === 0) return data[0];
  const [first, ...rest] = shape as [number, ...number[]];
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: first }, (_, i) => nest(Array.prototype.slice.call(data, i * size, (i + 1) * size), rest));
}

export function seeded(seed: number): () => number {
  return rng(seed);
}
