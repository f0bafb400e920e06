// Custom losses (defineLoss) behave like built-ins: registry and config round trips, reductions
// and sample weights, async, partial results; numeric gradients warn once; checkGradient
// measures analytic against numeric gradients, for custom and built-in losses alike.
import { describe, expect, it, vi } from 'vitest';
import { checkGradient, defineLoss, getLoss, listLosses, LosskitError, mergePartials } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const cubic = defineLoss({
  name: 'test_cubic',
  aliases: ['TestCubic'],
  value: (y, x) => Math.abs(x - y) ** 3,
  grad: (y, x) => 3 * (x - y) * Math.abs(x - y),
});
defineLoss({
  name: 'test_row_softmax_ce',
  perRow: true,
  value(y, x) {
    const max = Math.max(...x);
    const lse = max + Math.log(x.reduce((s, v) => s + Math.exp(v - max), 0));
    return y.reduce((s, t, j) => s + t * (lse - (x[j] as number)), 0);
  },
  grad(y, x, out) {
    const max = Math.max(...x);
    const sum = x.reduce((s, v) => s + Math.exp(v - max), 0);
    const total = y.reduce((a, b) => a + b, 0);
    x.forEach((v, j) => (out[j] = (Math.exp(v - max) / sum) * total - (y[j] as number)));
  },
});

describe.each(BACKENDS)('custom losses on %s', (backendName) => {
  useBackend(backendName);
  const random = rng(4);
  const yTrue = { data: uniform(random, 12, -1, 1), shape: [3, 4] };
  const yPred = { data: uniform(random, 12, -1, 1), shape: [3, 4] };

  it('a per-element loss reduces, weights, round-trips and merges like a built-in', async () => {
    const loss = cubic({ reduction: 'weighted_mean' });
    const w = [1, 0.5, 2];
    let expected = 0;
    for (let r = 0; r < 3; r++) {
      let row = 0;
      for (let j = 0; j < 4; j++) row += Math.abs((yPred.data[r * 4 + j] as number) - (yTrue.data[r * 4 + j] as number)) ** 3;
      expected += (w[r] as number) * (row / 4);
    }
    expect(loss.value(yTrue, yPred, w)).toBeCloseTo(expected / 3.5, 12);
    expect(getLoss('TestCubic').name).toBe('test_cubic');
    expect(getLoss(JSON.parse(JSON.stringify(loss))).getConfig()).toEqual(loss.getConfig());
    expect(listLosses().map((l) => l.name)).toContain('test_cubic');
    expect(await loss.valueAsync(yTrue, yPred, w)).toBe(loss.value(yTrue, yPred, w));
    const merged = mergePartials(loss.partial({ data: yTrue.data.slice(0, 4), shape: [1, 4] }, { data: yPred.data.slice(0, 4), shape: [1, 4] }, [1]), loss.partial({ data: yTrue.data.slice(4), shape: [2, 4] }, { data: yPred.data.slice(4), shape: [2, 4] }, [0.5, 2]));
    expect(loss.fromPartial(merged)).toBeCloseTo(loss.value(yTrue, yPred, w) as number, 12);
    expect(checkGradient(loss, yTrue, yPred, w).maxRelativeError).toBeLessThan(1e-6);
  });

  it('a per-row loss matches the built-in it reimplements', () => {
    const custom = getLoss('test_row_softmax_ce', { reduction: 'sum' }).valueAndGrad(yTrue, yPred);
    const builtIn = getLoss('categorical_crossentropy', { fromLogits: true, reduction: 'sum' }).valueAndGrad(yTrue, yPred);
    expect(custom.value).toBeCloseTo(builtIn.value, 10);
    Array.from(custom.grad.data).forEach((g, i) => expect(g).toBeCloseTo(builtIn.grad.data[i] as number, 10));
  });

  it('without grad, central differences stand in after one LOSSKIT_NUMERIC_GRADIENT warning', () => {
    const loss = defineLoss({ name: `test_quartic_numeric_${backendName}`, value: (y, x) => (x - y) ** 4 })();
    const emit = vi.spyOn(process, 'emitWarning');
    const first = loss.grad(yTrue, yPred);
    loss.grad(yTrue, yPred);
    const warnings = emit.mock.calls.filter((call) => (call[1] as { code?: string } | undefined)?.code === 'LOSSKIT_NUMERIC_GRADIENT');
    expect(warnings.length).toBe(1);
    emit.mockRestore();
    // d/dx (x - y)^4 / 4 per row mean, / 3 rows = (x - y)^3 / 3
    Array.from(first.data).forEach((g, i) => expect(g).toBeCloseTo((((yPred.data[i] as number) - (yTrue.data[i] as number)) ** 3) / 3, 6));
  });
});

describe('checkGradient and defineLoss errors', () => {
  it('reports a tiny error for correct gradients and a large one for wrong ones', () => {
    const random = rng(9);
    const t = { data: uniform(random, 8, 0, 1), shape: [2, 4] };
    const p = { data: uniform(random, 8, -2, 2), shape: [2, 4] };
    expect(checkGradient(getLoss('bce', { fromLogits: true }), t, p).maxRelativeError).toBeLessThan(1e-6);
    const wrong = defineLoss({ name: 'test_wrong_gradient', value: (y, x) => (x - y) ** 2, grad: (y, x) => x - y });
    const report = checkGradient(wrong(), t, p);
    expect(report.maxRelativeError).toBeGreaterThan(0.4);
    expect(report.worstIndex).toBeGreaterThanOrEqual(0);
    const make = () => ({ data: uniform(random, 6, -1, 1), shape: [2, 3] });
    const named = { anchor: make(), positive: make(), negative: make() };
    expect(checkGradient(getLoss('triplet_margin', { margin: 3 }), named, undefined, undefined, { input: 'negative' }).maxRelativeError).toBeLessThan(1e-6);
    expect(() => checkGradient(getLoss('triplet_margin'), named, undefined, undefined, { input: 'nope' })).toThrow(/no differentiable input 'nope'/);
  });

  it('refuses bad definitions and taken names', () => {
    expect(() => defineLoss({ name: 'mse', value: (y, x) => x - y })).toThrow(/already taken by 'mean_squared_error'/);
    expect(() => defineLoss({ name: 'test_bad', value: 3 as never })).toThrow(LosskitError);
    expect(() => defineLoss({ name: 'test_bad2', value: (y, x) => x - y, grad: 'no' as never })).toThrow(/'grad' must be a function/);
  });
});
