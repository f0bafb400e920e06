// The native entry points re-check every length and type they use, whatever JavaScript passes
// (lib/ normally proves all of this first): each bad call throws a TypeError or RangeError with
// code LOSSKIT_NATIVE_ARGUMENT (the async twins reject with it) and touches no memory.
import { describe, expect, it } from 'vitest';
import { nativeBinding } from '../lib/backend';
import type { ElementwiseArgs, NativeBinding } from '../lib/backend/binding';

const binding = nativeBinding() as NativeBinding; // null when the addon did not load

function good(): ElementwiseArgs {
  const n = 12;
  return [
    binding.elementwiseKernels.huber!,
    new Float32Array(n),
    new Float32Array(n),
    null,
    new Float64Array([1]),
    4,
    new Float64Array(3),
    new Float64Array(3),
    new Float32Array(n),
    1,
  ];
}

function withArg(index: number, value: unknown): ElementwiseArgs {
  const args = good();
  (args as unknown[])[index] = value;
  return args;
}

const BAD: Array<[string, ElementwiseArgs, 'TypeError' | 'RangeError', RegExp]> = !binding ? [] : [
  ['unknown kernel id', withArg(0, 999), 'RangeError', /'kernel' must be an integer in \[0, \d+\] \(got 999\)/],
  ['fractional kernel id', withArg(0, 0.5), 'RangeError', /'kernel'/],
  ['yTrue not a typed array', withArg(1, [1, 2]), 'TypeError', /'yTrue' must be a Float32Array or Float64Array \(got Array\)/],
  ['yTrue of another dtype', withArg(1, new Float64Array(12)), 'TypeError', /'yTrue' must be a Float32Array like 'yPred'/],
  ['yTrue too short', withArg(1, new Float32Array(11)), 'RangeError', /'yTrue' must have 12 elements \(got 11\)/],
  ['empty yPred', withArg(2, new Float32Array(0)), 'RangeError', /'yPred' must have at least 1 element/],
  ['integer yPred', withArg(2, new Int32Array(12)), 'TypeError', /got Int32Array/],
  ['params of the wrong count', withArg(4, new Float64Array(0)), 'RangeError', /'params' must have 1 element for huber \(got 0\)/],
  ['params not Float64Array', withArg(4, new Float32Array(1)), 'TypeError', /'params' must be a Float64Array/],
  ['rowLength zero', withArg(5, 0), 'RangeError', /'rowLength' must be an integer >= 1/],
  ['rowLength not dividing n', withArg(5, 5), 'RangeError', /'rowLength' must divide the length of 'yPred' \(12; got 5\)/],
  ['rowLength NaN', withArg(5, Number.NaN), 'RangeError', /'rowLength'/],
  ['rowLength a string', withArg(5, '4'), 'TypeError', /'rowLength'.*got string/],
  ['sampleWeight too short', withArg(6, new Float64Array(2)), 'RangeError', /'sampleWeight' must have 3 elements \(got 2\)/],
  ['perSample of float32', withArg(7, new Float32Array(3)), 'TypeError', /'perSample' must be a Float64Array/],
  ['grad too long', withArg(8, new Float32Array(13)), 'RangeError', /'grad' must have 12 elements \(got 13\)/],
  ['grad of another dtype', withArg(8, new Float64Array(12)), 'TypeError', /'grad' must be a Float32Array like 'yPred'/],
  ['gradScale infinite', withArg(9, Number.POSITIVE_INFINITY), 'RangeError', /'gradScale' must be a finite number/],
  ['gaussian_nll without aux', withArg(0, binding.elementwiseKernels.gaussian_nll), 'TypeError', /'aux' must be a Float32Array for gaussian_nll/],
  ['aux too short', withArg(3, new Float32Array(2)), 'RangeError', /'aux' must have 12 elements/],
];

describe.skipIf(binding === null)('native argument guards', () => {
  it.each(BAD)('%s', async (_name, args, errorType, message) => {
    let caught: (Error & { code?: string }) | undefined;
    try {
      binding.elementwise(...args);
    } catch (error) {
      caught = error as Error;
    }
    expect(caught?.constructor.name).toBe(errorType);
    expect(caught?.code).toBe('LOSSKIT_NATIVE_ARGUMENT');
    expect(caught?.message).toMatch(message);
    await expect(binding.elementwiseAsync(...args)).rejects.toMatchObject({ code: 'LOSSKIT_NATIVE_ARGUMENT', message: expect.stringMatching(message) });
  });

  it('accepts the well-formed call the cases start from', () => {
    expect(binding.elementwise(...good())).toBe(0);
  });

  it('cosine checks that outer * axisLength * inner is the length, without overflow', () => {
    const x = new Float64Array(12);
    expect(() => binding.cosineSimilarity(x, x, 2, 3, 2, null, null, null, 1)).not.toThrow();
    expect(() => binding.cosineSimilarity(x, x, 2, 3, 3, null, null, null, 1)).toThrow(/must equal the length/);
    expect(() => binding.cosineSimilarity(x, x, 2 ** 52, 2 ** 52, 2 ** 52, null, null, null, 1)).toThrow(RangeError);
  });

  it('a view over a detached buffer reads as empty and is refused', () => {
    const yPred = new Float32Array(12);
    structuredClone(yPred.buffer, { transfer: [yPred.buffer] });
    expect(() => binding.elementwise(...withArg(2, yPred))).toThrow(/'yPred' must have at least 1 element/);
  });

  it('setIsa and mathEval refuse bad names', () => {
    expect(() => binding.setIsa('neon' as never)).toThrow(TypeError);
    expect(() => binding.mathEval('sin' as never, 'scalar', new Float64Array(1), new Float64Array(1))).toThrow(/'fn' must be 'exp', 'log' or 'log1p'/);
  });
});

describe.skipIf(binding === null)('memoryBandwidth guards', () => {
  const f32 = (n: number) => new Float32Array(n);
  const probe = (...args: unknown[]) => () =>
    (binding.memoryBandwidth as (...a: unknown[]) => number)(...args);
  const cases: Array<[string, () => number, 'TypeError' | 'RangeError', RegExp]> = !binding ? [] : [
    ['unknown kind', probe('write', f32(4), f32(4), null), 'TypeError', /'kind' must be 'read' or 'read2write1' \(got 'write'\)/],
    ['kind not a string', probe(1, f32(4), f32(4), null), 'TypeError', /'kind'/],
    ['a not a typed array', probe('read', [1, 2], f32(2), null), 'TypeError', /'a' must be a Float32Array or Float64Array \(got Array\)/],
    ['b of another dtype', probe('read', f32(4), new Float64Array(4), null), 'TypeError', /'b' must be a Float32Array like 'a'/],
    ['b of another length', probe('read', f32(4), f32(5), null), 'RangeError', /'b' must have 4 elements \(got 5\)/],
    ['integer b', probe('read', f32(4), new Int32Array(4), null), 'TypeError', /got Int32Array/],
    ['out given to read', probe('read', f32(4), f32(4), f32(4)), 'TypeError', /'out' must be null for 'read'/],
    ['out missing for read2write1', probe('read2write1', f32(4), f32(4), null), 'TypeError', /'out' must be a Float32Array for 'read2write1' \(got null\)/],
    ['out of another dtype', probe('read2write1', f32(4), f32(4), new Float64Array(4)), 'TypeError', /'out' must be a Float32Array like 'a'/],
    ['out too short', probe('read2write1', f32(4), f32(4), f32(3)), 'RangeError', /'out' must have 4 elements \(got 3\)/],
  ];

  it.each(cases)('%s', (_name, call, errorType, message) => {
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(errorType === 'TypeError' ? TypeError : RangeError);
    expect((error as { code?: string }).code).toBe('LOSSKIT_NATIVE_ARGUMENT');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/^memoryBandwidth: /);
  });

  it.each([['Float32Array', Float32Array], ['Float64Array', Float64Array]] as const)('computes its sums and out = a - b on %s (tails, pool, streaming sizes)', (_name, Type) => {
    for (const n of [0, 1, 7, 33, (1 << 18) + 13, (1 << 22) + 5]) {
      const a = Type.from({ length: n }, (_, i) => (i % 7) * 0.25);
      const b = Type.from({ length: n }, (_, i) => (i % 5) * 0.5);
      const out = new Type(n).fill(Number.NaN);
      let sumA = 0;
      let sumB = 0;
      let sumOut = 0;
      for (let i = 0; i < n; i++) {
        sumA += a[i]!;
        sumB += b[i]!;
        sumOut += a[i]! - b[i]!;
      }
      // Exact: every value is a multiple of 1/4 and every partial sum stays far below 2^24 / 4.
      expect(binding.memoryBandwidth('read', a, b, null), `read ${n}`).toBe(sumA + sumB);
      expect(binding.memoryBandwidth('read2write1', a, b, out), `read2write1 ${n}`).toBe(sumOut);
      let wrong = -1;
      for (let i = 0; i < n && wrong < 0; i++) if (out[i] !== a[i]! - b[i]!) wrong = i;
      expect(wrong, `first wrong element of out (n = ${n})`).toBe(-1);
    }
  });
});

