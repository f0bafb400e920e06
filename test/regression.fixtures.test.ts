// Every regression case of test/fixtures (PyTorch 1.13 float64, TF.js 4.22 float32 and numpy
// formula references; schema in test/fixtures/README.md), on every backend, in float32 and
// float64: value and gradient within each case's rtol/atol.
import { describe, expect, it } from 'vitest';
import { getLoss, type Tensor } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { expectAllClose, expectClose } from './helpers/assert-close';
import { decodeNumber, loadCases, tensorOf, type FixtureCase, type FixtureTensor } from './helpers/fixtures';

const REGRESSION_LOSSES = [
  'mean_squared_error',
  'mean_absolute_error',
  'huber',
  'smooth_l1',
  'log_cosh',
  'mean_squared_logarithmic_error',
  'mean_absolute_percentage_error',
  'quantile',
  'poisson',
  'cosine_similarity',
  'gaussian_nll',
];

const cases: FixtureCase[] = [
  ...loadCases('regression', REGRESSION_LOSSES),
  ...loadCases('probabilistic', ['gaussian_nll']),
];

it('covers every regression loss in the fixtures', () => {
  expect(new Set(cases.map((c) => c.loss))).toEqual(new Set(REGRESSION_LOSSES));
  expect(cases.length).toBeGreaterThan(100);
});

function run(c: FixtureCase, dtype: 'float32' | 'float64', asynchronous: boolean) {
  const { reduction, ...options } = c.config;
  const loss = getLoss(c.loss, { ...options, reduction: reduction as 'sum' });
  const inputs = {
    yTrue: tensorOf(c.yTrue!, dtype),
    yPred: tensorOf(c.yPred!, dtype),
    sampleWeight: c.sampleWeight ? tensorOf(c.sampleWeight, 'float64') : undefined,
    variance: c.variance ? tensorOf(c.variance, dtype) : undefined,
  };
  return asynchronous ? loss.valueAndGradAsync(inputs) : Promise.resolve(loss.valueAndGrad(inputs));
}

function checkValue(c: FixtureCase, got: number | Tensor, label: string) {
  const expected = c.expected.value;
  if (typeof expected === 'object') {
    const tensor = got as Tensor;
    expect(tensor.shape, `${label} per-sample shape`).toEqual(expected.shape);
    expectAllClose(tensor.data, expected.data.map(decodeNumber), c.rtol, c.atol, `${label} value`);
  } else {
    expectClose(got as number, decodeNumber(expected), c.rtol, c.atol, `${label} value`);
  }
}

function checkGrad(c: FixtureCase, got: Tensor, dtype: string, label: string) {
  expect(got.dtype).toBe(dtype);
  expect(got.shape).toEqual(c.yPred!.shape);
  const expected = c.expected.grad as FixtureTensor | null;
  if (expected) expectAllClose(got.data, expected.data.map(decodeNumber), c.rtol, c.atol, `${label} grad`);
}

describe.each(BACKENDS)('regression fixtures on %s', (backendName) => {
  useBackend(backendName);
  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
    it.each(cases.map((c) => [c.id, c] as const))('%s', async (id, c) => {
      const result = await run(c, dtype, false);
      checkValue(c, result.value, `${id} ${dtype}`);
      checkGrad(c, result.grad, dtype, `${id} ${dtype}`);
      // The async twin must give the same bits.
      const asyncResult = await run(c, dtype, true);
      if (typeof result.value === 'number') expect(asyncResult.value).toBe(result.value);
      else expect((asyncResult.value as Tensor).data).toEqual(result.value.data);
      expect(asyncResult.grad.data).toEqual(result.grad.data);
    });
  });
});
