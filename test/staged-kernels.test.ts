// The staged kernels on the vector ISAs (native/kernels/elementwise_driver.h, kStaged): in rows
// of 16 elements or more, each group of four vectors takes its transcendental first half (exp and
// the division) in one pass and the rest in a second. Shorter rows go through the one-pass kernel
// (the short-row path), so the same elements as an [n, 1] batch and as long rows must give the
// same gradient bits, up to the row mean's power-of-two scale. (The values come out of the
// same parts as the gradients; bce-sum-order.test.ts rebuilds staged float32 BCE sums from
// one-pass values bit for bit.)
import { afterAll, describe, expect, it } from 'vitest';
import { getLoss, setThreads } from '../lib/index';
import { AVX2, AVX512, useBackend } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const ISAS = [...(AVX2 ? ['native-avx2'] : []), ...(AVX512 ? ['native-avx512'] : [])];

const LABELS = [0, 1, 0.3];
const CASES = [
  { loss: 'binary_crossentropy', options: { fromLogits: true, labelSmoothing: 0.1 }, labels: 'classes' },
  { loss: 'binary_crossentropy', options: { fromLogits: true, posWeight: 2.5 }, labels: 'classes' },
  { loss: 'binary_focal_crossentropy', options: { fromLogits: true, gamma: 2, alpha: 0.25, applyClassBalancing: true }, labels: 'classes' },
  { loss: 'binary_focal_crossentropy', options: { fromLogits: true, gamma: 1.5 }, labels: 'classes' },
  { loss: 'log_cosh', options: {}, labels: 'values' },
] as const;

describe.skipIf(ISAS.length === 0).each(ISAS)('staged kernels on %s', (backendName) => {
  useBackend(backendName);
  afterAll(() => setThreads(0));

  for (const { loss, options, labels } of CASES) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${loss} ${JSON.stringify(options)} ${dtype}: long rows give the one-pass gradient bits, 1 and 2 threads`, () => {
        const random = rng(31);
        const make = (values: number[]) => (dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values));
        // Rows of 4096 (1/4096 is exact), inputs over [-30, 30] plus infinities and exp's
        // underflow range.
        const [rows, length] = [4, 4096];
        const n = rows * length;
        const y = make(labels === 'classes'
          ? Array.from({ length: n }, () => LABELS[Math.floor(3 * random())]!)
          : uniform(random, n, -5, 5));
        const x = make(uniform(random, n, -30, 30));
        x[5] = Infinity;
        x[77] = -Infinity;
        x[4000] = 110;
        x[9000] = -95;
        const f = getLoss(loss, { ...options, reduction: 'sum' });
        const onePass = f.valueAndGrad({ data: y, shape: [n, 1] }, { data: x, shape: [n, 1] }).grad.data;
        for (const threads of [1, 2]) {
          setThreads(threads);
          const staged = f.valueAndGrad({ data: y, shape: [rows, length] }, { data: x, shape: [rows, length] }).grad.data;
          // The row mean's scale 1/4096 applied to the one-pass gradient, rounded once to the
          // dtype (exact, except where the result is subnormal).
          const scaled = (i: number) => (dtype === 'float32' ? Math.fround(onePass[i]! / length) : onePass[i]! / length);
          const differing: number[] = [];
          for (let i = 0; i < n; i++) {
            if (!Object.is(staged[i], scaled(i))) differing.push(i);
          }
          expect(differing.slice(0, 5).map((i) => [x[i], staged[i], scaled(i)])).toEqual([]);
        }
      });
    }
  }
});
