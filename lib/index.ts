/**
 * losskit: Keras and PyTorch losses with analytic gradients for Node.js.
 *
 * @example
 * const { getLoss } = require('losskit');
 * const huber = getLoss('huber', { delta: 1.0 });
 * const { value, grad } = huber.valueAndGrad([[0, 1], [1, 0]], new Float32Array([0.2, 0.7, 0.9, 0.1]).subarray(0));
 */

import { Loss } from './loss';
import { resolveConfig, type LossConfig, type LossOptions } from './config';
import { LosskitError, describeType } from './errors';
import { ALL_SPECS, CUSTOM_SPECS, findSpec, registerCustom } from './losses/registry';
import { customSpec, type LossDefinition } from './losses/custom';
import { COMPOSITE_NAME, CompositeLoss, compositeTerms, type CompositeTerm } from './compose';
import type { Reduction } from './reduce';

export { Loss } from './loss';
export type { CallOptions, LossValue, SampleWeightInput, ValueAndGrad } from './loss';
export type { LossInputs } from './prepare';
export type { LossConfig, LossOptions } from './config';
export { LosskitError } from './errors';
export { mergePartials } from './partial';
export { checkGradient } from './gradient-check';
export type { GradientCheck, GradientCheckOptions } from './gradient-check';
export type { Partial } from './partial';
export type { LosskitErrorCode } from './errors';
export type { Reduction } from './reduce';
export { REDUCTIONS } from './reduce';
export type { Tensor, TensorInput, Dtype, FloatArray, NestedArray, ShapedData, TensorLikeObject } from './tensor';
export { backend, setBackend, capabilities } from './backend';
export { setThreads, threads } from './threads';
export type { BackendName, BackendRequest, Capabilities } from './backend';
export { cuda, DeviceTensor, DeviceLoss } from './cuda';
export type { Device, DeviceCallOptions, DeviceInput, DeviceValueAndGrad, CudaStatus } from './cuda';
export * from './losses/classes';
export * from './losses/functional';

/**
 * Returns the loss registered under `name` (any Keras, TF.js or PyTorch spelling, or an alias
 * such as 'mse'), configured by `options`. Also accepts a getConfig() result, or a Loss (returned
 * as is). Unknown names and options throw a LosskitError listing the close matches.
 */
export function getLoss<R extends Reduction = 'sum_over_batch_size'>(
  name: string,
  options?: LossOptions & { reduction?: R },
): Loss<R>;
export function getLoss(config: LossConfig | LossOptions & { name: string }): Loss;
export function getLoss<R extends Reduction>(loss: Loss<R>): Loss<R>;
export function getLoss(identifier: unknown, options?: LossOptions): Loss {
  if (identifier instanceof Loss) return identifier;
  if (typeof identifier === 'object' && identifier !== null && !Array.isArray(identifier)) {
    const config = identifier as LossOptions;
    if (config.name === COMPOSITE_NAME) {
      throw new LosskitError('LOSSKIT_INVALID_CONFIG', `A '${COMPOSITE_NAME}' config is rebuilt with combineLosses(config), not getLoss`, {
        argument: 'name',
        expected: 'combineLosses',
        actual: COMPOSITE_NAME,
      });
    }
    return new Loss(findSpec(config.name), config);
  }
  if (typeof identifier !== 'string') {
    throw new LosskitError(
      'LOSSKIT_INVALID_TYPE',
      `Argument 'name' passed to 'getLoss' must be a loss name, a config object or a Loss (got ${describeType(identifier)})`,
      { argument: 'name', expected: 'string | LossConfig | Loss', actual: describeType(identifier) },
    );
  }
  return new Loss(findSpec(identifier), options);
}

/** Every registered loss: canonical name, class name, aliases and default config. */
export function listLosses(): {
  /** Canonical name, e.g. 'mean_squared_error'. */
  name: string;
  /** The Keras-style class, e.g. 'MeanSquaredError'. */
  className: string;
  /** Other accepted names, e.g. ['mse', 'MSELoss']. */
  aliases: string[];
  /** The config getLoss(name) gives: reduction and option defaults. */
  defaults: LossConfig;
}[] {
  return [...ALL_SPECS, ...CUSTOM_SPECS].map((spec) => ({
    name: spec.name,
    className: spec.className,
    aliases: [...spec.aliases],
    defaults: resolveConfig(spec, undefined),
  }));
}

export type { LossDefinition, ElementLossDefinition, RowLossDefinition } from './losses/custom';

/**
 * Defines and registers a loss from JavaScript functions (per element, or per row with
 * `perRow: true`); returns a factory of configured instances. getLoss(name) finds it too.
 *
 * @example
 * const cubic = defineLoss({ name: 'cubic', value: (y, x) => Math.abs(x - y) ** 3, grad: (y, x) => 3 * (x - y) * Math.abs(x - y) });
 * cubic({ reduction: 'sum' }).value([[0, 1]], [[1, 1]]); // 0.5
 */
export function defineLoss(definition: LossDefinition): <R extends Reduction = 'sum_over_batch_size'>(options?: LossOptions & { reduction?: R }) => Loss<R> {
  const spec = customSpec(definition);
  registerCustom(spec);
  return (options) => new Loss(spec, options);
}

export { CompositeLoss } from './compose';
export { regularization } from './regularization';
export * from './training';
export type { Regularizer, RegularizationConfig } from './regularization';
export type { CompositeTerm } from './compose';

/**
 * A weighted sum of losses over the same inputs, each term optionally on a column range of the
 * last axis (multi-task heads): combineLosses([{ loss: 'mse', weight: 0.7 }, { loss: 'mae',
 * weight: 0.3 }]). Also takes a composite's getConfig() back.
 */
export function combineLosses(terms: CompositeTerm[] | { name: string; terms: CompositeTerm[] }): CompositeLoss {
  const list = Array.isArray(terms) ? terms : terms.terms;
  return new CompositeLoss(compositeTerms(list, (loss) => (loss instanceof Loss ? loss : typeof loss === 'string' ? getLoss(loss) : getLoss(loss as LossConfig))));
}
