// binary_crossentropy from logits runs staged on the vector ISAs (native/kernels/
// elementwise_driver.h, kStaged): in rows of 16 elements or more, each group of four vectors
// takes exp and the division in a first pass and the rest in a second. Shorter rows go through
// the one-pass kernel (the short-row path), so the same elements as an [n, 1] batch and as long
// rows must give the same gradient bits, up to the row mean's exact power-of-two scale. (The
// values come out of the same LogitParts as the gradient; bce-sum-order.test.ts rebuilds the
// staged float32 sums from one-pass values bit for bit.)
import { afterAll, describe, expect, it } from 'vitest';
import { getLoss, setThreads } from '../lib/index';
import { AVX2, AVX512, useBackend } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const ISAS = [...(AVX2 ? ['native-avx2'] : []), ...(AVX512 ? ['native-avx512'] : [])];

describe.skipIf(ISAS.length === 0).each(ISAS)('binary_crossentropy from logits, staged kernel on %s', (backendName) => {
  useBackend(backendName);
  afterAll(() => setThreads(0));

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: long rows give the one-pass kernel's gradient bits, on 1 and 2 threads`, () => {
      const random = rng(31);
      const make = (values: number[]) => (dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values));
      // Rows of 4096 + 77 elements would make the scale inexact: rows of 4096 (1/4096 is exact),
      // labels 0, 1 and 0.3, logits over [-30, 30] plus infinities and exp's underflow range.
      const [rows, length] = [4, 4096];
      const n = rows * length;
      const y = make(Array.from({ length: n }, () => [0, 1, 0.3][Math.floor(3 * random())]!));
      const x = make(uniform(random, n, -30, 30));
      x[5] = Infinity;
      x[77] = -Infinity;
      x[4000] = 110;
      x[9000] = -95;
      const bce = getLoss('binary_crossentropy', { fromLogits: true, labelSmoothing: 0.1, reduction: 'sum' });
      const onePass = bce.valueAndGrad({ data: y, shape: [n, 1] }, { data: x, shape: [n, 1] }).grad.data;
      for (const threads of [1, 2]) {
        setThreads(threads);
        const staged = bce.valueAndGrad({ data: y, shape: [rows, length] }, { data: x, shape: [rows, length] }).grad.data;
        const differing: number[] = [];
        for (let i = 0; i < n; i++) {
          if (!Object.is(staged[i]! * length, onePass[i]!)) differing.push(i);
        }
        expect(differing.slice(0, 5).map((i) => [x[i], staged[i]! * length, onePass[i]])).toEqual([]);
      }
    });
  }
});
