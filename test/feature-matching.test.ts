// feature_matching: a weighted sum over layers of per-sample mean L1/L2 feature distances,
// checked by hand, by finite differences for every layer's gradient, native against JS, and
// its input errors.
import { describe, expect, it } from 'vitest';
import { getLoss, LosskitError, type Tensor } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const B = 3;
const SHAPES = [[B, 4], [B, 2, 3]];

function layers(seed: number) {
  const random = rng(seed);
  return SHAPES.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { predicted: { data: uniform(random, n, -1, 1), shape }, target: { data: uniform(random, n, -1, 1), shape } };
  });
}

describe.each(BACKENDS)('feature_matching on %s', (backendName) => {
  useBackend(backendName);

  for (const distance of ['l1', 'l2'] as const) {
    it(`${distance}: per-sample values are the weighted sum of per-layer means`, () => {
      const features = layers(1);
      const loss = getLoss('feature_matching', { distance, layerWeights: [0.5, 2], reduction: 'none' });
      const value = loss.value({ predicted: features.map((f) => f.predicted), target: features.map((f) => f.target) });
      expect(value.shape).toEqual([B]);
      for (let b = 0; b < B; b++) {
        let expected = 0;
        features.forEach(({ predicted, target }, l) => {
          const n = predicted.data.length / B;
          let sum = 0;
          for (let i = b * n; i < (b + 1) * n; i++) {
            const d = (predicted.data[i] as number) - (target.data[i] as number);
            sum += distance === 'l1' ? Math.abs(d) : d * d;
          }
          expected += [0.5, 2][l]! * (sum / n);
        });
        expect(value.data[b]).toBeCloseTo(expected, 12);
      }
    });

    it(`${distance}: gradients of every layer match finite differences`, () => {
      const features = layers(2);
      const loss = getLoss('feature_matching', { distance, layerWeights: [1, 3] });
      const call = () => loss.valueAndGrad({ predicted: features.map((f) => f.predicted), target: features.map((f) => f.target), sampleWeight: [1, 0.5, 2] });
      const { grads, grad } = call();
      expect(grads!['predicted.0']!.data).toBe(grad.data);
      features.forEach(({ predicted }, l) => {
        const analytic = grads![`predicted.${l}`] as Tensor;
        expect(analytic.shape).toEqual(predicted.shape);
        for (let i = 0; i < predicted.data.length; i++) {
          const original = predicted.data[i] as number;
          predicted.data[i] = original + 1e-6;
          const plus = call().value as number;
          predicted.data[i] = original - 1e-6;
          const minus = call().value as number;
          predicted.data[i] = original;
          expect(Math.abs((analytic.data[i] as number) - (plus - minus) / 2e-6), `layer ${l} [${i}]`).toBeLessThan(1e-6);
        }
      });
    });
  }

  it('refuses mismatched layers, shapes, batch sizes and weights', () => {
    const features = layers(3);
    const loss = getLoss('feature_matching');
    const predicted = features.map((f) => f.predicted);
    const target = features.map((f) => f.target);
    expect(() => loss.value({ predicted, target: target.slice(0, 1) })).toThrow(/same number of layers \(got 1 and 2\)/);
    expect(() => loss.value({ predicted, target: [target[0], { data: new Float64Array(6), shape: [B, 2] }] })).toThrow(/size mismatch \(got target\[1\]: \[3,2\], predicted\[1\]: \[3,2,3\]\)/);
    expect(() => loss.value({ predicted: [predicted[0], { data: new Float64Array(6), shape: [1, 6] }], target: [target[0], { data: new Float64Array(6), shape: [1, 6] }] })).toThrow(/batch size of layer 0: 3 \(got 1\)/);
    expect(() => getLoss('feature_matching', { layerWeights: [1] }).value({ predicted, target })).toThrow(/one weight per layer: 2 \(got 1\)/);
    expect(() => loss.value({ predicted: 'x', target })).toThrow(LosskitError);
    expect(() => getLoss('feature_matching', { distance: 'l3' })).toThrow(/'l1', 'l2'/);
  });
});
