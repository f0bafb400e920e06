/**
 * The workloads: each loss, its options, sizes, inputs, plain loop, correctness tolerance, and
 * what the peers (PyTorch, TensorFlow.js) and the reference figures say about it.
 */

import {
  HUBER_DELTA, TRIPLET_MARGIN, plainBceLogitsValue, plainBceLogitsValueAndGrad, plainHuberValue,
  plainHuberValueAndGrad, plainMaeValue, plainMaeValueAndGrad, plainMseValue, plainMseValueAndGrad,
  plainSparseCeValue, plainSparseCeValueAndGrad, plainTripletValue, plainTripletValueAndGrad,
} from './plain-loops.mjs';
import { binaryInputs, ctcInputs, regressionInputs, sparseInputs, tripletInputs } from './inputs.mjs';

export const DEFAULTS = {
  rounds: 11,
  targetMs: 25,
  warmupMs: 60,
};

/** Rows whose single calls take about a second for the slow contenders (the plain loop, the JS
 * fallback, the portable kernels, TensorFlow.js) run HEAVY_ROUNDS rounds by default instead of
 * DEFAULTS.rounds, from the workload's `heavyFrom` elements up: bce at 16M (0.3-1.2 s a call),
 * scce (TensorFlow.js: 4 s a call at [4096, 1000]), ctc at [500, 16, 5000] (the JS fallback:
 * 0.4-0.8 s). */
export const HEAVY_ROUNDS = 7;

/** Arrays from this many elements up are "large": the memory-bandwidth limit is timed on them
 * and every contender is reported as a fraction of it. */
export const LIMIT_MIN_ELEMENTS = 262144;

/** The PyTorch 1.13 CPU figures (one thread), used where PyTorch is not installed:
 * ns per element (per logit for scce), ms per call for ctc. */
const PYTORCH_REFERENCE = 'PyTorch 1.13 CPU, 1 thread (the issue\'s reference figures)';

/** 1-D sizes: yTrue and yPred both [n]. */
const oneD = (n) => ({ n, label: `N=${n}`, key: String(n), shape: [n], trueShape: [n], trueLength: n });

/** The fields every 1-D regression workload shares. */
const regression = {
  defaultSizes: [64, 4096, 262144, 16777216],
  ops: ['value', 'valueAndGrad'],
  rtol: 1e-5,
  bytesPerElement: { value: 8, valueAndGrad: 12 }, // float32 reads (+ the gradient write)
  oneD: true,
  generate: regressionInputs,
  describe: (set, i) => `yTrue ${set.yTrue[i]}, yPred ${set.yPred[i]}`,
  // TensorFlow.js (cpu backend) takes 60-700 ns per element: 16M would take a second a call.
  tfjsMaxElements: 262144,
};

export const WORKLOADS = {
  mse: {
    ...regression,
    lossName: 'mean_squared_error',
    title: 'MSE',
    options: { reduction: 'sum_over_batch_size' },
    plain: { value: plainMseValue, valueAndGrad: plainMseValueAndGrad, extra: [] },
    pytorch: { fn: 'mse_loss' },
    pytorchReference: { value: { 16777216: 1.97 }, valueAndGrad: { 16777216: 3.86 } },
    tfjs: 'meanSquaredError',
  },
  mae: {
    ...regression,
    lossName: 'mean_absolute_error',
    title: 'MAE',
    options: { reduction: 'sum_over_batch_size' },
    plain: { value: plainMaeValue, valueAndGrad: plainMaeValueAndGrad, extra: [] },
    pytorch: { fn: 'l1_loss' },
    tfjs: 'absoluteDifference',
  },
  huber: {
    ...regression,
    lossName: 'huber',
    title: `Huber (delta ${HUBER_DELTA})`,
    options: { delta: HUBER_DELTA, reduction: 'sum_over_batch_size' },
    plain: { value: plainHuberValue, valueAndGrad: plainHuberValueAndGrad, extra: [HUBER_DELTA] },
    pytorch: { fn: 'huber_loss', delta: HUBER_DELTA },
    tfjs: 'huberLoss',
  },
  bce: {
    ...regression,
    lossName: 'binary_crossentropy',
    title: 'Binary cross-entropy (fromLogits)',
    options: { fromLogits: true, reduction: 'sum_over_batch_size' },
    defaultSizes: [4096, 262144, 16777216],
    plain: { value: plainBceLogitsValue, valueAndGrad: plainBceLogitsValueAndGrad, extra: [] },
    // float32 transcendental kernels (exp, log1p) are not correctly rounded: 1e-4, not 1e-5.
    rtol: 1e-4,
    heavyFrom: 16777216,
    heavyNote: 'bce 16M: one call of the plain loop, the JS fallback or the portable kernels takes 0.3-1.2 s',
    generate: binaryInputs,
    describe: (set, i) => `label ${set.yTrue[i]}, logit ${set.yPred[i]}`,
    pytorch: { fn: 'binary_cross_entropy_with_logits' },
    pytorchReference: { valueAndGrad: { 16777216: 14.4 } },
    tfjs: 'sigmoidCrossEntropy',
  },
  scce: {
    lossName: 'sparse_categorical_crossentropy',
    title: 'Sparse categorical cross-entropy (fromLogits)',
    options: { fromLogits: true, reduction: 'sum_over_batch_size' },
    defaultShapes: [[4096, 1000], [256, 32000]],
    ops: ['valueAndGrad'],
    plain: { value: plainSparseCeValue, valueAndGrad: plainSparseCeValueAndGrad, extra: [] },
    rtol: 1e-4,
    // The logits read (+ the gradient write), per logit; the labels (4 bytes a row) are ignored.
    bytesPerElement: { value: 4, valueAndGrad: 8 },
    heavyFrom: 4000000,
    heavyNote: 'scce: one call of TensorFlow.js takes about 4 s at [4096, 1000]',
    generate: sparseInputs,
    describe(set, i) {
      const c = set.yPred.length / set.yTrue.length;
      const row = Math.floor(i / c);
      return `row ${row}, class ${i - row * c}, label ${set.yTrue[row]}, logit ${set.yPred[i]}`;
    },
    pytorch: { fn: 'cross_entropy' },
    pytorchReference: { valueAndGrad: { '4096x1000': 1.46 } },
    // One-hot labels and softmaxCrossEntropy, as a TensorFlow.js user writes it; [256, 32000]
    // takes 10 s a call there.
    tfjs: 'softmaxCrossEntropy',
    tfjsMaxElements: 4096000,
  },
  // The structured workloads take named inputs (`structured`), are timed in ms per call, and
  // may have several gradients (`gradNames`, the first one the `out` buffer).
  ctc: {
    lossName: 'ctc',
    title: 'CTC (reduction mean; log-softmax [T, B, C], Int32 targets [B, S], full lengths)',
    options: { reduction: 'mean' },
    structured: true,
    defaultShapes: [[100, 32, 28, 30], [500, 16, 5000, 100]],
    shapesOption: 'ctcShapes',
    shapeHead: 'T x B x C x S',
    size([t, b, c, s]) {
      return { n: t * b * c, label: `${t}x${b}x${c}x${s}`, key: `${t}x${b}x${c}x${s}`, shape: [t, b, c], dims: { T: t, B: b, C: c, S: s } };
    },
    ops: ['valueAndGrad'],
    // No plain loop: CTC is a forward-backward recursion over the alignment lattice in log space
    // (lib/losses/ctc-kernel.ts), and a hand-written one would be the JS fallback's algorithm
    // again. The JS fallback is the reference of the correctness check and the ratios' baseline.
    baseline: 'js',
    noPlain: 'no plain loop for CTC (a hand-written forward-backward would be the JS fallback\'s own algorithm); ratios are vs the JS fallback',
    plain: null,
    gradNames: ['logProbs'],
    rtol: 1e-4,
    // Per log-prob: the read (+ the gradient write, all T x B x C of it).
    bytesPerElement: { value: 4, valueAndGrad: 8 },
    heavyFrom: 16777216,
    heavyNote: 'ctc [500, 16, 5000]: one call of the JS fallback takes 0.4-0.8 s',
    pytorch: { fn: 'ctc_loss' },
    pytorchReference: { valueAndGrad: { '100x32x28x30': 6.0 } },
    generate: ctcInputs,
    describe(set, name, i) {
      const { B, C, S } = set.dims;
      const t = Math.floor(i / (B * C));
      const b = Math.floor(i / C) % B;
      const c = i % C;
      const inTarget = set.targets.subarray(b * S, (b + 1) * S).includes(c);
      return `t ${t}, item ${b}, class ${c}${c === 0 ? ' (blank)' : inTarget ? ' (in the target)' : ''}, logProb ${set.logProbs[i]}`;
    },
    touch() {
      const [t, b, c, s] = [6, 2, 5, 2];
      return {
        inputs: {
          logProbs: { data: new Float32Array(t * b * c).fill(Math.log(1 / c)), shape: [t, b, c] },
          targets: { data: new Int32Array([1, 2, 3, 3]), shape: [b, s] },
          inputLengths: new Int32Array(b).fill(t),
          targetLengths: new Int32Array(b).fill(s),
        },
        out: new Float32Array(t * b * c),
      };
    },
  },
  triplet: {
    lossName: 'triplet_margin',
    title: `Triplet margin (p 2, margin ${TRIPLET_MARGIN}; anchor, positive, negative [B, D])`,
    options: {},
    structured: true,
    defaultShapes: [[4096, 512]],
    shapesOption: 'tripletShapes',
    shapeHead: 'B x D',
    size([b, d]) {
      return { n: b * d, label: `${b}x${d}`, key: `${b}x${d}`, shape: [b, d], dims: { B: b, D: d } };
    },
    ops: ['valueAndGrad'],
    baseline: 'plain',
    plain: { value: plainTripletValue, valueAndGrad: plainTripletValueAndGrad },
    gradNames: ['anchor', 'positive', 'negative'],
    rtol: 1e-4,
    // Per element of one [B, D] input: three reads (+ three gradient writes).
    bytesPerElement: { value: 12, valueAndGrad: 24 },
    generate: tripletInputs,
    pytorch: { fn: 'triplet_margin_loss', margin: TRIPLET_MARGIN },
    describe(set, name, i) {
      const row = Math.floor(i / set.dims.D);
      return `row ${row}, anchor ${set.anchor[i]}, positive ${set.positive[i]}, negative ${set.negative[i]}, ` +
        `hinge ${set.gaps[row].toPrecision(4)} by construction`;
    },
    touch() {
      const a = new Float32Array(8).map((_, i) => (i % 3) - 1);
      return {
        inputs: {
          anchor: { data: a, shape: [2, 4] },
          positive: { data: a.map((x, i) => x + 0.25 * (i % 2)), shape: [2, 4] },
          negative: { data: a.map((x, i) => x - 0.5 * (i % 3)), shape: [2, 4] },
        },
        out: new Float32Array(8),
      };
    },
  },
};

/** The per-call overhead section: a whole MSE `value` call at N = 1 and 64, in ns per call, for
 * the default backend, the native kernels forced, the JS fallback forced and the plain loop. */
WORKLOADS.overhead = {
  ...WORKLOADS.mse,
  title: 'Per-call overhead (MSE value, whole call)',
  defaultSizes: [1, 64],
  ops: ['value'],
  perCall: true,
  onlyContenders: ['losskit', 'native-1t', 'js', 'plain'],
  pytorch: null,
  pytorchReference: null,
  tfjs: null,
};

export const ONE_D = Object.keys(WORKLOADS).filter((id) => WORKLOADS[id].oneD && !WORKLOADS[id].perCall);
export { PYTORCH_REFERENCE };

/** The sizes a workload runs at: {n (elements of yPred), label, key, shape, trueShape, trueLength}
 * (structured workloads: {n, label, key, shape, dims}). */
export function sizesOf(id, opts) {
  const w = WORKLOADS[id];
  if (w.structured) return (opts[w.shapesOption] ?? w.defaultShapes).map(w.size).sort((a, b) => a.n - b.n);
  if (id === 'scce') {
    return (opts.shapes ?? w.defaultShapes).map(([rows, c]) => ({
      n: rows * c, label: `${rows}x${c}`, key: `${rows}x${c}`, shape: [rows, c], trueShape: [rows], trueLength: rows,
    })).sort((a, b) => a.n - b.n);
  }
  const sizes = w.perCall ? w.defaultSizes : opts.sizes ?? w.defaultSizes;
  return [...sizes].sort((a, b) => a - b).map(oneD);
}

export const opsOf = (id, opts) => (WORKLOADS[id].perCall ? WORKLOADS[id].ops : opts.ops ?? WORKLOADS[id].ops);

export function roundsFor(id, size, opts) {
  if (opts.rounds !== null) return opts.rounds;
  return WORKLOADS[id].heavyFrom && size.n >= WORKLOADS[id].heavyFrom ? HEAVY_ROUNDS : DEFAULTS.rounds;
}

/** `--losses` accepts the workload ids and the losses' full names. */
export function workloadId(name) {
  const key = name.trim().toLowerCase().replace(/[-_]/g, '');
  for (const [id, w] of Object.entries(WORKLOADS)) {
    if (key === id || (!w.perCall && key === w.lossName.replace(/_/g, ''))) return id;
  }
  throw new Error(`unknown loss '${name}' (${Object.keys(WORKLOADS).join(', ')})`);
}
