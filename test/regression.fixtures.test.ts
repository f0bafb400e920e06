// Every regression case of test/fixtures (PyTorch 1.13 float64, TF.js 4.22 float32 and numpy
// formula references; schema in test/fixtures/README.md), on every backend, in float32 and
// float64: value and gradient within each case's rtol/atol.
import { expect, it } from 'vitest';
import { loadCases, type FixtureCase } from './helpers/fixtures';
import { describeFixtures } from './helpers/fixture-runner';

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

describeFixtures('regression fixtures', cases);
