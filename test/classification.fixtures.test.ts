// Every classification and divergence case of test/fixtures (classification.json: PyTorch
// 1.13, TF.js 4.22 and the Keras 3 focal formula; probabilistic.json: KL and JS divergence), on
// every backend, in float32 and float64, within each case's rtol/atol.
import { expect, it } from 'vitest';
import { loadCases, type FixtureCase } from './helpers/fixtures';
import { describeFixtures } from './helpers/fixture-runner';

const CLASSIFICATION_LOSSES = [
  'binary_crossentropy',
  'binary_focal_crossentropy',
  'categorical_crossentropy',
  'sparse_categorical_crossentropy',
  'categorical_focal_crossentropy',
  'hinge',
  'squared_hinge',
  'categorical_hinge',
  'kl_divergence',
  'js_divergence',
];

const cases: FixtureCase[] = [
  ...loadCases('classification'),
  ...loadCases('probabilistic', ['kl_divergence', 'js_divergence']),
];

it('covers every classification loss in the fixtures', () => {
  expect(new Set(cases.map((c) => c.loss))).toEqual(new Set(CLASSIFICATION_LOSSES));
  expect(cases.length).toBe(101 + 19);
});

describeFixtures('classification fixtures', cases);
