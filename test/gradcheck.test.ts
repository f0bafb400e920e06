// Analytic gradients against central finite differences of the value, in float64, for every
// regression loss, every reduction, with and without sample weights, on every backend. Inputs
// keep away from each loss's kinks (|d| = delta, d = 0, the eps clips), where a one-sided
// derivative is not the gradient.
import { describe, expect, it } from 'vitest';
import { getLoss, REDUCTIONS, type Tensor } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { rng, uniform } from './helpers/random';

interface Inputs {
  yTrue: Float64Array | Int32Array;
  yPred: Float64Array;
  variance?: Float64Array;
}

const SHAPE = [4, 5];
const N = 20;

/** Pushes d = yPred - yTrue at least `gap` away from each kink in `kinks`. */
function avoidKinks(yTrue: Float64Array, yPred: Float64Array, kinks: number[], gap = 0.05): void {
  for (let i = 0; i < N; i++) {
    for (const k of kinks) {
      for (const kink of [k, -k]) {
        const d = (yPred[i] as number) - (yTrue[i] as number);
        if (Math.abs(d - kink) < gap) yPred[i] = (yTrue[i] as number) + kink + (d >= kink ? gap : -gap);
      }
    }
  }
}

/** Rows of 5 probabilities summing to 1 (targets), or unnormalised positive scores. */
function distributions(r: () => number, normalise: boolean): Float64Array {
  const values = uniform(r, N, 0.05, 1);
  if (normalise) {
    for (let row = 0; row < N; row += 5) {
      const sum = values.slice(row, row + 5).reduce((a, b) => a + b, 0);
      for (let j = row; j < row + 5; j++) values[j] = (values[j] as number) / sum;
    }
  }
  return values;
}

const binaryLabels = (r: () => number) => uniform(r, N, 0, 1).map((v) => (v < 0.5 ? 0 : 1));
const labels = (r: () => number) => Int32Array.from({ length: 4 }, () => Math.floor(r() * 5));

const CASES: Array<{ loss: string; options?: Record<string, unknown>; make: (r: () => number) => Inputs }> = [
  { loss: 'mean_squared_error', make: (r) => ({ yTrue: uniform(r, N, -2, 2), yPred: uniform(r, N, -2, 2) }) },
  ...[{}, { delta: 0.5 }, { delta: 2 }].map((options) => ({
    loss: 'huber',
    options,
    make: (r: () => number) => {
      const yTrue = uniform(r, N, -3, 3);
      const yPred = uniform(r, N, -3, 3);
      avoidKinks(yTrue, yPred, [(options as { delta?: number }).delta ?? 1]);
      return { yTrue, yPred };
    },
  })),
  ...[{ beta: 0 }, { beta: 0.5 }, { beta: 1 }].map((options) => ({
    loss: 'smooth_l1',
    options,
    make: (r: () => number) => {
      const yTrue = uniform(r, N, -3, 3);
      const yPred = uniform(r, N, -3, 3);
      avoidKinks(yTrue, yPred, [options.beta, 0]);
      return { yTrue, yPred };
    },
  })),
  {
    loss: 'mean_absolute_error',
    make: (r) => {
      const yTrue = uniform(r, N, -2, 2);
      const yPred = uniform(r, N, -2, 2);
      avoidKinks(yTrue, yPred, [0]);
      return { yTrue, yPred };
    },
  },
  // log_cosh over a range that includes the series branch (|d| < 0.02) and large |d|.
  { loss: 'log_cosh', make: (r) => ({ yTrue: uniform(r, N, -4, 4), yPred: uniform(r, N, -4, 4).map((x, i) => (i % 4 === 0 ? 0.01 * x : x)) }) },
  { loss: 'mean_squared_logarithmic_error', make: (r) => ({ yTrue: uniform(r, N, 0, 3), yPred: uniform(r, N, 0.01, 3) }) },
  {
    loss: 'mean_absolute_percentage_error',
    make: (r) => {
      const yTrue = uniform(r, N, 0.5, 3).map((y, i) => (i % 2 ? -y : y));
      const yPred = uniform(r, N, -3, 3);
      avoidKinks(yTrue, yPred, [0]);
      return { yTrue, yPred };
    },
  },
  ...[0.1, 0.5, 0.9].map((quantile) => ({
    loss: 'quantile',
    options: { quantile },
    make: (r: () => number) => {
      const yTrue = uniform(r, N, -2, 2);
      const yPred = uniform(r, N, -2, 2);
      avoidKinks(yTrue, yPred, [0]);
      return { yTrue, yPred };
    },
  })),
  { loss: 'poisson', make: (r) => ({ yTrue: uniform(r, N, 0, 4), yPred: uniform(r, N, 0.1, 4) }) },
  ...[false, true].map((full) => ({
    loss: 'gaussian_nll',
    options: { full },
    make: (r: () => number) => ({ yTrue: uniform(r, N, -2, 2), yPred: uniform(r, N, -2, 2), variance: uniform(r, N, 0.1, 2) }),
  })),
  ...[
    { fromLogits: true },
    { fromLogits: true, labelSmoothing: 0.1 },
    { fromLogits: false },
    { fromLogits: false, labelSmoothing: 0.1 },
    { fromLogits: true, posWeight: [0.5, 1, 2, 3, 1.5] },
    { fromLogits: true, axis: 0 },
  ].map((options) => ({
    loss: 'binary_crossentropy',
    options,
    make: (r: () => number) => ({
      yTrue: uniform(r, N, 0, 1),
      yPred: options.fromLogits ? uniform(r, N, -6, 6) : uniform(r, N, 0.02, 0.98),
    }),
  })),
  ...[
    { gamma: 2, fromLogits: true },
    { gamma: 0, fromLogits: true },
    { gamma: 1.5, fromLogits: false, applyClassBalancing: true, alpha: 0.3 },
    { gamma: 2, fromLogits: false, labelSmoothing: 0.1 },
  ].map((options) => ({
    loss: 'binary_focal_crossentropy',
    options,
    make: (r: () => number) => ({
      yTrue: binaryLabels(r),
      yPred: options.fromLogits ? uniform(r, N, -4, 4) : uniform(r, N, 0.02, 0.98),
    }),
  })),
  ...['hinge', 'squared_hinge'].map((loss) => ({
    loss,
    make: (r: () => number) => {
      const yTrue = binaryLabels(r);
      const yPred = uniform(r, N, -2, 2);
      // Keep y*x away from the hinge at 1 (with 0/1 labels mapped to -1/1).
      for (let i = 0; i < N; i++) if (Math.abs(Math.abs(yPred[i] as number) - 1) < 0.05) yPred[i] = 1.2 * (yPred[i] as number);
      return { yTrue, yPred };
    },
  })),
  ...[
    { fromLogits: true },
    { fromLogits: true, labelSmoothing: 0.2, classWeight: [1, 2, 0.5, 1, 3] },
    { fromLogits: false },
    { fromLogits: false, labelSmoothing: 0.1, classWeight: [1, 2, 0.5, 1, 3] },
    { fromLogits: true, axis: 0 },
  ].map((options) => ({
    loss: 'categorical_crossentropy',
    options,
    make: (r: () => number) => ({
      yTrue: distributions(r, true),
      yPred: options.fromLogits ? uniform(r, N, -5, 5) : distributions(r, false),
    }),
  })),
  ...[
    { fromLogits: true, gamma: 2 },
    { fromLogits: true, gamma: 0, alpha: 1 },
    { fromLogits: false, gamma: 1.5, labelSmoothing: 0.1 },
  ].map((options) => ({
    loss: 'categorical_focal_crossentropy',
    options,
    make: (r: () => number) => ({
      yTrue: distributions(r, true),
      yPred: options.fromLogits ? uniform(r, N, -3, 3) : distributions(r, false),
    }),
  })),
  {
    loss: 'categorical_hinge',
    make: (r) => ({ yTrue: Float64Array.from({ length: N }, (_, i) => (i % 5 === Math.floor(i / 5) % 5 ? 1 : 0)), yPred: uniform(r, N, -1, 1) }),
  },
  { loss: 'kl_divergence', make: (r) => ({ yTrue: distributions(r, true).map((v, i) => (i % 7 === 0 ? 0 : v)), yPred: uniform(r, N, 0.01, 0.9) }) },
  { loss: 'js_divergence', make: (r) => ({ yTrue: distributions(r, true).map((v, i) => (i % 7 === 0 ? 0 : v)), yPred: uniform(r, N, 0.01, 0.9) }) },
  ...[
    { fromLogits: true },
    { fromLogits: true, classWeight: [1, 2, 0.5, 1, 3] },
    { fromLogits: true, ignoreClass: 3 },
    { fromLogits: false },
  ].map((options) => ({
    loss: 'sparse_categorical_crossentropy',
    options,
    make: (r: () => number) => ({ yTrue: labels(r), yPred: options.fromLogits ? uniform(r, N, -4, 4) : uniform(r, N, 0.02, 0.98) }),
  })),
  ...[
    { loss: 'dice', options: {} },
    { loss: 'iou', options: { smooth: 0.1 } },
    { loss: 'tversky', options: { alpha: 0.3, beta: 0.7 } },
  ].map(({ loss, options }) => ({ loss, options, make: (r: () => number) => ({ yTrue: binaryLabels(r), yPred: uniform(r, N, 0, 1) }) })),
  ...[-1, 0, 1].map((axis) => ({
    loss: 'cosine_similarity',
    options: { axis },
    make: (r: () => number) => ({ yTrue: uniform(r, N, -2, 2), yPred: uniform(r, N, -2, 2) }),
  })),
];

function scalarOf(value: number | Tensor): number {
  return typeof value === 'number' ? value : (value.data as Float64Array).reduce((a, b) => a + b, 0);
}

describe.each(BACKENDS)('finite-difference gradients on %s', (backendName) => {
  useBackend(backendName);
  for (const { loss: name, options, make } of CASES) {
    for (const reduction of REDUCTIONS) {
      for (const weighted of [false, true]) {
        it(`${name} ${JSON.stringify(options ?? {})} ${reduction}${weighted ? ' weighted' : ''}`, () => {
          const random = rng(name.length * 7919 + reduction.length * 31 + (weighted ? 1 : 0));
          const inputs = make(random);
          const loss = getLoss(name, { ...options, reduction });
          const axis = (options?.axis as number | undefined) ?? -1;
          const perSampleShape = ['dice', 'iou', 'tversky'].includes(name) ? SHAPE.slice(0, 1) : SHAPE.filter((_, i) => i !== (axis < 0 ? axis + SHAPE.length : axis));
          const yTrueShape = inputs.yTrue instanceof Int32Array ? perSampleShape : SHAPE;
          const sampleWeight = weighted ? { data: uniform(random, perSampleShape.reduce((a, b) => a * b), 0, 2), shape: perSampleShape } : undefined;
          const call = (yPred: Float64Array) =>
            loss.valueAndGrad({
              yTrue: { data: inputs.yTrue, shape: yTrueShape },
              yPred: { data: yPred, shape: SHAPE },
              variance: inputs.variance && { data: inputs.variance, shape: SHAPE },
              sampleWeight,
            });
          const { grad } = call(inputs.yPred);
          for (let i = 0; i < N; i++) {
            const h = 1e-6 * Math.max(1, Math.abs(inputs.yPred[i] as number));
            const plus = inputs.yPred.slice();
            const minus = inputs.yPred.slice();
            plus[i] = (plus[i] as number) + h;
            minus[i] = (minus[i] as number) - h;
            const numeric = (scalarOf(call(plus).value) - scalarOf(call(minus).value)) / (2 * h);
            const analytic = grad.data[i] as number;
            expect(Math.abs(analytic - numeric), `element ${i}: analytic ${analytic}, numeric ${numeric}`).toBeLessThanOrEqual(
              1e-6 + 1e-5 * Math.abs(numeric),
            );
          }
        });
      }
    }
  }
});
