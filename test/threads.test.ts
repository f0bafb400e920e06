// setThreads: the run-time cap on the threads a large native call uses. Every pooled kernel
// sums in an order fixed by the shapes, so one thread and the whole pool give the same bits.
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { capabilities, getLoss, LosskitError, setBackend, setThreads, threads } from '../lib/index';
import { BACKENDS, NATIVE_LOADED } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const NATIVE = BACKENDS.filter((b) => b !== 'js');

const digest = (data: ArrayBufferView) =>
  createHash('sha256').update(Buffer.from(data.buffer, data.byteOffset, data.byteLength)).digest('hex');

/** Large enough (>= 2^18 elements) that each call goes to the pool when it has threads. */
function pooledCalls(): Array<[string, () => { value: number; grad: string }]> {
  const random = rng(11);
  const rows = 512;
  const C = 1000;
  const logits = { data: Float32Array.from(uniform(random, rows * C, -10, 10)), shape: [rows, C] };
  const labels = { data: Int32Array.from({ length: rows }, () => Math.floor(random() * C)), shape: [rows] };
  const onehot = new Float32Array(rows * C);
  labels.data.forEach((k, i) => (onehot[i * C + k] = 1));
  const [T, B, K, S] = [200, 16, 40, 30];
  const logProbs = Float32Array.from(uniform(random, T * B * K, -6, -0.5));
  const ctcInputs = {
    logProbs: { data: logProbs, shape: [T, B, K] },
    targets: { data: Int32Array.from({ length: B * S }, () => 1 + Math.floor(random() * (K - 1))), shape: [B, S] },
    inputLengths: new Int32Array(B).fill(T),
    targetLengths: new Int32Array(B).fill(S),
  };
  const run = (result: { value: unknown; grad: { data: ArrayBufferView } }) => ({
    value: result.value as number,
    grad: digest(result.grad.data),
  });
  return [
    ['sparse_categorical_crossentropy', () => run(getLoss('sparse_categorical_crossentropy', { fromLogits: true }).valueAndGrad(labels, logits))],
    ['categorical_focal_crossentropy', () => run(getLoss('categorical_focal_crossentropy', { fromLogits: true }).valueAndGrad({ data: onehot, shape: [rows, C] }, logits))],
    ['ctc', () => run(getLoss('ctc').valueAndGrad(ctcInputs))],
  ];
}

describe.each(NATIVE)('setThreads on %s', (native) => {
  afterAll(() => setThreads(0));

  it('caps the threads a call uses and reports them', () => {
    setBackend(native);
    const pool = capabilities().native!.poolThreads;
    expect(pool).toBeGreaterThanOrEqual(1);
    expect(setThreads(1)).toBe(1);
    expect(threads()).toBe(1);
    expect(capabilities().native!.threads).toBe(1);
    expect(setThreads(0)).toBe(pool);
    expect(setThreads(1000)).toBe(pool);
    expect(threads()).toBe(pool);
  });

  it('one thread and the whole pool give bitwise the same values and gradients', () => {
    setBackend(native);
    for (const [name, call] of pooledCalls()) {
      setThreads(1);
      const single = call();
      setThreads(0);
      const pooled = call();
      expect(Number.isFinite(single.value), name).toBe(true);
      expect(pooled, name).toEqual(single);
    }
  });
});

// The elementwise losses split a large call by row group or by chunk (elementwise_driver.h);
// one thread and the pool must agree bit for bit on the value, the per-sample losses and the
// gradient, for sizes on either side of the split points and every row-length regime: short
// rows (flat path), long rows by group, long rows by chunk, one row.
const ELEMENTWISE: Array<[name: string, options: Record<string, unknown>, variance: boolean]> = [
  ['mean_squared_error', {}, false],
  ['huber', { delta: 0.7 }, false],
  ['binary_crossentropy', { fromLogits: true, labelSmoothing: 0.1 }, false],
  ['gaussian_nll', { full: true }, true],
  ['hinge', {}, false],
  ['cosine_similarity', {}, false],
];
const ELEMENTWISE_SIZES = [(1 << 18) - 1, 1 << 18, (1 << 18) + 4097, 3 * (1 << 20) + 5];
const ROW_LENGTHS = [1, 3, 15, 16, 100, 4097, 'one row'] as const;

function elementwiseInputs() {
  const random = rng(23);
  const n = Math.max(...ELEMENTWISE_SIZES);
  const yPred = Float32Array.from(uniform(random, n, -3, 3));
  const yTrue = Float32Array.from(uniform(random, n, -2, 2));
  const labels = Float32Array.from(yTrue, (v) => (v > 0 ? 1 : 0));
  const variance = Float32Array.from(uniform(random, n, 0.05, 2));
  const weights = Float64Array.from(uniform(random, n, 0, 2));
  return { yPred, yTrue, labels, variance, weights };
}

describe.each(NATIVE)('elementwise losses under setThreads on %s', (native) => {
  afterAll(() => setThreads(0));
  const inputs = elementwiseInputs();

  it.each(ELEMENTWISE_SIZES)('one thread and the pool agree bitwise on value, perSample and gradient (n about %i)', async (size) => {
    setBackend(native);
    for (const rowLength of ROW_LENGTHS) {
      const L = rowLength === 'one row' ? size : rowLength;
      const rows = Math.floor(size / L);
      const n = rows * L;
      const shape = [rows, L];
      const weights = { data: inputs.weights.subarray(0, rows), shape: [rows] };
      for (const [name, options, hasVariance] of ELEMENTWISE) {
        const yTrue = { data: (['gaussian_nll', 'huber', 'mean_squared_error', 'cosine_similarity'].includes(name) ? inputs.yTrue : inputs.labels).subarray(0, n), shape };
        const yPred = { data: inputs.yPred.subarray(0, n), shape };
        const call = hasVariance ? { yTrue, yPred, variance: { data: inputs.variance.subarray(0, n), shape }, sampleWeight: weights } : { yTrue, yPred, sampleWeight: weights };
        const mean = getLoss(name, options);
        const none = getLoss(name, { ...options, reduction: 'none' });
        const run = () => {
          const { value, grad } = mean.valueAndGrad(call);
          const perSample = none.value(call) as unknown as { data: Float64Array };
          return { value: value as number, grad: digest(grad.data), perSample: digest(perSample.data) };
        };
        const label = `${name}, n = ${n}, rowLength = ${L}`;
        setThreads(1);
        const single = run();
        setThreads(0);
        const pooled = run();
        expect(Number.isFinite(single.value), label).toBe(true);
        expect(pooled, label).toEqual(single);
        const { value, grad } = await mean.valueAndGradAsync(call);
        expect({ value, grad: digest(grad.data) }, `${label} (async)`).toEqual({ value: single.value, grad: single.grad });
      }
    }
  }, 120_000);
});

// Gradients of 8 MiB or more are written with streaming stores (streaming_store.h), smaller
// ones with plain stores. With reduction 'sum' each row's gradient depends on that row alone,
// so the gradient of the whole (streamed) equals the gradients of its two halves (plain).
describe.each(NATIVE)('streamed gradients on %s', (native) => {
  afterAll(() => setThreads(0));

  it.each([
    ['float32', (1 << 21) + 5, 1],
    ['float32', (1 << 21) + 7, 7],
    ['float64', (1 << 20) + 3, 3],
    ['float64', (1 << 20) + 4097, 4097],
  ] as const)('%s, %i elements in rows of %i: the same bits as two plain halves', (dtype, n0, L) => {
    setBackend(native);
    const random = rng(5);
    const F = dtype === 'float32' ? Float32Array : Float64Array;
    const rows = Math.floor(n0 / L);
    const n = rows * L;
    const yTrue = F.from(uniform(random, n, -2, 2));
    const yPred = F.from(uniform(random, n, -3, 3));
    const half = Math.floor(rows / 2) * L;
    for (const [name, options] of [['mean_squared_error', {}], ['huber', { delta: 0.5 }]] as const) {
      const loss = getLoss(name, { ...options, reduction: 'sum' });
      for (const threads of [1, 0]) {
        setThreads(threads);
        const whole = loss.grad({ data: yTrue, shape: [rows, L] }, { data: yPred, shape: [rows, L] }).data;
        const part = (begin: number, end: number) =>
          loss.grad({ data: yTrue.subarray(begin, end), shape: [(end - begin) / L, L] }, { data: yPred.subarray(begin, end), shape: [(end - begin) / L, L] }).data;
        const halves = new F(n);
        halves.set(part(0, half), 0);
        halves.set(part(half, n), half);
        expect(digest(whole), `${name}, threads ${threads}`).toBe(digest(halves));
      }
    }
  });
});

describe('setThreads arguments', () => {
  it.each([-1, 1.5, Number.NaN, 1025, '2'])('rejects %s with a typed error naming the argument', (bad) => {
    let error: unknown;
    try {
      setThreads(bad as number);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LosskitError);
    expect((error as LosskitError).code).toBe('LOSSKIT_INVALID_CONFIG');
    expect((error as Error).message).toMatch(/'threads'.*got/);
  });

  it.skipIf(NATIVE_LOADED)('is 1 without the native addon', () => {
    expect(setThreads(4)).toBe(1);
  });
});
