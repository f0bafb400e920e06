/**
 * Weight regularisation, Keras' L1L2: l1 * sum |w| + l2 * sum w^2 over a list of weight arrays
 * (a model's kernels), with the gradient w.r.t. each array (l1 sign(w) + 2 l2 w; 0 at w = 0 for
 * the L1 part, as Keras/TensorFlow's sign). Add it to a loss value in a training step.
 */

import { LosskitError, describeType } from './errors';
import type { FloatArray } from './tensor';

/** The factors of regularization(); each finite and >= 0, default 0. */
export interface RegularizationConfig {
  /** Factor of Σ|w|. */
  l1?: number;
  /** Factor of Σw². */
  l2?: number;
}

/** An L1/L2 weight penalty over a list of weight arrays, from regularization(). */
export interface Regularizer {
  /** l1 Σ|w| + l2 Σw² over every array. */
  value(weights: readonly FloatArray[]): number;
  /** `outs` (one buffer per array, same type and length) receive the gradients. */
  valueAndGrad(
    weights: readonly FloatArray[],
    options?: { outs?: FloatArray[] },
  ): {
    /** l1 Σ|w| + l2 Σw². */
    value: number;
    /** l1 sign(w) + 2 l2 w, one array per weight array. */
    grads: FloatArray[];
  };
  /** The factors, as JSON. */
  getConfig(): {
    /** Always 'l1_l2'. */
    name: 'l1_l2';
    /** Factor of Σ|w|. */
    l1: number;
    /** Factor of Σw². */
    l2: number;
  };
}

function checkFactor(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new LosskitError('LOSSKIT_INVALID_CONFIG', `Option '${option}' of 'regularization' must be a finite number >= 0 (got ${String(value)})`, {
      argument: option,
      expected: '>= 0',
      actual: value,
    });
  }
  return value;
}

function checkWeights(weights: unknown): readonly FloatArray[] {
  if (!Array.isArray(weights) || !weights.every((w) => w instanceof Float32Array || w instanceof Float64Array)) {
    throw new LosskitError('LOSSKIT_INVALID_TYPE', `Argument 'weights' passed to 'regularization' must be an array of Float32Array/Float64Array (got ${describeType(weights)})`, {
      argument: 'weights',
      expected: 'FloatArray[]',
      actual: describeType(weights),
    });
  }
  return weights;
}

/** An L1/L2 penalty `l1 Σ|w| + l2 Σw²` with its gradient; throws a LosskitError on a negative or
 * non-finite factor. */
export function regularization(config: RegularizationConfig = {}): Regularizer {
  const l1 = checkFactor(config.l1 ?? 0, 'l1');
  const l2 = checkFactor(config.l2 ?? 0, 'l2');
  const run = (weights: readonly FloatArray[], outs: FloatArray[] | null) => {
    let value = 0;
    weights.forEach((w, k) => {
      const out = outs?.[k];
      if (out && (out.constructor !== w.constructor || out.length !== w.length)) {
        throw new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Option 'outs[${k}]' passed to 'regularization' must be a ${w.constructor.name} of ${w.length} elements`, {
          argument: `outs[${k}]`,
          expected: w.length,
          actual: out.length,
        });
      }
      for (let i = 0; i < w.length; i++) {
        const x = w[i] as number;
        value += l1 * Math.abs(x) + l2 * x * x;
        if (out) out[i] = l1 * Math.sign(x) + 2 * l2 * x;
      }
    });
    return value;
  };
  return {
    value: (weights) => run(checkWeights(weights), null),
    valueAndGrad(weights, options = {}) {
      const checked = checkWeights(weights);
      const grads = options.outs ?? checked.map((w) => (w instanceof Float32Array ? new Float32Array(w.length) : new Float64Array(w.length)));
      return { value: run(checked, grads), grads };
    },
    getConfig: () => ({ name: 'l1_l2', l1, l2 }),
  };
}
