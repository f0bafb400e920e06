/**
 * The TensorFlow.js bridge (`losskit/tfjs`): a losskit loss as a TF.js loss function, for
 * `model.compile({ loss })`, `tf.grad` or a hand-written training loop.
 *
 * TF.js stays optional: it is a peer dependency, loaded here (and only here) on first use, so
 * `require('losskit')` never touches it. The value and the gradient come from one fused losskit
 * `valueAndGrad` call on the tensors' data; TF.js sees a `customGrad` op whose gradient with
 * respect to yPred is losskit's (times the incoming dy) and whose gradient with respect to yTrue is
 * zero (targets are constants).
 */

import type * as tfjs from '@tensorflow/tfjs';
import { combineLosses, getLoss } from './index';
import { Loss } from './loss';
import { COMPOSITE_NAME, CompositeLoss, type CompositeTerm } from './compose';
import type { LossConfig, LossOptions } from './config';
import { LosskitError, describeType } from './errors';
import { findSpec } from './losses/registry';
import type { Tensor } from './tensor';

/** The part of the TF.js module the bridge uses: `@tensorflow/tfjs`, or `@tensorflow/tfjs-node`
 * (or any build exposing the same core ops) passed as `tf`. */
export type TfjsModule = Pick<typeof tfjs, 'customGrad' | 'scalar' | 'tensor' | 'zeros'>;

/** A TF.js loss function: (yTrue, yPred) → the reduced loss, a scalar. */
export type TfjsLossFunction = (yTrue: tfjs.Tensor, yPred: tfjs.Tensor) => tfjs.Scalar;

/** What `toTfjsLoss` accepts: a Loss, a CompositeLoss, a loss name, or a getConfig() result. */
export type TfjsLossIdentifier =
  | Loss
  | CompositeLoss
  | string
  | LossConfig
  | (LossOptions & {
      /** The loss name. */
      name: string;
    })
  | {
      /** 'weighted_sum': a combineLosses() config. */
      name: string;
      /** The composite's terms. */
      terms: CompositeTerm[];
    };

const TFJS = '@tensorflow/tfjs';

/** Loads @tensorflow/tfjs, or explains how to get it. */
function loadTfjs(): TfjsModule {
  try {
    return require(TFJS) as TfjsModule;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const missing = (error as { code?: unknown }).code === 'MODULE_NOT_FOUND' && message.includes(`'${TFJS}'`);
    throw new LosskitError(
      'LOSSKIT_BACKEND_UNAVAILABLE',
      missing
        ? `losskit/tfjs needs TensorFlow.js, which is not installed: run \`npm install ${TFJS}\` ` +
            `(or pass your own tf module, e.g. @tensorflow/tfjs-node, as toTfjsLoss's second argument)`
        : `losskit/tfjs could not load ${TFJS}: ${message}. Reinstall it (\`npm install ${TFJS}\`) ` +
            `or pass your own tf module as toTfjsLoss's second argument`,
      { argument: 'tf', expected: `the ${TFJS} module`, actual: missing ? 'not installed' : message },
    );
  }
}

function refuse(message: string, actual: unknown): LosskitError {
  return new LosskitError('LOSSKIT_INVALID_CONFIG', message, {
    argument: 'loss',
    expected: 'a reducing loss of (yTrue, yPred)',
    actual,
  });
}

/** The Loss or CompositeLoss behind an identifier, refusing what TF.js cannot use. */
function resolveLoss(identifier: TfjsLossIdentifier): Loss | CompositeLoss {
  let loss: Loss | CompositeLoss;
  if (identifier instanceof Loss || identifier instanceof CompositeLoss) {
    loss = identifier;
  } else if (typeof identifier === 'string') {
    loss = getLoss(identifier);
  } else if (typeof identifier === 'object' && identifier !== null && !Array.isArray(identifier)) {
    loss =
      (identifier as { name?: unknown }).name === COMPOSITE_NAME
        ? combineLosses(identifier as { name: string; terms: CompositeTerm[] })
        : getLoss(identifier as LossConfig);
  } else {
    throw new LosskitError(
      'LOSSKIT_INVALID_TYPE',
      `Argument 'loss' passed to 'toTfjsLoss' must be a Loss, a loss name or a config object (got ${describeType(identifier)})`,
      { argument: 'loss', expected: 'Loss | string | LossConfig', actual: describeType(identifier) },
    );
  }
  if (loss instanceof Loss) {
    if (loss.reduction === 'none') {
      throw refuse(
        `toTfjsLoss needs a reducing loss: '${loss.name}' has reduction 'none', which gives per-sample values, ` +
          `not the scalar TF.js minimises (use 'sum_over_batch_size', 'sum' or 'weighted_mean')`,
        'none',
      );
    }
    let kind: string | undefined;
    try {
      kind = findSpec(loss.name).kind;
    } catch {
      kind = undefined;
    }
    if (kind === 'structured') {
      throw refuse(
        `toTfjsLoss wraps losses of (yTrue, yPred): '${loss.name}' takes named inputs, which a TF.js ` +
          `loss function cannot receive. Call loss.valueAndGrad({ ... }) yourself and feed grads back with tf.customGrad`,
        loss.name,
      );
    }
  }
  return loss;
}

/** A tensor's data as losskit reads it (in place: the cpu backend hands back its own buffer). */
function view(tensor: tfjs.Tensor): { data: ArrayLike<number>; shape: number[] } {
  return { data: tensor.dataSync() as ArrayLike<number>, shape: tensor.shape.slice() };
}

/**
 * A losskit loss as a TF.js loss function `(yTrue, yPred) => tf.Scalar`: its value is losskit's
 * reduced value, and TF.js differentiates it with losskit's analytic gradient (one fused
 * `valueAndGrad` call per evaluation, on `yTrue.dataSync()` / `yPred.dataSync()`, in yPred's
 * float32). yTrue gets a zero gradient.
 *
 * `loss` is a Loss, a CompositeLoss, a name (`'binary_focal_crossentropy'`) or a config
 * (`{ name: 'huber', delta: 0.5 }`). Reduction 'none' and losses with named inputs (CTC,
 * triplet, ...) are refused. `tf` is the TF.js module to build tensors with; when omitted,
 * `@tensorflow/tfjs` is required on the spot, and a LosskitError (LOSSKIT_BACKEND_UNAVAILABLE)
 * explains how to install it when it is missing. Pass `tf` when you use `@tensorflow/tfjs-node`
 * or another build, so the tensors belong to your engine.
 *
 * The loss is already reduced over the batch, so `model.fit`'s `sampleWeight` / `classWeight`
 * would scale the batch value rather than each sample's: use the loss's own options
 * (`classWeight`, `posWeight`, `alpha`, ...) instead. Reading the data is a synchronous download,
 * cheap on the cpu and node backends, a GPU readback per step on webgl/webgpu. A saved model does
 * not record a function loss: compile again with toTfjsLoss after loading it.
 *
 * @example
 * const tf = require('@tensorflow/tfjs');
 * const { toTfjsLoss } = require('losskit/tfjs');
 *
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
 * model.compile({ optimizer: tf.train.adam(0.05), loss: toTfjsLoss('binary_focal_crossentropy', tf), metrics: ['accuracy'] });
 * await model.fit(xs, ys, { epochs: 20, batchSize: 32 });
 *
 * // or directly, with tf.grad:
 * const dice = toTfjsLoss({ name: 'dice', smooth: 1 });
 * const dLoss = tf.grad((pred) => dice(masks, pred));
 */
export function toTfjsLoss(loss: TfjsLossIdentifier, tf?: TfjsModule): TfjsLossFunction {
  const resolved = resolveLoss(loss);
  const tfModule = tf ?? loadTfjs();
  const op = tfModule.customGrad<tfjs.Scalar>((...inputs) => {
    const yTrue = inputs[0] as tfjs.Tensor;
    const yPred = inputs[1] as tfjs.Tensor;
    const { value, grad } = resolved.valueAndGrad(view(yTrue), view(yPred)) as { value: number; grad: Tensor };
    const trueShape = yTrue.shape.slice();
    const trueDtype = yTrue.dtype;
    const predShape = yPred.shape.slice();
    return {
      value: tfModule.scalar(value, 'float32'),
      gradFunc: (dy: tfjs.Scalar) => [
        tfModule.zeros(trueShape, trueDtype),
        tfModule.tensor(grad.data, predShape, 'float32').mul(dy),
      ],
    };
  });
  const fn = (yTrue: tfjs.Tensor, yPred: tfjs.Tensor): tfjs.Scalar => op(yTrue, yPred);
  Object.defineProperty(fn, 'name', { value: resolved.name });
  return fn;
}
