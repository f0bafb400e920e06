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
  /** Where a parameter picks between formulas (binary_crossentropy's fromLogits): the closures
   * of the chosen one, same results. The JS driver runs those, so that V8's feedback on one
   * formula never slows the other (2x, measured, in a process that had used both). */
  select?(p: Float64Array): ElementwiseFunctions;
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
  /** Checks between options (throws a LosskitError), after each option is validated. */
  checkConfig?(config: Readonly<Record<string, unknown>>): void;
  /** Defined by the user (defineLoss): always computed by the JS driver with its closures. */
  custom?: true;
}

type Config = Readonly<Record<string, unknown>>;

/** Elementwise losses: mean of f over the last axis. */
export interface ElementwiseSpec extends SpecCommon {
  kind: 'elementwise';
  /** The third input the loss takes beside yTrue and yPred (gaussian_nll's variance). */
  auxInput?: { name: string; check?: (data: ArrayLike<number>, loss: string) => void };
  /** A per-class vector from the config broadcast over the last axis as the third input
   * (binary_crossentropy's posWeight), and the kernel that takes it. */
  configAux?: { option: string; kernel: string };
  /** Kernel parameters from a validated config, in the native kernel's order. */
  params(config: Config): number[];
  /** Parameters that depend on the data (hinge's 0/1 label detection), set per call. */
  dataParams?(params: Float64Array, yTrue: ArrayLike<number>): Float64Array;
  /** Whether the loss averages over `config.axis` rather than the last axis. */
  hasAxis?: boolean;
  js: ElementwiseFunctions;
  /** JS closures of further kernels this spec selects (by kernel name). */
  jsKernels?: Readonly<Record<string, ElementwiseFunctions>>;
  /** The closures are arithmetic only (no exp or log, which cost V8 15-25 ns a call): with the
   * default backend, inputs below SMALL_INPUT_ELEMENTS (backend/index.ts) run them rather than
   * pay a Node-API crossing. */
  arithmeticOnly?: true;
}

/** Negative cosine similarity along an axis. */
export interface CosineSpec extends SpecCommon {
  kind: 'cosine';
}

/**
 * One row of a row-wise loss, for the JS fallback: reads yTrue/yPred at [start, start + C),
 * returns the row's loss and, when `grad` is given, writes scale * d(loss)/d(yPred) there.
 * `classWeight` multiplies the targets (null for 1).
 */
export type RowFunction = (
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  start: number,
  classCount: number,
  params: Float64Array,
  classWeight: Float64Array | null,
  grad: Float32Array | Float64Array | null,
  scale: number,
) => number;

/** Row-wise losses over the class axis (the last, or config.axis): categorical CE, focal,
 * categorical hinge, KL and JS divergence. */
export interface CategoricalSpec extends SpecCommon {
  kind: 'categorical';
  params(config: Config): number[];
  /** Whether config.classWeight exists for this loss. */
  hasClassWeight?: boolean;
  hasAxis?: boolean;
  /** A row is a whole sample (all non-batch axes flattened), not the class axis: Dice, IoU. */
  sampleRows?: boolean;
  jsRow: RowFunction;
}

/** One row of an integer-label loss for the JS fallback: `label` is in [0, C). */
export type SparseRowFunction = (
  label: number,
  yPred: ArrayLike<number>,
  start: number,
  classCount: number,
  params: Float64Array,
  grad: Float32Array | Float64Array | null,
  scale: number,
) => number;

/** Integer-label losses: labels of shape yPred.shape[:-1], classWeight and ignoreClass. */
export interface SparseSpec extends SpecCommon {
  kind: 'sparse';
  params(config: Config): number[];
  jsRow: SparseRowFunction;
}

/**
 * Losses with their own named inputs (CTC's lengths, triplet's anchor/positive/negative): the
 * spec prepares its kernel call itself (lib/prepare.ts's contract), since no two share a layout.
 */
export interface StructuredSpec extends SpecCommon {
  kind: 'structured';
  /** The input names it reads, in documentation order; the first is the primary one. */
  inputNames: readonly string[];
  prepare(config: Readonly<Record<string, unknown>> & { reduction: string }, inputs: Readonly<Record<string, unknown>>): StructuredCall;
}

/** What a structured spec's prepare returns: lib/prepare.ts's PreparedCall (re-declared here
 * structurally to keep spec.ts free of imports). */
export type StructuredCall = import('../prepare').PreparedCall;

export type LossSpec = ElementwiseSpec | CosineSpec | CategoricalSpec | SparseSpec | StructuredSpec;

/** One of a fixed set of strings. */
export function enumOption<T extends string>(defaultValue: T, values: readonly T[], doc: string): OptionSpec {
  return {
    default: defaultValue,
    doc,
    validate(value, option, loss) {
      if (!values.includes(value as T)) throw configError(loss, option, `one of ${values.map((v) => `'${v}'`).join(', ')}`, value);
      return value;
    },
  };
}

export function configError(loss: string, option: string, expected: string, value: unknown): LosskitError {
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

/** An optional integer (null = unset), e.g. ignoreClass. */
export function optionalIntegerOption(doc: string): OptionSpec {
  return {
    default: null,
    doc,
    validate(value, option, loss) {
      if (value === null) return null;
      if (!Number.isSafeInteger(value) || Math.abs(value as number) > 2 ** 31 - 1) {
        throw configError(loss, option, 'an int32 integer or null', value);
      }
      return value;
    },
  };
}

/** An optional array of finite numbers (null = unset), e.g. classWeight; its length is
 * checked against the data at call time. A single number is accepted where `scalar` is true. */
export function optionalVectorOption(doc: string, scalar = false): OptionSpec {
  return {
    default: null,
    doc,
    validate(value, option, loss) {
      if (value === null) return null;
      if (scalar && typeof value === 'number' && Number.isFinite(value)) return [value];
      const array = ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value;
      if (!Array.isArray(array) || array.length === 0 || !array.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw configError(loss, option, `a non-empty array of finite numbers${scalar ? ', a number,' : ''} or null`, value);
      }
      return array.slice();
    },
  };
}
