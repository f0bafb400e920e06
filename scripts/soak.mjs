// npm run soak [-- --calls 1000000 --backend native --json]
//
// Long-running stability check of the native path (issue 8):
//  1. `calls` mixed calls (sync value, sync valueAndGrad, valueAndGrad into a reused `out`,
//     valueAsync and valueAndGradAsync in concurrent batches) over every registered loss, float32
//     and float64, several sizes. After a forced GC every calls/40, process.memoryUsage() is
//     sampled. Flat means: the median of the last quarter of the samples exceeds the median of the
//     first quarter after warm-up (the first 10% of the calls) by less than RSS_LIMIT_MB of RSS,
//     EXTERNAL_LIMIT_MB of external memory (typed arrays' buffers, the addon's) and HEAP_LIMIT_MB
//     of V8 heap. The medians of the two quarters lie ~0.68 x calls apart, so over 1e6 calls a
//     leak of ~2 bytes a call of external memory, ~3 of V8 heap or ~40 of native memory fails it
//     (20 times that over the 5e4 calls of test/soak.test.ts). Each sample follows two full GCs
//     a macrotask apart (V8 frees dead buffers' memory on a background sweeper); then external
//     memory stays within 0.3 MB when nothing leaks (measured), while RSS moves in steps with V8's
//     heap total (its young generation growing: 10 -> 14.5 -> 22.5 MB in the first 2.5e5 calls)
//     and is flat between them (1e6 calls, 2026-11-30: 89-91 MB from 2.5e5 calls on).
//  2. Four worker_threads run fixed sequences of mixed sync and concurrent async calls at the
//     same time as the main thread; each sequence's results (values and gradients, bit for bit,
//     hashed) must equal the same sequence run synchronously on the main thread.
// Exits 1 on any failure. Needs --expose-gc (the npm script passes it; so does re-exec below).
//
// The loss cases (every loss in the registry, with inputs of a given size) are exported for
// scripts/valgrind.driver.mjs.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import { mulberry32 } from '../demo/random.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export const RSS_LIMIT_MB = 24;
export const EXTERNAL_LIMIT_MB = 1;
export const HEAP_LIMIT_MB = 2;

/** Deterministic pseudo-random numbers: the demo's mulberry32. */
export const rng = mulberry32;

const fill = (F, n, random, lo, hi) => F.from({ length: n }, () => lo + (hi - lo) * random());
const bits = (F, n, random) => F.from({ length: n }, () => (random() < 0.5 ? 0 : 1));
function oneHot(F, rows, cols, random) {
  const data = new F(rows * cols);
  for (let r = 0; r < rows; r++) data[r * cols + Math.floor(random() * cols)] = 1;
  return data;
}
function simplex(F, rows, cols, random) {
  const data = fill(F, rows * cols, random, 0.05, 1);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += data[r * cols + c];
    for (let c = 0; c < cols; c++) data[r * cols + c] /= sum;
  }
  return data;
}

/**
 * [name, options, make(F, rows, cols, random) -> named inputs]: one case per registered loss (some
 * with several option sets), inputs of rows x cols.
 */
export const CASES = [
  ...['mean_squared_error', 'mean_absolute_error', 'huber', 'smooth_l1', 'log_cosh', 'quantile'].map((name) => [
    name,
    {},
    (F, r, c, random) => ({ yTrue: { data: fill(F, r * c, random, -3, 3), shape: [r, c] }, yPred: { data: fill(F, r * c, random, -3, 3), shape: [r, c] } }),
  ]),
  ['mean_squared_logarithmic_error', {}, (F, r, c, random) => ({ yTrue: { data: fill(F, r * c, random, 0, 5), shape: [r, c] }, yPred: { data: fill(F, r * c, random, -0.5, 5), shape: [r, c] } })],
  ['mean_absolute_percentage_error', {}, (F, r, c, random) => ({ yTrue: { data: fill(F, r * c, random, 0.1, 5), shape: [r, c] }, yPred: { data: fill(F, r * c, random, -5, 5), shape: [r, c] } })],
  ['poisson', {}, (F, r, c, random) => ({ yTrue: { data: fill(F, r * c, random, 0, 5), shape: [r, c] }, yPred: { data: fill(F, r * c, random, 0, 5), shape: [r, c] } })],
  ['gaussian_nll', { full: true }, (F, r, c, random) => ({
    yTrue: { data: fill(F, r * c, random, -3, 3), shape: [r, c] },
    yPred: { data: fill(F, r * c, random, -3, 3), shape: [r, c] },
    variance: { data: fill(F, r * c, random, 0, 3), shape: [r, c] },
  })],
  ['cosine_similarity', {}, (F, r, c, random) => ({ yTrue: { data: fill(F, r * c, random, -1, 1), shape: [r, c] }, yPred: { data: fill(F, r * c, random, -1, 1), shape: [r, c] } })],
  ['binary_crossentropy', { fromLogits: true }, (F, r, c, random) => ({ yTrue: { data: bits(F, r * c, random), shape: [r, c] }, yPred: { data: fill(F, r * c, random, -9, 9), shape: [r, c] } })],
  ['binary_crossentropy', {}, (F, r, c, random) => ({ yTrue: { data: bits(F, r * c, random), shape: [r, c] }, yPred: { data: fill(F, r * c, random, 0, 1), shape: [r, c] } })],
  ['binary_focal_crossentropy', { fromLogits: true, applyClassBalancing: true }, (F, r, c, random) => ({ yTrue: { data: bits(F, r * c, random), shape: [r, c] }, yPred: { data: fill(F, r * c, random, -9, 9), shape: [r, c] } })],
  ...['hinge', 'squared_hinge'].map((name) => [name, {}, (F, r, c, random) => ({ yTrue: { data: bits(F, r * c, random), shape: [r, c] }, yPred: { data: fill(F, r * c, random, -2, 2), shape: [r, c] } })]),
  ...[['categorical_crossentropy', { fromLogits: true }], ['categorical_crossentropy', {}], ['categorical_focal_crossentropy', { fromLogits: true }], ['categorical_hinge', {}]].map(([name, options]) => [
    name,
    options,
    (F, r, c, random) => ({ yTrue: { data: oneHot(F, r, c, random), shape: [r, c] }, yPred: { data: options.fromLogits || name === 'categorical_hinge' ? fill(F, r * c, random, -5, 5) : simplex(F, r, c, random), shape: [r, c] } }),
  ]),
  ...['kl_divergence', 'js_divergence'].map((name) => [name, {}, (F, r, c, random) => ({ yTrue: { data: simplex(F, r, c, random), shape: [r, c] }, yPred: { data: simplex(F, r, c, random), shape: [r, c] } })]),
  ['sparse_categorical_crossentropy', { fromLogits: true }, (F, r, c, random) => ({
    yTrue: { data: Int32Array.from({ length: r }, () => Math.floor(random() * c)), shape: [r] },
    yPred: { data: fill(F, r * c, random, -5, 5), shape: [r, c] },
  })],
  ...['dice', 'iou', 'tversky'].map((name) => [name, {}, (F, r, c, random) => ({ yTrue: { data: bits(F, r * c, random), shape: [r, c] }, yPred: { data: fill(F, r * c, random, 0, 1), shape: [r, c] } })]),
  ['triplet_margin', {}, (F, r, c, random) => ({
    anchor: { data: fill(F, r * c, random, -1, 1), shape: [r, c] },
    positive: { data: fill(F, r * c, random, -1, 1), shape: [r, c] },
    negative: { data: fill(F, r * c, random, -1, 1), shape: [r, c] },
  })],
  ['ctc', {}, (F, r, c, random) => {
    // T = c frames, B = r items, K = 6 classes; targets of length <= 3.
    const K = 6;
    const data = fill(F, c * r * K, random, -3, 0);
    for (let f = 0; f < c * r; f++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(data[f * K + k]);
      for (let k = 0; k < K; k++) data[f * K + k] -= Math.log(sum);
    }
    return {
      logProbs: { data, shape: [c, r, K] },
      targets: { data: Int32Array.from({ length: r * 3 }, () => 1 + Math.floor(random() * (K - 1))), shape: [r, 3] },
      inputLengths: Int32Array.from({ length: r }, (_, b) => c - (b % Math.min(c, 3))),
      targetLengths: Int32Array.from({ length: r }, (_, b) => Math.min(3, Math.max(0, c - (b % Math.min(c, 3)) - 1) >> 1)),
    };
  }],
  ['contrastive', { margin: 1 }, (F, r, c, random) => ({ x1: { data: fill(F, r * c, random, -1, 1), shape: [r, c] }, x2: { data: fill(F, r * c, random, -1, 1), shape: [r, c] }, labels: bits(F, r, random) })],
  ['cosine_embedding', { margin: 0.2 }, (F, r, c, random) => ({ x1: { data: fill(F, r * c, random, -1, 1), shape: [r, c] }, x2: { data: fill(F, r * c, random, -1, 1), shape: [r, c] }, labels: F.from({ length: r }, () => (random() < 0.5 ? 1 : -1)) })],
  ['margin_ranking', { margin: 0.1 }, (F, r, c, random) => ({ x1: fill(F, r * c, random, -1, 1), x2: fill(F, r * c, random, -1, 1), labels: F.from({ length: r * c }, () => (random() < 0.5 ? 1 : -1)) })],
  ['feature_matching', { distance: 'l2' }, (F, r, c, random) => ({
    predicted: [{ data: fill(F, r * c, random, -1, 1), shape: [r, c] }, { data: fill(F, r * 6, random, -1, 1), shape: [r, 2, 3] }],
    target: [{ data: fill(F, r * c, random, -1, 1), shape: [r, c] }, { data: fill(F, r * 6, random, -1, 1), shape: [r, 2, 3] }],
  })],
];

/** The primary input's data (the one `out` receives the gradient of). */
export function primaryData(name, inputs) {
  const primary = inputs.yPred ?? inputs.anchor ?? inputs.logProbs ?? inputs.x1 ?? inputs.predicted?.[0];
  return ArrayBuffer.isView(primary) ? primary : primary.data;
}

export function loadLosskit() {
  return require(path.join(root, 'dist/cjs/index.js'));
}

const SIZES = [[1, 1], [2, 7], [4, 37], [16, 100], [3, 1025]];

/** The prepared calls: loss x dtype x size, inputs generated once. */
function prepare(lk, seed) {
  const random = rng(seed);
  const prepared = [];
  for (const [name, options, make] of CASES) {
    for (const F of [Float32Array, Float64Array]) {
      for (const [rows, cols] of SIZES) {
        const inputs = make(F, rows, cols, random);
        const loss = lk.getLoss(name, options);
        const out = new F(primaryData(name, inputs).length);
        let outOk = true;
        try {
          loss.valueAndGrad(inputs, { out });
        } catch {
          outOk = false;
        }
        prepared.push({ name, loss, inputs, out: outOk ? out : null });
      }
    }
  }
  return prepared;
}

function digestResult(hash, result) {
  const value = typeof result === 'number' ? result : result.value;
  hash.update(Float64Array.of(typeof value === 'number' ? value : NaN));
  if (typeof result === 'object' && result.grads) {
    for (const key of Object.keys(result.grads).sort()) {
      const g = result.grads[key].data;
      hash.update(new Uint8Array(g.buffer, g.byteOffset, g.byteLength));
    }
  } else if (typeof result === 'object' && result.grad) {
    const g = result.grad.data;
    hash.update(new Uint8Array(g.buffer, g.byteOffset, g.byteLength));
  }
}

/** A fixed sequence of `count` calls from `seed`: sync only, or with async calls in concurrent
 * batches of 8. Returns the hash of all results in sequence order. */
async function sequence(lk, seed, count, mixed) {
  const prepared = prepare(lk, seed);
  const random = rng(seed + 1);
  const hash = createHash('sha256');
  for (let i = 0; i < count; ) {
    const batch = [];
    for (let k = 0; k < 8 && i < count; k++, i++) {
      const p = prepared[Math.floor(random() * prepared.length)];
      const wantGrad = random() < 0.5;
      const viaAsync = random() < 0.5; // drawn in both modes, so both make the same calls
      if (mixed && viaAsync) batch.push(wantGrad ? p.loss.valueAndGradAsync(p.inputs) : p.loss.valueAsync(p.inputs));
      else batch.push(wantGrad ? p.loss.valueAndGrad(p.inputs) : p.loss.value(p.inputs));
    }
    for (const result of await Promise.all(batch)) digestResult(hash, result);
  }
  return hash.digest('hex');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const MB = 1024 * 1024;

export async function soak({ calls, backendName }) {
  const lk = loadLosskit();
  if (backendName) lk.setBackend(backendName);
  const prepared = prepare(lk, 1);
  const samples = [];
  const sampleEvery = Math.max(1, Math.floor(calls / 40));
  const started = performance.now();
  let asyncCalls = 0;
  let outCalls = 0;
  // Two full GCs a macrotask apart: V8 frees array buffers' backing stores on a background
  // sweeper, so external memory right after one gc() still holds recently dead buffers.
  const take = async (i) => {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
    globalThis.gc();
    const m = process.memoryUsage();
    samples.push({ call: i, rss: m.rss, external: m.external, heapUsed: m.heapUsed, heapTotal: m.heapTotal });
  };
  await take(0);
  let i = 0;
  while (i < calls) {
    const p = prepared[i % prepared.length];
    const mode = Math.floor(i / prepared.length) % 5;
    if (mode === 3 || mode === 4) {
      // Async: a batch of up to 16 concurrent calls over consecutive cases.
      const batch = [];
      for (let k = 0; k < 16 && i < calls; k++, i++) {
        const q = prepared[i % prepared.length];
        batch.push(mode === 3 ? q.loss.valueAsync(q.inputs) : q.loss.valueAndGradAsync(q.inputs, q.out && k % 2 ? { out: new q.out.constructor(q.out.length) } : undefined));
        asyncCalls++;
        if (i % sampleEvery === 0 && i > 0) {
          await Promise.all(batch.splice(0));
          await take(i);
        }
      }
      await Promise.all(batch);
      continue;
    }
    if (mode === 0) p.loss.value(p.inputs);
    else if (mode === 1) p.loss.valueAndGrad(p.inputs);
    else if (p.out) {
      p.loss.valueAndGrad(p.inputs, { out: p.out });
      outCalls++;
    } else p.loss.valueAndGrad(p.inputs);
    i++;
    if (i % sampleEvery === 0) await take(i);
  }
  await take(calls);
  const seconds = (performance.now() - started) / 1000;

  const warm = samples.filter((s) => s.call >= calls * 0.1);
  const quarter = Math.max(1, Math.floor(warm.length / 4));
  const first = warm.slice(0, quarter);
  const last = warm.slice(-quarter);
  const growth = {};
  for (const key of ['rss', 'external', 'heapUsed']) {
    growth[key] = (median(last.map((s) => s[key])) - median(first.map((s) => s[key]))) / MB;
  }
  // Under AddressSanitizer (npm run test:sanitize preloads its runtime) freed memory sits in a
  // quarantine of up to 256 MB before reuse, so RSS grows by design: it is reported, not checked.
  const asan = /libasan/.test(process.env.LD_PRELOAD ?? '');
  const limits = { rss: asan ? null : RSS_LIMIT_MB, external: EXTERNAL_LIMIT_MB, heapUsed: HEAP_LIMIT_MB };
  const failures = Object.keys(limits).filter((key) => limits[key] !== null && !(growth[key] < limits[key]));
  return {
    backend: lk.backend(),
    calls,
    asyncCalls,
    outCalls,
    cases: prepared.length,
    seconds: Math.round(seconds * 10) / 10,
    rssMB: { start: samples[0].rss / MB, afterWarmup: median(first.map((s) => s.rss)) / MB, end: samples.at(-1).rss / MB },
    externalMB: { start: samples[0].external / MB, afterWarmup: median(first.map((s) => s.external)) / MB, end: samples.at(-1).external / MB },
    heapUsedMB: { start: samples[0].heapUsed / MB, end: samples.at(-1).heapUsed / MB },
    growthMB: growth,
    limitsMB: limits,
    /** [call, rss, external, V8 heap total] in MB at each sample. */
    samples: samples.map((s) => [s.call, Math.round((s.rss / MB) * 10) / 10, Math.round((s.external / MB) * 100) / 100, Math.round((s.heapTotal / MB) * 10) / 10]),
    failures: failures.map((key) => `${key} grew ${growth[key].toFixed(2)} MB (limit ${limits[key]} MB)`),
  };
}

export async function workersAgree({ backendName, perWorker, workers }) {
  const lk = loadLosskit();
  if (backendName) lk.setBackend(backendName);
  const seeds = Array.from({ length: workers }, (_, k) => 100 + k);
  const fromWorkers = Promise.all(
    seeds.map(
      (seed) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { seed, count: perWorker, backendName } });
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`worker exited with ${code}`))));
        }),
    ),
  );
  // The main thread computes alongside them (its own seed), then the workers' sequences, sync.
  await sequence(lk, 99, perWorker, true);
  const got = await fromWorkers;
  const want = [];
  for (const seed of seeds) want.push(await sequence(lk, seed, perWorker, false));
  const mismatches = seeds.filter((_, k) => got[k] !== want[k]);
  return { workers, perWorker, mismatches };
}

function parseArgs(argv) {
  const args = { calls: 1_000_000, backendName: undefined, json: false, perWorker: 2000, workers: 4 };
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--calls') args.calls = Number(argv[++k]);
    else if (argv[k] === '--backend') args.backendName = argv[++k];
    else if (argv[k] === '--worker-calls') args.perWorker = Number(argv[++k]);
    else if (argv[k] === '--workers') args.workers = Number(argv[++k]);
    else if (argv[k] === '--json') args.json = true;
    else throw new Error(`soak: unknown argument ${argv[k]}`);
  }
  return args;
}

async function main() {
  if (typeof globalThis.gc !== 'function') {
    const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(child.status ?? 1);
  }
  const args = parseArgs(process.argv.slice(2));
  const lk = loadLosskit();
  if (args.backendName === undefined) args.backendName = lk.capabilities().nativeLoaded ? 'native' : 'js';
  const started = performance.now();
  const memory = await soak(args);
  const threads = await workersAgree(args);
  const report = { ...memory, threads, totalSeconds: Math.round((performance.now() - started) / 100) / 10 };
  const ok = memory.failures.length === 0 && threads.mismatches.length === 0;
  if (args.json) console.log(JSON.stringify({ ok, ...report }));
  else {
    const f = (x) => x.toFixed(1);
    console.log(`soak on ${report.backend}: ${report.calls} calls (${report.asyncCalls} async, ${report.outCalls} into out) over ${report.cases} cases in ${report.seconds} s`);
    console.log(`  rss ${f(report.rssMB.start)} -> ${f(report.rssMB.afterWarmup)} (after warm-up) -> ${f(report.rssMB.end)} MB; external ${f(report.externalMB.start)} -> ${f(report.externalMB.afterWarmup)} -> ${f(report.externalMB.end)} MB; heap ${f(report.heapUsedMB.start)} -> ${f(report.heapUsedMB.end)} MB`);
    console.log(`  growth first -> last quarter: rss ${report.growthMB.rss.toFixed(2)} MB, external ${report.growthMB.external.toFixed(2)} MB, heap ${report.growthMB.heapUsed.toFixed(2)} MB (limits ${report.limitsMB.rss ?? "none (ASan)"} / ${EXTERNAL_LIMIT_MB} / ${HEAP_LIMIT_MB})`);
    console.log(`  ${threads.workers} worker threads x ${threads.perWorker} mixed calls: ${threads.mismatches.length === 0 ? 'bitwise equal to the sequential runs' : `MISMATCH for seeds ${threads.mismatches}`}`);
    for (const failure of memory.failures) console.log(`  FAIL: ${failure}`);
    console.log(`  total ${report.totalSeconds} s: ${ok ? 'ok' : 'FAILED'}`);
  }
  process.exit(ok ? 0 : 1);
}

if (!isMainThread && workerData?.seed !== undefined) {
  const lk = loadLosskit();
  if (workerData.backendName) lk.setBackend(workerData.backendName);
  sequence(lk, workerData.seed, workerData.count, true).then((digest) => parentPort.postMessage(digest));
} else if (isMainThread && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
