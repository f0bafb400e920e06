/**
 * The inputs the workloads are timed on: deterministic (the demo's mulberry32 PRNG), so every
 * run times the same numbers, and shaped so data-dependent branches are not predictable
 * (see makeData).
 */

import { mulberry32 } from '../demo/random.mjs';
import { TRIPLET_MARGIN } from './plain-loops.mjs';

/** Input sets large enough together to defeat the branch predictor (see makeData). */
export const POOL_ELEMENTS = 262144;

// A deterministic PRNG (the demo's mulberry32), so every run times the same numbers.
const rng = mulberry32;

/** Regression inputs (mse, mae, huber): yTrue uniform in [-3, 3), yPred = yTrue + uniform [-2, 2):
 * |d| > 1 (Huber's linear branch) for about half the elements, in random order, as real
 * residuals would be. */
export function regressionInputs(count, size) {
  const n = size.n;
  const next = rng(0x1055 + n);
  const allTrue = new Float32Array(count * n);
  const allPred = new Float32Array(count * n);
  for (let i = 0; i < count * n; i++) {
    const t = 6 * next() - 3;
    allTrue[i] = t;
    allPred[i] = t + 4 * next() - 2;
  }
  return { allTrue, allPred };
}

/** Binary inputs (bce): labels 0 or 1 with probability 1/2, logits uniform in [-6, 6), so the
 * sign of the logit (the branches of max(x, 0) and of a stable sigmoid) is random. */
export function binaryInputs(count, size) {
  const n = size.n;
  const next = rng(0xbce0 + n);
  const allTrue = new Float32Array(count * n);
  const allPred = new Float32Array(count * n);
  for (let i = 0; i < count * n; i++) {
    allTrue[i] = next() < 0.5 ? 0 : 1;
    allPred[i] = 12 * next() - 6;
  }
  return { allTrue, allPred };
}

/** Sparse classification inputs (scce): logits uniform in [-4, 4), one Int32 label per row,
 * uniform over the classes. */
export function sparseInputs(count, size) {
  const [rows, c] = size.shape;
  const next = rng(0x5cce + size.n);
  const allTrue = new Int32Array(count * rows);
  const allPred = new Float32Array(count * size.n);
  for (let i = 0; i < count * size.n; i++) allPred[i] = 8 * next() - 4;
  for (let i = 0; i < count * rows; i++) allTrue[i] = Math.min(c - 1, Math.floor(c * next()));
  return { allTrue, allPred };
}

/** CTC inputs, `count` sets: logits uniform in [-4, 4) turned into log-softmax rows (in double,
 * stored as float32), targets uniform over the labels 1..C-1 (0 is the blank), every item with
 * the full lengths T and S. Returns the sets: the named inputs plus the raw arrays. */
export function ctcInputs(count, size) {
  const { T, B, C, S } = size.dims;
  const next = rng(0xc7c + size.n + S);
  const allLogProbs = new Float32Array(count * size.n);
  const allTargets = new Int32Array(count * B * S);
  const row = new Float64Array(C);
  for (let start = 0; start < allLogProbs.length; start += C) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) {
      row[c] = 8 * next() - 4;
      if (row[c] > max) max = row[c];
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(row[c] - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < C; c++) allLogProbs[start + c] = row[c] - lse;
  }
  for (let i = 0; i < allTargets.length; i++) allTargets[i] = 1 + Math.min(C - 2, Math.floor((C - 1) * next()));
  const inputLengths = new Int32Array(B).fill(T);
  const targetLengths = new Int32Array(B).fill(S);
  const sets = [];
  for (let k = 0; k < count; k++) {
    const logProbs = allLogProbs.subarray(k * size.n, (k + 1) * size.n);
    const targets = allTargets.subarray(k * B * S, (k + 1) * B * S);
    sets.push({
      dims: size.dims, logProbs, targets,
      inputs: { logProbs: { data: logProbs, shape: [T, B, C] }, targets: { data: targets, shape: [B, S] }, inputLengths, targetLengths },
    });
  }
  return sets;
}

/** Triplet inputs, `count` sets: anchor uniform in [-1, 1); positive and negative are the anchor
 * plus a random direction scaled to an exact length (computed in double) of rP and rN, with rN
 * uniform in [4, 8) and rP = rN - margin + gap, gap = +-[0.05, 1) with a random sign. So half the
 * triplets are active (hinge > 0), in random order, and none is within 0.05 of the hinge's kink,
 * where float32 rounding could flip it between two contenders. */
export function tripletInputs(count, size) {
  const { B, D } = size.dims;
  const next = rng(0x7319 + size.n);
  const sets = [];
  const u = new Float64Array(D);
  for (let k = 0; k < count; k++) {
    const anchor = new Float32Array(size.n);
    const positive = new Float32Array(size.n);
    const negative = new Float32Array(size.n);
    const gaps = new Float64Array(B);
    for (let i = 0; i < size.n; i++) anchor[i] = 2 * next() - 1;
    for (let b = 0; b < B; b++) {
      const rN = 4 + 4 * next();
      const gap = (next() < 0.5 ? -1 : 1) * (0.05 + 0.95 * next());
      gaps[b] = gap;
      const rP = rN - TRIPLET_MARGIN + gap;
      for (const [target, radius] of [[positive, rP], [negative, rN]]) {
        let norm = 0;
        for (let j = 0; j < D; j++) {
          u[j] = 2 * next() - 1;
          norm += u[j] * u[j];
        }
        const scale = radius / Math.sqrt(norm);
        for (let j = 0; j < D; j++) target[b * D + j] = anchor[b * D + j] - scale * u[j];
      }
    }
    sets.push({
      dims: size.dims, batch: B, anchor, positive, negative, gaps,
      inputs: { anchor: { data: anchor, shape: [B, D] }, positive: { data: positive, shape: [B, D] }, negative: { data: negative, shape: [B, D] } },
    });
  }
  return sets;
}

/** The inputs of one workload size, generated by the workload's `generate`.
 *
 * Unless --same-inputs, sizes below POOL_ELEMENTS get ceil(POOL_ELEMENTS / n) distinct input
 * sets, and consecutive calls cycle through them. With one set, the CPU's branch predictor learns
 * the whole taken/not-taken sequence of a data-dependent branch (Huber's |d| <= delta) once it is
 * replayed a few times: on a Zen core a branchy loop then runs ~5x faster for N <= 16K than on
 * fresh data, an effect training (new predictions every step) never sees. */
export function makeData(workload, size, sameInputs) {
  const { n, trueLength } = size;
  const count = sameInputs ? 1 : Math.max(1, Math.ceil(POOL_ELEMENTS / n));
  if (workload.structured) {
    // One reused buffer per gradient (every gradient has n elements here), and one for the
    // correctness check's reference; `grad` is the first, the one passed as `out`.
    const names = workload.gradNames;
    const grads = Object.fromEntries(names.map((name) => [name, new Float32Array(n)]));
    const gradsRef = Object.fromEntries(names.map((name) => [name, new Float32Array(n)]));
    return { n, size, sets: workload.generate(count, size), grads, gradsRef, grad: grads[names[0]], gradRef: gradsRef[names[0]] };
  }
  // One contiguous buffer per input, cut into consecutive sets: calls then walk memory in order,
  // which the hardware prefetcher streams, instead of hopping between scattered small arrays.
  const { allTrue, allPred } = workload.generate(count, size);
  const sets = [];
  for (let k = 0; k < count; k++) {
    const yTrue = count === 1 ? allTrue : allTrue.subarray(k * trueLength, (k + 1) * trueLength);
    const yPred = count === 1 ? allPred : allPred.subarray(k * n, (k + 1) * n);
    sets.push({ yTrue, yPred, yT: { data: yTrue, shape: size.trueShape }, yP: { data: yPred, shape: size.shape } });
  }
  return { n, size, sets, grad: new Float32Array(n), gradRef: new Float32Array(n) };
}
