// Weighted sums of losses and multi-task column ranges equal the weighted sums of their terms'
// values and gradients; configs round-trip; bad terms are refused.
import { describe, expect, it } from 'vitest';
import { combineLosses, getLoss, LosskitError } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const columns = (data: Float64Array, width: number, start: number, end: number) => {
  const rows = data.length / width;
  return Float64Array.from({ length: rows * (end - start) }, (_, i) => data[Math.floor(i / (end - start)) * width + start + (i % (end - start))] as number);
};

describe.each(BACKENDS)('composite losses on %s', (backendName) => {
  useBackend(backendName);
  const random = rng(12);
  const yTrue = { data: uniform(random, 20, 0, 1), shape: [4, 5] };
  const yPred = { data: uniform(random, 20, -1, 1), shape: [4, 5] };

  it('0.7 mse + 0.3 mae: value and gradient are the weighted sums', () => {
    const combined = combineLosses([{ loss: 'mse', weight: 0.7 }, { loss: getLoss('mae'), weight: 0.3 }]);
    const mse = getLoss('mse').valueAndGrad(yTrue, yPred);
    const mae = getLoss('mae').valueAndGrad(yTrue, yPred);
    const out = new Float64Array(20);
    const result = combined.valueAndGrad(yTrue, yPred, undefined, { out });
    expect(result.value).toBeCloseTo(0.7 * mse.value + 0.3 * mae.value, 14);
    expect(result.grad.data).toBe(out);
    out.forEach((g, i) => expect(g).toBeCloseTo(0.7 * (mse.grad.data[i] as number) + 0.3 * (mae.grad.data[i] as number), 14));
    expect(combined.value(yTrue, yPred)).toBeCloseTo(result.value, 14);
    // A second step reuses every buffer and gives the same numbers.
    expect(combined.valueAndGrad(yTrue, yPred, undefined, { out }).value).toBe(result.value);
  });

  it('multi-task heads on column ranges: huber on [0, 2), softmax CE on [2, 5)', () => {
    const combined = combineLosses([
      { loss: 'huber', weight: 2, columns: [0, 2] },
      { loss: { name: 'categorical_crossentropy', reduction: 'sum_over_batch_size', fromLogits: true }, weight: 0.5, columns: [2, 5] },
    ]);
    const head = (start: number, end: number) => [{ data: columns(yTrue.data, 5, start, end), shape: [4, end - start] }, { data: columns(yPred.data, 5, start, end), shape: [4, end - start] }] as const;
    const huber = getLoss('huber').valueAndGrad(...head(0, 2));
    const cce = getLoss('cce', { fromLogits: true }).valueAndGrad(...head(2, 5));
    const result = combined.valueAndGrad(yTrue, yPred, [1, 2, 0, 1]);
    const huberW = getLoss('huber').valueAndGrad(...head(0, 2), [1, 2, 0, 1]);
    const cceW = getLoss('cce', { fromLogits: true }).valueAndGrad(...head(2, 5), [1, 2, 0, 1]);
    expect(result.value).toBeCloseTo(2 * huberW.value + 0.5 * cceW.value, 12);
    for (let r = 0; r < 4; r++) {
      for (let j = 0; j < 2; j++) expect(result.grad.data[r * 5 + j]).toBeCloseTo(2 * (huberW.grad.data[r * 2 + j] as number), 12);
      for (let j = 0; j < 3; j++) expect(result.grad.data[r * 5 + 2 + j]).toBeCloseTo(0.5 * (cceW.grad.data[r * 3 + j] as number), 12);
    }
    expect(huber.value).not.toBe(huberW.value);
    expect(cce.value).not.toBe(cceW.value);
    const again = combineLosses(JSON.parse(JSON.stringify(combined)));
    expect(again.getConfig()).toEqual(combined.getConfig());
    expect(again.value(yTrue, yPred, [1, 2, 0, 1])).toBe(result.value);
  });

  it('refuses bad terms', () => {
    expect(() => combineLosses([])).toThrow(LosskitError);
    expect(() => combineLosses([{ loss: 'mse', weight: Number.NaN }])).toThrow(/finite weight/);
    expect(() => combineLosses([{ loss: 'mse', columns: [3, 1] }])).toThrow(/0 <= start < end/);
    expect(() => combineLosses([{ loss: getLoss('mse', { reduction: 'none' }) }])).toThrow(/reduction 'none'/);
    expect(() => combineLosses([{ loss: 'mse', columns: [2, 9] }]).value(yTrue, yPred)).toThrow(/last axis has 5/);
    expect(() => getLoss({ name: 'weighted_sum', reduction: 'sum' } as never)).toThrow(/combineLosses/);
  });
});

describe('regularization', () => {
  it('l1 sum|w| + l2 sum w^2 over several arrays, with gradients matching finite differences', async () => {
    const { regularization } = await import('../lib/index');
    const reg = regularization({ l1: 0.01, l2: 0.5 });
    const weights = [Float64Array.from([0.5, -1.5, 2]), Float64Array.from([-0.25])];
    const expected = 0.01 * (0.5 + 1.5 + 2 + 0.25) + 0.5 * (0.25 + 2.25 + 4 + 0.0625);
    expect(reg.value(weights)).toBeCloseTo(expected, 14);
    const outs = [new Float64Array(3), new Float64Array(1)];
    const { value, grads } = reg.valueAndGrad(weights, { outs });
    expect(value).toBeCloseTo(expected, 14);
    expect(grads).toBe(outs);
    weights.forEach((w, k) => w.forEach((x, i) => {
      w[i] = x + 1e-6;
      const plus = reg.value(weights);
      w[i] = x - 1e-6;
      const minus = reg.value(weights);
      w[i] = x;
      expect(grads[k]![i]).toBeCloseTo((plus - minus) / 2e-6, 6);
    }));
    expect(reg.getConfig()).toEqual({ name: 'l1_l2', l1: 0.01, l2: 0.5 });
    expect(() => regularization({ l2: -1 })).toThrow(/'l2' of 'regularization' must be a finite number >= 0/);
    expect(() => reg.value([[1, 2]] as never)).toThrow(/Float32Array\/Float64Array/);
  });
});
