// A short run of scripts/soak.mjs (npm run soak makes 1e6 calls): 5e4 mixed sync/async calls
// over every registered loss with RSS, external memory and V8 heap sampled after forced GCs and
// required flat (limits in the script), and four worker_threads whose mixed sync and concurrent
// async calls must give bitwise the results of the same calls made sequentially. In a child
// process, so that --expose-gc and the memory numbers belong to it alone.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const script = path.resolve(__dirname, '../scripts/soak.mjs');

it('50000 mixed calls keep memory flat, and worker threads match sequential results bit for bit', () => {
  const result = spawnSync(process.execPath, ['--expose-gc', script, '--calls', '50000', '--worker-calls', '1000', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, LOSSKIT_BACKEND: undefined },
  });
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  const report = JSON.parse(result.stdout.trim().split('\n').at(-1) as string);
  expect(report.ok).toBe(true);
  expect(report.calls).toBe(50000);
  expect(report.asyncCalls).toBeGreaterThan(10000);
  expect(report.outCalls).toBeGreaterThan(5000);
  expect(report.failures).toEqual([]);
  expect(report.threads.mismatches).toEqual([]);
  // RSS is not limited under AddressSanitizer (its quarantine holds freed memory): limit null.
  expect(report.limitsMB.rss === null).toBe(/libasan/.test(process.env.LD_PRELOAD ?? ''));
  for (const key of ['rss', 'external', 'heapUsed']) {
    if (report.limitsMB[key] !== null) expect(report.growthMB[key]).toBeLessThan(report.limitsMB[key]);
  }
  expect(report.growthMB.external).toBeLessThan(1);
}, 60_000);
