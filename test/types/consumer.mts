// Compiled by test/packaging.test.ts with tsc --noEmit: how a TypeScript user sees losskit
// through its published typings (the package's "exports", ESM flavour).
import { getLoss, Huber, huber, LosskitError, type Tensor, type LossConfig } from 'losskit';

const mean: number = getLoss('huber', { delta: 2 }).value([[1, 2]], [[1, 3]]);
const perSample: Tensor = getLoss('mse', { reduction: 'none' }).value([[1, 2]], [[1, 3]]);
const fromClass: number = new Huber({ delta: 0.5 }).value(new Float32Array([1]), new Float32Array([2]));
const functional: number = huber([1, 2], [1, 3], { delta: 1 });
const config: LossConfig = getLoss('mse').getConfig();
const step = getLoss('mse').valueAndGrad([1], [2], undefined, { out: new Float64Array(1) });
const gradData: Float32Array | Float64Array = step.grad.data;
async function later(): Promise<number> {
  return getLoss('mae').valueAsync([1], [2]);
}

// @ts-expect-error reduction 'none' gives a tensor, not a number
const wrong: number = getLoss('mse', { reduction: 'none' }).value([1], [2]);
// @ts-expect-error unknown reduction names do not type-check
getLoss('mse', { reduction: 'average' });

export { mean, perSample, fromClass, functional, config, gradData, later, wrong, LosskitError };
