// The Dice, IoU and Tversky cases of test/fixtures/structured.json (PyTorch 1.13 float64 tensor
// ops of the soft formulas, per sample over all non-batch axes), on every backend and dtype; and
// the perClass option against single-class calls.
import { describe, expect, it } from 'vitest';
import { getLoss } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { loadCases } from './helpers/fixtures';
import { rng, uniform } from './helpers/random';
import { describeFixtures } from './helpers/fixture-runner';

const cases = loadCases('structured', ['dice', 'iou', 'tversky']);

it('covers the segmentation losses', () => {
  expect(new Set(cases.map((c) => c.loss))).toEqual(new Set(['dice', 'iou', 'tversky']));
});

describeFixtures('segmentation fixtures', cases);

// perClass: each class of the last axis scored over the spatial axes, the classes averaged.
describe.each(BACKENDS)('segmentation perClass on %s', (backendName) => {
  useBackend(backendName);
  const B = 2;
  const H = 3;
  const C = 4;
  const random = rng(21);
  const yPred = uniform(random, B * H * C, 0, 1);
  const yTrue = uniform(random, B * H * C, 0, 1).map((v) => (v < 0.4 ? 1 : 0));

  for (const [name, options] of [['dice', {}], ['iou', { smooth: 0.5 }], ['tversky', { alpha: 0.3, beta: 0.7 }]] as const) {
    it(`${name}: the mean over classes of the single-class scores, with the gradient moved back`, () => {
      const perClass = getLoss(name, { ...options, perClass: true, reduction: 'none' }).valueAndGrad({ data: yTrue, shape: [B, H, C] }, { data: yPred, shape: [B, H, C] });
      const single = getLoss(name, { ...options, reduction: 'none' });
      for (let b = 0; b < B; b++) {
        let mean = 0;
        for (let c = 0; c < C; c++) {
          const pick = (data: Float64Array) => Float64Array.from({ length: H }, (_, h) => data[(b * H + h) * C + c] as number);
          const r = single.valueAndGrad({ data: pick(yTrue), shape: [1, H] }, { data: pick(yPred), shape: [1, H] });
          mean += (r.value.data[0] as number) / C;
          for (let h = 0; h < H; h++) expect(perClass.grad.data[(b * H + h) * C + c]).toBeCloseTo((r.grad.data[h] as number) / C, 12);
        }
        expect(perClass.value.data[b]).toBeCloseTo(mean, 12);
      }
    });
  }
});
