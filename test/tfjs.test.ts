// The TensorFlow.js bridge (lib/tfjs.ts): a wrapped loss gives losskit's value and gradient
// through tf.grad / tf.valueAndGrads, trains tfjs models with model.fit, refuses what it cannot
// wrap, and explains how to install @tensorflow/tfjs when it is missing.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { combineLosses, getLoss, LosskitError } from '../lib/index';
import { toTfjsLoss } from '../lib/tfjs';
import { rng, uniform } from './helpers/random';

const root = path.resolve(__dirname, '..');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const f32 = (data: ArrayLike<number>) => Float32Array.from(data);

/** Inputs for each loss: yTrue and yPred as float32 data of one shape. */
function inputs(name: string, seed: number): { yTrue: Float32Array; yPred: Float32Array; shape: number[] } {
  const random = rng(seed);
  if (name === 'mse') {
    const shape = [4, 3];
    return { yTrue: f32(uniform(random, 12, -1, 1)), yPred: f32(uniform(random, 12, -1, 1)), shape };
  }
  // binary labels and probabilities: focal cross-entropy, and dice over [B, H, W] masks
  const shape = name === 'dice' ? [2, 3, 4] : [3, 4];
  const n = shape.reduce((a, b) => a * b, 1);
  return {
    yTrue: f32(uniform(random, n, 0, 1).map((u) => (u < 0.4 ? 1 : 0))),
    yPred: f32(uniform(random, n, 0.02, 0.98)),
    shape,
  };
}

describe('toTfjsLoss: value and gradient are losskit\'s', () => {
  it.each([
    ['mse', 'mse'],
    ['binary_focal_crossentropy', 'binary_focal_crossentropy'],
    ['dice', 'dice'],
  ])('%s through tf.valueAndGrads and tf.grad', (name, data) => {
    const { yTrue, yPred, shape } = inputs(data, 3);
    const reference = getLoss(name).valueAndGrad({ data: yTrue, shape }, { data: yPred, shape });
    const loss = toTfjsLoss(name, tf);
    const yt = tf.tensor(yTrue, shape);
    const yp = tf.tensor(yPred, shape);

    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => loss(a, b))([yt, yp]);
    expect(value.shape).toEqual([]);
    expect(value.dtype).toBe('float32');
    expect(value.dataSync()[0]).toBe(Math.fround(reference.value));
    expect(grads[1]!.shape).toEqual(shape);
    expect(Array.from(grads[1]!.dataSync())).toEqual(Array.from(reference.grad.data));
    // targets are constants: a zero gradient of yTrue's shape
    expect(grads[0]!.shape).toEqual(shape);
    expect(Array.from(grads[0]!.dataSync()).every((g) => g === 0)).toBe(true);

    // tf.grad on yPred, with an upstream factor: the chain rule goes through dy
    const scaled = tf.grad((p: tf.Tensor) => loss(yt, p).mul(3))(yp);
    Array.from(scaled.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(3 * (reference.grad.data[i] as number), 6));
  });

  it('mse equals TF.js\'s own tf.losses.meanSquaredError, value and gradient', () => {
    const { yTrue, yPred, shape } = inputs('mse', 9);
    const yt = tf.tensor(yTrue, shape);
    const yp = tf.tensor(yPred, shape);
    const ours = tf.valueAndGrad((p: tf.Tensor) => toTfjsLoss('mse', tf)(yt, p))(yp);
    const theirs = tf.valueAndGrad((p: tf.Tensor) => tf.losses.meanSquaredError(yt, p) as tf.Scalar)(yp);
    expect(ours.value.dataSync()[0]).toBeCloseTo(theirs.value.dataSync()[0]!, 6);
    const g = theirs.grad.dataSync();
    Array.from(ours.grad.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(g[i]!, 6));
  });

  it('takes a Loss, a config and a composite, with their options and reductions', () => {
    const { yTrue, yPred, shape } = inputs('binary_focal_crossentropy', 5);
    const yt = tf.tensor(yTrue, shape);
    const yp = tf.tensor(yPred, shape);
    const focal = getLoss('binary_focal_crossentropy', { gamma: 3, reduction: 'sum' });
    const huber = getLoss({ name: 'huber', delta: 0.1 });
    const composite = combineLosses([{ loss: 'mse', weight: 0.7 }, { loss: 'binary_crossentropy', weight: 0.3 }]);
    // each identifier with the losskit object that computes the reference
    const cases = [
      [focal, focal],
      [huber.getConfig(), huber],
      [composite, composite],
      [composite.getConfig(), composite],
    ] as const;
    for (const [identifier, computes] of cases) {
      const reference = computes.valueAndGrad({ data: yTrue, shape }, { data: yPred, shape });
      const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => toTfjsLoss(identifier, tf)(yt, p))(yp);
      expect(value.dataSync()[0]).toBe(Math.fround(reference.value as number));
      expect(Array.from(grad.dataSync())).toEqual(Array.from(reference.grad.data));
    }
  });

  it('loads @tensorflow/tfjs itself when tf is not passed', () => {
    const loss = toTfjsLoss('mae');
    const value = loss(tf.tensor2d([[0, 1]]), tf.tensor2d([[0.5, 1]]));
    expect(value).toBeInstanceOf(tf.Tensor);
    expect(value.dataSync()[0]).toBeCloseTo(0.25, 7);
  });
});

describe('training TF.js models with a wrapped loss', () => {
  it('a logistic unit learns a separable 2-D problem under binary_focal_crossentropy', async () => {
    const random = rng(2024);
    const n = 256;
    const points: number[][] = [];
    const labels: number[] = [];
    while (points.length < n) {
      const x = [2 * random() - 1, 2 * random() - 1] as [number, number];
      const margin = x[0] + 0.5 * x[1] - 0.1;
      if (Math.abs(margin) < 0.05) continue; // a clear gap between the classes
      points.push(x);
      labels.push(margin > 0 ? 1 : 0);
    }
    const xs = tf.tensor2d(points);
    const ys = tf.tensor2d(labels, [n, 1]);
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2], kernelInitializer: 'zeros', biasInitializer: 'zeros' })],
    });
    model.compile({ optimizer: tf.train.adam(0.1), loss: toTfjsLoss('binary_focal_crossentropy', tf), metrics: ['accuracy'] });

    const history = await model.fit(xs, ys, { epochs: 15, batchSize: 32, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    const first = losses[0]!;
    const last = losses[losses.length - 1]!;
    expect(last).toBeLessThan(first / 5);
    const predicted = (model.predict(xs) as tf.Tensor).dataSync();
    const accuracy = labels.filter((y, i) => (predicted[i]! > 0.5 ? 1 : 0) === y).length / n;
    expect(accuracy).toBeGreaterThan(0.95);
    // model.evaluate goes through the same wrapped loss (no gradient): it matches losskit on the
    // final predictions
    const evaluated = (model.evaluate(xs, ys, { batchSize: n }) as tf.Scalar[])[0]!.dataSync()[0]!;
    const direct = getLoss('binary_focal_crossentropy').value({ data: ys.dataSync(), shape: [n, 1] }, { data: predicted, shape: [n, 1] });
    expect(evaluated).toBeCloseTo(direct, 6);
  }, 10_000);

  it('a 1x1 convolution learns a threshold mask under dice', async () => {
    const random = rng(77);
    const b = 16;
    const image = f32(uniform(random, b * 8 * 8, -1, 1));
    const mask = f32(image.map((v) => (v > 0.2 ? 1 : 0)));
    const xs = tf.tensor4d(image, [b, 8, 8, 1]);
    const ys = tf.tensor4d(mask, [b, 8, 8, 1]);
    const model = tf.sequential({
      layers: [tf.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', inputShape: [8, 8, 1], kernelInitializer: 'zeros', biasInitializer: 'zeros' })],
    });
    model.compile({ optimizer: tf.train.adam(0.2), loss: toTfjsLoss('dice', tf) });
    const history = await model.fit(xs, ys, { epochs: 30, batchSize: 8, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 3);
    const predicted = (model.predict(xs) as tf.Tensor).dataSync();
    const agreement = Array.from(mask).filter((m, i) => (predicted[i]! > 0.5 ? 1 : 0) === m).length / mask.length;
    expect(agreement).toBeGreaterThan(0.95);
  }, 10_000);
});

describe('what toTfjsLoss refuses', () => {
  it('reduction none, losses with named inputs, unknown names and non-identifiers', () => {
    const expectError = (fn: () => unknown, code: string, message: RegExp) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(LosskitError);
        expect((error as LosskitError).code).toBe(code);
        expect((error as Error).message).toMatch(message);
        return;
      }
      throw new Error('expected an error');
    };
    expectError(() => toTfjsLoss(getLoss('mse', { reduction: 'none' }), tf), 'LOSSKIT_INVALID_CONFIG', /reduction 'none'/);
    expectError(() => toTfjsLoss({ name: 'mae', reduction: 'none' }, tf), 'LOSSKIT_INVALID_CONFIG', /reducing loss/);
    expectError(() => toTfjsLoss('triplet_margin', tf), 'LOSSKIT_INVALID_CONFIG', /'triplet_margin' takes named inputs/);
    expectError(() => toTfjsLoss('ctc', tf), 'LOSSKIT_INVALID_CONFIG', /named inputs/);
    expectError(() => toTfjsLoss('msee', tf), 'LOSSKIT_UNKNOWN_LOSS', /Did you mean/);
    expectError(() => toTfjsLoss(42 as never, tf), 'LOSSKIT_INVALID_TYPE', /must be a Loss, a loss name or a config object \(got number\)/);
  });

  it('a shape mismatch surfaces losskit\'s error from inside the TF.js op', () => {
    const loss = toTfjsLoss('mse', tf);
    expect(() => loss(tf.zeros([2, 3]), tf.zeros([3, 2]))).toThrow(/size mismatch/);
  });
});

describe('without @tensorflow/tfjs', () => {
  // A child process in which resolving '@tensorflow/tfjs' fails as it does when the package is
  // not installed (or, second case, when it is installed but broken).
  const run = (failure: 'missing' | 'broken') => {
    const script = `
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === '@tensorflow/tfjs') {
          const error = new Error(${failure === 'missing' ? `"Cannot find module '@tensorflow/tfjs'"` : `"Unexpected token in tf.node.js"`});
          if (${failure === 'missing'}) error.code = 'MODULE_NOT_FOUND';
          throw error;
        }
        return resolve.call(this, request, ...rest);
      };
      const { toTfjsLoss } = require('losskit/tfjs');   // loading the bridge does not need tfjs
      require('losskit').getLoss('mse').value([1], [2]); // nor does losskit itself
      try { toTfjsLoss('mse'); console.log('no error'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, argument: e.argument })); }
      // with tf passed explicitly, nothing is required
      try { toTfjsLoss('mse', { customGrad: () => () => 0 }); console.log('ok'); } catch (e) { console.log('failed: ' + e.message); }
    `;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const [first, second] = result.stdout.trim().split('\n');
    expect(second).toBe('ok');
    return JSON.parse(first!) as { name: string; code: string; message: string; argument: string };
  };

  it('throws LOSSKIT_BACKEND_UNAVAILABLE saying to npm install @tensorflow/tfjs', () => {
    const error = run('missing');
    expect(error.name).toBe('LosskitError');
    expect(error.code).toBe('LOSSKIT_BACKEND_UNAVAILABLE');
    expect(error.argument).toBe('tf');
    expect(error.message).toMatch(/not installed: run `npm install @tensorflow\/tfjs`/);
  });

  it('reports a tfjs that fails to load with its own message', () => {
    const error = run('broken');
    expect(error.code).toBe('LOSSKIT_BACKEND_UNAVAILABLE');
    expect(error.message).toMatch(/could not load @tensorflow\/tfjs: Unexpected token in tf\.node\.js/);
  });
});
