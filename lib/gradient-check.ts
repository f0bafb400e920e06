/**
 * checkGradient: how far a loss's analytic gradient is from central finite differences of its
 * value, the check every losskit loss passes in its tests, offered for custom losses and for
 * users who want to see it. Computed in float64 on a copy of the inputs.
 */

import { LosskitError } from './errors';
import type { Loss } from './loss';
import type { LossInputs } from './prepare';
import { readFloatTensor, type Tensor, type TensorInput } from './tensor';

/** checkGradient's report: the analytic gradient against central differences. */
export interface GradientCheck {
  /** max over elements of |analytic - numeric| / max(|analytic|, |numeric|, 1e-12). */
  maxRelativeError: number;
  /** max over elements of |analytic - numeric|. */
  maxAbsoluteError: number;
  /** Flat index of the element with the largest relative error. */
  worstIndex: number;
  /** The analytic gradient at `worstIndex`. */
  analytic: number;
  /** The central-difference estimate at `worstIndex`. */
  numeric: number;
}

/** Options of checkGradient. */
export interface GradientCheckOptions {
  /** Finite-difference step, relative to max(1, |x|) (default 1e-6). */
  step?: number;
  /** For losses with named inputs: which input to perturb (default: the primary one). */
  input?: string;
}

const sumOf = (value: number | Tensor) => (typeof value === 'number' ? value : Array.from(value.data).reduce((a, b) => a + b, 0));

/**
 * checkGradient(loss, yTrue, yPred, sampleWeight?) or checkGradient(loss, { ...named inputs })
 * compares d(value)/d(input) with central differences (for reduction 'none', of the sum of the
 * per-sample values, which is what `grad` returns).
 */
export function checkGradient(loss: Loss, yTrueOrInputs: TensorInput | LossInputs, yPred?: TensorInput, sampleWeight?: unknown, options: GradientCheckOptions = {}): GradientCheck {
  const named = yPred === undefined;
  const inputs: Record<string, unknown> = named ? { ...(yTrueOrInputs as LossInputs) } : { yTrue: yTrueOrInputs, yPred, sampleWeight };
  // Which input: the one asked for, else the loss's primary one (the first of `grads`).
  const probe = loss.valueAndGrad(inputs as LossInputs);
  const inputNames = probe.grads ? Object.keys(probe.grads) : ['yPred'];
  const name = options.input ?? inputNames[0] ?? 'yPred';
  if (!inputNames.includes(name) || inputs[name] === undefined) {
    throw new LosskitError('LOSSKIT_INVALID_CONFIG', `checkGradient: '${loss.name}' has no differentiable input '${name}' (it has ${inputNames.join(', ')})`, {
      argument: 'input',
      expected: inputNames,
      actual: name,
    });
  }
  const original = readFloatTensor(inputs[name], { argument: name, loss: 'checkGradient' });
  const values = Float64Array.from(original.data);
  const withValues = () => ({ ...inputs, [name]: { data: values, shape: original.shape } }) as LossInputs;
  const exactResult = loss.valueAndGrad(withValues());
  const analytic = (exactResult.grads?.[name] ?? exactResult.grad).data;
  const step = options.step ?? 1e-6;
  const at = () => sumOf(loss.value(withValues()));
  const result: GradientCheck = { maxRelativeError: 0, maxAbsoluteError: 0, worstIndex: -1, analytic: NaN, numeric: NaN };
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    const h = step * Math.max(1, Math.abs(x));
    values[i] = x + h;
    const plus = at();
    values[i] = x - h;
    const minus = at();
    values[i] = x;
    const numeric = (plus - minus) / (2 * h);
    const exact = analytic[i] as number;
    const absolute = Math.abs(exact - numeric);
    const relative = absolute / Math.max(Math.abs(exact), Math.abs(numeric), 1e-12);
    result.maxAbsoluteError = Math.max(result.maxAbsoluteError, absolute);
    if (relative > result.maxRelativeError || result.worstIndex < 0) {
      Object.assign(result, { maxRelativeError: relative, worstIndex: i, analytic: exact, numeric });
    }
  }
  return result;
}
