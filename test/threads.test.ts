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
