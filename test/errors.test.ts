// Every kind of bad input gets a LosskitError with a code, the argument's name, and the
// expected and actual shape, dtype or value — on every backend, before any kernel runs.
import { describe, expect, it } from 'vitest';
import { getLoss, LosskitError, Huber, setBackend, type LosskitErrorCode } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';

function expectError(fn: () => unknown, code: LosskitErrorCode, argument: string | undefined, message: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a LosskitError').toBeInstanceOf(LosskitError);
  const error = caught as LosskitError;
  expect(error.code).toBe(code);
  expect(error.argument).toBe(argument);
  expect(error.message).toMatch(message);
}

describe.each(BACKENDS)('input errors on %s', (backendName) => {
  useBackend(backendName);
  const mse = getLoss('mse');

  it('shape mismatch names both shapes', () => {
    expectError(
      () => mse.value({ data: new Float32Array(80), shape: [8, 10] }, { data: new Float32Array(70), shape: [7, 10] }),
      'LOSSKIT_SHAPE_MISMATCH',
      'yTrue',
      /size mismatch \(got yTrue: \[8,10\], yPred: \[7,10\]\)/,
    );
  });

  it('integer predictions are a type error naming the dtype', () => {
    expectError(() => mse.value([1, 2], new Int32Array([1, 2])), 'LOSSKIT_INVALID_TYPE', 'yPred', /float32 or float64 \(got Int32Array\)/);
  });

  it('non-tensor inputs are type errors', () => {
    expectError(() => mse.value('abc' as never, [1]), 'LOSSKIT_INVALID_TYPE', 'yTrue', /got string/);
    expectError(() => mse.value([1], { data: 'x' } as never), 'LOSSKIT_INVALID_TYPE', 'yPred', /got object/);
    expectError(() => mse.value([1, 'a'] as never, [1, 2]), 'LOSSKIT_INVALID_TYPE', 'yTrue', /got string at \[1\]/);
    expectError(() => mse.value([1n, 2n] as never, [1, 2]), 'LOSSKIT_INVALID_TYPE', 'yTrue', /got bigint at \[0\]/);
    expectError(() => mse.value(new BigInt64Array(2) as never, [1, 2]), 'LOSSKIT_INVALID_TYPE', 'yTrue', /BigInt64Array/);
  });

  it('ragged nested arrays name the position', () => {
    expectError(() => mse.value([[1, 2], [3]], [[1, 2], [3, 4]]), 'LOSSKIT_SHAPE_MISMATCH', 'yTrue', /expected 2 entries at \[1\] \(got 1\)/);
  });

  it('a shape that does not match the data length', () => {
    expectError(
      () => mse.value([1, 2, 3], { data: new Float64Array(3), shape: [2, 2] }),
      'LOSSKIT_SHAPE_MISMATCH',
      'yPred',
      /shape \[2,2\] \(4 elements\) but its data holds 3/,
    );
    expectError(() => mse.value([1], { data: [1], shape: [-1] }), 'LOSSKIT_INVALID_TYPE', 'yPred', /invalid shape/);
  });

  it('empty input', () => {
    expectError(() => mse.value([], []), 'LOSSKIT_EMPTY_INPUT', 'yPred', /non-empty/);
    expectError(() => mse.value(new Float32Array(0), new Float32Array(0)), 'LOSSKIT_EMPTY_INPUT', 'yPred', /\[0\]/);
    expectError(() => mse.value({ data: [1], shape: [] }, { data: [1], shape: [] }), 'LOSSKIT_EMPTY_INPUT', 'yPred', /at least one axis/);
  });

  it('sample weights of the wrong shape', () => {
    expectError(
      () => mse.value([[1, 2], [3, 4]], [[1, 2], [3, 4]], [1, 2, 3]),
      'LOSSKIT_SHAPE_MISMATCH',
      'sampleWeight',
      /per-sample shape \[2\] or a leading part of it \(got \[3\]\)/,
    );
    expectError(() => mse.value([1, 2], [1, 2], 'heavy' as never), 'LOSSKIT_INVALID_TYPE', 'sampleWeight', /got string/);
  });

  it('gradient buffers of the wrong dtype, size, or sharing memory with an input', () => {
    const yPred = new Float32Array([1, 2, 3, 4]);
    expectError(() => mse.valueAndGrad([1, 2, 3, 4], yPred, undefined, { out: new Float64Array(4) }), 'LOSSKIT_INVALID_TYPE', 'out', /Float32Array/);
    expectError(() => mse.valueAndGrad([1, 2, 3, 4], yPred, undefined, { out: new Float32Array(3) }), 'LOSSKIT_SHAPE_MISMATCH', 'out', /4 elements.*got 3/);
    expectError(() => mse.valueAndGrad([1, 2, 3, 4], yPred, undefined, { out: yPred }), 'LOSSKIT_INVALID_VALUE', 'out', /share memory/);
  });

  it('gaussian_nll needs a non-negative variance of a compatible shape', () => {
    const nll = getLoss('gaussian_nll');
    expectError(() => nll.value([1, 2], [1, 2]), 'LOSSKIT_INVALID_TYPE', 'variance', /needs the input 'variance'/);
    expectError(() => nll.value({ yTrue: [1, 2], yPred: [1, 2], variance: [1, -0.5] }), 'LOSSKIT_INVALID_VALUE', 'variance', /non-negative \(got -0.5 at flat index 1\)/);
    expectError(() => nll.value({ yTrue: [[1, 2]], yPred: [[1, 2]], variance: [1, 2, 3] }), 'LOSSKIT_SHAPE_MISMATCH', 'variance', /\[1,2\]/);
  });

  it('cosine axis out of range', () => {
    expectError(() => getLoss('cosine_similarity', { axis: 2 }).value([[1, 2]], [[1, 2]]), 'LOSSKIT_INVALID_CONFIG', 'axis', /\[-2, 1\].*got 2/);
  });

  it('sparse labels outside [0, C), not integers, or of the wrong shape name the position', () => {
    const scce = getLoss('sparse_categorical_crossentropy', { fromLogits: true });
    const logits = { data: new Float32Array(6), shape: [2, 3] };
    expectError(() => scce.value([0, 3], logits), 'LOSSKIT_INVALID_VALUE', 'yTrue', /\[0, 3\) \(got 3 at flat index 1\)/);
    expectError(() => scce.value(new Int32Array([-1, 0]), logits), 'LOSSKIT_INVALID_VALUE', 'yTrue', /got -1 at flat index 0/);
    expectError(() => scce.value([0.5, 1], logits), 'LOSSKIT_INVALID_TYPE', 'yTrue', /integer class indices.*got 0.5 at flat index 0/);
    expectError(() => scce.value([0, 1, 2], logits), 'LOSSKIT_SHAPE_MISMATCH', 'yTrue', /shape \[2\] \(got \[3\]\)/);
    const ignoring = getLoss('sparse_categorical_crossentropy', { ignoreClass: -100 });
    expectError(() => ignoring.value([-100, 7], logits), 'LOSSKIT_INVALID_VALUE', 'yTrue', /or ignoreClass -100 \(got 7 at flat index 1\)/);
  });

  it('class weights and positive weights must match the class count', () => {
    const logits = { data: new Float32Array(6), shape: [2, 3] };
    expectError(
      () => getLoss('sparse_categorical_crossentropy', { classWeight: [1, 2] }).value([0, 1], logits),
      'LOSSKIT_SHAPE_MISMATCH',
      'classWeight',
      /one entry per class: 3 \(got 2\)/,
    );
    expectError(
      () => getLoss('categorical_crossentropy', { classWeight: [1, 2, 3, 4] }).value(logits, logits),
      'LOSSKIT_SHAPE_MISMATCH',
      'classWeight',
      /3 \(got 4\)/,
    );
    expectError(
      () => getLoss('binary_crossentropy', { fromLogits: true, posWeight: [1, 2] }).value(logits, logits),
      'LOSSKIT_SHAPE_MISMATCH',
      'posWeight',
      /1 or 3 entries/,
    );
  });

  it('async twins reject instead of throwing', async () => {
    await expect(mse.valueAsync([1], [1, 2])).rejects.toThrow(LosskitError);
    await expect(mse.valueAndGradAsync([1], [1, 2])).rejects.toMatchObject({ code: 'LOSSKIT_SHAPE_MISMATCH' });
  });
});

describe('configuration errors', () => {
  it('unknown loss names list close matches', () => {
    expectError(() => getLoss('mean_squared_eror'), 'LOSSKIT_UNKNOWN_LOSS', 'name', /Did you mean 'mean_squared_error'/);
    expectError(() => getLoss('hubber'), 'LOSSKIT_UNKNOWN_LOSS', 'name', /Did you mean 'huber'/);
    expectError(() => getLoss(42 as never), 'LOSSKIT_INVALID_TYPE', 'name', /got number/);
  });

  it('unknown options list close matches', () => {
    expectError(() => getLoss('huber', { detla: 1 }), 'LOSSKIT_INVALID_CONFIG', 'detla', /Did you mean 'delta'/);
    expectError(() => new Huber({ reductoin: 'sum' } as never), 'LOSSKIT_INVALID_CONFIG', 'reductoin', /Did you mean 'reduction'/);
  });

  it('out-of-range option values', () => {
    expectError(() => getLoss('huber', { delta: -1 }), 'LOSSKIT_INVALID_CONFIG', 'delta', /> 0 \(got -1\)/);
    expectError(() => getLoss('huber', { delta: 0 }), 'LOSSKIT_INVALID_CONFIG', 'delta', /> 0 \(got 0\)/);
    expectError(() => getLoss('huber', { delta: Number.NaN }), 'LOSSKIT_INVALID_CONFIG', 'delta', /got NaN/);
    expectError(() => getLoss('smooth_l1', { beta: -0.1 }), 'LOSSKIT_INVALID_CONFIG', 'beta', />= 0/);
    expectError(() => getLoss('quantile', { quantile: 1 }), 'LOSSKIT_INVALID_CONFIG', 'quantile', /> 0 and < 1 \(got 1\)/);
    expectError(() => getLoss('quantile', { quantile: 0 }), 'LOSSKIT_INVALID_CONFIG', 'quantile', /got 0/);
    expectError(() => getLoss('gaussian_nll', { eps: 0 }), 'LOSSKIT_INVALID_CONFIG', 'eps', /> 0/);
    expectError(() => getLoss('gaussian_nll', { full: 'yes' }), 'LOSSKIT_INVALID_CONFIG', 'full', /true or false \(got string\)/);
    expectError(() => getLoss('cosine_similarity', { axis: 0.5 }), 'LOSSKIT_INVALID_CONFIG', 'axis', /integer/);
  });

  it('classification options out of range', () => {
    expectError(() => getLoss('binary_crossentropy', { posWeight: [2] }), 'LOSSKIT_INVALID_CONFIG', 'posWeight', /fromLogits: true/);
    expectError(() => getLoss('binary_crossentropy', { labelSmoothing: 1.5 }), 'LOSSKIT_INVALID_CONFIG', 'labelSmoothing', /<= 1 \(got 1.5\)/);
    expectError(() => getLoss('binary_focal_crossentropy', { gamma: -1 }), 'LOSSKIT_INVALID_CONFIG', 'gamma', />= 0/);
    expectError(() => getLoss('sparse_categorical_crossentropy', { ignoreClass: 1.5 }), 'LOSSKIT_INVALID_CONFIG', 'ignoreClass', /int32 integer or null/);
    expectError(() => getLoss('categorical_crossentropy', { classWeight: [1, 'x'] }), 'LOSSKIT_INVALID_CONFIG', 'classWeight', /finite numbers/);
    expectError(() => getLoss('categorical_crossentropy', { axis: 2 }).value([[1, 0]], [[1, 0]]), 'LOSSKIT_INVALID_CONFIG', 'axis', /\[-2, 1\]/);
  });

  it('unknown reductions', () => {
    expectError(() => getLoss('mse', { reduction: 'avg' as never }), 'LOSSKIT_INVALID_CONFIG', 'reduction', /'sum_over_batch_size'.*got 'avg'/);
  });

  it('options that are not an object, or name another loss', () => {
    expectError(() => getLoss('mse', 3 as never), 'LOSSKIT_INVALID_CONFIG', 'config', /must be an object/);
    expectError(() => getLoss('mse', { name: 'huber' }), 'LOSSKIT_INVALID_CONFIG', 'name', /another loss/);
  });
});

describe('weighted_mean with weights it cannot divide by', () => {
  // 1 / sum(w) must be finite: NaN or infinite weights, or a subnormal sum, have no usable mean.
  for (const backend of BACKENDS) {
    for (const weights of [[Number.NaN, 1], [Number.POSITIVE_INFINITY, 1], [1e-320, 0]]) {
      it(`${backend}: sampleWeight ${JSON.stringify(weights.map(String))} is an error naming sampleWeight`, () => {
        setBackend(backend);
        const loss = getLoss('mse', { reduction: 'weighted_mean' });
        let error: unknown;
        try {
          loss.valueAndGrad([[0, 1], [2, 3]], [[0.5, 1], [2, 2]], weights);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(LosskitError);
        expect((error as LosskitError).code).toBe('LOSSKIT_INVALID_VALUE');
        expect((error as LosskitError).argument).toBe('sampleWeight');
        expect((error as LosskitError).message).toMatch(/'sampleWeight'.*weighted_mean/);
      });
    }
  }
  it('a NaN weight under reduction sum propagates to the value', () => {
    for (const backend of BACKENDS) {
      setBackend(backend);
      expect(getLoss('mse', { reduction: 'sum' }).value([[0, 1], [2, 3]], [[0.5, 1], [2, 2]], [Number.NaN, 1])).toBeNaN();
    }
  });
});
