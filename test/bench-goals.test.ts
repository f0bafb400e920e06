// The bench's goal verdicts (bench/goals.mjs) on made-up rows: each goal can pass and can miss,
// at the threshold the Performance issue states, and reads the column the issue names.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the bench, without type declarations.
import { goalsFor } from '../bench/goals.mjs';

const BIG = 16777216;
type Stat = { median: number };
const stat = (median: number): Stat => ({ median });

/** One row of the bench's results: `cells` maps a contender id to its per-round medians. */
function row(key: number, cells: Record<string, Record<string, Stat>>) {
  const contenders: Record<string, unknown> = {};
  for (const [id, fields] of Object.entries(cells)) contenders[id] = { available: true, nsPerElement: stat(1), ...fields };
  return { key: String(key), size: String(key), contenders };
}

/** The goal lines for one table as [verdict, text]. */
function verdicts(id: string, op: string, rows: unknown[]): Array<[boolean | null, string]> {
  return (goalsFor(id, op, rows) as Array<{ ok: boolean | null; text: string }>).map((l) => [l.ok, l.text]);
}

describe('BCE from logits valueAndGrad at 16M: within 2.5x the r2w1 limit on one thread', () => {
  // fractionOfLimit1t = limit's one-thread time / native 1T time; fractionOfLimit the same
  // against the limit column (the faster of one thread and the pool).
  const bce = (timesLimit1t: number, timesLimit: number) =>
    verdicts('bce', 'valueAndGrad', [
      row(BIG, { 'native-1t': { fractionOfLimit1t: stat(1 / timesLimit1t), fractionOfLimit: stat(1 / timesLimit) }, limit: {} }),
    ]);

  it('passes at or under 2.5x the one-thread entry, whatever the two-core ratio', () => {
    const [[ok, text]] = bce(1.7, 2.9);
    expect(ok).toBe(true);
    expect(text).toContain('1.70x the time of the limit\'s one-thread entry');
    expect(text).toContain('2.90x that of the limit column');
    expect(bce(2.5, 3)[0]![0]).toBe(true);
  });

  it('misses over 2.5x the one-thread entry', () => {
    const [[ok, text]] = bce(2.6, 2.0);
    expect(ok).toBe(false);
    expect(text).toMatch(/^ {2}MISS/);
  });

  it('is not checkable without the limit', () => {
    const lines = verdicts('bce', 'valueAndGrad', [
      { key: String(BIG), size: '16M', contenders: { 'native-1t': { available: true, nsPerElement: stat(0.6) }, limit: { available: false, reason: 'no addon' } } },
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0]![0]).toBeNull();
    expect(lines[0]![1]).toContain('limit: no addon');
  });
});

describe('memory-bound losses at 16M: at least 80% of the limit', () => {
  for (const op of ['value', 'valueAndGrad']) {
    it(`mse ${op}`, () => {
      const at = (fraction: number) => verdicts('mse', op, [row(BIG, { losskit: { fractionOfLimit: stat(fraction) }, limit: {} })])[0]!;
      expect(at(0.8)[0]).toBe(true);
      expect(at(0.79)[0]).toBe(false);
      expect(at(0.79)[1]).toContain(op === 'value' ? 'read limit' : 'read-2-write-1 limit');
    });
  }
});
