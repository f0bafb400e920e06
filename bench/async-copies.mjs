// node bench/async-copies.mjs: what an async call's copies cost (native/addon/jobs.h, CallStorage).
// MSE value + grad on 4M float32, one process, interleaved rounds: sync, async on ordinary
// arrays (copied in and out), async on SharedArrayBuffer views (used in place). Medians in ms and
// their ratios to sync, from this one run.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const lk = require('../dist/cjs/index.js');

const n = 1 << 22;
const rounds = 15;

function arrays(shared) {
  const make = () => (shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n));
  const yTrue = make(), yPred = make(), out = make();
  for (let i = 0; i < n; i++) {
    yTrue[i] = Math.sin(i);
    yPred[i] = Math.cos(i);
  }
  return { yTrue, yPred, out };
}

const loss = lk.getLoss('mse');
const plain = arrays(false);
const shared = arrays(true);
const reference = loss.valueAndGrad(plain.yTrue, plain.yPred).value;

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const samples = { sync: [], asyncCopied: [], asyncShared: [] };
for (let r = 0; r < rounds + 2; r++) {
  let t = process.hrtime.bigint();
  loss.valueAndGrad(plain.yTrue, plain.yPred, undefined, { out: plain.out });
  const sync = ms(t);
  t = process.hrtime.bigint();
  const copied = await loss.valueAndGradAsync(plain.yTrue, plain.yPred, undefined, { out: plain.out });
  const asyncCopied = ms(t);
  t = process.hrtime.bigint();
  const inPlace = await loss.valueAndGradAsync(shared.yTrue, shared.yPred, undefined, { out: shared.out });
  const asyncShared = ms(t);
  if (copied.value !== reference || inPlace.value !== reference) throw new Error('async value differs from sync');
  if (r < 2) continue; // warm-up
  samples.sync.push(sync);
  samples.asyncCopied.push(asyncCopied);
  samples.asyncShared.push(asyncShared);
}

const median = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];
const sync = median(samples.sync);
console.log(`MSE valueAndGrad, ${n} float32, ${lk.backend()}, ${rounds} rounds (median ms, ratio to sync)`);
for (const [name, label] of [['sync', 'sync'], ['asyncCopied', 'async, ordinary arrays (copied)'], ['asyncShared', 'async, SharedArrayBuffer views (in place)']]) {
  const m = median(samples[name]);
  console.log(`  ${label.padEnd(42)} ${m.toFixed(2).padStart(7)} ms  ${(m / sync).toFixed(2)}x`);
}
