// The NaN and infinity policy of README "### NaN and infinities", on every registered loss x
// every backend x float32/float64:
//
// - NaN in a prediction element that a sample's loss reads makes that sample's value NaN, the
//   reduced value NaN, and the gradient at that element NaN; samples that do not read it keep
//   non-NaN values and gradients (no leak across samples). Clips, max(0, .) and ReLU-like
//   branches never hide it.
// - NaN in a float label (yTrue, pair labels, feature_matching's target) does the same for its
//   sample. Integer labels (sparse classes, CTC targets and lengths) are validated instead.
// - +-Infinity follows the formula (clips and limits apply): it may give a finite, infinite or
//   NaN result, but the same kind of result on every backend as on the JS reference.
//
// Positions are chosen at the start, in the middle and at the tail of a row of 37 (past the last
// full 8- or 16-lane vector), so the vector bodies and the scalar tails are both covered.
import { describe, expect, it } from 'vitest';
import { getLoss, setBackend, type BackendName, type Tensor } from '../lib/index';
import { BACKENDS } from './helpers/backends';
import { rng, uniform } from './helpers/random';

type Dtype = 'float32' | 'float64';
type Inputs = Record<string, unknown>;
type FloatArray = Float32Array | Float64Array;

interface Case {
  name: string;
  options?: Record<string, unknown>;
  make(F: typeof Float32Array | typeof Float64Array, random: () => number): Inputs;
  /** Differentiable float inputs ("predictions"): path in the inputs, gradient key. */
  predictions: Array<{ path: string; grad: string | null }>;
  /** Float label inputs (NaN propagates from these as well). */
  labels: string[];
  /** The sample (index into the reduction 'none' value) that flat index i of an input feeds;
   * null when that element is not read (CTC frames past the input length). */
  sampleOf(path: string, i: number): number | null;
  /** The gradient a NaN label is checked through (default: the first prediction's). */
  labelGrad?(path: string): string;
  /** CTC: an element the value does not read although its frame is read (a class on no path
   * of the item); its gradient is NaN with gradForm 'torch' (exp(lp)) and 0 with 'exact'. */
  offPath?(i: number): boolean;
  /** Flat indices of an input to poison (defaults: start, middle and tail of row 1). */
  positions?(path: string): number[];
}

const B = 3;
const C = 37;
const ROW = (i: number) => Math.floor(i / C);
const ROW_POSITIONS = [C, C + 17, C + 36];

function tensor(F: typeof Float32Array | typeof Float64Array, random: () => number, shape: number[], lo: number, hi: number) {
  return { data: F.from(uniform(random, shape.reduce((a, b) => a * b, 1), lo, hi)), shape };
}
function binary(F: typeof Float32Array | typeof Float64Array, random: () => number, shape: number[]) {
  return { data: F.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (random() < 0.5 ? 0 : 1)), shape };
}
function oneHot(F: typeof Float32Array | typeof Float64Array, random: () => number) {
  const data = new F(B * C);
  for (let b = 0; b < B; b++) data[b * C + Math.floor(random() * C)] = 1;
  return { data, shape: [B, C] };
}
function probabilities(F: typeof Float32Array | typeof Float64Array, random: () => number) {
  const data = F.from(uniform(random, B * C, 0.05, 1));
  for (let b = 0; b < B; b++) {
    let sum = 0;
    for (let c = 0; c < C; c++) sum += data[b * C + c] as number;
    for (let c = 0; c < C; c++) data[b * C + c] = (data[b * C + c] as number) / sum;
  }
  return { data, shape: [B, C] };
}

/** A loss on yTrue/yPred of shape [B, C], one sample per row. */
function rowCase(
  name: string,
  options: Record<string, unknown> | undefined,
  yTrue: (F: typeof Float32Array | typeof Float64Array, random: () => number) => unknown,
  yPred: [number, number] | 'probabilities',
  extra: Partial<Case> = {},
): Case {
  return {
    name,
    options,
    make: (F, random) => ({
      yTrue: yTrue(F, random),
      yPred: yPred === 'probabilities' ? probabilities(F, random) : tensor(F, random, [B, C], yPred[0], yPred[1]),
    }),
    predictions: [{ path: 'yPred', grad: 'grad' }],
    labels: ['yTrue'],
    sampleOf: (_path, i) => ROW(i),
    ...extra,
  };
}

const real = (lo: number, hi: number) => (F: typeof Float32Array | typeof Float64Array, random: () => number) => tensor(F, random, [B, C], lo, hi);

const CASES: Case[] = [
  rowCase('mean_squared_error', undefined, real(-3, 3), [-3, 3]),
  rowCase('mean_absolute_error', undefined, real(-3, 3), [-3, 3]),
  rowCase('huber', { delta: 0.7 }, real(-3, 3), [-3, 3]),
  rowCase('smooth_l1', { beta: 0.5 }, real(-3, 3), [-3, 3]),
  rowCase('smooth_l1', { beta: 0 }, real(-3, 3), [-3, 3]),
  rowCase('log_cosh', undefined, real(-3, 3), [-3, 3]),
  // Both sides of the eps clip of yPred (values below 1e-7 are clipped).
  rowCase('mean_squared_logarithmic_error', undefined, real(-0.5, 5), [-0.5, 5]),
  rowCase('mean_absolute_percentage_error', undefined, real(0.1, 5), [-5, 5]),
  rowCase('quantile', { quantile: 0.3 }, real(-3, 3), [-3, 3]),
  rowCase('poisson', undefined, real(0, 5), [0, 5]),
  {
    ...rowCase('gaussian_nll', { full: true }, real(-3, 3), [-3, 3]),
    make: (F, random) => ({ yTrue: tensor(F, random, [B, C], -3, 3), yPred: tensor(F, random, [B, C], -3, 3), variance: tensor(F, random, [B, C], 0, 3) }),
    // The predicted variance is a prediction too (its clamp at eps must not hide NaN).
    predictions: [{ path: 'yPred', grad: 'grad' }, { path: 'variance', grad: null }],
  },
  rowCase('cosine_similarity', undefined, real(-1, 1), [-1, 1]),
  rowCase('binary_crossentropy', { fromLogits: true }, (F, r) => binary(F, r, [B, C]), [-30, 30]),
  // Probabilities on both sides of the [1e-7, 1 - 1e-7] clip.
  rowCase('binary_crossentropy', { labelSmoothing: 0.1 }, (F, r) => binary(F, r, [B, C]), [-0.1, 1.1]),
  {
    ...rowCase('binary_crossentropy', { fromLogits: true, posWeight: Array.from({ length: C }, (_, c) => 0.5 + c / 10) }, (F, r) => binary(F, r, [B, C]), [-8, 8]),
  },
  rowCase('binary_focal_crossentropy', { fromLogits: true, applyClassBalancing: true }, (F, r) => binary(F, r, [B, C]), [-40, 40]),
  // (Probabilities outside [0, 1] make (1 - p_t)^gamma NaN by itself.)
  rowCase('binary_focal_crossentropy', { gamma: 1.5, labelSmoothing: 0.1 }, (F, r) => binary(F, r, [B, C]), [0, 1]),
  rowCase('binary_focal_crossentropy', { gamma: 0 }, (F, r) => binary(F, r, [B, C]), [0, 1]),
  // Margins met and not met: max(0, 1 - y x) is 0 for most of [-5, 5].
  rowCase('hinge', undefined, (F, r) => binary(F, r, [B, C]), [-5, 5]),
  rowCase('squared_hinge', undefined, real(-1, 1), [-5, 5]),
  rowCase('categorical_crossentropy', { fromLogits: true, labelSmoothing: 0.1 }, oneHot, [-20, 20]),
  rowCase('categorical_crossentropy', undefined, oneHot, 'probabilities'),
  rowCase('categorical_focal_crossentropy', { fromLogits: true }, oneHot, [-5, 5]),
  rowCase('categorical_focal_crossentropy', { gamma: 0.5 }, oneHot, 'probabilities'),
  rowCase('categorical_hinge', undefined, oneHot, [-2, 2]),
  rowCase('kl_divergence', undefined, (F, r) => probabilities(F, r), 'probabilities'),
  rowCase('js_divergence', undefined, (F, r) => probabilities(F, r), 'probabilities'),
  ...[{ fromLogits: true }, {}, { fromLogits: true, ignoreClass: 5 }].map((options) => ({
    ...rowCase('sparse_categorical_crossentropy', options, () => ({ data: Int32Array.from([3, 1, 4]), shape: [B] }), options.fromLogits ? [-20, 20] as [number, number] : 'probabilities'),
    labels: [],
  })),
  rowCase('dice', undefined, (F, r) => binary(F, r, [B, C]), [0, 1]),
  rowCase('iou', { smooth: 0.5 }, (F, r) => binary(F, r, [B, C]), [0, 1]),
  rowCase('tversky', { alpha: 0.3, beta: 0.7 }, (F, r) => binary(F, r, [B, C]), [0, 1]),
  ...[{ p: 2 }, { p: 1, swap: true }, { p: 2, margin: 0 }].map((options): Case => ({
    name: 'triplet_margin',
    options,
    make: (F, random) => ({ anchor: tensor(F, random, [B, C], -1, 1), positive: tensor(F, random, [B, C], -1, 1), negative: tensor(F, random, [B, C], -1, 1) }),
    predictions: ['anchor', 'positive', 'negative'].map((path) => ({ path, grad: path })),
    labels: [],
    sampleOf: (_path, i) => ROW(i),
  })),
  ...['contrastive', 'cosine_embedding'].map((name): Case => ({
    name,
    options: { margin: 0.5 },
    make: (F, random) => ({
      x1: tensor(F, random, [B, C], -1, 1),
      x2: tensor(F, random, [B, C], -1, 1),
      labels: F.from([1, name === 'contrastive' ? 0 : -1, 1]),
    }),
    predictions: [{ path: 'x1', grad: 'x1' }, { path: 'x2', grad: 'x2' }],
    labels: ['labels'],
    sampleOf: (path, i) => (path === 'labels' ? i : ROW(i)),
    positions: (path) => (path === 'labels' ? [1] : ROW_POSITIONS),
  })),
  {
    name: 'contrastive',
    options: { margin: 2 },
    make: (F, random) => ({ distances: F.from(uniform(random, 40, 0, 3)), labels: F.from({ length: 40 }, (_, i) => i % 2) }),
    predictions: [{ path: 'distances', grad: 'distances' }],
    labels: ['labels'],
    sampleOf: (_path, i) => i,
    positions: () => [0, 20, 39],
  },
  {
    name: 'margin_ranking',
    options: { margin: 0.1 },
    make: (F, random) => ({ x1: F.from(uniform(random, 40, -1, 1)), x2: F.from(uniform(random, 40, -1, 1)), labels: F.from({ length: 40 }, (_, i) => (i % 3 ? 1 : -1)) }),
    predictions: [{ path: 'x1', grad: 'x1' }, { path: 'x2', grad: 'x2' }],
    labels: ['labels'],
    sampleOf: (_path, i) => i,
    positions: () => [0, 20, 39],
  },
  ...['l1', 'l2'].map((distance): Case => ({
    name: 'feature_matching',
    options: { distance, layerWeights: [1, 0.5] },
    make: (F, random) => ({
      predicted: [tensor(F, random, [B, C], -1, 1), tensor(F, random, [B, 5, 3], -1, 1)],
      target: [tensor(F, random, [B, C], -1, 1), tensor(F, random, [B, 5, 3], -1, 1)],
    }),
    predictions: [{ path: 'predicted.0', grad: 'predicted.0' }, { path: 'predicted.1', grad: 'predicted.1' }],
    labels: ['target.0', 'target.1'],
    labelGrad: (path) => path.replace('target', 'predicted'),
    sampleOf: (path, i) => Math.floor(i / (path.endsWith('.0') ? C : 15)),
    positions: (path) => (path.endsWith('.0') ? ROW_POSITIONS : [15, 22, 29]),
  })),
];

// CTC: logProbs [T, B, K]; item 1 reads frames t < 7 only. Target classes of item 1: 1, 2, 2.
const T = 9;
const K = 5;
const CTC_LENGTHS = Int32Array.from([9, 7, 9]);
for (const gradForm of ['exact', 'torch']) {
  CASES.push({
    name: 'ctc',
    options: { gradForm },
    make: (F, random) => {
      const data = F.from(uniform(random, T * B * K, -3, 0));
      for (let f = 0; f < T * B; f++) {
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(data[f * K + k] as number);
        for (let k = 0; k < K; k++) data[f * K + k] = (data[f * K + k] as number) - Math.log(sum);
      }
      return {
        logProbs: { data, shape: [T, B, K] },
        targets: { data: Int32Array.from([1, 2, 3, 1, 2, 2, 4, 4, 1]), shape: [B, 3] },
        inputLengths: CTC_LENGTHS,
        targetLengths: Int32Array.from([3, 3, 2]),
      };
    },
    predictions: [{ path: 'logProbs', grad: 'grad' }],
    labels: [],
    sampleOf: (_path, i) => {
      const b = Math.floor(i / K) % B;
      const t = Math.floor(i / (B * K));
      return t < (CTC_LENGTHS[b] as number) ? b : null;
    },
    offPath: (i) => i === (6 * B + 1) * K + 4,
    // Item 1 at t = 0, 3, 6: the blank, a target class, a class on no path; and t = 8 (past
    // its input length: not read).
    positions: () => [(0 * B + 1) * K + 0, (3 * B + 1) * K + 2, (6 * B + 1) * K + 4, (8 * B + 1) * K + 2],
  });
}

function read(inputs: Inputs, path: string): FloatArray {
  const [key, index] = path.split('.') as [string, string | undefined];
  let value = inputs[key] as unknown;
  if (index !== undefined) value = (value as unknown[])[Number(index)];
  return (ArrayBuffer.isView(value) ? value : (value as { data: FloatArray }).data) as FloatArray;
}

function run(c: Case, backendName: BackendName, inputs: Inputs, reduction: 'none' | 'sum') {
  setBackend(backendName);
  const result = getLoss(c.name, { ...c.options, reduction }).valueAndGrad(inputs);
  const grads: Record<string, FloatArray> = { grad: result.grad.data as FloatArray };
  for (const [key, value] of Object.entries(result.grads ?? {})) grads[key] = value.data as FloatArray;
  return { value: result.value as Tensor | number, grads };
}

function clone(inputs: Inputs): Inputs {
  return structuredClone(inputs);
}

/** Losses whose gradient for an infinite prediction is only required to agree among the native
 * ISAs (the JS reference differs in which entries of the row are NaN or 0). */
const INF_GRADIENT_NATIVE_ONLY = new Set(['categorical_crossentropy', 'kl_divergence', 'js_divergence', 'sparse_categorical_crossentropy', 'triplet_margin']);

const kind = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : 'finite');

const label = (c: Case) => `${c.name} ${JSON.stringify(c.options ?? {}).replace(/,"posWeight":\[[^\]]*\]/, ',"posWeight":[...]')}`;

describe.each(BACKENDS)('NaN and infinity policy on %s', (backendName) => {
  for (const c of CASES) {
    for (const dtype of ['float32', 'float64'] as const) {
      const F = dtype === 'float32' ? Float32Array : Float64Array;
      it(`${label(c)} ${dtype}`, async () => {
        const base = c.make(F, rng(c.name.length * 31 + dtype.length));
        // The clean inputs give no NaN anywhere, so every NaN below comes from the poison.
        const clean = run(c, backendName, base, 'none');
        for (const v of (clean.value as Tensor).data) expect(Number.isNaN(v), `${label(c)} clean value`).toBe(false);
        for (const [key, g] of Object.entries(clean.grads)) expect(g.some(Number.isNaN), `${label(c)} clean grad ${key}`).toBe(false);

        const poisonable = [...c.predictions.map((p) => ({ ...p, isLabel: false })), ...c.labels.map((path) => ({ path, grad: null as string | null, isLabel: true }))];
        for (const { path, grad, isLabel } of poisonable) {
          for (const i of c.positions?.(path) ?? ROW_POSITIONS) {
            const where = `${label(c)} ${dtype} ${path}[${i}]`;
            const offPath = c.offPath?.(i) === true;
            const sample = offPath ? null : c.sampleOf(path, i);
            // NaN.
            const inputs = clone(base);
            read(inputs, path)[i] = NaN;
            const none = run(c, backendName, inputs, 'none');
            const values = (none.value as Tensor).data;
            for (let s = 0; s < values.length; s++) {
              expect(Number.isNaN(values[s] as number), `${where}: NaN in the value of sample ${s}`).toBe(s === sample);
            }
            const total = run(c, backendName, inputs, 'sum').value as number;
            expect(Number.isNaN(total), `${where}: NaN in the summed value`).toBe(sample !== null);
            const gradKey = grad ?? (isLabel ? (c.labelGrad?.(path) ?? primaryGrad(c)) : path === 'variance' ? primaryGrad(c) : null);
            if (gradKey !== null) {
              const g = none.grads[gradKey] as FloatArray;
              const at = g[index(c, path, gradKey, i)] as number;
              if (offPath) {
                expect(Number.isNaN(at), `${where}: gradient of a class on no path`).toBe(c.options?.gradForm === 'torch');
                if (c.options?.gradForm !== 'torch') expect(at, `${where}: exact gradient of a class on no path`).toBe(0);
              } else if (sample !== null) {
                expect(at, `${where}: gradient ${gradKey} at the element`).toBeNaN();
              } else {
                expect(at, `${where}: gradient of an element that is not read`).toBe(0);
              }
            }
            // No gradient of a sample that does not read the element turns NaN.
            for (const [key, g] of Object.entries(none.grads)) {
              const poisonedRows = new Set<number>();
              g.forEach((v, j) => {
                if (Number.isNaN(v) && !(offPath && j === i)) poisonedRows.add(c.sampleOf(gradPath(c, key), j) as number);
              });
              for (const row of poisonedRows) expect(row, `${where}: NaN in gradient ${key} of another sample`).toBe(sample);
            }
            // The async twin gives the same.
            setBackend(backendName);
            const viaAsync = await getLoss(c.name, { ...c.options, reduction: 'sum' }).valueAndGradAsync(inputs);
            expect(Number.isNaN(viaAsync.value as number), `${where}: NaN in the async value`).toBe(sample !== null);

            // +-Infinity: the same kind of result (NaN, +-Inf or finite) as the JS reference.
            if (backendName === 'js' || isLabel) continue;
            for (const poison of [Infinity, -Infinity]) {
              const infinite = clone(base);
              read(infinite, path)[i] = poison;
              const at = `${where} = ${poison}`;
              let want: ReturnType<typeof run>;
              try {
                want = run(c, 'js', infinite, 'none');
              } catch (error) {
                // Rejected by the argument checks (a variance of -Infinity): on every backend.
                const code = (error as { code?: string }).code;
                expect(() => run(c, backendName, infinite, 'none'), at).toThrow(expect.objectContaining({ code }));
                continue;
              }
              const got = run(c, backendName, infinite, 'none');
              expect(Array.from((got.value as Tensor).data, kind), `${at}: value kinds`).toEqual(Array.from((want.value as Tensor).data, kind));
              // Where the gradient of the row is indeterminate (inf/inf, inf - inf through a
              // softmax, a renormalisation or a norm) the native kernels agree with each other,
              // not necessarily with the JS reference (README).
              const reference = INF_GRADIENT_NATIVE_ONLY.has(c.name) ? (backendName === 'native-scalar' ? null : run(c, 'native-scalar', infinite, 'none')) : want;
              if (reference === null) continue;
              for (const key of Object.keys(want.grads)) {
                expect(Array.from(got.grads[key] as FloatArray, kind), `${at}: gradient ${key} kinds`).toEqual(Array.from(reference.grads[key] as FloatArray, kind));
              }
            }
          }
        }
      });
    }
  }
});

/** The gradient a label or the variance is checked through: the primary input's. */
function primaryGrad(c: Case): string {
  return c.predictions[0]!.grad ?? 'grad';
}
/** The input a gradient belongs to. */
function gradPath(c: Case, key: string): string {
  if (key === 'grad') return c.predictions[0]!.path;
  return c.predictions.find((p) => p.grad === key)?.path ?? key;
}
/** The flat index in gradient `key` of element i of input `path` (same layout, or the label's
 * own sample for per-sample labels). */
function index(c: Case, path: string, key: string, i: number): number {
  if (read(c.make(Float64Array, rng(0)), path).length === read(c.make(Float64Array, rng(0)), gradPath(c, key)).length) return i;
  return i * C; // a per-sample label (pair losses): the first element of its row
}

describe.each(BACKENDS)('NaN policy edges on %s', (backendName) => {
  it('a sample weight of 0 does not hide a NaN sample (0 * NaN is NaN)', () => {
    setBackend(backendName);
    for (const [name, yTrue] of [['mean_squared_error', Float32Array.from({ length: 2 * C }, (_, i) => i % 3)], ['categorical_crossentropy', Float32Array.from({ length: 2 * C }, (_, i) => (i % C === 2 ? 1 : 0))]] as const) {
      const yPred = Float32Array.from({ length: 2 * C }, (_, i) => 0.01 + (i % 5) / 10);
      yPred[C + 3] = NaN;
      const weights = { data: Float32Array.from([1, 0]), shape: [2] };
      const result = getLoss(name, { reduction: 'sum' }).valueAndGrad({ yTrue: { data: yTrue, shape: [2, C] }, yPred: { data: yPred, shape: [2, C] }, sampleWeight: weights });
      expect(result.value, name).toBeNaN();
      expect(result.grad.data[C + 3], name).toBeNaN();
    }
  });

  it('sparse_categorical_crossentropy does not read rows labelled ignoreClass', () => {
    setBackend(backendName);
    const yPred = { data: Float64Array.from([NaN, 1, 2, 0, 1, 2]), shape: [2, 3] };
    const result = getLoss('sparse_categorical_crossentropy', { fromLogits: true, ignoreClass: 1, reduction: 'none' }).valueAndGrad({ data: Int32Array.from([1, 2]), shape: [2] }, yPred);
    expect((result.value as Tensor).data[0]).toBe(0);
    expect(Array.from(result.grad.data.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Number.isNaN((result.value as Tensor).data[1])).toBe(false);
  });

  it('a NaN integer label is an error, not a NaN', () => {
    setBackend(backendName);
    const call = () => getLoss('sparse_categorical_crossentropy').value({ data: Float32Array.from([NaN, 2]), shape: [2] }, { data: Float32Array.from([0.2, 0.3, 0.5, 0.1, 0.1, 0.8]), shape: [2, 3] });
    expect(call).toThrow(expect.objectContaining({ code: 'LOSSKIT_INVALID_TYPE' }));
  });
});

describe.each(BACKENDS.filter((b) => b !== 'js'))('async inputs written before the promise settles on %s', (backendName) => {
  it('give some result without a crash, and later calls are unaffected (README)', async () => {
    setBackend(backendName);
    const n = 1 << 18;
    const yTrue = { data: Float32Array.from({ length: n }, (_, i) => Math.sin(i)), shape: [512, 512] };
    const yPred = { data: Float32Array.from({ length: n }, (_, i) => Math.cos(i)), shape: [512, 512] };
    const loss = getLoss('huber');
    const pending = loss.valueAndGradAsync(yTrue, yPred);
    yPred.data.fill(NaN); // races with the kernel: the result is unspecified, but memory-safe
    yTrue.data.fill(3);
    const raced = await pending;
    expect(typeof raced.value).toBe('number');
    expect(raced.grad.data).toHaveLength(n);
    yPred.data.fill(1);
    const settled = await loss.valueAndGradAsync(yTrue, yPred);
    expect(settled.value).toBe(loss.value(yTrue, yPred));
    expect(settled.value).toBe(1.5); // delta (|d| - delta / 2) with d = 2, delta = 1
  });
});
