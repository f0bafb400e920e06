// Runs fixture cases (schema: test/fixtures/README.md) through the public API on every backend,
// in float32 and float64: value and gradient within each case's rtol/atol, and the async twin
// bit for bit equal to the sync call.
import { describe, expect, it } from 'vitest';
import { getLoss, type Tensor } from '../../lib/index';
import { BACKENDS, useBackend } from './backends';
import { expectAllClose, expectClose } from './assert-close';
import { decodeNumber, tensorOf, type FixtureCase, type FixtureTensor } from './fixtures';

/** A fixture case's inputs as losskit takes them (labels as Int32Array), in `dtype`. */
export function inputsOf(c: FixtureCase, dtype: 'float32' | 'float64') {
  const yTrue = c.yTrue!.dtype === 'int32' ? { data: Int32Array.from(c.yTrue!.data.map(decodeNumber)), shape: c.yTrue!.shape } : tensorOf(c.yTrue!, dtype);
  return {
    yTrue,
    yPred: tensorOf(c.yPred!, dtype),
    sampleWeight: c.sampleWeight ? tensorOf(c.sampleWeight, 'float64') : undefined,
    variance: c.variance ? tensorOf(c.variance, dtype) : undefined,
  };
}

function run(c: FixtureCase, dtype: 'float32' | 'float64', asynchronous: boolean) {
  const { reduction, ...options } = c.config;
  const loss = getLoss(c.loss, { ...options, reduction: reduction as 'sum' });
  const inputs = inputsOf(c, dtype);
  return asynchronous ? loss.valueAndGradAsync(inputs) : Promise.resolve(loss.valueAndGrad(inputs));
}

function checkValue(c: FixtureCase, got: number | Tensor, label: string) {
  const expected = c.expected.value;
  if (typeof expected === 'object') {
    const tensor = got as Tensor;
    expect(tensor.shape, `${label} per-sample shape`).toEqual(expected.shape);
    expectAllClose(tensor.data, expected.data.map(decodeNumber), c.rtol, c.atol, `${label} value`);
  } else {
    expectClose(got as number, decodeNumber(expected), c.rtol, c.atol, `${label} value`);
  }
}

function checkGrad(c: FixtureCase, got: Tensor, dtype: string, label: string) {
  expect(got.dtype).toBe(dtype);
  expect(got.shape).toEqual(c.yPred!.shape);
  const expected = c.expected.grad as FixtureTensor | null;
  if (expected) expectAllClose(got.data, expected.data.map(decodeNumber), c.rtol, c.atol, `${label} grad`);
}

/** Declares the fixture suite for `cases` under `title`. */
export function describeFixtures(title: string, cases: FixtureCase[]): void {
  describe.each(BACKENDS)(`${title} on %s`, (backendName) => {
    useBackend(backendName);
    describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
      it.each(cases.map((c) => [c.id, c] as const))('%s', async (id, c) => {
        const result = await run(c, dtype, false);
        checkValue(c, result.value, `${id} ${dtype}`);
        checkGrad(c, result.grad, dtype, `${id} ${dtype}`);
        const asyncResult = await run(c, dtype, true);
        if (typeof result.value === 'number') expect(asyncResult.value).toBe(result.value);
        else expect((asyncResult.value as Tensor).data).toEqual(result.value.data);
        expect(asyncResult.grad.data).toEqual(result.grad.data);
      });
    });
  });
}
