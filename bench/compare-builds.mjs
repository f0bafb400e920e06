// Two builds of the addon, one elementwise kernel, one thread, in one process: the A/B behind the
// kernel comments' "0.85x the time" figures. Rounds alternate the builds, each timed by CPU
// time; the median of the per-round ratios is printed, with the largest relative difference of
// their gradients (0 when the change keeps the bits).
//
//   node bench/compare-builds.mjs <a.node> <b.node> [--kernel=10] [--params=1,0] [--aux]
//        [--n=16777216] [--f64] [--no-grad] [--isa=avx2] [--rounds=11] [--gap=K]
// Kernel ids are the rows of native/kernels/kernel_table.h (4 log_cosh, 10 binary_crossentropy
// [fromLogits, labelSmoothing], 11 its posWeight form (--aux), 12 binary_focal_crossentropy).
import { createRequire } from 'node:module';
import path from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const hit = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return fallback;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : true;
};
const files = args.filter((a) => !a.startsWith('--'));
if (files.length !== 2) {
  console.error('usage: node bench/compare-builds.mjs <a.node> <b.node> [--kernel=N] [--params=a,b] [--aux] [--n=N] [--f64] [--no-grad] [--isa=NAME] [--rounds=N] [--gap=K]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const [a, b] = files.map((f) => require(path.resolve(f)));
const n = Number(option('n', 16777216));
const kernel = Number(option('kernel', 10));
const params = new Float64Array(String(option('params', '1,0')).split(',').filter((v) => v !== '').map(Number));
const rounds = Number(option('rounds', 11));
const F = option('f64', false) ? Float64Array : Float32Array;

// The arrays: separate allocations, or with --gap=K one buffer holding yTrue, yPred, aux and the
// gradient in turn, K elements apart (the placement the staged kernels' copies are for:
// elementwise_driver.h, kStagedCopiesOperands; e.g. --gap=1024 against --gap=262144).
const gap = option('gap', null);
const arrays = [];
const buffer = gap === null ? null : new ArrayBuffer(4 * (n + Number(gap)) * F.BYTES_PER_ELEMENT);
const makeArray = () => {
  if (buffer === null) return new F(n);
  const array = new F(buffer, arrays.length * (n + Number(gap)) * F.BYTES_PER_ELEMENT, n);
  arrays.push(array);
  return array;
};

// Labels 0/1 and logits (or differences) uniform in [-10, 10], from a fixed LCG.
const yTrue = makeArray();
const yPred = makeArray();
let state = 7;
const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
for (let i = 0; i < n; i++) {
  yTrue[i] = random() < 0.5 ? 0 : 1;
  yPred[i] = random() * 20 - 10;
}
const aux = option('aux', false) ? makeArray().fill(2) : null;
const grad = option('no-grad', false) ? null : makeArray();
for (const m of [a, b]) {
  m.setThreads(1);
  if (option('isa', false)) m.setIsa(option('isa'));
}

const call = (m) => m.elementwise(kernel, yTrue, yPred, aux, params, n, null, null, grad, 1 / n);
const reps = Math.max(1, Math.round(2e7 / n));
const nsPerElement = (m) => {
  const start = process.cpuUsage();
  for (let k = 0; k < reps; k++) call(m);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1e3) / (reps * n);
};

const valueA = call(a);
const gradA = grad?.slice();
const valueB = call(b);
let gradDiff = 0;
if (grad) for (let i = 0; i < n; i++) gradDiff = Math.max(gradDiff, Math.abs(grad[i] - gradA[i]) / Math.max(Math.abs(gradA[i]), 1e-30));

const timesA = [];
const timesB = [];
const ratios = [];
for (let r = 0; r < rounds; r++) {
  const ta = nsPerElement(a);
  const tb = nsPerElement(b);
  timesA.push(ta);
  timesB.push(tb);
  ratios.push(tb / ta);
}
const median = (v) => v.slice().sort((p, q) => p - q)[v.length >> 1];
console.log(`kernel ${kernel}, n ${n}: value relative difference ${(Math.abs(valueA - valueB) / Math.abs(valueA)).toExponential(1)}, ` +
  `gradient max relative difference ${gradDiff.toExponential(1)}; a ${median(timesA).toFixed(3)} ns/el, b ${median(timesB).toFixed(3)} ns/el, ` +
  `b/a ${median(ratios).toFixed(3)} (median of ${rounds} rounds)`);
