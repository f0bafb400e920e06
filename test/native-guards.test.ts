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
