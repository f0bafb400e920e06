// CTC against the PyTorch 1.13 cases of test/fixtures/structured.json (value, exact gradient and
// PyTorch's autograd form), layout equivalences (batch-first, concatenated targets), finite
// differences in float64, and every bad input the kernels must refuse, on every backend.
import { describe, expect, it } from 'vitest';
import { getLoss, LosskitError, type Tensor } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { expectAllClose, expectClose } from './helpers/assert-close';
import { decodeNumber, loadCases, tensorOf, type FixtureCase, type FixtureTensor } from './helpers/fixtures';
import { rng, uniform } from './helpers/random';

type CtcCase = FixtureCase & {
  inputLengths: FixtureTensor;
  targetLengths: FixtureTensor;
  expected: { gradTorch: FixtureTensor | null };
};

const cases = loadCases('structured', ['ctc']) as CtcCase[];
const ints = (t: FixtureTensor) => ({ data: Int32Array.from(t.data.map(decodeNumber)), shape: t.shape });

function inputsOf(c: CtcCase, dtype: 'float32' | 'float64') {
  return { logProbs: tensorOf(c.yPred!, dtype), targets: ints(c.yTrue!), inputLengths: ints(c.inputLengths), targetLengths: ints(c.targetLengths) };
}

/** Random log-softmax inputs [T, B, C] and targets without the blank 0. */
function randomProblem(seed: number, T: number, B: number, C: number, S: number) {
  const random = rng(seed);
  const logits = uniform(random, T * B * C, -3, 3);
  for (let r = 0; r < T * B; r++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[r * C + c] as number);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp((logits[r * C + c] as number) - max);
    for (let c = 0; c < C; c++) logits[r * C + c] = (logits[r * C + c] as number) - max - Math.log(sum);
  }
  const targetLengths = Int32Array.from({ length: B }, (_, b) => Math.max(0, S - (b % 3)));
  const targets = Int32Array.from({ length: B * S }, () => 1 + Math.floor(random() * (C - 1)));
  const inputLengths = Int32Array.from({ length: B }, (_, b) => T - (b % 2));
  return { logits, targets, targetLengths, inputLengths };
}

describe.each(BACKENDS)('ctc on %s', (backendName) => {
  useBackend(backendName);

  for (const dtype of ['float32', 'float64'] as const) {
    it.each(cases.map((c) => [c.id, c] as const))(`%s ${dtype}`, async (id, c) => {
      const { reduction, ...options } = c.config;
      const exact = getLoss('ctc', { ...options, reduction: reduction as 'sum' }).valueAndGrad(inputsOf(c, dtype));
      const expected = c.expected.value;
      if (typeof expected === 'object') expectAllClose((exact.value as Tensor).data, expected.data.map(decodeNumber), c.rtol, c.atol, `${id} value`);
      else expectClose(exact.value as number, decodeNumber(expected), c.rtol, c.atol, `${id} value`);
      if (c.expected.grad) expectAllClose(exact.grad.data, (c.expected.grad as FixtureTensor).data.map(decodeNumber), c.rtol, c.atol, `${id} grad`);
      if (c.expected.gradTorch) {
        const torch = getLoss('ctc', { ...options, reduction: reduction as 'sum', gradForm: 'torch' }).grad(inputsOf(c, dtype));
        expectAllClose(torch.data, c.expected.gradTorch.data.map(decodeNumber), c.rtol, c.atol, `${id} gradTorch`);
      }
      const asyncResult = await getLoss('ctc', { ...options, reduction: reduction as 'sum' }).valueAndGradAsync(inputsOf(c, dtype));
      expect(asyncResult.value).toEqual(exact.value);
      expect(asyncResult.grad.data).toEqual(exact.grad.data);
    });
  }

  it('batch-first logProbs and concatenated targets give the same results', () => {
    const T = 7;
    const B = 3;
    const C = 5;
    const S = 3;
    const { logits, targets, targetLengths, inputLengths } = randomProblem(3, T, B, C, S);
    const loss = getLoss('ctc', { reduction: 'none' });
    const reference = loss.valueAndGrad({ logProbs: { data: logits, shape: [T, B, C] }, targets: { data: targets, shape: [B, S] }, inputLengths, targetLengths });
    const concatenated = Int32Array.from(Array.from({ length: B }, (_, b) => Array.from(targets.slice(b * S, b * S + (targetLengths[b] as number)))).flat());
    const viaConcat = loss.valueAndGrad({ logProbs: { data: logits, shape: [T, B, C] }, targets: concatenated, inputLengths, targetLengths });
    expect(Array.from(viaConcat.value.data)).toEqual(Array.from(reference.value.data));
    const batchFirst = new Float64Array(T * B * C);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) batchFirst[(b * T + t) * C + c] = logits[(t * B + b) * C + c] as number;
    const viaBatchFirst = getLoss('ctc', { reduction: 'none', batchFirst: true }).valueAndGrad({
      logProbs: { data: batchFirst, shape: [B, T, C] },
      targets: { data: targets, shape: [B, S] },
      inputLengths,
      targetLengths,
    });
    expectAllClose(viaBatchFirst.value.data, reference.value.data, 1e-14, 0);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
      expect(viaBatchFirst.grad.data[(b * T + t) * C + c]).toBe(reference.grad.data[(t * B + b) * C + c]);
    }
  });

  for (const reduction of ['mean', 'sum_over_batch_size', 'sum', 'weighted_mean'] as const) {
    it(`finite differences, reduction ${reduction}`, () => {
      const T = 6;
      const B = 2;
      const C = 4;
      const S = 2;
      const { logits, targets, targetLengths, inputLengths } = randomProblem(9, T, B, C, S);
      const loss = getLoss('ctc', { reduction });
      const call = (lp: Float64Array) =>
        loss.valueAndGrad({ logProbs: { data: lp, shape: [T, B, C] }, targets: { data: targets, shape: [B, S] }, inputLengths, targetLengths, sampleWeight: [0.5, 2] });
      const { grad } = call(logits);
      for (let i = 0; i < T * B * C; i++) {
        const plus = logits.slice();
        const minus = logits.slice();
        plus[i] = (plus[i] as number) + 1e-6;
        minus[i] = (minus[i] as number) - 1e-6;
        const numeric = ((call(plus).value as number) - (call(minus).value as number)) / 2e-6;
        expect(Math.abs((grad.data[i] as number) - numeric), `entry ${i}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(numeric));
      }
    });
  }

  it('an empty target costs -sum_t log p(blank); an impossible one is Infinity (0 with zeroInfinity)', () => {
    const T = 4;
    const C = 3;
    const logProbs = { data: Float64Array.from({ length: T * C }, (_, i) => Math.log([0.5, 0.3, 0.2][i % C]!)), shape: [T, 1, C] };
    const empty = getLoss('ctc', { reduction: 'sum' }).value({ logProbs, targets: { data: new Int32Array(0), shape: [1, 0] }, inputLengths: [T], targetLengths: [0] });
    expect(empty).toBeCloseTo(-T * Math.log(0.5), 12);
    const tooLong = { logProbs, targets: { data: new Int32Array([1, 1, 1]), shape: [1, 3] }, inputLengths: [T], targetLengths: [3] };
    expect(getLoss('ctc', { reduction: 'sum' }).value(tooLong)).toBe(Infinity);
    const zero = getLoss('ctc', { reduction: 'sum', zeroInfinity: true }).valueAndGrad(tooLong);
    expect(zero.value).toBe(0);
    expect(Array.from(zero.grad.data).every((g) => g === 0)).toBe(true);
    // A sample weight of 0 removes an impossible item instead of making 0 * Infinity = NaN.
    expect(getLoss('ctc', { reduction: 'sum' }).value({ ...tooLong, sampleWeight: [0] })).toBe(0);
    expect(Array.from(getLoss('ctc', { reduction: 'none' }).value({ ...tooLong, sampleWeight: [0] }).data)).toEqual([0]);
  });

  it('refuses bad lengths, labels and shapes with the argument named', () => {
    const T = 5;
    const B = 2;
    const C = 4;
    const logProbs = { data: new Float32Array(T * B * C).fill(Math.log(0.25)), shape: [T, B, C] };
    const targets = { data: new Int32Array([1, 2, 3, 1]), shape: [B, 2] };
    const loss = getLoss('ctc');
    const call = (overrides: Record<string, unknown>) => () => loss.value({ logProbs, targets, inputLengths: [T, T], targetLengths: [2, 2], ...overrides });
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ inputLengths: [T + 1, T] }, 'inputLengths', /\[0, 5\] \(T\) \(got 6 for item 0\)/],
      [{ inputLengths: [-1, T] }, 'inputLengths', /got -1 for item 0/],
      [{ targetLengths: [2, -1] }, 'targetLengths', /got -1 for item 1/],
      [{ targetLengths: [2, 3] }, 'targetLengths', /\[0, 2\] \(got 3 for item 1\)/],
      [{ targets: { data: new Int32Array([1, 0, 3, 1]), shape: [B, 2] } }, 'targets', /other than the blank 0 \(got 0 for item 0 at position 1\)/],
      [{ targets: { data: new Int32Array([1, 4, 3, 1]), shape: [B, 2] } }, 'targets', /\[0, 4\).*got 4 for item 0/],
      [{ inputLengths: [T, T, T] }, 'inputLengths', /one entry per batch item: 2 \(got 3\)/],
      [{ targets: { data: new Int32Array(6), shape: [3, 2] } }, 'targets', /B = 2/],
      [{ targets: new Int32Array([1, 2, 3]) }, 'targets', /sum\(targetLengths\) = 4 labels \(got 3\)/],
      [{ inputLengths: [2.5, T] }, 'inputLengths', /integers \(got 2.5/],
    ];
    for (const [overrides, argument, message] of cases) {
      let caught: unknown;
      try {
        call(overrides)();
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(overrides)).toBeInstanceOf(LosskitError);
      expect((caught as LosskitError).argument).toBe(argument);
      expect((caught as LosskitError).message).toMatch(message);
    }
    expect(() => getLoss('ctc', { blank: 4 }).value({ logProbs, targets, inputLengths: [T, T], targetLengths: [2, 2] })).toThrow(/'blank' of 'ctc' must be in \[0, 4\)/);
    expect(() => loss.value({ logProbs: { data: new Float32Array(8), shape: [2, 4] }, targets, inputLengths: [T, T], targetLengths: [2, 2] })).toThrow(/\[T, B, C\]/);
  });
});
