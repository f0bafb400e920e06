/**
 * The one error type losskit throws for bad input or configuration.
 *
 * Messages follow PyTorch and TensorFlow.js ("Argument 'yPred' passed to 'huber' must be ...";
 * "size mismatch (got yTrue: [8,10], yPred: [7,10])"), and the structured fields carry the same
 * facts for programs: which argument, what was expected, what was seen.
 */

export type LosskitErrorCode =
  /** A value of the wrong kind: not an array, an integer dtype for predictions, a string... */
  | 'LOSSKIT_INVALID_TYPE'
  /** Shapes that cannot be paired or broadcast. */
  | 'LOSSKIT_SHAPE_MISMATCH'
  /** An input with no elements. */
  | 'LOSSKIT_EMPTY_INPUT'
  /** A number outside its allowed range (a negative variance, a non-finite element...). */
  | 'LOSSKIT_INVALID_VALUE'
  /** A loss option that is unknown or out of range. */
  | 'LOSSKIT_INVALID_CONFIG'
  /** A loss name that is not registered. */
  | 'LOSSKIT_UNKNOWN_LOSS'
  /** A backend that was asked for but cannot run here. */
  | 'LOSSKIT_BACKEND_UNAVAILABLE';

/** The structured part of a LosskitError, as its constructor takes it. */
export interface LosskitErrorDetails {
  /** The argument or option at fault, e.g. 'yPred', 'sampleWeight', 'delta'. */
  argument?: string;
  /** What was expected, in words or as a shape. */
  expected?: unknown;
  /** What was received. */
  actual?: unknown;
}

/**
 * The error every input or configuration problem throws (async calls reject with it). `message`
 * names the function and argument; `code` is stable for programs to test.
 */
export class LosskitError extends Error {
  /** Machine-readable category, e.g. 'LOSSKIT_SHAPE_MISMATCH'. */
  readonly code: LosskitErrorCode;
  /** The argument or option at fault ('yPred', 'delta', ...), when there is one. */
  readonly argument: string | undefined;
  /** What was expected (a shape, a type name, a range), when known. */
  readonly expected: unknown;
  /** What was received, when known. */
  readonly actual: unknown;

  /** @param details the argument at fault and the expected and actual values. */
  constructor(code: LosskitErrorCode, message: string, details: LosskitErrorDetails = {}) {
    super(message);
    this.name = 'LosskitError';
    this.code = code;
    this.argument = details.argument;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

/** Renders a shape the way the messages print it: [8,10]. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Describes a value's type for an error message: 'Int32Array', 'string', 'null', 'object'. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (Array.isArray(value)) return 'Array';
  return typeof value;
}
