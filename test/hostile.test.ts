// Hostile inputs aimed at the raw native entry points, bypassing lib/'s checks: wrong lengths,
// dtypes and kinds of value, sizes whose products overflow, non-integer and non-finite sizes,
// detached, shared, offset and resizable buffers, out-of-range labels and lengths, bad kernel ids,
// and arrays detached, transferred, resized or rewritten while an async call runs.
//
// Each group runs in a child process (test/helpers/hostile-child.cjs) so that a crash shows as
// a signal or a non-zero exit rather than killing the runner. Every bad call must throw (or, for
// the async twins, reject with) a TypeError or RangeError whose code is LOSSKIT_NATIVE_ARGUMENT
// and whose message names the argument; every well-formed call on unusual memory must give the
// value of the same call on plain arrays.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NATIVE_LOADED } from './helpers/backends';

const CHILD = path.join(__dirname, 'helpers', 'hostile-child.cjs');
const GROUPS = ['elementwise', 'cosine', 'categorical', 'sparse', 'ctc', 'triplet', 'pair', 'misc', 'params', 'race', 'async'] as const;

interface Report {
  name: string;
  expect: 'throw' | 'value' | 'any';
  arg?: string;
  expectedValue?: unknown;
  outcome: 'threw' | 'returned';
  error?: string;
  code?: string;
  message?: string;
  value?: unknown;
}

function runGroup(group: string): { reports: Report[]; done: number | undefined; status: number | null; signal: string | null; stderr: string } {
  const child = spawnSync(process.execPath, ['--expose-gc', CHILD, group], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  const reports: Report[] = [];
  let done: number | undefined;
  for (const line of child.stdout.split('\n')) {
    if (!line.trim()) continue;
    const parsed = JSON.parse(line) as Report & { done?: number };
    if (parsed.done !== undefined) done = parsed.done;
    else reports.push(parsed);
  }
  return { reports, done, status: child.status, signal: child.signal, stderr: child.stderr };
}

function sameValue(got: unknown, expected: unknown): boolean {
  if (typeof got === 'number' && typeof expected === 'number') {
    return got === expected || Math.abs(got - expected) <= 1e-12 * Math.abs(expected);
  }
  return got === expected;
}

/** What is wrong with one case's outcome, or null. */
function problem(r: Report): string | null {
  if (r.expect === 'throw') {
    if (r.outcome !== 'threw') return `returned ${JSON.stringify(r.value)} instead of throwing`;
    if (r.error !== 'TypeError' && r.error !== 'RangeError') return `threw a ${r.error}: ${r.message}`;
    if (r.code !== 'LOSSKIT_NATIVE_ARGUMENT') return `threw code ${r.code}: ${r.message}`;
    if (r.arg && !new RegExp(`\\b(${r.arg})\\b`).test(r.message ?? '')) return `message does not name '${r.arg}': ${r.message}`;
    return null;
  }
  if (r.expect === 'any') {
    if (r.outcome === 'returned') return typeof r.value === 'number' || typeof r.value === 'string' ? null : `returned ${JSON.stringify(r.value)}`;
    return r.code === 'LOSSKIT_NATIVE_ARGUMENT' ? null : `threw ${r.error} ${r.code}: ${r.message}`;
  }
  if (r.outcome !== 'returned') return `threw ${r.error} ${r.code}: ${r.message}`;
  if (!sameValue(r.value, r.expectedValue)) return `returned ${JSON.stringify(r.value)}, expected ${JSON.stringify(r.expectedValue)}`;
  return null;
}

describe.skipIf(!NATIVE_LOADED)('hostile inputs to the native entry points (child processes)', () => {
  it.each(GROUPS)('%s: no crash, every bad call a typed error naming its argument', (group) => {
    const { reports, done, status, signal, stderr } = runGroup(group);
    expect(signal, `child killed by a signal; stderr:\n${stderr}`).toBeNull();
    expect(status, `child exit status; stderr:\n${stderr}`).toBe(0);
    expect(done, 'the child reported every case').toBe(reports.length);
    expect(reports.length).toBeGreaterThan(group === 'race' ? 0 : 10);
    const problems = reports.map((r) => [r.name, problem(r)] as const).filter(([, p]) => p !== null);
    expect(problems.map(([name, p]) => `${name}: ${p}`)).toEqual([]);
    console.log(`hostile ${group}: ${reports.length} cases (${reports.filter((r) => r.expect === 'throw').length} must throw)`);
  }, 180_000);
});
