/**
 * Custom losses from JavaScript functions. A defined loss is registered by name and works
 * everywhere a built-in does: getLoss(name), reductions, sample weights, async twins, partial
 * results, getConfig() / JSON round trips. It always runs on the JS driver (there is no native
 * kernel for it), whatever backend the built-ins use.
 *
 * - per element (default): value(y, x) and optionally grad(y, x) = d value / d x, averaged over
 *   the last axis like the built-in elementwise losses;
 * - per row (`perRow: true`): value(yRow, xRow) over the last axis and optionally
 *   grad(yRow, xRow, out) writing d value / d xRow into out.
 * Without `grad`, central differences stand in, with a one-time LOSSKIT_NUMERIC_GRADIENT warning.
 */

import { LosskitError, describeType } from '../errors';
import type { ElementwiseFunctions, ElementwiseSpec, CategoricalSpec, RowFunction } from './spec';

/** A per-element custom loss for defineLoss(): averaged over the last axis like the built-in
 * elementwise losses. */
export interface ElementLossDefinition {
  /** The name getLoss() finds it by (matched ignoring case, `_` and `-`). */
  name: string;
  /** Other names for it. */
  aliases?: string[];
  /** false or absent: per element. */
  perRow?: false;
  /** The loss of one element. */
  value(yTrue: number, yPred: number): number;
  /** d value / d yPred of one element; without it, central differences stand in. */
  grad?(yTrue: number, yPred: number): number;
}

/** A per-row custom loss for defineLoss(): one value per row of the last axis. */
export interface RowLossDefinition {
  /** The name getLoss() finds it by (matched ignoring case, `_` and `-`). */
  name: string;
  /** Other names for it. */
  aliases?: string[];
  /** true: per row. */
  perRow: true;
  /** The loss of one row (the rows are float64 copies). */
  value(yTrue: Float64Array, yPred: Float64Array): number;
  /** Writes d value / d yPredRow into `out`; without it, central differences stand in. */
  grad?(yTrue: Float64Array, yPred: Float64Array, out: Float64Array): void;
}

/** What defineLoss() takes: a per-element or a per-row definition. */
export type LossDefinition = ElementLossDefinition | RowLossDefinition;

const STEP = 1e-6;

function warnNumeric(name: string): () => void {
  let warned = false;
  return () => {
    if (warned) return;
    warned = true;
    process.emitWarning(`losskit: custom loss '${name}' has no analytic gradient; central differences (step 1e-6) stand in`, {
      code: 'LOSSKIT_NUMERIC_GRADIENT',
    });
  };
}

function elementFunctions(definition: ElementLossDefinition): ElementwiseFunctions {
  const { value, grad } = definition;
  const warn = warnNumeric(definition.name);
  return {
    value: (y, x) => value(y, x),
    grad: grad
      ? (y, x) => grad(y, x)
      : (y, x) => {
          warn();
          const h = STEP * Math.max(1, Math.abs(x));
          return (value(y, x + h) - value(y, x - h)) / (2 * h);
        },
  };
}

function rowFunction(definition: RowLossDefinition): RowFunction {
  const { value, grad } = definition;
  const warn = warnNumeric(definition.name);
  return (yTrue, yPred, start, classCount, _params, _classWeight, gradOut, scale) => {
    const y = Float64Array.from({ length: classCount }, (_, j) => yTrue[start + j] as number);
    const x = Float64Array.from({ length: classCount }, (_, j) => yPred[start + j] as number);
    const loss = value(y, x);
    if (gradOut) {
      const slope = new Float64Array(classCount);
      if (grad) {
        grad(y, x, slope);
      } else {
        warn();
        for (let j = 0; j < classCount; j++) {
          const xj = x[j] as number;
          const h = STEP * Math.max(1, Math.abs(xj));
          x[j] = xj + h;
          const plus = value(y, x);
          x[j] = xj - h;
          const minus = value(y, x);
          x[j] = xj;
          slope[j] = (plus - minus) / (2 * h);
        }
      }
      for (let j = 0; j < classCount; j++) gradOut[start + j] = scale * (slope[j] as number);
    }
    return loss;
  };
}

/** The spec of a custom loss (lib/losses/registry.ts registers it). */
export function customSpec(definition: LossDefinition): ElementwiseSpec | CategoricalSpec {
  if (typeof definition !== 'object' || definition === null || typeof definition.name !== 'string' || definition.name === '') {
    throw new LosskitError('LOSSKIT_INVALID_CONFIG', `defineLoss needs { name: string, value: function } (got ${describeType(definition)})`, {
      argument: 'definition',
      expected: '{ name, value, grad? }',
      actual: describeType(definition),
    });
  }
  for (const key of ['value', 'grad'] as const) {
    const fn = (definition as unknown as Record<string, unknown>)[key];
    if ((key === 'value' || fn !== undefined) && typeof fn !== 'function') {
      throw new LosskitError('LOSSKIT_INVALID_CONFIG', `defineLoss '${definition.name}': '${key}' must be a function (got ${describeType(fn)})`, {
        argument: key,
        expected: 'function',
        actual: describeType(fn),
      });
    }
  }
  const common = {
    name: definition.name,
    className: definition.name,
    aliases: definition.aliases ?? [],
    options: {},
    formula: 'user-defined',
    custom: true as const,
    params: () => [],
  };
  return definition.perRow
    ? { ...common, kind: 'categorical', jsRow: rowFunction(definition) }
    : { ...common, kind: 'elementwise', js: elementFunctions(definition) };
}
