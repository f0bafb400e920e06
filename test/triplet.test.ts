// triplet_margin against the PyTorch 1.13 cases of test/fixtures/structured.json (value and all
// three gradients), finite differences in float64 for every input, and its input errors, on every
// backend.
import { describe, expect, it } from 'vitest';
import { getLoss, LosskitError, type Tensor } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { expectAllClose, expectClose } from './helpers/assert-close';
import { decodeNumber, loadCases, tensorOf, type FixtureCase, type FixtureTensor } from './helpers/fixtures';
import { rng, uniform } from './helpers/random';

type TripletCase = FixtureCase & {
  anchor: FixtureTensor;
  positive: FixtureTensor;
  negative: FixtureTensor;
  expected: { gradPositive: FixtureTensor; gradNegative: FixtureTensor };
};

const cases = loadCases('structured', ['triplet_margin']) as TripletCase[];

describe.each(BACKENDS)('triplet_margin on %s', (backendName) => {
  useBackend(backendName);

  for (const dtype of ['float32', 'float64'] as const) {
    it.each(cases.map((c) => [c.id, c] as const))(`%s ${dtype}`, async (id, c) => {
      const { reduction, ...options } = c.config;
      const loss = getLoss('triplet_margin', { ...options, reduction: reduction as 'sum' });
      const inputs = { anchor: tensorOf(c.anchor, dtype), positive: tensorOf(c.positive, dtype), negative: tensorOf(c.negative, dtype) };
      const result = loss.valueAndGrad(inputs);
      const expected = c.expected.value;
      if (typeof expected === 'object') expectAllClose((result.value as Tensor).data, expected.data.map(decodeNumber), c.rtol, c.atol, `${id} value`);
      else expectClose(result.value as number, decodeNumber(expected), c.rtol, c.atol, `${id} value`);
      expectAllClose(result.grad.data, (c.expected.grad as FixtureTensor).data.map(decodeNumber), c.rtol, c.atol, `${id} grad anchor`);
      expect(result.grads!.anchor!.data).toBe(result.grad.data);
      expectAllClose(result.grads!.positive!.data, c.expected.gradPositive.data.map(decodeNumber), c.rtol, c.atol, `${id} grad positive`);
      expectAllClose(result.grads!.negative!.data, c.expected.gradNegative.data.map(decodeNumber), c.rtol, c.atol, `${id} grad negative`);
      const asyncResult = await loss.valueAndGradAsync(inputs);
      expect(asyncResult.value).toEqual(result.value);
      expect(asyncResult.grads!.negative!.data).toEqual(result.grads!.negative!.data);
    });
  }

  for (const options of [{ p: 2 }, { p: 1, margin: 0.5 }, { p: 3, swap: true }, { p: 2, swap: true, margin: 2 }]) {
    it(`finite differences ${JSON.stringify(options)}`, () => {
      const random = rng(11);
      const B = 4;
      const D = 5;
      const make = () => uniform(random, B * D, -1, 1);
      const data = { anchor: make(), positive: make(), negative: make() };
      const weights = uniform(random, B, 0.5, 2);
      const loss = getLoss('triplet_margin', { ...options, reduction: 'weighted_mean' });
      const call = (d: typeof data) =>
        loss.valueAndGrad({
          anchor: { data: d.anchor, shape: [B, D] },
          positive: { data: d.positive, shape: [B, D] },
          negative: { data: d.negative, shape: [B, D] },
          sampleWeight: weights,
        });
      const { grads } = call(data);
      for (const name of ['anchor', 'positive', 'negative'] as const) {
        for (let i = 0; i < B * D; i++) {
          const h = 1e-6;
          const plus = { ...data, [name]: data[name].slice() };
          const minus = { ...data, [name]: data[name].slice() };
          plus[name][i] = (plus[name][i] as number) + h;
          minus[name][i] = (minus[name][i] as number) - h;
          const numeric = ((call(plus).value as number) - (call(minus).value as number)) / (2 * h);
          const analytic = grads![name]!.data[i] as number;
          expect(Math.abs(analytic - numeric), `${name}[${i}] analytic ${analytic} numeric ${numeric}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(numeric));
        }
      }
    });
  }

  it('names mismatched shapes and missing inputs', () => {
    const loss = getLoss('triplet_margin');
    const a = { data: new Float32Array(6), shape: [2, 3] };
    expect(() => loss.value({ anchor: a, positive: a, negative: { data: new Float32Array(3), shape: [1, 3] } })).toThrow(
      /'negative' and 'anchor' .* size mismatch \(got negative: \[1,3\], anchor: \[2,3\]\)/,
    );
    expect(() => loss.value({ anchor: a, positive: a })).toThrow(LosskitError);
    expect(() => loss.value({ anchor: { data: new Float32Array(0), shape: [0, 3] }, positive: a, negative: a })).toThrow(/non-empty/);
  });
});

describe('gradient buffers for every input', () => {
  it('out and outs receive the three triplet gradients', () => {
    const make = (seed: number) => ({ data: Float32Array.from(uniform(rng(seed), 12, -1, 1)), shape: [3, 4] });
    const inputs = { anchor: make(1), positive: make(2), negative: make(3) };
    const loss = getLoss('triplet_margin', { margin: 2 });
    const reference = loss.valueAndGrad(inputs);
    const out = new Float32Array(12);
    const outs = { positive: new Float32Array(12), negative: new Float32Array(12) };
    const result = loss.valueAndGrad(inputs, { out, outs });
    expect(result.grads!.anchor!.data).toBe(out);
    expect(result.grads!.positive!.data).toBe(outs.positive);
    expect(result.grads!.negative!.data).toBe(outs.negative);
    expect(Array.from(outs.negative)).toEqual(Array.from(reference.grads!.negative!.data));
    expect(() => loss.valueAndGrad(inputs, { outs: { positive: new Float32Array(11) } })).toThrow(/'outs.positive' passed to 'triplet_margin' must have 12 elements/);
  });
});
