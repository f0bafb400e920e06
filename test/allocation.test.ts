// A training loop's step, valueAndGrad(yTrue, yPred, undefined, { out }), retains nothing: after
// 1e5 steps and a full gc, heap used and external (ArrayBuffer) memory are where they were.
// Runs in a child process started with --expose-gc, on the built package (dist/), and prints the
// numbers; no timing is asserted (speed is the bench's business).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { NATIVE_LOADED } from './helpers/backends';

const STEPS = 100_000;
/** A leak of 8 bytes a step would show as 800 KB; JIT code and feedback settle in the warm-up. */
const HEAP_BOUND = 512 * 1024;
/** One retained 64-element Float32Array a step would be 25 MB. */
const EXTERNAL_BOUND = 64 * 1024;

const JS_ONLY = process.env.LOSSKIT_BACKEND === 'js';
const BACKENDS = JS_ONLY || !NATIVE_LOADED ? ['js'] : ['js', 'native', 'auto'];

const probe = `
  const lk = require(${JSON.stringify(path.resolve(__dirname, '../dist/cjs/index.js'))});
  const cases = [['mse', {}, 64], ['mse', {}, 512], ['huber', { delta: 0.5 }, 64], ['mae', {}, 512],
                 ['binary_crossentropy', { fromLogits: true }, 64]];
  const rows = [];
  for (const backend of ${JSON.stringify(BACKENDS)}) {
    lk.setBackend(backend);
    for (const [name, options, n] of cases) {
      const loss = lk.getLoss(name, options);
      const yTrue = Float32Array.from({ length: n }, (_, i) => (i % 2));
      const yPred = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
      const step = { out: new Float32Array(n) };
      let sink = 0;
      for (let i = 0; i < 10000; i++) sink += loss.valueAndGrad(yTrue, yPred, undefined, step).value;
      gc(); gc();
      const before = process.memoryUsage();
      for (let i = 0; i < ${STEPS}; i++) sink += loss.valueAndGrad(yTrue, yPred, undefined, step).value;
      gc(); gc();
      const after = process.memoryUsage();
      if (!Number.isFinite(sink)) throw new Error('non-finite loss');
      rows.push({ backend, loss: name, n, heapUsedGrowth: after.heapUsed - before.heapUsed,
                  externalGrowth: after.external - before.external, arrayBuffersGrowth: after.arrayBuffers - before.arrayBuffers });
    }
  }
  console.log(JSON.stringify(rows));`;

it(`valueAndGrad with out retains no memory over ${STEPS} steps (${BACKENDS.join(', ')}; float32)`, () => {
  const env = { ...process.env, LOSSKIT_BACKEND: undefined };
  const result = spawnSync(process.execPath, ['--expose-gc', '-e', probe], { env, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  const rows = JSON.parse(result.stdout) as Array<{
    backend: string;
    loss: string;
    n: number;
    heapUsedGrowth: number;
    externalGrowth: number;
    arrayBuffersGrowth: number;
  }>;
  console.log(
    `growth after ${STEPS} steps and gc (bytes):\n` +
      rows.map((r) => `  ${r.backend.padEnd(6)} ${r.loss.padEnd(20)} n=${String(r.n).padEnd(4)} heapUsed ${r.heapUsedGrowth}, external ${r.externalGrowth}, arrayBuffers ${r.arrayBuffersGrowth}`).join('\n'),
  );
  for (const r of rows) {
    const label = `${r.backend} ${r.loss} n=${r.n}`;
    expect(r.heapUsedGrowth, `${label} heapUsed`).toBeLessThan(HEAP_BOUND);
    expect(r.externalGrowth, `${label} external`).toBeLessThan(EXTERNAL_BOUND);
    expect(r.arrayBuffersGrowth, `${label} arrayBuffers`).toBeLessThan(EXTERNAL_BOUND);
  }
}, 120_000);
