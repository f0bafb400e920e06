// binary_crossentropy's float32 summation order on the vector ISAs (elementwise_driver.h's
// header, kSumsQuadsInDtype): whole groups of four vectors are added in float32 as
// (v0 + v1) + (v2 + v3) before widening into accumulator 0; leftover whole vectors go to
// accumulators 0, 1, 2, a partial one to 3. The reduction is rebuilt here from the
// per-element values and must match bit for bit, on one thread and on the pool.
import { afterAll, describe, expect, it } from 'vitest';
import { getLoss, setThreads } from '../lib/index';
import { AVX2, AVX512, useBackend } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const CHUNK = 4096; // kChunkElements (native/kernels/ordered_sum.h)

// Lanes (doubles) folded in halves: the vector types' horizontalSum.
function foldHalves(w: number[]): number {
  let v = w;
  while (v.length > 1) {
    const half = v.length / 2;
    v = v.slice(0, half).map((a, k) => a + v[k + half]);
  }
  return v[0];
}

// The documented sum of one chunk of float32 values (as doubles) for `lanes`-wide vectors.
function chunkSum(values: ArrayLike<number>, lanes: number): number {
  const acc = [0, 1, 2, 3].map(() => new Array<number>(lanes).fill(0));
  const f = Math.fround;
  const step = 4 * lanes;
  let i = 0;
  for (; i + step <= values.length; i += step) {
    for (let k = 0; k < lanes; k++) {
      const v01 = f(values[i + k] + values[i + lanes + k]);
      const v23 = f(values[i + 2 * lanes + k] + values[i + 3 * lanes + k]);
      acc[0][k] += f(v01 + v23);
    }
  }
  for (let a = 0; a < 3 && i + lanes <= values.length; a++, i += lanes) {
    for (let k = 0; k < lanes; k++) acc[a][k] += values[i + k];
  }
  for (let k = 0; i + k < values.length; k++) acc[3][k] += values[i + k];
  const merged = acc[0].map((_, k) => (acc[0][k] + acc[1][k]) + (acc[2][k] + acc[3][k]));
  // Accumulator lanes: low half (lanes / 2 doubles) + high half, then horizontalSum.
  const half = lanes / 2;
  return foldHalves(merged.slice(0, half).map((a, k) => a + merged[k + half]));
}

const ISAS = [...(AVX2 ? [['native-avx2', 8] as const] : []), ...(AVX512 ? [['native-avx512', 16] as const] : [])];

describe.each(ISAS)('binary_crossentropy float32 sum order on %s', (backendName, lanes) => {
  useBackend(backendName);
  afterAll(() => setThreads(0));

  for (const fromLogits of [true, false]) {
    it(`fromLogits ${fromLogits}: the quads-in-float32 order, bit for bit, on 1 and 2 threads`, () => {
      const random = rng(7);
      // One row of two chunks and a tail (3 whole vectors and a partial one after the quads),
      // 64 rows of 4096 + 77 (enough for the pool's chunk split), and rows of exactly one
      // group of four vectors and of three groups and a tail (the software-pipelined loop's
      // first and last steps, fromLogits: elementwise_driver.h kStagedPipelined).
      for (const [rows, length] of [[1, CHUNK + 3 * lanes + 5], [64, CHUNK + 77], [3, 4 * lanes], [3, 14 * lanes + 5]]) {
        const n = rows * length;
        const y = new Float32Array(n).map(() => (random() < 0.5 ? 0 : 1));
        const x = new Float32Array(uniform(random, n, fromLogits ? -6 : 0.001, fromLogits ? 6 : 0.999));
        const none = getLoss('binary_crossentropy', { fromLogits, reduction: 'none' });
        const values = none.value({ data: y, shape: [n, 1] }, { data: x, shape: [n, 1] }).data;
        const perRow: number[] = [];
        for (let r = 0; r < rows; r++) {
          let rowSum = 0;
          for (let c = 0; c < length; c += CHUNK) {
            rowSum += chunkSum(values.subarray(r * length + c, r * length + Math.min(c + CHUNK, length)), lanes);
          }
          perRow.push(rowSum * (1 / length));
        }
        const perSample = getLoss('binary_crossentropy', { fromLogits, reduction: 'none' });
        for (const threads of [1, 2]) {
          setThreads(threads);
          const got = perSample.value({ data: y, shape: [rows, length] }, { data: x, shape: [rows, length] }).data;
          expect(Array.from(got)).toEqual(perRow.map(Math.fround));
          // valueAndGrad's values come from the kernel's gradient instance: the same order.
          const withGrad = perSample.valueAndGrad({ data: y, shape: [rows, length] }, { data: x, shape: [rows, length] }).value.data;
          expect(Array.from(withGrad)).toEqual(perRow.map(Math.fround));
          if (rows === 1) {
            // The 'sum' reduction of one row is its mean in double: the order shows unrounded.
            const sum = getLoss('binary_crossentropy', { fromLogits, reduction: 'sum' });
            expect(sum.value({ data: y, shape: [rows, length] }, { data: x, shape: [rows, length] })).toBe(perRow[0]);
          }
        }
      }
    });
  }
});
