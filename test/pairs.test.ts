// contrastive, cosine_embedding and margin_ranking: values against their formulas (PyTorch's
// code path for cosine_embedding and margin_ranking), every input's gradient against finite
// differences in float64, native against JS, and input errors, on every backend.
import { describe, expect, it } from 'vitest';
import { getLoss, LosskitError, type Tensor } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const B = 5;
const D = 4;

function embeddings(seed: number) {
  const random = rng(seed);
  return { x1: uniform(random, B * D, -1, 1), x2: uniform(random, B * D, -1, 1) };
}

/** Central differences of loss.value over every element of the named inputs. */
function checkGradients(call: (data: Record<string, Float64Array>) => { value: number | Tensor; grads?: Record<string, Tensor> }, data: Record<string, Float64Array>, names: string[]) {
  const { grads } = call(data);
  for (const name of names) {
    const values = data[name]!;
    for (let i = 0; i < values.length; i++) {
      const original = values[i] as number;
      values[i] = original + 1e-6;
      const plus = call(data).value as number;
      values[i] = original - 1e-6;
      const minus = call(data).value as number;
      values[i] = original;
      const numeric = (plus - minus) / 2e-6;
      const analytic = grads![name]!.data[i] as number;
      expect(Math.abs(analytic - numeric), `${name}[${i}]: ${analytic} vs ${numeric}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(numeric));
    }
  }
}

describe.each(BACKENDS)('pair losses on %s', (backendName) => {
  useBackend(backendName);

  it('contrastive on embeddings: y d^2 + (1 - y) max(margin - d, 0)^2, d = |x1 - x2 + eps|', () => {
    const { x1, x2 } = embeddings(1);
    const labels = Float64Array.from([1, 0, 1, 0, 0]);
    const value = getLoss('contrastive', { margin: 1.5, reduction: 'none' }).value({ x1: { data: x1, shape: [B, D] }, x2: { data: x2, shape: [B, D] }, labels });
    for (let b = 0; b < B; b++) {
      let sum = 0;
      for (let k = 0; k < D; k++) sum += ((x1[b * D + k] as number) - (x2[b * D + k] as number) + 1e-6) ** 2;
      const d = Math.sqrt(sum);
      const y = labels[b] as number;
      expect(value.data[b]).toBeCloseTo(y * d * d + (1 - y) * Math.max(1.5 - d, 0) ** 2, 12);
    }
    const loss = getLoss('contrastive', { margin: 1.5 });
    checkGradients(
      (data) => loss.valueAndGrad({ x1: { data: data.x1!, shape: [B, D] }, x2: { data: data.x2!, shape: [B, D] }, labels, sampleWeight: [1, 2, 0.5, 1, 1] }),
      { x1, x2 },
      ['x1', 'x2'],
    );
  });

  it('contrastive on precomputed distances', () => {
    const distances = Float64Array.from([0.2, 1.7, 0.9, 0.4]);
    const labels = [1, 0, 0, 1];
    const loss = getLoss('contrastive', { margin: 1, reduction: 'sum' });
    const expected = 0.2 ** 2 + 0 + (1 - 0.9) ** 2 + 0.4 ** 2;
    expect(loss.value({ distances, labels })).toBeCloseTo(expected, 12);
    checkGradients((data) => loss.valueAndGrad({ distances: data.distances!, labels }), { distances }, ['distances']);
  });

  it('cosine_embedding follows PyTorch: 1 - cos for y = 1, max(0, cos - margin) for y = -1', () => {
    const { x1, x2 } = embeddings(2);
    const labels = Float64Array.from([1, -1, 1, -1, -1]);
    const value = getLoss('cosine_embedding', { margin: -0.2, reduction: 'none' }).value({ x1: { data: x1, shape: [B, D] }, x2: { data: x2, shape: [B, D] }, labels });
    for (let b = 0; b < B; b++) {
      let p = 0;
      let s1 = 1e-12;
      let s2 = 1e-12;
      for (let k = 0; k < D; k++) {
        p += (x1[b * D + k] as number) * (x2[b * D + k] as number);
        s1 += (x1[b * D + k] as number) ** 2;
        s2 += (x2[b * D + k] as number) ** 2;
      }
      const cos = p / Math.sqrt(s1 * s2);
      expect(value.data[b]).toBeCloseTo(labels[b] === 1 ? 1 - cos : Math.max(0, cos + 0.2), 12);
    }
    const loss = getLoss('cosine_embedding', { margin: -0.2, reduction: 'sum' });
    checkGradients((data) => loss.valueAndGrad({ x1: { data: data.x1!, shape: [B, D] }, x2: { data: data.x2!, shape: [B, D] }, labels }), { x1, x2 }, ['x1', 'x2']);
  });

  it('margin_ranking follows PyTorch: max(0, -y (x1 - x2) + margin) per element', () => {
    const x1 = Float64Array.from([0.5, -0.2, 1.3, 0.1, 0.9, -1]);
    const x2 = Float64Array.from([0.1, 0.4, 1.0, 0.3, -0.2, -0.5]);
    const labels = [1, -1, 1, 1, -1, 1];
    const loss = getLoss('margin_ranking', { margin: 0.1, reduction: 'mean' });
    const expected = labels.reduce((sum, y, i) => sum + Math.max(0, -y * ((x1[i] as number) - (x2[i] as number)) + 0.1), 0) / 6;
    expect(loss.value({ x1, x2, labels })).toBeCloseTo(expected, 12);
    const { grads } = loss.valueAndGrad({ x1, x2, labels });
    expect(Array.from(grads!.x2!.data)).toEqual(Array.from(grads!.x1!.data, (g) => -g));
    checkGradients((data) => loss.valueAndGrad({ x1: data.x1!, x2: data.x2!, labels }), { x1, x2 }, ['x1', 'x2']);
  });

  it('names mismatched shapes and labels', () => {
    const { x1, x2 } = embeddings(3);
    const a = { data: x1, shape: [B, D] };
    expect(() => getLoss('cosine_embedding').value({ x1: a, x2: { data: x2.slice(0, D), shape: [1, D] }, labels: [1] })).toThrow(/'x2' and 'x1'.*size mismatch/);
    expect(() => getLoss('contrastive').value({ x1: a, x2: { data: x2, shape: [B, D] }, labels: [1, 0] })).toThrow(/one label per pair: 5 \(got \[2\]\)/);
    expect(() => getLoss('margin_ranking').value({ x1: [1, 2], x2: [1, 2, 3], labels: [1, 1] })).toThrow(LosskitError);
    expect(() => getLoss('contrastive').value({ x1: { data: x1, shape: [B * D] }, x2: { data: x2, shape: [B * D] }, labels: [1] })).toThrow(/\[batch, dim\]/);
  });
});
