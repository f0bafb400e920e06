// Classification losses at the extremes, on every backend: huge logits, probabilities exactly
// 0 and 1, all-zero target rows, one class, 50000 classes, zero weights, every label ignored.
// Expected values are worked out by hand (or in float64 with log-sum-exp) beside each case.
import { describe, expect, it } from 'vitest';
import { getLoss, type Tensor } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const allFinite = (t: Tensor) => Array.from(t.data).every(Number.isFinite);
const CLIP_LOSS = -Math.log(1e-7); // 16.118: a confidently wrong clipped probability

describe.each(BACKENDS)('classification extremes on %s', (backendName) => {
  useBackend(backendName);

  for (const dtype of ['float32', 'float64'] as const) {
    const F = dtype === 'float32' ? Float32Array : Float64Array;
    const digits = dtype === 'float32' ? 3 : 9;

    it(`${dtype}: logits of +-1e4 stay finite and exact`, () => {
      const bce = getLoss('binary_crossentropy', { fromLogits: true, reduction: 'none' });
      const r = bce.valueAndGrad({ data: new F([0, 1, 0, 1]), shape: [4, 1] }, { data: new F([1e4, 1e4, -1e4, -1e4]), shape: [4, 1] });
      expect(Array.from(r.value.data)).toEqual([1e4, 0, 0, 1e4]);
      expect(Array.from(r.grad.data)).toEqual([1, 0, 0, -1]);
      const cce = getLoss('categorical_crossentropy', { fromLogits: true, reduction: 'none' });
      const c = cce.valueAndGrad({ data: new F([0, 1, 0, 1, 0, 0]), shape: [2, 3] }, { data: new F([1e4, -1e4, 0, 1e4, 0, -1e4]), shape: [2, 3] });
      expect(c.value.data[0]).toBeCloseTo(2e4, 0);
      expect(c.value.data[1]).toBe(0);
      expect(allFinite(c.grad)).toBe(true);
      const sparse = getLoss('sparse_categorical_crossentropy', { fromLogits: true, reduction: 'none' });
      const s = sparse.valueAndGrad({ data: new Int32Array([1, 0]), shape: [2] }, { data: new F([1e4, -1e4, 0, 1e4, 0, -1e4]), shape: [2, 3] });
      expect(s.value.data[0]).toBeCloseTo(2e4, 0);
      expect(s.value.data[1]).toBe(0);
      expect(allFinite(s.grad)).toBe(true);
      const focal = getLoss('binary_focal_crossentropy', { fromLogits: true });
      const f = focal.valueAndGrad({ data: new F([0, 1]), shape: [1, 2] }, { data: new F([-1e4, 1e4]), shape: [1, 2] });
      expect(f.value).toBe(0);
      expect(allFinite(f.grad)).toBe(true);
    });

    it(`${dtype}: probabilities exactly 0 and 1 are clipped to [1e-7, 1 - 1e-7]`, () => {
      const bce = getLoss('binary_crossentropy', { reduction: 'none' });
      const r = bce.valueAndGrad({ data: new F([1, 0, 1, 0]), shape: [4, 1] }, { data: new F([1, 0, 0, 1]), shape: [4, 1] });
      // Right and certain: -log(1 - 1e-7) ~ 1e-7; wrong and certain: -log(1e-7).
      expect(r.value.data[0]).toBeCloseTo(0, 5);
      expect(r.value.data[1]).toBeCloseTo(0, 5);
      expect(r.value.data[2]).toBeCloseTo(CLIP_LOSS, digits === 3 ? 1 : 6);
      // float32 would round 1 - 1e-7 to 1 - 2^-23 (15.94 here); every path clips at 1 - 1e-7
      // exactly, as Keras in float64 and the JS fallback do.
      expect(r.value.data[3]).toBeCloseTo(CLIP_LOSS, digits === 3 ? 4 : 6);
      expect(Array.from(r.grad.data).every((g) => g === 0)).toBe(true);
      const cce = getLoss('categorical_crossentropy', { reduction: 'none' });
      const c = cce.valueAndGrad({ data: new F([1, 0, 0, 0, 1, 0]), shape: [2, 3] }, { data: new F([0, 1, 0, 0, 1, 0]), shape: [2, 3] });
      expect(c.value.data[0]).toBeCloseTo(CLIP_LOSS, digits === 3 ? 1 : 6);
      expect(c.value.data[1]).toBeCloseTo(0, 5);
      expect(allFinite(c.grad)).toBe(true);
    });

    it(`${dtype}: all-zero target rows give 0 and a zero gradient`, () => {
      for (const fromLogits of [true, false]) {
        const cce = getLoss('categorical_crossentropy', { fromLogits, reduction: 'none' });
        const r = cce.valueAndGrad({ data: new F(6), shape: [2, 3] }, { data: new F([0.2, 0.3, 0.5, 0.1, 0.1, 0.8]), shape: [2, 3] });
        expect(Array.from(r.value.data)).toEqual([0, 0]);
        expect(Array.from(r.grad.data).every((g) => g === 0)).toBe(true);
      }
    });

    it(`${dtype}: one class (C = 1)`, () => {
      const logits = getLoss('categorical_crossentropy', { fromLogits: true });
      expect(logits.value({ data: new F([1, 1]), shape: [2, 1] }, { data: new F([3, -7]), shape: [2, 1] })).toBe(0);
      const sparse = getLoss('sparse_categorical_crossentropy', { fromLogits: true });
      const s = sparse.valueAndGrad({ data: new Int32Array([0, 0]), shape: [2] }, { data: new F([3, -7]), shape: [2, 1] });
      expect(s.value).toBe(0);
      expect(Array.from(s.grad.data)).toEqual([0, 0]);
    });

    it(`${dtype}: 50000 classes`, () => {
      const C = 50000;
      const random = rng(5);
      const logits = F.from(uniform(random, 2 * C, -20, 20));
      const labels = new Int32Array([123, 49999]);
      const sparse = getLoss('sparse_categorical_crossentropy', { fromLogits: true, reduction: 'none' });
      const r = sparse.valueAndGrad({ data: labels, shape: [2] }, { data: logits, shape: [2, C] });
      for (let row = 0; row < 2; row++) {
        let max = -Infinity;
        for (let j = 0; j < C; j++) max = Math.max(max, logits[row * C + j] as number);
        let sum = 0;
        for (let j = 0; j < C; j++) sum += Math.exp((logits[row * C + j] as number) - max);
        const expected = max + Math.log(sum) - (logits[row * C + (labels[row] as number)] as number);
        expect(r.value.data[row]).toBeCloseTo(expected, dtype === 'float32' ? 4 : 10);
        let gradSum = 0;
        for (let j = 0; j < C; j++) gradSum += r.grad.data[row * C + j] as number;
        expect(gradSum).toBeCloseTo(0, dtype === 'float32' ? 4 : 10);
      }
      const onehot = new F(2 * C);
      onehot[123] = 1;
      onehot[C + 49999] = 1;
      const dense = getLoss('categorical_crossentropy', { fromLogits: true, reduction: 'none' }).value({ data: onehot, shape: [2, C] }, { data: logits, shape: [2, C] });
      expect(dense.data[0]).toBeCloseTo(r.value.data[0] as number, dtype === 'float32' ? 3 : 9);
    });

    it(`${dtype}: sample weights with zeros remove their samples`, () => {
      const bce = getLoss('binary_crossentropy', { fromLogits: true, reduction: 'sum' });
      const yTrue = { data: new F([0, 1, 1, 0]), shape: [2, 2] };
      const yPred = { data: new F([0.3, -2, 5, 1]), shape: [2, 2] };
      const r = bce.valueAndGrad(yTrue, yPred, [0, 1]);
      expect(r.value).toBeCloseTo(getLoss('binary_crossentropy', { fromLogits: true }).value({ data: new F([1, 0]), shape: [1, 2] }, { data: new F([5, 1]), shape: [1, 2] }), 6);
      expect(Array.from(r.grad.data.slice(0, 2)).every((g) => g === 0)).toBe(true);
    });

    it(`${dtype}: js_divergence at yPred = 0 has the true slope log(1e-7 / m) / 2 - y / (4 m)`, () => {
      const y = [0.25, 0.75];
      const r = getLoss('js_divergence', { reduction: 'sum' }).valueAndGrad({ data: new F(y), shape: [1, 2] }, { data: new F([0, 1]), shape: [1, 2] });
      const m = y[0]! / 2;
      // d/dx of 0.5 [y log(y / m) + x log(clip(x) / m)] at x = 0, m = (x + y) / 2.
      expect(r.grad.data[0]).toBeCloseTo(0.5 * (Math.log(1e-7) - Math.log(m)) - y[0]! / (4 * m), dtype === 'float32' ? 4 : 9);
    });

    it(`${dtype}: every label ignored gives 0 (value and gradient) for every reduction`, () => {
      for (const reduction of ['sum_over_batch_size', 'weighted_mean', 'sum'] as const) {
        const sparse = getLoss('sparse_categorical_crossentropy', { fromLogits: true, ignoreClass: -1, reduction });
        const r = sparse.valueAndGrad({ data: new Int32Array([-1, -1]), shape: [2] }, { data: new F([1, 2, 3, 4]), shape: [2, 2] }, [1, 2]);
        expect(r.value, reduction).toBe(0);
        expect(Array.from(r.grad.data).every((g) => g === 0)).toBe(true);
      }
    });
  }
});
