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

type Dtype = 'float32' | 'float64';
const makeArray = (dtype: Dtype, values: ArrayLike<number>) => (dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values));

// The first (up to) five elements whose staged gradient is not `expected(i)` bit for bit, each
// with its logit, the staged value and the expected one: [] when all match.
function firstDiffering(staged: ArrayLike<number>, x: ArrayLike<number>, expected: (i: number) => number) {
  const differing: number[] = [];
  for (let i = 0; i < staged.length && differing.length < 5; i++) {
    if (!Object.is(staged[i], expected(i))) differing.push(i);
  }
  return differing.map((i) => [i, x[i], staged[i], expected(i)]);
}

describe.skipIf(ISAS.length === 0).each(ISAS)('staged kernels on %s', (backendName) => {
  useBackend(backendName);
  afterAll(() => setThreads(0));

  for (const { loss, options, labels } of CASES) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${loss} ${JSON.stringify(options)} ${dtype}: long rows give the one-pass gradient bits, 1 and 2 threads`, () => {
        const random = rng(31);
        const make = (values: number[]) => makeArray(dtype, values);
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
          expect(firstDiffering(staged, x, scaled)).toEqual([]);
        }
      });
    }
  }

  // Rows whose length leaves no whole group of four vectors, one, an odd number, or a chunk
  // (4096) and some: the pipelined loop's first and last steps (kStagedPipelined), and the
  // tails after it. Their gradient scale 1/L is not a power of two: the reference is the
  // one-pass f' times the dtype's 1/L, rounded once, as the driver writes it.
  for (const { loss, options, labels } of CASES) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${loss} ${JSON.stringify(options)} ${dtype}: rows of 21, 64, 231 and 4173 give the one-pass gradient bits`, () => {
        const random = rng(59);
        const make = (values: number[]) => makeArray(dtype, values);
        const round = dtype === 'float32' ? Math.fround : (v: number) => v;
        for (const length of [21, 64, 231, 4096 + 77]) {
          const rows = 3;
          const n = rows * length;
          const y = make(labels === 'classes'
            ? Array.from({ length: n }, () => LABELS[Math.floor(3 * random())]!)
            : uniform(random, n, -5, 5));
          const x = make(uniform(random, n, -30, 30));
          const f = getLoss(loss, { ...options, reduction: 'sum' });
          const onePass = f.valueAndGrad({ data: y, shape: [n, 1] }, { data: x, shape: [n, 1] }).grad.data;
          const scale = round(1 / length);
          const staged = f.valueAndGrad({ data: y, shape: [rows, length] }, { data: x, shape: [rows, length] }).grad.data;
          expect([length, firstDiffering(staged, x, (i) => round(onePass[i]! * scale))]).toEqual([length, []]);
        }
      });
    }
  }

  // posWeight per class: the aux array then differs from vector to vector, so the second pass
  // must take each vector's own weights (from its stack copy, elementwise_driver.h
  // kStagedCopiesOperands). Eight weights, rotated by 3 from one block of eight classes to the
  // next along the rows of 4096 (staged), so no two neighbouring vectors of 4, 8 or 16 lanes
  // carry the same ones; the one-pass reference runs the same elements as rows of 8 (one
  // element of each weight per row), rearranged.
  for (const dtype of ['float32', 'float64'] as const) {
    it(`binary_crossentropy with a posWeight per class ${dtype}: long rows give the one-pass gradient bits, 1 and 2 threads`, () => {
      const random = rng(47);
      const make = (values: ArrayLike<number>) => makeArray(dtype, values);
      const [rows, length, shortLength] = [4, 4096, 8];
      const n = rows * length;
      const weights = Array.from({ length: shortLength }, (_, k) => 0.5 + k * 0.75);
      const weightIndex = (c: number) => (c + 3 * Math.floor(c / shortLength)) % shortLength;
      // Element (r, c) of the long rows is element weightIndex(c) of short row (r, c / 8).
      const shortIndex = (i: number) => i - (i % shortLength) + weightIndex(i % length);
      const y = Array.from({ length: n }, () => LABELS[Math.floor(3 * random())]!);
      const x = uniform(random, n, -30, 30);
      const yShort = new Array<number>(n);
      const xShort = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        yShort[shortIndex(i)] = y[i]!;
        xShort[shortIndex(i)] = x[i]!;
      }
      const long = getLoss('binary_crossentropy', {
        fromLogits: true, reduction: 'sum', posWeight: Array.from({ length }, (_, c) => weights[weightIndex(c)]!),
      });
      const short = getLoss('binary_crossentropy', { fromLogits: true, reduction: 'sum', posWeight: weights });
      const shortShape = [n / shortLength, shortLength];
      const onePass = short.valueAndGrad({ data: make(yShort), shape: shortShape }, { data: make(xShort), shape: shortShape }).grad.data;
      for (const threads of [1, 2]) {
        setThreads(threads);
        const staged = long.valueAndGrad({ data: make(y), shape: [rows, length] }, { data: make(x), shape: [rows, length] }).grad.data;
        // Row means: 1/8 there, 1/4096 here, so the one-pass gradient times 8/4096 (exact but
        // where subnormal).
        const scaled = (i: number) => {
          const g = onePass[shortIndex(i)]! / (length / shortLength);
          return dtype === 'float32' ? Math.fround(g) : g;
        };
        expect(firstDiffering(staged, x, scaled)).toEqual([]);
      }
    });
  }
});
