// Native kernels against the JS fallback on random inputs of many sizes and shapes (tails of the
// 8-wide AVX2 loops, single long rows, many short rows), float32 and float64; and the async
// twins against the sync calls, bit for bit.
import { describe, expect, it } from 'vitest';
import { getLoss, setBackend, type BackendName, type Tensor } from '../lib/index';
import { BACKENDS } from './helpers/backends';
import { expectAllClose, expectClose } from './helpers/assert-close';
import { rng, uniform } from './helpers/random';

const NATIVE = BACKENDS.filter((b) => b !== 'js');

interface LossCase {
  name: string;
  options?: Record<string, unknown>;
  /** Ranges of yTrue and yPred (and the variance) that exercise the loss's branches. */
  yTrue: [number, number];
  yPred: [number, number];
  variance?: [number, number];
  /** yTrue holds 0/1 labels, or integer class labels (sparse). */
  labels?: 'binary' | 'classes';
}

const LOSSES: LossCase[] = [
  { name: 'mean_squared_error', yTrue: [-3, 3], yPred: [-3, 3] },
  { name: 'mean_absolute_error', yTrue: [-3, 3], yPred: [-3, 3] },
  { name: 'huber', options: { delta: 0.7 }, yTrue: [-3, 3], yPred: [-3, 3] },
  { name: 'smooth_l1', options: { beta: 0.5 }, yTrue: [-3, 3], yPred: [-3, 3] },
  { name: 'smooth_l1', options: { beta: 0 }, yTrue: [-3, 3], yPred: [-3, 3] },
  { name: 'log_cosh', yTrue: [-0.3, 0.3], yPred: [-0.3, 0.3] },
  { name: 'log_cosh', yTrue: [-30, 30], yPred: [-30, 30] },
  { name: 'mean_squared_logarithmic_error', yTrue: [-0.5, 5], yPred: [-0.5, 5] },
  { name: 'mean_absolute_percentage_error', yTrue: [0.1, 5], yPred: [-5, 5] },
  { name: 'quantile', options: { quantile: 0.3 }, yTrue: [-3, 3], yPred: [-3, 3] },
  { name: 'poisson', yTrue: [0, 5], yPred: [0, 5] },
  { name: 'gaussian_nll', options: { full: true }, yTrue: [-3, 3], yPred: [-3, 3], variance: [0, 3] },
  { name: 'cosine_similarity', yTrue: [-1, 1], yPred: [-1, 1] },
  { name: 'cosine_similarity', options: { axis: 0 }, yTrue: [-1, 1], yPred: [-1, 1] },
  { name: 'binary_crossentropy', options: { fromLogits: true }, yTrue: [0, 1], yPred: [-30, 30] },
  { name: 'binary_crossentropy', options: { labelSmoothing: 0.1 }, yTrue: [0, 1], yPred: [-0.1, 1.1] },
  { name: 'binary_crossentropy', options: { fromLogits: true, posWeight: 2.5 }, yTrue: [0, 1], yPred: [-8, 8] },
  { name: 'binary_focal_crossentropy', options: { fromLogits: true, applyClassBalancing: true }, yTrue: [0, 1], yPred: [-8, 8], labels: 'binary' },
  { name: 'binary_focal_crossentropy', options: { gamma: 1.5, labelSmoothing: 0.1 }, yTrue: [0, 1], yPred: [0, 1], labels: 'binary' },
  { name: 'hinge', yTrue: [0, 1], yPred: [-2, 2], labels: 'binary' },
  { name: 'squared_hinge', yTrue: [-1, 1], yPred: [-2, 2] },
  { name: 'categorical_crossentropy', options: { fromLogits: true, labelSmoothing: 0.1 }, yTrue: [0, 1], yPred: [-20, 20] },
  { name: 'categorical_crossentropy', yTrue: [0, 1], yPred: [0, 1] },
  { name: 'categorical_focal_crossentropy', options: { fromLogits: true }, yTrue: [0, 1], yPred: [-5, 5] },
  { name: 'categorical_focal_crossentropy', options: { gamma: 0.5 }, yTrue: [0, 1], yPred: [0, 1] },
  { name: 'categorical_hinge', yTrue: [0, 1], yPred: [-2, 2], labels: 'binary' },
  { name: 'kl_divergence', yTrue: [0, 1], yPred: [-0.1, 1.1] },
  { name: 'js_divergence', yTrue: [0, 1], yPred: [-0.1, 1.1] },
  { name: 'sparse_categorical_crossentropy', options: { fromLogits: true, ignoreClass: 0 }, yTrue: [0, 1], yPred: [-20, 20], labels: 'classes' },
  { name: 'sparse_categorical_crossentropy', yTrue: [0, 1], yPred: [0, 1], labels: 'classes' },
  { name: 'dice', yTrue: [0, 1], yPred: [0, 1], labels: 'binary' },
  { name: 'iou', options: { smooth: 0.5 }, yTrue: [0, 1], yPred: [0, 1] },
  { name: 'tversky', options: { alpha: 0.3, beta: 0.7 }, yTrue: [0, 1], yPred: [0, 1], labels: 'binary' },
];

const SHAPES: number[][] = [[1], [7], [8], [9], [63], [100003], [3, 7], [64, 9], [1000, 1], [5, 4, 33], [37, 300]];

// float32 kernels compute each element in float32 (as PyTorch and TF.js do) while the JS
// fallback computes in double, so they agree to float32 rounding; float64 agrees to a few ulp
// per element, summed in a different order.
const TOLERANCE = { float32: { rtol: 2e-5, atol: 1e-6 }, float64: { rtol: 1e-12, atol: 1e-13 } };

function inputsFor(c: LossCase, shape: number[], dtype: 'float32' | 'float64', seed: number) {
  const random = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
  const make = ([lo, hi]: [number, number]) => ({ data: Ctor.from(uniform(random, n, lo, hi)), shape });
  const canonical = getLoss(c.name, c.options).name;
  const perSample =
    canonical === 'cosine_similarity' && c.options?.axis === 0
      ? shape.slice(1)
      : ['dice', 'iou', 'tversky'].includes(canonical)
        ? shape.slice(0, 1)
        : shape.slice(0, -1);
  const classes = shape.at(-1) as number;
  const yTrue =
    c.labels === 'classes'
      ? { data: Int32Array.from({ length: n / classes }, () => Math.floor(random() * classes)), shape: perSample }
      : c.labels === 'binary'
        ? { data: Ctor.from({ length: n }, () => (random() < 0.5 ? 0 : 1)), shape }
        : make(c.yTrue);
  return {
    yTrue,
    yPred: make(c.yPred),
    variance: c.variance ? make(c.variance) : undefined,
    sampleWeight: { data: uniform(random, perSample.reduce((a, b) => a * b, 1), 0, 2), shape: perSample },
  };
}

function compute(backendName: BackendName, c: LossCase, reduction: 'sum' | 'none', inputs: ReturnType<typeof inputsFor>) {
  setBackend(backendName);
  return getLoss(c.name, { ...c.options, reduction }).valueAndGrad(inputs);
}

describe.skipIf(NATIVE.length === 0)('native kernels agree with the JS fallback', () => {
  for (const native of NATIVE) {
    for (const c of LOSSES) {
      for (const dtype of ['float32', 'float64'] as const) {
        it(`${native} ${c.name} ${JSON.stringify(c.options ?? {})} ${dtype}`, () => {
          const { rtol, atol } = TOLERANCE[dtype];
          SHAPES.forEach((shape, k) => {
            if (c.options?.axis === 0 && shape.length < 2) return;
            const inputs = inputsFor(c, shape, dtype, 1000 + k);
            const label = `${c.name} ${dtype} shape [${shape}]`;
            const want = compute('js', c, 'none', inputs);
            const got = compute(native, c, 'none', inputs);
            expectAllClose((got.value as Tensor).data, (want.value as Tensor).data, rtol, atol, `${label} per-sample`);
            const gradScale = Math.max(...Array.from(want.grad.data, Math.abs));
            expectAllClose(got.grad.data, want.grad.data, rtol, atol * Math.max(1, gradScale), `${label} grad`);
            const total = compute(native, c, 'sum', inputs).value as number;
            expectClose(total, compute('js', c, 'sum', inputs).value as number, rtol, atol, `${label} sum`);
          });
        });
      }
    }
  }
});

describe.each(NATIVE)('async twins on %s', (native) => {
  it('give bitwise the same value and gradient as sync calls on large inputs', async () => {
    setBackend(native);
    for (const c of LOSSES) {
      const inputs = inputsFor(c, [300, 1001], 'float32', 7);
      const loss = getLoss(c.name, c.options);
      const sync = loss.valueAndGrad(inputs);
      const [asyncResult, asyncValue] = await Promise.all([loss.valueAndGradAsync(inputs), loss.valueAsync(inputs)]);
      expect(asyncResult.value, c.name).toBe(sync.value);
      expect(asyncValue, c.name).toBe(sync.value);
      expect(Buffer.from(asyncResult.grad.data.buffer).equals(Buffer.from(sync.grad.data.buffer)), c.name).toBe(true);
    }
    // Every loss three times over 300k elements: 2-4 s alone, past vitest's 5 s default on a
    // loaded 2-core machine.
  }, 30_000);

  it('use views over a SharedArrayBuffer in place and give the sync bits', async () => {
    setBackend(native);
    type Field = { data: ArrayLike<number> & { buffer: ArrayBufferLike; byteLength: number }; shape: number[] } | undefined;
    const shared = (field: Field) => {
      if (!field || !ArrayBuffer.isView(field.data)) return field;
      const Ctor = field.data.constructor as new (buffer: SharedArrayBuffer) => Float32Array;
      const view = new Ctor(new SharedArrayBuffer(field.data.byteLength));
      view.set(field.data as unknown as Float32Array);
      return { data: view, shape: field.shape };
    };
    for (const c of LOSSES) {
      const inputs = inputsFor(c, [64, 1001], 'float32', 11);
      const loss = getLoss(c.name, c.options);
      const sync = loss.valueAndGrad(inputs);
      const out = new Float32Array(new SharedArrayBuffer(inputs.yPred.data.byteLength));
      const onShared = {
        yTrue: shared(inputs.yTrue as Field),
        yPred: shared(inputs.yPred as Field),
        variance: shared(inputs.variance as Field),
        sampleWeight: inputs.sampleWeight,
      };
      const result = await loss.valueAndGradAsync(onShared as typeof inputs, { out });
      expect(result.value, c.name).toBe(sync.value);
      expect(result.grad.data.buffer, c.name).toBe(out.buffer);
      expect(Buffer.from(out.buffer).equals(Buffer.from(sync.grad.data.buffer)), c.name).toBe(true);
    }
  });

  it('many concurrent calls each get their own result', async () => {
    setBackend(native);
    const loss = getLoss('huber');
    const calls = Array.from({ length: 32 }, (_, k) => inputsFor(LOSSES[2]!, [64, 257], 'float64', k));
    const results = await Promise.all(calls.map((inputs) => loss.valueAndGradAsync(inputs)));
    results.forEach((result, k) => expect(result.value).toBe(loss.value(calls[k]!)));
  });
});

// The row-wise and elementwise kernels spread large calls over a thread pool; each row's (or
// chunk's, or row group's) value has its own slot and the slots are summed in the single-thread
// order, so one thread (LOSSKIT_THREADS=1, read when the pool
// starts, hence a child process) and the pool must give the same bits.
describe.each(NATIVE)('thread count on %s', (native) => {
  it('LOSSKIT_THREADS=1 and the pool give bitwise the same values and gradients', async () => {
    const { spawnSync } = await import('node:child_process');
    const path = await import('node:path');
    const probe = `
      const lk = require(${JSON.stringify(path.resolve(__dirname, '../dist/cjs/index.js'))});
      lk.setBackend(${JSON.stringify(native)});
      const rows = 512, C = 1000;
      let seed = 7; const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const logits = Float32Array.from({ length: rows * C }, () => next() * 20 - 10);
      const labels = Int32Array.from({ length: rows }, () => Math.floor(next() * C));
      const onehot = new Float32Array(rows * C); labels.forEach((k, i) => (onehot[i * C + k] = 1));
      const out = [];
      for (const [name, yTrue] of [['sparse_categorical_crossentropy', { data: labels, shape: [rows] }], ['categorical_focal_crossentropy', { data: onehot, shape: [rows, C] }]]) {
        const r = lk.getLoss(name, { fromLogits: true }).valueAndGrad(yTrue, { data: logits, shape: [rows, C] });
        out.push([r.value, require('node:crypto').createHash('sha256').update(Buffer.from(r.grad.data.buffer)).digest('hex')]);
      }
      // Elementwise losses: short rows (split by row group), long rows (by chunk), weighted.
      const size = 3 * 1048576 + 5;
      const yT = Float32Array.from({ length: size }, () => next() * 4 - 2);
      const yP = Float32Array.from({ length: size }, () => next() * 6 - 3);
      const w = Float64Array.from({ length: size }, () => next() * 2);
      for (const [name, options, L] of [['huber', { delta: 0.5 }, 3], ['mean_squared_error', {}, 4097], ['binary_crossentropy', { fromLogits: true }, 100]]) {
        const rows = Math.floor(size / L), n = rows * L, shape = [rows, L];
        const yTrue = { data: name === 'binary_crossentropy' ? yT.map((v) => (v > 0 ? 1 : 0)).subarray(0, n) : yT.subarray(0, n), shape };
        const args = [yTrue, { data: yP.subarray(0, n), shape }, { data: w.subarray(0, rows), shape: [rows] }];
        const r = lk.getLoss(name, options).valueAndGrad(...args);
        const perSample = lk.getLoss(name, { ...options, reduction: 'none' }).value(...args);
        const hash = (a) => require('node:crypto').createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
        out.push([name, r.value, hash(r.grad.data), hash(perSample.data)]);
      }
      console.log(JSON.stringify(out));`;
    const run = (threads: string | undefined) => {
      const env = { ...process.env, LOSSKIT_BACKEND: undefined, LOSSKIT_THREADS: threads };
      const result = spawnSync(process.execPath, ['-e', probe], { env, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout);
    };
    expect(run('1')).toEqual(run(undefined));
    expect(run('3')).toEqual(run('1'));
  }, 60_000);
});

// The structured losses' native kernels against their JS kernels on larger random problems.
describe.each(NATIVE)('structured losses: %s against js', (native) => {
  const logSoftmax = (values: Float64Array, C: number) => {
    for (let r = 0; r < values.length / C; r++) {
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, values[r * C + c] as number);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp((values[r * C + c] as number) - max);
      for (let c = 0; c < C; c++) values[r * C + c] = (values[r * C + c] as number) - max - Math.log(sum);
    }
    return values;
  };
  const problems: Array<[string, Record<string, unknown>, (dtype: 'float32' | 'float64', random: () => number) => Record<string, unknown>]> = [
    ['ctc', { reduction: 'mean' }, (dtype, random) => {
      const [T, B, C, S] = [30, 6, 12, 8];
      const F = dtype === 'float32' ? Float32Array : Float64Array;
      return {
        logProbs: { data: F.from(logSoftmax(uniform(random, T * B * C, -3, 3), C)), shape: [T, B, C] },
        targets: { data: Int32Array.from({ length: B * S }, () => 1 + Math.floor(random() * (C - 1))), shape: [B, S] },
        inputLengths: Int32Array.from({ length: B }, (_, b) => T - b),
        targetLengths: Int32Array.from({ length: B }, (_, b) => S - (b % 4)),
      };
    }],
    ...[{ p: 2 }, { p: 1, swap: true }].map((options): [string, Record<string, unknown>, (dtype: 'float32' | 'float64', random: () => number) => Record<string, unknown>] => [
      'triplet_margin',
      options,
      (dtype, random) => {
        const F = dtype === 'float32' ? Float32Array : Float64Array;
        const make = () => ({ data: F.from(uniform(random, 300 * 33, -1, 1)), shape: [300, 33] });
        return { anchor: make(), positive: make(), negative: make() };
      },
    ]),
    ...['contrastive', 'cosine_embedding'].map((name): [string, Record<string, unknown>, (dtype: 'float32' | 'float64', random: () => number) => Record<string, unknown>] => [
      name,
      { margin: 0.5 },
      (dtype, random) => {
        const F = dtype === 'float32' ? Float32Array : Float64Array;
        const make = () => ({ data: F.from(uniform(random, 300 * 33, -1, 1)), shape: [300, 33] });
        const labels = F.from({ length: 300 }, () => (random() < 0.5 ? 1 : name === 'contrastive' ? 0 : -1));
        return { x1: make(), x2: make(), labels };
      },
    ]),
    ['margin_ranking', { margin: 0.1 }, (dtype, random) => {
      const F = dtype === 'float32' ? Float32Array : Float64Array;
      return { x1: F.from(uniform(random, 1000, -1, 1)), x2: F.from(uniform(random, 1000, -1, 1)), labels: F.from({ length: 1000 }, () => (random() < 0.5 ? 1 : -1)) };
    }],
  ];
  for (const [name, options, make] of problems) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name} ${JSON.stringify(options)} ${dtype}`, () => {
        const inputs = make(dtype, rng(name.length * 13 + dtype.length));
        const { rtol, atol } = TOLERANCE[dtype];
        setBackend('js');
        const want = getLoss(name, { ...options, reduction: 'sum' }).valueAndGrad(inputs);
        setBackend(native);
        const got = getLoss(name, { ...options, reduction: 'sum' }).valueAndGrad(inputs);
        expectClose(got.value as number, want.value as number, rtol, atol, `${name} value`);
        for (const input of Object.keys(want.grads!)) {
          const scale = Math.max(1, ...Array.from(want.grads![input]!.data, Math.abs));
          expectAllClose(got.grads![input]!.data, want.grads![input]!.data, rtol, atol * scale, `${name} grad ${input}`);
        }
      });
    }
  }
});
