// The public contract: names and aliases, config round trips, classes and functional forms,
// input forms, reductions and sample weights (checked against hand-computed values), result
// dtypes and shapes, gradient buffer reuse.
import { describe, expect, it } from 'vitest';
import * as losskit from '../lib/index';
import { getLoss, listLosses, Huber, MeanSquaredError, CosineSimilarity, type Tensor } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';

describe('names', () => {
  it.each([
    ['mse', 'mean_squared_error'],
    ['MSE', 'mean_squared_error'],
    ['mean_squared_error', 'mean_squared_error'],
    ['MeanSquaredError', 'mean_squared_error'],
    ['meanSquaredError', 'mean_squared_error'],
    ['MSELoss', 'mean_squared_error'],
    ['mae', 'mean_absolute_error'],
    ['L1Loss', 'mean_absolute_error'],
    ['Huber', 'huber'],
    ['HuberLoss', 'huber'],
    ['SmoothL1Loss', 'smooth_l1'],
    ['logcosh', 'log_cosh'],
    ['LogCosh', 'log_cosh'],
    ['msle', 'mean_squared_logarithmic_error'],
    ['mape', 'mean_absolute_percentage_error'],
    ['pinball', 'quantile'],
    ['Poisson', 'poisson'],
    ['GaussianNLLLoss', 'gaussian_nll'],
    ['cosine_proximity', 'cosine_similarity'],
    ['CosineSimilarity', 'cosine_similarity'],
    ['bce', 'binary_crossentropy'],
    ['BinaryCrossentropy', 'binary_crossentropy'],
    ['binaryCrossentropy', 'binary_crossentropy'],
    ['BinaryFocalCrossentropy', 'binary_focal_crossentropy'],
    ['cce', 'categorical_crossentropy'],
    ['sparseCategoricalCrossentropy', 'sparse_categorical_crossentropy'],
    ['CategoricalFocalCrossentropy', 'categorical_focal_crossentropy'],
    ['categoricalHinge', 'categorical_hinge'],
    ['Hinge', 'hinge'],
    ['SquaredHinge', 'squared_hinge'],
    ['kld', 'kl_divergence'],
    ['KLDivergence', 'kl_divergence'],
    ['kullbackLeiblerDivergence', 'kl_divergence'],
    ['JSDivergence', 'js_divergence'],
    ['BCELoss', 'binary_crossentropy'],
    ['jaccard', 'iou'],
    ['Dice', 'dice'],
    ['TripletMarginLoss', 'triplet_margin'],
    ['CosineEmbeddingLoss', 'cosine_embedding'],
    ['MarginRankingLoss', 'margin_ranking'],
    ['CTCLoss', 'ctc'],
    ['perceptual', 'feature_matching'],
    ['contrastive_loss', 'contrastive'],
  ])('%s resolves to %s', (alias, canonical) => {
    expect(getLoss(alias).name).toBe(canonical);
  });

  it('lists every loss with its defaults', () => {
    const listed = listLosses();
    expect(listed.map((l) => l.name)).toContain('huber');
    expect(listed.find((l) => l.name === 'huber')?.defaults).toEqual({ name: 'huber', reduction: 'sum_over_batch_size', delta: 1 });
  });
});

describe('configuration', () => {
  it('getConfig survives a JSON round trip through getLoss', () => {
    for (const { name } of listLosses()) {
      const loss = getLoss(name, { reduction: 'sum' });
      const again = getLoss(JSON.parse(JSON.stringify(loss)));
      expect(again.getConfig()).toEqual(loss.getConfig());
      expect(again.name).toBe(name);
    }
    expect(getLoss('huber', { delta: 2.5, reduction: 'none' }).getConfig()).toEqual({ name: 'huber', reduction: 'none', delta: 2.5 });
  });

  it('accepts Keras snake_case spellings and reduction aliases', () => {
    expect(getLoss('gaussian_nll', { eps: 1e-3 }).getConfig().eps).toBe(1e-3);
    expect(getLoss('mse', { reduction: 'mean_with_sample_weight' }).reduction).toBe('weighted_mean');
    expect(getLoss('mse', { reduction: null }).reduction).toBe('none');
  });

  it('returns a Loss passed to getLoss unchanged', () => {
    const loss = new Huber();
    expect(getLoss(loss)).toBe(loss);
  });
});

describe.each(BACKENDS)('semantics on %s', (backendName) => {
  useBackend(backendName);
  const yTrue = [[0, 1], [1, 1], [2, 0]];
  const yPred = [[1, 1], [1, 3], [2, 2]];
  // squared errors per row: [1, 0], [0, 4], [0, 4] -> per-sample means [0.5, 2, 2]

  it('reductions follow Keras (and weighted_mean PyTorch)', () => {
    expect(getLoss('mse').value(yTrue, yPred)).toBeCloseTo(1.5, 14);
    expect(getLoss('mse', { reduction: 'mean' }).value(yTrue, yPred)).toBeCloseTo(1.5, 14);
    expect(getLoss('mse', { reduction: 'sum' }).value(yTrue, yPred)).toBeCloseTo(4.5, 14);
    const none = getLoss('mse', { reduction: 'none' }).value(yTrue, yPred);
    expect(none.shape).toEqual([3]);
    expect(Array.from(none.data)).toEqual([0.5, 2, 2]);
    const w = [2, 0, 1];
    expect(getLoss('mse').value(yTrue, yPred, w)).toBeCloseTo(3 / 3, 14);
    expect(getLoss('mse', { reduction: 'weighted_mean' }).value(yTrue, yPred, w)).toBeCloseTo(3 / 3, 14);
    expect(getLoss('mse', { reduction: 'weighted_mean' }).value(yTrue, yPred, [1, 1, 2])).toBeCloseTo(6.5 / 4, 14);
  });

  it('all-zero weights give 0, not NaN, for every reduction (Keras divide_no_nan)', () => {
    for (const reduction of losskit.REDUCTIONS) {
      const { value, grad } = getLoss('mse', { reduction }).valueAndGrad(yTrue, yPred, [0, 0, 0]);
      const values = typeof value === 'number' ? [value] : Array.from(value.data);
      expect(values.every((v) => v === 0), reduction).toBe(true);
      expect(Array.from(grad.data).every((g) => g === 0), reduction).toBe(true);
    }
  });

  it('sample weights broadcast: a number, a leading shape, a trailing 1', () => {
    const t = { data: new Float64Array(12).fill(1), shape: [2, 3, 2] };
    const p = { data: Float64Array.from({ length: 12 }, (_, i) => i), shape: [2, 3, 2] };
    const loss = getLoss('mse', { reduction: 'sum' });
    const full = loss.value(t, p, { data: [1, 1, 1, 3, 3, 3], shape: [2, 3] });
    expect(loss.value(t, p, [1, 3])).toBe(full);
    expect(loss.value(t, p, { data: [1, 3], shape: [2, 1] })).toBe(full);
    expect(loss.value(t, p, 2)).toBeCloseTo(2 * loss.value(t, p), 12);
  });

  it('gradients are d(value)/d(yPred) for each reduction', () => {
    const grads = (reduction: losskit.Reduction) => Array.from(getLoss('mse', { reduction }).grad(yTrue, yPred).data);
    // d/dx of mean over L=2 of d^2 is d; /3 rows for sum_over_batch_size.
    expect(grads('sum')).toEqual([1, 0, 0, 2, 0, 2]);
    expect(grads('none')).toEqual([1, 0, 0, 2, 0, 2]);
    expect(grads('sum_over_batch_size').map((g) => g * 3)).toEqual([1, 0, 0, 2, 0, 2].map((g) => expect.closeTo(g, 14)));
  });

  it('1-D inputs are one sample', () => {
    const none = getLoss('mae', { reduction: 'none' }).value([1, 2, 3], [1, 2, 6]);
    expect(none.shape).toEqual([]);
    expect(Array.from(none.data)).toEqual([1]);
  });

  it('result dtype follows yPred', () => {
    const f32 = getLoss('mse', { reduction: 'none' }).valueAndGrad([[1, 2]], { data: new Float32Array([1, 3]), shape: [1, 2] });
    expect(f32.value.dtype).toBe('float32');
    expect(f32.value.data).toBeInstanceOf(Float32Array);
    expect(f32.grad.data).toBeInstanceOf(Float32Array);
    const f64 = getLoss('mse').valueAndGrad(new Float32Array([1, 2]), [1, 3]);
    expect(f64.grad.dtype).toBe('float64');
    expect(f64.grad.data).toBeInstanceOf(Float64Array);
  });

  it('accepts typed-array views at any element offset, and tfjs-like tensors', () => {
    for (const Ctor of [Float32Array, Float64Array]) {
      const buffer = new ArrayBuffer(Ctor.BYTES_PER_ELEMENT * 64);
      const yT = new Ctor(buffer, Ctor.BYTES_PER_ELEMENT * 3, 13).fill(0.5);
      const yP = new Ctor(buffer, Ctor.BYTES_PER_ELEMENT * 17, 13).map((_, i) => i / 10);
      const expected = getLoss('log_cosh').value(Array.from(yT), Array.from(yP));
      expect(getLoss('log_cosh').value(yT, yP)).toBeCloseTo(expected, Ctor === Float32Array ? 6 : 14);
    }
    const tfjsLike = { shape: [2, 2], dtype: 'float32', dataSync: () => new Float32Array([1, 2, 3, 4]) };
    expect(getLoss('mae').value(tfjsLike, { data: new Float32Array([1, 2, 3, 5]), shape: [2, 2] })).toBeCloseTo(0.25, 7);
  });

  it('yTrue of shape [B] pairs with yPred of shape [B, 1]', () => {
    expect(getLoss('mse').value([1, 2, 3], [[1], [2], [5]])).toBeCloseTo(4 / 3, 14);
  });

  it('valueAndGrad writes into out and returns it', () => {
    const out = new Float32Array(6);
    const loss = getLoss('huber');
    const pred = { data: new Float32Array([1, 1, 1, 3, 2, 2]), shape: [3, 2] };
    const first = loss.valueAndGrad(yTrue, pred, undefined, { out });
    expect(first.grad.data).toBe(out);
    out.fill(Number.NaN);
    const second = loss.valueAndGrad(yTrue, pred, undefined, { out });
    expect(second.grad.data).toBe(out);
    expect(second.value).toBe(first.value);
    expect(Array.from(out)).toEqual(Array.from(loss.grad(yTrue, pred).data));
    expect(Array.from(out).some((g) => g !== 0)).toBe(true);
  });

  it('positional and named inputs agree; variance can come either way', () => {
    const nll = getLoss('gaussian_nll', { full: true });
    const named = nll.value({ yTrue: [[1, 2]], yPred: [[1.5, 2.5]], variance: [[0.5, 2]] });
    expect(nll.value([[1, 2]], [[1.5, 2.5]], undefined, { variance: [[0.5, 2]] })).toBe(named);
    // PyTorch's homoscedastic form: one variance per sample broadcasts over the last axis.
    expect(nll.value({ yTrue: [[1, 2]], yPred: [[1.5, 2.5]], variance: [[0.5]] })).toBe(
      nll.value({ yTrue: [[1, 2]], yPred: [[1.5, 2.5]], variance: [[0.5, 0.5]] }),
    );
  });

  it('classes and functional forms agree with getLoss', () => {
    const t = [[0.2, 0.4], [1, -1]];
    const p = [[0.1, 0.9], [0.5, -2]];
    expect(new Huber({ delta: 0.3 }).value(t, p)).toBe(getLoss('huber', { delta: 0.3 }).value(t, p));
    expect(losskit.huber(t, p, { delta: 0.3 })).toBe(getLoss('huber', { delta: 0.3 }).value(t, p));
    expect(losskit.meanSquaredError(t, p, { sampleWeight: [1, 2], reduction: 'sum' })).toBe(
      new MeanSquaredError({ reduction: 'sum' }).value(t, p, [1, 2]),
    );
    expect(losskit.cosineSimilarity(t, p, { axis: 0 })).toBe(new CosineSimilarity({ axis: 0 }).value(t, p));
    expect(losskit.gaussianNll(t, p, { variance: [[1, 2], [3, 4]] })).toBe(getLoss('gaussian_nll').value({ yTrue: t, yPred: p, variance: [[1, 2], [3, 4]] }));
    const perSample = losskit.meanAbsoluteError(t, p, { reduction: 'none' }) as Tensor;
    expect(perSample.shape).toEqual([2]);
  });

  it('sparse labels may be Int32Array, Uint8Array, Uint16Array, numbers or [B, 1]', () => {
    const loss = getLoss('sparse_categorical_crossentropy', { fromLogits: true, reduction: 'none' });
    const logits = { data: new Float32Array([1, 2, 3, 3, 2, 1]), shape: [2, 3] };
    const expected = Array.from(loss.value(new Int32Array([2, 0]), logits).data);
    for (const labels of [new Uint8Array([2, 0]), new Uint16Array([2, 0]), [2, 0], [[2], [0]]]) {
      expect(Array.from(loss.value(labels, logits).data)).toEqual(expected);
    }
    // -log softmax([1, 2, 3])[2] = log(e + e^2 + e^3) - 3
    expect(expected[0]).toBeCloseTo(Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3, 6);
  });

  it('categorical losses reduce over config.axis when it is not the last', () => {
    const yTrue = [[1, 0], [0, 1], [0, 0]];
    const logits = [[2, -1], [0.5, 3], [1, 1]];
    const transposed = (m: number[][]) => m[0]!.map((_, j) => m.map((row) => row[j]!));
    const lastAxis = getLoss('categorical_crossentropy', { fromLogits: true, reduction: 'none' }).valueAndGrad(transposed(yTrue), transposed(logits));
    const axis0 = getLoss('categorical_crossentropy', { fromLogits: true, axis: 0, reduction: 'none' }).valueAndGrad(yTrue, logits);
    expect(Array.from(axis0.value.data)).toEqual(Array.from(lastAxis.value.data));
    expect(Array.from(axis0.grad.data)).toEqual(transposed([Array.from(lastAxis.grad.data.slice(0, 3)), Array.from(lastAxis.grad.data.slice(3))]).flat());
  });

  it('cosine similarity is the negative cosine, with per-sample shape without the axis', () => {
    const value = getLoss('cosine_similarity', { reduction: 'none' }).value([[1, 0], [0, 1]], [[1, 1], [0, 2]]);
    expect(Array.from(value.data)).toEqual([expect.closeTo(-Math.SQRT1_2, 14), expect.closeTo(-1, 14)]);
    const axis0 = getLoss('cosine_similarity', { axis: 0, reduction: 'none' }).value({ data: new Float64Array(24).fill(1), shape: [2, 3, 4] }, { data: new Float64Array(24).fill(2), shape: [2, 3, 4] });
    expect(axis0.shape).toEqual([3, 4]);
  });
});

describe('backend selection', () => {
  it('reports and switches backends', () => {
    expect(losskit.setBackend('js')).toBe('js');
    expect(losskit.backend()).toBe('js');
    expect(losskit.capabilities().backend).toBe('js');
    expect(() => losskit.setBackend('gpu' as never)).toThrow(/must be one of 'auto', 'native', 'js'/);
    losskit.setBackend('auto');
    expect(['js', 'native-avx512', 'native-avx2', 'native-scalar']).toContain(losskit.backend());
  });
});
