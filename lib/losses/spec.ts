/**
 * What a loss declares about itself: its names, options (with defaults and validation) and how
 * it is computed. Specs are data; lib/loss.ts turns one plus a config into a callable Loss.
 */

import { LosskitError, describeType } from '../errors';

/** Validates one option value, returning it normalised (or throwing a LosskitError). */
export type OptionValidator = (value: unknown, option: string, loss: string) => unknown;

export interface OptionSpec {
  default: unknown;
  validate: OptionValidator;
  /** One line for the docs and error messages. */
  doc: string;
}

/** A per-element loss f(y, x, a) and its derivative in x, for the JS fallback; `p` holds the
 * kernel parameters in the same order the native kernel takes them. */
export interface ElementwiseFunctions {
  value(y: number, x: number, a: number, p: Float64Array): number;
  grad(y: number, x: number, a: number, p: Float64Array): number;
}

interface SpecCommon {
  /** Canonical Keras-style snake_case name. */
  name: string;
  /** The Keras class name, also the name of losskit's class. */
  className: string;
  /** Other names it answers to (PyTorch names, abbreviations, TF.js camelCase...). */
  aliases: readonly string[];
  options: Readonly<Record<string, OptionSpec>>;
  /** One-line formula for docs. */
  formula: string;
}

/** Elementwise losses: mean of f over the last axis. */
export interface ElementwiseSpec extends SpecCommon {
  kind: 'elementwise';
  /** The third input the loss takes beside yTrue and yPred (gaussian_nll's variance). */
  auxInput?: { name: string; check?: (data: ArrayLike<number>, loss: string) => void };
  /** Kernel parameters from a validated config, in the native kernel's order. */
  params(config: Readonly<Record<string, unknown>>): number[];
  js: ElementwiseFunctions;
}

/** Negative cosine similarity along an axis. */
export interface CosineSpec extends SpecCommon {
  kind: 'cosine';
}

export type LossSpec = ElementwiseSpec | CosineSpec;

function configError(loss: string, option: string, expected: string, value: unknown): LosskitError {
  const shown = typeof value === 'number' || typeof value === 'boolean' ? String(value) : describeType(value);
  return new LosskitError(
    'LOSSKIT_INVALID_CONFIG',
    `Option '${option}' of '${loss}' must be ${expected} (got ${shown})`,
    { argument: option, expected, actual: value },
  );
}

interface NumberBounds {
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive bounds. */
  above?: number;
  below?: number;
}

function describeBounds(b: NumberBounds): string {
  const parts: string[] = [];
  if (b.min !== undefined) parts.push(`>= ${b.min}`);
  if (b.above !== undefined) parts.push(`> ${b.above}`);
  if (b.max !== undefined) parts.push(`<= ${b.max}`);
  if (b.below !== undefined) parts.push(`< ${b.below}`);
  return parts.length ? `a finite number ${parts.join(' and ')}` : 'a finite number';
}

export function numberOption(defaultValue: number, bounds: NumberBounds, doc: string): OptionSpec {
  return {
    default: defaultValue,
    doc,
    validate(value, option, loss) {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (bounds.min === undefined || value >= bounds.min) &&
        (bounds.max === undefined || value <= bounds.max) &&
        (bounds.above === undefined || value > bounds.above) &&
        (bounds.below === undefined || value < bounds.below);
      if (!ok) throw configError(loss, option, describeBounds(bounds), value);
      return value;
    },
  };
}

export function integerOption(defaultValue: number, doc: string): OptionSpec {
  return {
    default: defaultValue,
    doc,
    validate(value, option, loss) {
      if (!Number.isSafeInteger(value)) throw configError(loss, option, 'an integer', value);
      return value;
    },
  };
}

export function booleanOption(defaultValue: boolean, doc: string): OptionSpec {
  return {
    default: defaultValue,
    doc,
    validate(value, option, loss) {
      if (typeof value !== 'boolean') throw configError(loss, option, 'true or false', value);
      return value;
    },
  };
}
