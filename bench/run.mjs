#!/usr/bin/env node
/**
 * losskit benchmark. Workloads (one table each):
 *   - MSE and Huber (delta 1), `value` and `valueAndGrad`, 1-D float32 inputs of 64, 4096, 262144
 *     and 16,777,216 elements;
 *   - binary cross-entropy from logits, `value` and `valueAndGrad`, 1-D float32 inputs of 4096,
 *     262144 and 16,777,216 elements;
 *   - sparse categorical cross-entropy from logits, `valueAndGrad`, float32 logits [4096, 1000]
 *     and [256, 32000] with Int32Array labels (ns per logit);
 *   - CTC (reduction 'mean'), `valueAndGrad`, float32 log-softmax [T, B, C] with Int32 targets
 *     [B, S], at T=100 B=32 C=28 S=30 and T=500 B=16 C=5000 S=100 (ms per call);
 *   - triplet_margin (p 2, margin 1), `valueAndGrad`, float32 anchor/positive/negative
 *     [4096, 512] (ms per call).
 * Contenders: the native addon (AVX2 and portable scalar kernels, each its own column), losskit's
 * pure-JS fallback, and the plain `for` loop a user would write by hand, which every ratio is
 * measured against (CTC has no plain loop: its ratios are against the JS fallback).
 *
 * Method (see bench/README.md): every contender is checked against the plain loop before it is
 * timed, warmed up, and calibrated to a repeat count that makes one sample last >= --target-ms;
 * then the rounds run every contender once each, interleaved (order rotated every round), so
 * machine noise lands on all of them alike. Reported: median ns/element, the interquartile spread,
 * and the median over rounds of (plain-loop time / contender time) from the same round.
 *
 *   npm run bench                      # tables on stdout
 *   npm run bench -- --json            # JSON on stdout (tables and progress on stderr)
 *   npm run bench -- --json=out.json   # tables on stdout, JSON to out.json
 *   npm run bench -- --losses=bce,scce --rounds=7 --target-ms=20
 */

import { mulberry32 } from '../demo/random.mjs';
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Command line

const DEFAULTS = {
  rounds: 11,
  targetMs: 25,
  warmupMs: 60,
};

function usage() {
  return `usage: node bench/run.mjs [options]
  --json              write the results as JSON to stdout (tables go to stderr)
  --json=PATH         write the results as JSON to PATH (tables stay on stdout)
  --losses=A,B,...    workloads to run: ${Object.keys(WORKLOADS).join(', ')} (default all; the full loss names work too)
  --sizes=A,B,...     element counts of the 1-D workloads (mse, huber, bce; default per workload:
                      ${ONE_D.map((id) => `${id} ${WORKLOADS[id].defaultSizes.map(fmtCount).join(',')}`).join('; ')};
                      suffixes k/M allowed: 16M = 16777216)
  --shapes=RxC,...    logits shapes of scce (default ${WORKLOADS.scce.defaultShapes.map((s) => s.join('x')).join(',')}; k/M allowed)
  --ctc-shapes=TxBxCxS,...  shapes of ctc (default ${WORKLOADS.ctc.defaultShapes.map((s) => s.join('x')).join(',')})
  --triplet-shapes=BxD,...  shapes of triplet (default ${WORKLOADS.triplet.defaultShapes.map((s) => s.join('x')).join(',')})
  --ops=value,valueAndGrad  operations to run (default: both; scce, ctc, triplet valueAndGrad only)
  --rounds=R          interleaved rounds = samples per contender, for every workload (default
                      ${DEFAULTS.rounds}, and ${HEAVY_ROUNDS} for bce and ctc from ${fmtCount(HEAVY_ELEMENTS)} elements up; at least 3)
  --target-ms=T       minimum duration of one sample (default ${DEFAULTS.targetMs})
  --warmup-ms=W       minimum warm-up time per contender and workload (default ${DEFAULTS.warmupMs})
  --contenders=A,B    time only these (native-avx512, native-avx2, native-scalar, js; the plain loop always runs,
                      and so does js for ctc, whose baseline it is)
  --no-isolate        run all losses in one process (default: one child process per loss)
  --same-inputs       time every call on the same inputs (default: cycle through distinct input
                      sets of ${POOL_ELEMENTS} elements in all, so branch patterns are not learned)
  --help`;
}

function parseCount(text) {
  const m = /^(\d+)([kKmM]?)$/.exec(text.trim());
  if (!m) throw new Error(`bad size '${text}'`);
  const scale = { '': 1, k: 1024, K: 1024, m: 1024 * 1024, M: 1024 * 1024 }[m[2]];
  const n = Number(m[1]) * scale;
  if (n < 1) throw new Error(`bad size '${text}' (must be at least 1)`);
  return n;
}

function parseShape(text, dims = 2, expected = 'ROWSxCLASSES, e.g. 256x32000') {
  const parts = text.trim().split(/[x×*]/);
  if (parts.length !== dims) throw new Error(`bad shape '${text}' (expected ${expected})`);
  return parts.map(parseCount);
}

/** 16777216 -> '16M', 4096 -> '4k', 1000 -> '1000'. */
function fmtCount(n) {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)}M`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}k`;
  return String(n);
}

function parseArgs(argv) {
  const opts = {
    ...DEFAULTS, rounds: null, sizes: null, shapes: null, ctcShapes: null, tripletShapes: null, losses: Object.keys(WORKLOADS), ops: null,
    json: null, contenders: null, isolate: true, child: false, sameInputs: false,
  };
  for (const arg of argv) {
    const [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const need = () => {
      if (value === undefined || value === '') throw new Error(`${key} needs a value (${key}=...)`);
      return value;
    };
    const positive = (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${key} must be a positive number (got '${v}')`);
      return n;
    };
    switch (key) {
      case '--json': opts.json = value === undefined || value === '' ? '-' : value; break;
      case '--sizes': opts.sizes = need().split(',').map(parseCount); break;
      case '--shapes': opts.shapes = need().split(',').map((t) => parseShape(t)); break;
      case '--ctc-shapes': opts.ctcShapes = need().split(',').map((t) => parseShape(t, 4, 'TxBxCxS, e.g. 100x32x28x30')); break;
      case '--triplet-shapes': opts.tripletShapes = need().split(',').map((t) => parseShape(t, 2, 'BxD, e.g. 4096x512')); break;
      case '--losses': opts.losses = need().split(',').map(workloadId); break;
      case '--ops': opts.ops = need().split(','); break;
      case '--rounds': opts.rounds = Math.max(3, Math.floor(positive(need()))); break;
      case '--target-ms': opts.targetMs = positive(need()); break;
      case '--warmup-ms': opts.warmupMs = positive(need()); break;
      case '--contenders': opts.contenders = need().split(','); break;
      case '--no-isolate': opts.isolate = false; break;
      case '--same-inputs': opts.sameInputs = true; break;
      case '--child': opts.child = true; break; // internal: one loss, JSON to stdout
      case '--help': case '-h': console.log(usage()); process.exit(0); break;
      default: throw new Error(`unknown option '${arg}'\n${usage()}`);
    }
  }
  opts.losses = [...new Set(opts.losses)];
  for (const o of opts.ops ?? []) if (o !== 'value' && o !== 'valueAndGrad') throw new Error(`unknown op '${o}' (value, valueAndGrad)`);
  return opts;
}

/** `--losses` accepts the workload ids and the losses' full names. */
function workloadId(name) {
  const key = name.trim().toLowerCase().replace(/[-_]/g, '');
  for (const [id, w] of Object.entries(WORKLOADS)) {
    if (key === id || key === w.lossName.replace(/_/g, '')) return id;
  }
  throw new Error(`unknown loss '${name}' (${Object.keys(WORKLOADS).join(', ')})`);
}

// ---------------------------------------------------------------------------------------------
// The baseline: what a user writes by hand. Accumulates in double (a JS number), returns the
// mean, and for the gradient writes d(mean)/d(yPred) into a caller-owned Float32Array.

const HUBER_DELTA = 1;

function plainMseValue(t, p) {
  const n = p.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    sum += d * d;
  }
  return sum / n;
}

function plainMseValueAndGrad(t, p, g) {
  const n = p.length;
  const scale = 2 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    sum += d * d;
    g[i] = scale * d;
  }
  return sum / n;
}

function plainHuberValue(t, p, delta) {
  const n = p.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    const a = Math.abs(d);
    sum += a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
  }
  return sum / n;
}

function plainHuberValueAndGrad(t, p, g, delta) {
  const n = p.length;
  const scale = 1 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    const a = Math.abs(d);
    if (a <= delta) {
      sum += 0.5 * d * d;
      g[i] = scale * d;
    } else {
      sum += delta * (a - 0.5 * delta);
      g[i] = d > 0 ? scale * delta : -scale * delta;
    }
  }
  return sum / n;
}

/** Binary cross-entropy from logits x and labels y: the stable form
 * max(x, 0) - x y + log1p(exp(-|x|)), averaged over the n elements. */
function plainBceLogitsValue(y, x) {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    sum += Math.max(xi, 0) - xi * y[i] + Math.log1p(Math.exp(-Math.abs(xi)));
  }
  return sum / n;
}

/** ... and its gradient (sigmoid(x) - y) / n, the sigmoid taken from the same exp(-|x|) (one
 * exp and one log1p per element: the economical version of what a user writes). */
function plainBceLogitsValueAndGrad(y, x, g) {
  const n = x.length;
  const scale = 1 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const yi = y[i];
    const e = Math.exp(-Math.abs(xi));
    sum += Math.max(xi, 0) - xi * yi + Math.log1p(e);
    const sigmoid = xi >= 0 ? 1 / (1 + e) : e / (1 + e);
    g[i] = scale * (sigmoid - yi);
  }
  return sum / n;
}

/** Sparse softmax cross-entropy: rows of C logits, one integer label per row; per row the max,
 * the sum of exp(x - max), lse = max + log(sum), loss lse - x[label]; the mean over the rows. */
function plainSparseCeValue(labels, x) {
  const rows = labels.length;
  const c = x.length / rows;
  let total = 0;
  for (let r = 0, start = 0; r < rows; r++, start += c) {
    let max = -Infinity;
    for (let j = start; j < start + c; j++) if (x[j] > max) max = x[j];
    let sum = 0;
    for (let j = start; j < start + c; j++) sum += Math.exp(x[j] - max);
    total += max + Math.log(sum) - x[start + labels[r]];
  }
  return total / rows;
}

/** ... and the gradient (softmax - onehot) / rows. The exps are kept in the gradient array on
 * the way and scaled in place (one exp per logit, as an economical user writes it). */
function plainSparseCeValueAndGrad(labels, x, g) {
  const rows = labels.length;
  const c = x.length / rows;
  const scale = 1 / rows;
  let total = 0;
  for (let r = 0, start = 0; r < rows; r++, start += c) {
    let max = -Infinity;
    for (let j = start; j < start + c; j++) if (x[j] > max) max = x[j];
    let sum = 0;
    for (let j = start; j < start + c; j++) {
      const e = Math.exp(x[j] - max);
      g[j] = e;
      sum += e;
    }
    const label = labels[r];
    total += max + Math.log(sum) - x[start + label];
    const k = scale / sum;
    for (let j = start; j < start + c; j++) g[j] *= k;
    g[start + label] -= scale;
  }
  return total / rows;
}

const TRIPLET_MARGIN = 1;
const TRIPLET_EPS = 1e-6; // PyTorch's pairwise_distance eps, losskit's default

/** Triplet margin loss, p = 2: per row of `dim`, dP = ||a - p + eps||, dN = ||a - n + eps||,
 * the hinge max(dP - dN + margin, 0), the mean over the rows. */
function plainTripletValue(set) {
  const { anchor: a, positive: p, negative: n, batch } = set;
  const dim = a.length / batch;
  let total = 0;
  for (let i = 0, start = 0; i < batch; i++, start += dim) {
    let sp = 0;
    let sn = 0;
    for (let j = start; j < start + dim; j++) {
      const dp = a[j] - p[j] + TRIPLET_EPS;
      const dn = a[j] - n[j] + TRIPLET_EPS;
      sp += dp * dp;
      sn += dn * dn;
    }
    const m = Math.sqrt(sp) - Math.sqrt(sn) + TRIPLET_MARGIN;
    if (m > 0) total += m;
  }
  return total / batch;
}

/** ... and its three gradients, into the caller's arrays g.anchor, g.positive, g.negative. With
 * gp = (a - p + eps) / (dP batch) and gn = (a - n + eps) / (dN batch), an active triplet gets
 * anchor gp - gn, positive -gp, negative gn; an inactive one zeros. Two passes over an active
 * row (the distances, then the gradients), one over an inactive one plus the zero fill. */
function plainTripletValueAndGrad(set, g) {
  const { anchor: a, positive: p, negative: n, batch } = set;
  const { anchor: gA, positive: gP, negative: gN } = g;
  const dim = a.length / batch;
  const scale = 1 / batch;
  let total = 0;
  for (let i = 0, start = 0; i < batch; i++, start += dim) {
    let sp = 0;
    let sn = 0;
    for (let j = start; j < start + dim; j++) {
      const dp = a[j] - p[j] + TRIPLET_EPS;
      const dn = a[j] - n[j] + TRIPLET_EPS;
      sp += dp * dp;
      sn += dn * dn;
    }
    const dP = Math.sqrt(sp);
    const dN = Math.sqrt(sn);
    const m = dP - dN + TRIPLET_MARGIN;
    if (m > 0) {
      total += m;
      const kp = scale / dP;
      const kn = scale / dN;
      for (let j = start; j < start + dim; j++) {
        const gp = kp * (a[j] - p[j] + TRIPLET_EPS);
        const gn = kn * (a[j] - n[j] + TRIPLET_EPS);
        gA[j] = gp - gn;
        gP[j] = -gp;
        gN[j] = gn;
      }
    } else {
      gA.fill(0, start, start + dim);
      gP.fill(0, start, start + dim);
      gN.fill(0, start, start + dim);
    }
  }
  return total / batch;
}

// ---------------------------------------------------------------------------------------------
// Workloads: the loss, its options, its sizes, its inputs and its plain loop.

/** Input sets large enough together to defeat the branch predictor (see makeData). */
const POOL_ELEMENTS = 262144;
/** Workloads with `heavyRounds` run HEAVY_ROUNDS rounds by default from HEAVY_ELEMENTS elements
 * up: bce at 16M, where one call of the plain loop, the JS fallback or the portable kernels
 * takes 0.3-1.2 s, and one round of both ops about 5 s: 11 rounds would add half a minute to
 * the default run (scce at [256, 32000] is cheaper, 1.5 s a round, and keeps 11); and ctc at
 * [500, 16, 5000] (40M log-probs), where one call of the JS fallback takes 0.4-0.8 s. */
const HEAVY_ELEMENTS = 16 * 1024 * 1024;
const HEAVY_ROUNDS = 7;

/** 1-D sizes: yTrue and yPred both [n]. */
const oneD = (n) => ({ n, label: `N=${n}`, key: String(n), shape: [n], trueShape: [n], trueLength: n });

const WORKLOADS = {
  mse: {
    lossName: 'mean_squared_error',
    title: 'MSE',
    options: { reduction: 'sum_over_batch_size' },
    defaultSizes: [64, 4096, 262144, 16777216],
    ops: ['value', 'valueAndGrad'],
    plain: { value: plainMseValue, valueAndGrad: plainMseValueAndGrad, extra: [] },
    rtol: 1e-5,
    bytesPerElement: { value: 8, valueAndGrad: 12 }, // float32 reads (+ the gradient write)
    heavyRounds: false,
    generate: regressionInputs,
    describe: (set, i) => `yTrue ${set.yTrue[i]}, yPred ${set.yPred[i]}`,
  },
  huber: {
    lossName: 'huber',
    title: `Huber (delta ${HUBER_DELTA})`,
    options: { delta: HUBER_DELTA, reduction: 'sum_over_batch_size' },
    defaultSizes: [64, 4096, 262144, 16777216],
    ops: ['value', 'valueAndGrad'],
    plain: { value: plainHuberValue, valueAndGrad: plainHuberValueAndGrad, extra: [HUBER_DELTA] },
    rtol: 1e-5,
    bytesPerElement: { value: 8, valueAndGrad: 12 },
    heavyRounds: false,
    generate: regressionInputs,
    describe: (set, i) => `yTrue ${set.yTrue[i]}, yPred ${set.yPred[i]}`,
  },
  bce: {
    lossName: 'binary_crossentropy',
    title: 'Binary cross-entropy (fromLogits)',
    options: { fromLogits: true, reduction: 'sum_over_batch_size' },
    defaultSizes: [4096, 262144, 16777216],
    ops: ['value', 'valueAndGrad'],
    plain: { value: plainBceLogitsValue, valueAndGrad: plainBceLogitsValueAndGrad, extra: [] },
    // float32 transcendental kernels (exp, log1p) are not correctly rounded: 1e-4, not 1e-5.
    rtol: 1e-4,
    bytesPerElement: { value: 8, valueAndGrad: 12 },
    heavyRounds: true,
    heavyNote: 'one call of the plain loop, the JS fallback or the portable kernels takes 0.3-1.2 s (25-70 ns per element on exp/log1p)',
    generate: binaryInputs,
    describe: (set, i) => `label ${set.yTrue[i]}, logit ${set.yPred[i]}`,
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
    heavyRounds: false,
    generate: sparseInputs,
    describe(set, i) {
      const c = set.yPred.length / set.yTrue.length;
      const row = Math.floor(i / c);
      return `row ${row}, class ${i - row * c}, label ${set.yTrue[row]}, logit ${set.yPred[i]}`;
    },
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
    heavyRounds: true,
    heavyNote: 'one call of the JS fallback takes 0.4-0.8 s at [500, 16, 5000]',
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
    heavyRounds: false,
    generate: tripletInputs,
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
const ONE_D = ['mse', 'huber', 'bce'];

/** The sizes a workload runs at: {n (elements of yPred), label, key, shape, trueShape, trueLength}
 * (structured workloads: {n, label, key, shape, dims}). */
function sizesOf(id) {
  const w = WORKLOADS[id];
  if (w.structured) return (OPTS[w.shapesOption] ?? w.defaultShapes).map(w.size).sort((a, b) => a.n - b.n);
  if (id === 'scce') {
    return (OPTS.shapes ?? w.defaultShapes).map(([rows, c]) => ({
      n: rows * c, label: `${rows}x${c}`, key: `${rows}x${c}`, shape: [rows, c], trueShape: [rows], trueLength: rows,
    })).sort((a, b) => a.n - b.n);
  }
  return [...(OPTS.sizes ?? w.defaultSizes)].sort((a, b) => a - b).map(oneD);
}

const opsOf = (id) => OPTS.ops ?? WORKLOADS[id].ops;

function roundsFor(id, size) {
  if (OPTS.rounds !== null) return OPTS.rounds;
  return WORKLOADS[id].heavyRounds && size.n >= HEAVY_ELEMENTS ? HEAVY_ROUNDS : DEFAULTS.rounds;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const now = process.hrtime.bigint;
let sink = 0; // every result is added here and printed at the end, so nothing is dead code

const jsonToStdout = () => OPTS.json === '-';
const out = (line = '') => (jsonToStdout() ? process.stderr : process.stdout).write(line + '\n');
const progress = (line) => process.stderr.write(line + '\n');

function fail(message) {
  process.stderr.write(`\nbench: ERROR: ${message}\n`);
  process.exit(1);
}

// A deterministic PRNG (the demo's mulberry32), so every run times the same numbers.
const rng = mulberry32;

/** Regression inputs (mse, huber): yTrue uniform in [-3, 3), yPred = yTrue + uniform [-2, 2):
 * |d| > 1 (Huber's linear branch) for about half the elements, in random order, as real
 * residuals would be. */
function regressionInputs(count, size) {
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
function binaryInputs(count, size) {
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
function sparseInputs(count, size) {
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
function ctcInputs(count, size) {
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
function tripletInputs(count, size) {
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
function makeData(id, size) {
  const { n, trueLength } = size;
  const count = OPTS.sameInputs ? 1 : Math.max(1, Math.ceil(POOL_ELEMENTS / n));
  if (WORKLOADS[id].structured) {
    // One reused buffer per gradient (every gradient has n elements here), and one for the
    // correctness check's reference; `grad` is the first, the one passed as `out`.
    const names = WORKLOADS[id].gradNames;
    const grads = Object.fromEntries(names.map((name) => [name, new Float32Array(n)]));
    const gradsRef = Object.fromEntries(names.map((name) => [name, new Float32Array(n)]));
    return { n, size, sets: WORKLOADS[id].generate(count, size), grads, gradsRef, grad: grads[names[0]], gradRef: gradsRef[names[0]] };
  }
  // One contiguous buffer per input, cut into consecutive sets: calls then walk memory in order,
  // which the hardware prefetcher streams, instead of hopping between scattered small arrays.
  const { allTrue, allPred } = WORKLOADS[id].generate(count, size);
  const sets = [];
  for (let k = 0; k < count; k++) {
    const yTrue = count === 1 ? allTrue : allTrue.subarray(k * trueLength, (k + 1) * trueLength);
    const yPred = count === 1 ? allPred : allPred.subarray(k * n, (k + 1) * n);
    sets.push({ yTrue, yPred, yT: { data: yTrue, shape: size.trueShape }, yP: { data: yPred, shape: size.shape } });
  }
  return { n, size, sets, grad: new Float32Array(n), gradRef: new Float32Array(n) };
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function summarize(values) {
  const s = [...values].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p25: quantile(s, 0.25), p75: quantile(s, 0.75), min: s[0], max: s[s.length - 1] };
}

function newestMtime(dir, filter) {
  let newest = 0;
  let newestFile = null;
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (filter(e.name)) {
        const m = fs.statSync(p).mtimeMs;
        if (m > newest) [newest, newestFile] = [m, p];
      }
    }
  };
  walk(dir);
  return { mtime: newest, file: newestFile };
}

function gitDescribe() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Setup: the library, the contenders and what is available

const OPTS = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (e) {
    fail(e.message);
  }
})();

let lk;
try {
  lk = require(path.join(ROOT, 'dist/cjs/index.js'));
} catch (e) {
  fail(`cannot load losskit from dist/ (${e.message.split('\n')[0]}); run \`npm run build:ts\` first`);
}

const warnings = [];
{
  const lib = newestMtime(path.join(ROOT, 'lib'), (f) => f.endsWith('.ts'));
  const dist = newestMtime(path.join(ROOT, 'dist', 'cjs'), (f) => f.endsWith('.js'));
  if (lib.mtime > dist.mtime) {
    warnings.push(`dist/ is older than ${path.relative(ROOT, lib.file)}: run \`npm run build:ts\` to time the current lib/`);
  }
  const addon = path.join(ROOT, 'build', 'Release', 'losskit.node');
  if (fs.existsSync(addon)) {
    const src = newestMtime(path.join(ROOT, 'native'), (f) => /\.(c|cc|cpp|h|hpp)$/.test(f));
    if (src.mtime > fs.statSync(addon).mtimeMs) {
      warnings.push(`build/Release/losskit.node is older than ${path.relative(ROOT, src.file)}: run \`npm run build:native\``);
    }
  }
}

/** What 'auto' picks, found without triggering the fallback warning. */
let defaultBackend;
const addonPath = path.join(ROOT, 'build', 'Release', 'losskit.node');
const addonMtimeAtStart = fs.existsSync(addonPath) ? fs.statSync(addonPath).mtimeMs : null;
try {
  defaultBackend = lk.setBackend('native');
} catch {
  defaultBackend = lk.setBackend('js');
}
let caps = lk.capabilities();

/** The reasons a native backend is unavailable: the bullet lines of setBackend's error. */
function reasonOf(error) {
  const lines = String(error?.message ?? error).split('\n');
  const bullets = lines.filter((l) => /^\s+- /.test(l)).map((l) => l.replace(/^\s+- /, ''));
  return bullets.length ? bullets.join('; ') : lines[0];
}

const CONTENDERS = [
  { id: 'native-avx512', label: 'native-avx512', backend: 'native-avx512' },
  { id: 'native-avx2', label: 'native-avx2', backend: 'native-avx2' },
  { id: 'native-scalar', label: 'native-scalar', backend: 'native-scalar' },
  { id: 'js', label: 'losskit js', backend: 'js' },
  { id: 'plain', label: 'plain loop', backend: null },
];
for (const c of CONTENDERS) {
  c.available = true;
  c.reason = null;
  if (!c.backend) continue;
  if (OPTS.contenders && !OPTS.contenders.includes(c.id)) {
    c.available = false;
    c.reason = 'not selected (--contenders)';
    continue;
  }
  try {
    lk.setBackend(c.backend);
  } catch (e) {
    c.available = false;
    c.reason = c.backend.startsWith('native') && caps.nativeErrors.length && !caps.nativeLoaded
      ? caps.nativeErrors.join('; ')
      : reasonOf(e);
  }
}
if (OPTS.contenders) {
  const known = CONTENDERS.map((c) => c.id);
  for (const id of OPTS.contenders) if (!known.includes(id)) fail(`unknown contender '${id}' (${known.join(', ')})`);
}

// ---------------------------------------------------------------------------------------------
// Runners. Each is compiled from its own source text (new Function), so V8 keeps separate type
// feedback for every contender and workload: no runner's call site turns polymorphic because
// another contender went through the same loop.

let runnerId = 0;
function makeRunner(body, env) {
  const names = Object.keys(env);
  // k cycles through the input sets (sets.length of them) from call to call, across runs.
  const src = `let k = 0;
  const count = sets.length;
  return function bench_runner_${runnerId++}(reps) {
    let s = 0;
    for (let r = 0; r < reps; r++) {
      const set = sets[k];
      if (++k === count) k = 0;
      ${body}
    }
    return s;
  };`;
  return new Function(...names, src)(...names.map((k) => env[k]));
}

function runnerFor(contender, id, op, loss, data) {
  const { sets, grad } = data;
  if (WORKLOADS[id].structured) {
    // Named inputs; the plain loop gets the set and the gradient arrays (one per input).
    if (!contender.backend) return makeRunner(`s += fn(set${op === 'value' ? '' : ', g'});`, { sets, fn: WORKLOADS[id].plain[op], g: data.grads });
    if (op === 'value') return makeRunner('s += loss.value(set.inputs);', { sets, loss });
    // Every gradient into a reused buffer: `out` for the first input, `outs` for the others.
    const outs = Object.fromEntries(WORKLOADS[id].gradNames.slice(1).map((name) => [name, new Float32Array(grad.length)]));
    const options = { out: grad, outs };
    return makeRunner('s += loss.valueAndGrad(set.inputs, options).value;', { sets, loss, options });
  }
  if (!contender.backend) {
    const plain = WORKLOADS[id].plain;
    const fn = plain[op];
    // The extra arguments (Huber's delta) are passed as variables, like the arrays, not inlined.
    const extra = Object.fromEntries(plain.extra.map((v, i) => [`extra${i}`, v]));
    const args = ['set.yTrue', 'set.yPred', ...(op === 'value' ? [] : ['g']), ...Object.keys(extra)];
    return makeRunner(`s += fn(${args.join(', ')});`, { sets, fn, g: grad, ...extra });
  }
  if (op === 'value') return makeRunner('s += loss.value(set.yT, set.yP);', { sets, loss });
  const options = { out: grad };
  return makeRunner('s += loss.valueAndGrad(set.yT, set.yP, undefined, options).value;', { sets, loss, options });
}

/** Runs `reps` calls on `contender`'s backend and returns the nanoseconds they took. */
function timeOnce(contender, run, reps, data) {
  if (contender.backend) lk.setBackend(contender.backend);
  const t0 = now();
  const s = run(reps);
  const t1 = now();
  sink += s + data.grad[reps % data.grad.length];
  return Number(t1 - t0);
}

/** Warms `run` up (at least warmupMs and two timed runs, doubling the repeat count while a run
 * is shorter than a quarter of the target), then grows the repeat count until the fastest of
 * three warm runs lasts at least targetMs. Returns that repeat count. */
function calibrate(contender, run, data) {
  const target = OPTS.targetMs * 1e6;
  let reps = 1;
  let spent = 0;
  let last = 0;
  for (let runs = 1; ; runs++) {
    const dt = timeOnce(contender, run, reps, data);
    spent += dt;
    last = dt;
    if (runs >= 2 && spent >= OPTS.warmupMs * 1e6 && dt >= target / 4) break;
    if (dt < target / 4) reps *= 2;
  }
  // One call already lasts twice the target (16M elements, a slow contender): nothing to size,
  // and one more call would cost up to a second.
  if (reps === 1 && last >= 2 * target) return reps;
  // Size from the fastest of up to three runs: a run slowed down by another process would
  // otherwise make the samples shorter than the target once the machine is quiet again.
  for (let tries = 0; tries < 8; tries++) {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      best = Math.min(best, timeOnce(contender, run, reps, data));
      if (best >= 2 * target) break; // long runs: one is enough
    }
    if (best >= target) break;
    reps = Math.max(reps + 1, Math.ceil((reps * target * 1.2) / Math.max(best, 1)));
  }
  return reps;
}

// ---------------------------------------------------------------------------------------------
// Correctness: every contender against the plain loop, value and gradient, before any timing.

/** Structured workloads: every contender against the reference (the plain loop, or for ctc the
 * JS fallback), the value and every gradient (triplet: all three). */
function checkStructured(id, op, loss, data, active) {
  const { size, sets, grads, gradsRef } = data;
  const w = WORKLOADS[id];
  const { rtol, describe, gradNames } = w;
  const reference = w.baseline === 'js' ? 'the JS fallback' : 'the plain loop';
  const where = `${id} ${op} ${size.label}`;
  const checks = {};
  for (const c of active) {
    checks[c.id] = c.id === w.baseline
      ? { sets: sets.length, reference: true }
      : { sets: sets.length, maxValueRelErr: 0, maxGradRelErr: op === 'value' ? null : 0 };
  }
  /** The value of one losskit call, its gradients copied into `into`. */
  const call = (set, into) => {
    if (op === 'value') return loss.value(set.inputs);
    into[gradNames[0]].fill(NaN);
    const r = loss.valueAndGrad(set.inputs, { out: into[gradNames[0]] });
    if (r.grad.data !== into[gradNames[0]]) fail(`${where}: the gradient was not written into options.out`);
    for (const name of gradNames.slice(1)) into[name].set(r.grads[name].data);
    return r.value;
  };
  for (const set of sets) {
    let ref;
    if (w.baseline === 'js') {
      lk.setBackend('js');
      ref = call(set, gradsRef);
    } else {
      ref = op === 'value' ? w.plain.value(set) : w.plain.valueAndGrad(set, gradsRef);
    }
    if (!Number.isFinite(ref)) fail(`${where}: ${reference} gave ${ref}`);
    const gradMax = {};
    if (op !== 'value') {
      for (const name of gradNames) {
        let m = 0;
        for (const v of gradsRef[name]) m = Math.max(m, Math.abs(v));
        gradMax[name] = m;
      }
    }
    for (const c of active) {
      if (!c.backend || c.id === w.baseline) continue;
      lk.setBackend(c.backend);
      const v = call(set, grads);
      const relErr = Math.abs(v - ref) / Math.abs(ref);
      if (!(relErr <= rtol)) {
        fail(`${where}: ${c.label} value ${v} differs from ${reference}'s ${ref} ` +
          `(relative error ${relErr.toExponential(2)} > ${rtol}); refusing to time wrong code`);
      }
      const check = checks[c.id];
      check.maxValueRelErr = Math.max(check.maxValueRelErr, relErr);
      if (op === 'value') continue;
      // Elementwise, every gradient: within rtol of the reference element, plus an absolute floor
      // of rtol * 1e-3 * max|that gradient| (posteriors ~0 in CTC; a - p and a - n terms that
      // nearly cancel in the triplet's anchor gradient).
      for (const name of gradNames) {
        const g = grads[name];
        const gRef = gradsRef[name];
        const floor = rtol * 1e-3 * gradMax[name];
        for (let i = 0; i < g.length; i++) {
          const err = Math.abs(g[i] - gRef[i]);
          if (!(err <= rtol * Math.abs(gRef[i]) + floor)) {
            fail(`${where}: ${c.label} gradient of ${name} [${i}] = ${g[i]} differs from ${reference}'s ` +
              `${gRef[i]} (${describe(set, name, i)}; ${(g[i] / gRef[i]).toPrecision(6)} times it); refusing to time wrong code`);
          }
          check.maxGradRelErr = Math.max(check.maxGradRelErr, err / (Math.abs(gRef[i]) || gradMax[name] || 1));
        }
      }
    }
  }
  for (const name of gradNames) grads[name].fill(0);
  return checks;
}

function checkCorrectness(id, op, loss, data, active) {
  if (WORKLOADS[id].structured) return checkStructured(id, op, loss, data, active);
  const { size, sets, grad, gradRef } = data;
  const { plain, rtol, describe } = WORKLOADS[id];
  const where = `${id} ${op} ${size.label}`;
  const checks = {};
  for (const c of active) checks[c.id] = { sets: sets.length, maxValueRelErr: 0, maxGradRelErr: op === 'value' ? null : 0 };
  for (const set of sets) {
    const { yTrue, yPred, yT, yP } = set;
    const ref = op === 'value'
      ? plain.value(yTrue, yPred, ...plain.extra)
      : plain.valueAndGrad(yTrue, yPred, gradRef, ...plain.extra);
    if (!Number.isFinite(ref)) fail(`${where}: plain loop gave ${ref}`);
    let gradMax = 0;
    if (op !== 'value') for (let i = 0; i < yPred.length; i++) gradMax = Math.max(gradMax, Math.abs(gradRef[i]));
    for (const c of active) {
      if (!c.backend) continue;
      lk.setBackend(c.backend);
      grad.fill(NaN);
      const v = op === 'value' ? loss.value(yT, yP) : loss.valueAndGrad(yT, yP, undefined, { out: grad }).value;
      const relErr = Math.abs(v - ref) / Math.abs(ref);
      if (!(relErr <= rtol)) {
        fail(`${where}: ${c.label} value ${v} differs from the plain loop's ${ref} ` +
          `(relative error ${relErr.toExponential(2)} > ${rtol}); refusing to time wrong code`);
      }
      const check = checks[c.id];
      check.maxValueRelErr = Math.max(check.maxValueRelErr, relErr);
      if (op === 'value') continue;
      // Elementwise: within rtol of the reference element, plus an absolute floor of
      // rtol * 1e-3 * max|grad| for elements that are ~0 (sigmoid(x) - y, softmax - 1 at the
      // label: float32 cancellation).
      const floor = rtol * 1e-3 * gradMax;
      for (let i = 0; i < yPred.length; i++) {
        const err = Math.abs(grad[i] - gradRef[i]);
        if (!(err <= rtol * Math.abs(gradRef[i]) + floor)) {
          fail(`${where}: ${c.label} grad[${i}] = ${grad[i]} differs from the plain loop's ` +
            `${gradRef[i]} (${describe(set, i)}; ${(grad[i] / gradRef[i]).toPrecision(6)} times it); ` +
            `refusing to time wrong code`);
        }
        check.maxGradRelErr = Math.max(check.maxGradRelErr, err / (Math.abs(gradRef[i]) || gradMax));
      }
    }
  }
  grad.fill(0);
  return checks;
}

// ---------------------------------------------------------------------------------------------
// The run

const started = Date.now();
const loadAtStart = os.loadavg()[0];

/** A fixed piece of JS math (Math.exp, Math.log1p, a division: the plain loops' operations):
 * its time, the fastest of three runs in ns per iteration, tells whether the CPU state this
 * thread runs in has changed. A native kernel that returns with the upper halves of the YMM
 * registers dirty (no vzeroupper) makes the SSE-encoded C++ behind V8's Math.exp/log1p several
 * times slower until some other AVX code clears them: every JS contender timed after it would
 * be slowed, and the native column's "vs loop" overstated. */
function mathProbe() {
  let s = 0;
  for (let i = 0; i < 50000; i++) {
    const e = Math.exp(-(i & 1023) * 1e-3);
    s += Math.log1p(e) + 1 / (1 + e);
  }
  return s;
}

function probeNs() {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = now();
    sink += mathProbe();
    best = Math.min(best, Number(now() - t0) / 50000);
  }
  return best;
}

/** Slowdowns of the math probe above this factor are reported (noise stays well below). */
const PROBE_LIMIT = 1.4;

/** Small inputs of workload `id`, for touching every backend before anything is timed. */
function touchInputs(id) {
  if (WORKLOADS[id].structured) {
    const { inputs, out } = WORKLOADS[id].touch();
    return { yT: inputs, yP: null, g: out, structured: true };
  }
  if (id === 'scce') {
    return {
      yT: { data: new Int32Array([0, 3, 7, 15]), shape: [4] },
      yP: { data: new Float32Array(64).map((_, i) => (i % 7) - 3), shape: [4, 16] },
      g: new Float32Array(64),
    };
  }
  const t = new Float32Array(64).map((_, i) => i % 2);
  const p = new Float32Array(64).map((_, i) => (i % 5) - 2);
  return { yT: { data: t, shape: [64] }, yP: { data: p, shape: [64] }, g: new Float32Array(64) };
}

/** Measures every selected size and op of the workloads `ids` in this process. */
function measure(ids) {
  const results = [];
  const losses = Object.fromEntries(ids.map((id) => [id, lk.getLoss(WORKLOADS[id].lossName, WORKLOADS[id].options)]));

  // The JS fallback runs every elementwise loss through one shared loop, and lib/ has call sites
  // shared by all backends: touch each selected loss, op and backend once before anything is
  // timed, so every measurement sees the same type feedback whatever the order of the workloads.
  // (Different losses are kept in different processes, see `isolate` below.)
  // This also finds the native backends that load but lack a loss's kernel (an addon older than
  // lib/): those columns are n/a for that loss, with the library's reason.
  // Each native call is bracketed by the math probe: a call after which JS math runs slower
  // than before it leaves the CPU in a bad state (see mathProbe), and is reported by name.
  const missing = Object.fromEntries(ids.map((id) => [id, {}]));
  for (let k = 0; k < 5; k++) probeNs(); // warm the probe up
  const probeBase = probeNs();
  const cpuState = { probeBaseNs: probeBase, calls: [], workloads: [] };
  // (The JS fallback too when it is some workload's baseline, selected or not.)
  for (const c of CONTENDERS.filter((x) => x.available || ids.some((id) => WORKLOADS[id].baseline === x.id))) {
    if (!c.backend) continue;
    lk.setBackend(c.backend);
    for (const id of ids) {
      const { yT, yP, g, structured } = touchInputs(id);
      for (const op of ['value', 'valueAndGrad']) {
        const before = probeNs();
        try {
          if (structured) sink += op === 'value' ? losses[id].value(yT) : losses[id].valueAndGrad(yT, { out: g }).value;
          else sink += op === 'value' ? losses[id].value(yT, yP) : losses[id].valueAndGrad(yT, yP, undefined, { out: g }).value;
        } catch (e) {
          if (e?.code !== 'LOSSKIT_BACKEND_UNAVAILABLE') throw e;
          missing[id][c.id] = String(e.message).split('\n')[0];
          break;
        }
        const after = probeNs();
        if (after > PROBE_LIMIT * before) cpuState.calls.push({ contender: c.id, loss: id, op, slowdown: after / before });
      }
    }
  }

  const workloads = ids.reduce((total, id) => total + sizesOf(id).length * opsOf(id).length, 0);
  let done = 0;
  for (const id of ids) {
    const w = WORKLOADS[id];
    // No plain loop (ctc): the JS fallback is the baseline, and runs even when --contenders
    // left it out.
    const active = CONTENDERS.filter((c) => (c.available || (c.id === w.baseline && c.backend)) &&
      !missing[id][c.id] && (c.backend || w.plain));
    const baselineId = w.baseline ?? 'plain';
    if (!active.some((c) => c.id === baselineId)) fail(`${id}: its baseline (${baselineId}) cannot run: ${missing[id][baselineId]}`);
    const loss = losses[id];
    for (const size of sizesOf(id)) {
      const n = size.n;
      const rounds = roundsFor(id, size);
      let data = makeData(id, size);
      for (const op of opsOf(id)) {
        const t0 = Date.now();
        const check = checkCorrectness(id, op, loss, data, active);
        const entries = active.map((c) => ({ c, run: runnerFor(c, id, op, loss, data), reps: 0, ns: [], ms: [] }));
        for (const e of entries) e.reps = calibrate(e.c, e.run, data);
        for (let round = 0; round < rounds; round++) {
          for (let k = 0; k < entries.length; k++) {
            const e = entries[(k + round) % entries.length]; // rotate who goes first
            const dt = timeOnce(e.c, e.run, e.reps, data);
            e.ms.push(dt / 1e6);
            e.ns.push(dt / e.reps / n);
          }
        }
        const plain = entries.find((e) => !e.c.backend);
        const js = entries.find((e) => e.c.id === 'js');
        const contenders = {};
        for (const c of CONTENDERS) {
          const e = entries.find((x) => x.c === c);
          if (!e) {
            const reason = !c.backend && !w.plain ? w.noPlain : (c.available ? null : c.reason) ?? missing[id][c.id];
            contenders[c.id] = { available: false, reason };
            continue;
          }
          const ns = summarize(e.ns);
          contenders[c.id] = {
            available: true,
            nsPerElement: ns,
            samples: e.ns,
            repsPerSample: e.reps,
            sampleMs: summarize(e.ms),
            // Per call (the structured workloads' unit): ns per element times the elements.
            msPerCall: summarize(e.ns.map((v) => (v * n) / 1e6)),
            ...(plain ? { speedupVsPlain: summarize(e.ns.map((v, r) => plain.ns[r] / v)) } : {}),
            // The same from the JS fallback's samples (the baseline of ctc, and the issue's
            // native-vs-fallback figure for triplet).
            ...(js && w.structured ? { speedupVsJs: summarize(e.ns.map((v, r) => js.ns[r] / v)) } : {}),
            gbPerSecond: WORKLOADS[id].bytesPerElement[op] / ns.median,
            check: check[c.id],
          };
        }
        // Still in the state the workload started in? (Checked after the timing, not during it.)
        const probeAfter = probeNs();
        const slowedJsMath = probeAfter > PROBE_LIMIT * probeBase ? probeAfter / probeBase : null;
        if (slowedJsMath) cpuState.workloads.push({ loss: id, op, size: size.label, slowdown: slowedJsMath });
        results.push({
          loss: id, lossName: WORKLOADS[id].lossName, op, n, size: size.label, shape: size.shape, ...(size.dims ? { dims: size.dims } : {}),
          baseline: baselineId, rounds, slowedJsMath, contenders,
        });
        done++;
        progress(`  [${done}/${workloads}] ${id} ${op} ${size.label}${rounds !== (OPTS.rounds ?? DEFAULTS.rounds) ? ` (${rounds} rounds)` : ''}: ` +
          `${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
      data = null;
    }
  }
  return { results, cpuState };
}

/** One child process per loss (unless --no-isolate): V8's type feedback for lib/'s shared code
 * then holds one loss, as in a program that trains with one loss, and no loss's numbers depend
 * on which loss ran before it. */
function isolate(lossNames) {
  const results = [];
  const cpuStates = [];
  const seen = [];
  const passOn = process.argv.slice(2).filter((a) => !/^--(json|losses|child)(=|$)/.test(a));
  for (const lossName of lossNames) {
    progress(`${lossName}: child process`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...passOn, `--losses=${lossName}`, '--child'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 256 * 1024 * 1024,
    });
    if (child.status !== 0) fail(`the ${lossName} child process failed (${child.error?.message ?? `exit ${child.status ?? child.signal}`}); see above`);
    const reply = JSON.parse(child.stdout.toString());
    results.push(...reply.results);
    cpuStates.push(reply.cpuState);
    sink += reply.sink;
    seen.push(reply);
  }
  // The tables show what the children measured: take the backend state from them, and say so if
  // it was not the same in all of them (an addon rebuilt or removed during the run).
  const describe = (r) => JSON.stringify([r.defaultBackend, r.contenders.map((c) => [c.id, c.available])]);
  if (new Set(seen.map(describe)).size > 1) {
    warnings.push(`the backends available differed between the losses' processes (${seen.map((r, i) => `${lossNames[i]}: ${r.defaultBackend}`).join(', ')}); ` +
      'was the addon rebuilt during the run? Rerun.');
  }
  const first = seen[0];
  defaultBackend = first.defaultBackend;
  caps = first.caps;
  for (const c of CONTENDERS) {
    const theirs = first.contenders.find((x) => x.id === c.id);
    c.available = theirs.available;
    c.reason = theirs.reason;
  }
  return { results, cpuStates };
}

let results;
let cpuStates;
if (OPTS.child) {
  const { results, cpuState } = measure(OPTS.losses);
  const contenders = CONTENDERS.map(({ id, available, reason }) => ({ id, available, reason }));
  process.stdout.write(JSON.stringify({ results, cpuState, sink, defaultBackend, caps, contenders }));
  process.exit(0);
} else if (OPTS.isolate && OPTS.losses.length > 1) {
  ({ results, cpuStates } = isolate(OPTS.losses));
} else {
  const measured = measure(OPTS.losses);
  results = measured.results;
  cpuStates = [measured.cpuState];
}
{
  // Native calls that slowed the JS math after them (mathProbe), and the workloads that ended in
  // that state: their JS columns (plain loop included) were timed slowed down.
  const calls = new Map();
  for (const s of cpuStates) for (const c of s.calls) {
    const key = `${CONTENDERS.find((x) => x.id === c.contender).label} ${WORKLOADS[c.loss].lossName} ${c.op}`;
    calls.set(key, Math.max(calls.get(key) ?? 0, c.slowdown));
  }
  const slowed = results.filter((r) => r.slowedJsMath);
  if (calls.size || slowed.length) {
    const culprits = [...calls].map(([key, f]) => `${key} (${f.toFixed(1)}x)`).join(', ');
    warnings.push((calls.size
      ? `after ${culprits}, JS math (Math.exp, Math.log1p) in the same thread runs slower, until another native kernel runs: ` +
        'the kernel leaves the CPU in a bad state (e.g. AVX code returning without vzeroupper; an addon bug, not noise). '
      : 'JS math (Math.exp, Math.log1p) ran slower after some workloads than at the start of their process. ') +
      (slowed.length
        ? `The tables marked "JS MATH SLOWED" ended in that state: their plain-loop, js and native-scalar columns are slower ` +
          'than they should be, and the vs-loop ratios of the other columns overstated; fix the addon and rerun ' +
          '(--contenders=native-scalar,js shows those columns unaffected meanwhile)'
        : 'No timed workload ended in that state'));
  }
}
{
  const addonMtimeAtEnd = fs.existsSync(addonPath) ? fs.statSync(addonPath).mtimeMs : null;
  if (addonMtimeAtEnd !== addonMtimeAtStart) {
    warnings.push('build/Release/losskit.node changed during the run (rebuilt?): the native columns may mix two builds; rerun');
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function fmtNs(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v < 1) return v.toFixed(3);
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

function fmtRatio(v) {
  if (v >= 99.95) return `${v.toFixed(0)}x`;
  if (v >= 9.995) return `${v.toFixed(1)}x`;
  return `${v.toFixed(2)}x`;
}

/** The speedup statistics of contender result `c` against the row's baseline. */
const speedupOf = (row, c) => (row.baseline === 'js' ? c.speedupVsJs : c.speedupVsPlain);

function cell(row, r, structured) {
  if (!r.available) return ['n/a', '', ''];
  const v = structured ? r.msPerCall : r.nsPerElement;
  const spread = ((v.p75 - v.p25) / 2 / v.median) * 100;
  return [fmtNs(v.median), `±${spread < 10 ? spread.toFixed(1) : spread.toFixed(0)}%`, fmtRatio(speedupOf(row, r).median)];
}

function table(id, op) {
  const rows = results.filter((r) => r.loss === id && r.op === op);
  if (!rows.length) return;
  const w = WORKLOADS[id];
  const sparse = id === 'scce';
  const structured = !!w.structured;
  const vsJs = w.baseline === 'js';
  const gradNote = !structured || w.gradNames.length === 1
    ? '  (gradient into a reused Float32Array)'
    : `  (every gradient into a reused Float32Array: options.out for ${w.gradNames[0]}, options.outs for ${w.gradNames.slice(1).join(' and ')})`;
  const title = `${w.title}  ${op}` +
    (op === 'valueAndGrad' ? gradNote : '') +
    (sparse ? (op === 'valueAndGrad' ? ';' : ' ') + ' ns per logit, Int32 labels' : '') +
    (structured ? (op === 'valueAndGrad' ? ';' : ' ') + ' ms per call' : '');
  out(title);
  const slowedRows = rows.filter((x) => x.slowedJsMath);
  if (slowedRows.length) {
    out(`  JS MATH SLOWED after ${slowedRows.map((r) => r.size).join(', ')}: the math probe ran ` +
      `${slowedRows.map((r) => `${r.slowedJsMath.toFixed(1)}x`).join(', ')} slower than at the start; JS columns and ratios not to be quoted (see the WARNING)`);
  }
  // Rows timed with fewer rounds than the rest (the heavy sizes) are marked with a *.
  const mark = (r) => (r.rounds !== (OPTS.rounds ?? DEFAULTS.rounds) ? '*' : '');
  // Each contender gets three sub-columns: median ns/element, half the interquartile range as a
  // percentage of the median, and the speedup over the plain loop (>1: faster).
  const head1 = ['', ...CONTENDERS.flatMap((c) => [c.label, '', ''])];
  const head2 = [sparse ? 'rows x C' : structured ? w.shapeHead : 'N',
    ...CONTENDERS.flatMap(() => [structured ? 'ms/call' : 'ns/el', '±', vsJs ? 'vs js' : 'vs loop'])];
  const body = rows.map((r) => [(sparse || structured ? r.size : String(r.n)) + mark(r), ...CONTENDERS.flatMap((c) => cell(r, r.contenders[c.id], structured))]);
  const cols = head2.length;
  const width = Array.from({ length: cols }, (_, i) => Math.max(...[head2, ...body].map((row) => row[i].length)));
  // Contender labels span their three sub-columns.
  const groupWidth = (g) => width[1 + 3 * g] + width[2 + 3 * g] + width[3 + 3 * g] + 2;
  for (let g = 0; g < CONTENDERS.length; g++) {
    const extra = head1[1 + 3 * g].length - groupWidth(g);
    if (extra > 0) width[1 + 3 * g] += extra;
  }
  const sep = '   ';
  let line = head2[0].padStart(width[0]).replace(/./g, ' ');
  for (let g = 0; g < CONTENDERS.length; g++) line += sep + head1[1 + 3 * g].padEnd(groupWidth(g));
  out(line.trimEnd());
  const fmtRow = (row) => {
    let s = row[0].padStart(width[0]);
    for (let g = 0; g < CONTENDERS.length; g++) {
      s += sep + row[1 + 3 * g].padStart(width[1 + 3 * g]) + ' ' + row[2 + 3 * g].padStart(width[2 + 3 * g]) + ' ' + row[3 + 3 * g].padStart(width[3 + 3 * g]);
    }
    return s.trimEnd();
  };
  out(fmtRow(head2));
  for (const row of body) out(fmtRow(row));
  // Columns n/a for this loss only (a native build without its kernel); the header lists the
  // backends that are n/a for every loss.
  const naHere = new Map(); // reason -> labels of the contenders it applies to
  for (const c of CONTENDERS) {
    if (!c.available) continue;
    for (const r of rows) {
      const { available, reason } = r.contenders[c.id];
      if (available) continue;
      const labels = naHere.get(reason) ?? [];
      if (!labels.includes(c.label)) naHere.set(reason, [...labels, c.label]);
    }
  }
  for (const [reason, labels] of naHere) out(`  ${labels.join(', ')}: n/a: ${reason}`);
  if (w.tableNote && op === 'valueAndGrad') out(`  ${w.tableNote}`);
  if (vsJs && rows.some((r) => r.contenders.js.available) && !CONTENDERS.find((c) => c.id === 'js').available) {
    out('  losskit js: timed although not selected (--contenders): it is the baseline here');
  }
  // One sentence per size for the backend users get by default (what 'auto' picks), or the
  // fastest losskit backend timed when that one is not in the table: the claim a reader wants.
  for (const r of rows) {
    const timed = CONTENDERS.filter((c) => c.backend && r.contenders[c.id].available);
    const best = timed.find((c) => c.backend === defaultBackend) ??
      timed.sort((a, b) => r.contenders[a.id].nsPerElement.median - r.contenders[b.id].nsPerElement.median)[0];
    if (!best) continue;
    const versus = (s, what) => (s.median >= 1
      ? `${fmtRatio(s.median)} as fast as ${what}`
      : `${fmtRatio(1 / s.median)} slower than ${what} (${fmtRatio(s.median)})`);
    const c = r.contenders[best.id];
    const s = speedupOf(r, c);
    // Structured workloads with a plain loop also state the ratio to the JS fallback (the
    // issue's native-vs-fallback figure), from the same rounds.
    const alsoJs = structured && !vsJs && c.speedupVsJs && best.id !== 'js'
      ? `, ${versus(c.speedupVsJs, 'the JS fallback')} (per-round ${fmtRatio(c.speedupVsJs.min)}..${fmtRatio(c.speedupVsJs.max)})`
      : '';
    out(`  ${r.size}: ${best.label} is ${versus(s, vsJs ? 'the JS fallback' : 'the plain loop')}; per-round ratios ${fmtRatio(s.min)}..${fmtRatio(s.max)}` +
      alsoJs + (mark(r) ? ` (${r.rounds} rounds)` : ''));
  }
  out();
}

const git = gitDescribe();
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const cpus = os.cpus();
const meta = {
  date: new Date(started).toISOString(),
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform} ${process.arch}`,
  cpu: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  // 1-minute load averages: other processes on the machine take cores from the thread pool.
  loadAverage: { start: loadAtStart, end: os.loadavg()[0] },
  losskit: pkg.version,
  git,
  defaultBackend,
  capabilities: caps,
  // The thread pool's size as native/kernels/thread_pool.h computes it (LOSSKIT_THREADS, else
  // min(hardware threads, 8)); the addon does not report it.
  nativeThreads: (() => {
    const t = Number.parseInt(process.env.LOSSKIT_THREADS ?? '', 10);
    return Number.isInteger(t) && t >= 1 ? Math.min(t, 64) : Math.min(os.availableParallelism?.() ?? cpus.length, 8);
  })(),
  warnings,
};

out(`losskit benchmark   ${meta.date}`);
out(`node ${meta.node} (V8 ${meta.v8}), ${meta.platform}`);
out(`CPU: ${meta.cpu}, ${meta.cores} cores; load average ${meta.loadAverage.start.toFixed(2)} at the start, ${meta.loadAverage.end.toFixed(2)} at the end`);
out(`losskit ${meta.losskit}${git ? ` (git ${git.commit}${git.dirty ? ', uncommitted changes' : ''})` : ''}; default backend: ${defaultBackend}`);
out(`capabilities: native ${caps.nativeLoaded ? JSON.stringify(caps.native) : 'not loaded'}`);
for (const c of CONTENDERS) if (!c.available) out(`  ${c.label}: n/a: ${c.reason}`);
for (const w of warnings) out(`WARNING: ${w}`);
const roundsAll = OPTS.rounds ?? DEFAULTS.rounds;
const reduced = results.filter((r) => r.rounds !== roundsAll);
if (OPTS.rounds !== null && OPTS.rounds < 7) out(`NOTE: only ${OPTS.rounds} rounds: a quick check, not numbers to quote (the default is ${DEFAULTS.rounds})`);
if (reduced.length) {
  const which = [...new Set(reduced.map((r) => `${r.loss} ${r.size}`))].join(', ');
  const why = [...new Set(reduced.map((r) => WORKLOADS[r.loss].heavyNote).filter(Boolean))].join('; ');
  out(`NOTE: ${which} ran ${HEAVY_ROUNDS} rounds, not ${roundsAll} (marked *): a round takes seconds there (${why}), ` +
    `and the default run is kept under 4 minutes; --rounds=${DEFAULTS.rounds} runs ${DEFAULTS.rounds} everywhere`);
}
{
  const shapes = [...(OPTS.losses.some((id) => ONE_D.includes(id)) ? ['1-D'] : []), ...(OPTS.losses.includes('scce') ? ['scce: [rows, C] logits, Int32 labels'] : []),
    ...(OPTS.losses.includes('ctc') ? ['ctc: [T, B, C] log-probs, Int32 targets'] : []),
    ...(OPTS.losses.includes('triplet') ? ['triplet: three [B, D]'] : [])];
  out(`method: float32 inputs (${shapes.join('; ')}); ${roundsAll} interleaved rounds` +
    `${reduced.length ? ` (${HEAVY_ROUNDS} where marked *)` : ''}, samples >= ${OPTS.targetMs} ms; ` +
    `ns/el = median ns per element${OPTS.losses.some((id) => WORKLOADS[id].structured) ? ' (ms/call: per call)' : ''}, ± = half the interquartile range;`);
  out(`        vs loop = median over rounds of (plain-loop time / contender time) in the same round, >1 = faster than the loop` +
    (OPTS.losses.includes('ctc') ? '; vs js (ctc): the same against the JS fallback' : ''));
  // The native kernels of the row-wise and structured losses spread big calls over a thread
  // pool (native/kernels/thread_pool.h); the JS contenders run on one thread.
  out(`threads: native kernels may spread a large call over ${meta.nativeThreads} thread${meta.nativeThreads === 1 ? '' : 's'} ` +
    `(${process.env.LOSSKIT_THREADS ? 'LOSSKIT_THREADS' : 'min(cores, 8); LOSSKIT_THREADS overrides'}); the JS fallback and the plain loop use one`);
}
out(OPTS.sameInputs
  ? `inputs: one set per N, every call on the same data (--same-inputs: branch patterns get learned)`
  : `inputs: N < ${POOL_ELEMENTS} cycle through ceil(${POOL_ELEMENTS}/N) distinct random sets, so data-dependent branches are not learned`);
{
  const byRtol = new Map();
  for (const id of OPTS.losses) byRtol.set(WORKLOADS[id].rtol, [...(byRtol.get(WORKLOADS[id].rtol) ?? []), id]);
  const rtols = [...byRtol].map(([rtol, ids]) => `${rtol} ${ids.join(', ')}`).join('; ');
  out(`values and gradients checked against the plain loop${OPTS.losses.includes('ctc') ? ' (ctc: the JS fallback)' : ''} on every set (rtol ${rtols}) before timing: all agreed`);
}
out();
for (const id of OPTS.losses) for (const op of ['value', 'valueAndGrad']) table(id, op);
out(`total ${((Date.now() - started) / 1000).toFixed(1)} s; sink ${sink.toPrecision(6)}`);

if (OPTS.json) {
  const json = JSON.stringify({
    meta,
    config: {
      losses: OPTS.losses,
      workloads: Object.fromEntries(OPTS.losses.map((id) => {
        const w = WORKLOADS[id];
        return [id, {
          loss: w.lossName,
          options: w.options,
          sizes: sizesOf(id).map((s) => (s.dims ? Object.values(s.dims) : s.shape)), // ctc [T, B, C, S], triplet [B, D]
          ops: opsOf(id),
          rounds: sizesOf(id).map((s) => roundsFor(id, s)),
          rtol: w.rtol,
          baseline: w.baseline ?? 'plain',
          bytesPerElement: w.bytesPerElement,
        }];
      })),
      targetMs: OPTS.targetMs,
      warmupMs: OPTS.warmupMs,
      dtype: 'float32',
    },
    contenders: CONTENDERS.map(({ id, label, backend, available, reason }) => ({ id, label, backend, available, reason })),
    cpuState: cpuStates,
    results,
    sink,
  }, null, 2);
  if (OPTS.json === '-') process.stdout.write(json + '\n');
  else fs.writeFileSync(path.resolve(OPTS.json), json + '\n');
}
