// The Dice, IoU and Tversky cases of test/fixtures/structured.json (PyTorch 1.13 float64 tensor
// ops of the soft formulas, per sample over all non-batch axes), on every backend and dtype.
import { expect, it } from 'vitest';
import { loadCases } from './helpers/fixtures';
import { describeFixtures } from './helpers/fixture-runner';

const cases = loadCases('structured', ['dice', 'iou', 'tversky']);

it('covers the segmentation losses', () => {
  expect(new Set(cases.map((c) => c.loss))).toEqual(new Set(['dice', 'iou', 'tversky']));
});

describeFixtures('segmentation fixtures', cases);
