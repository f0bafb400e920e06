/**
 * Connectionist temporal classification in plain JavaScript: the reference the native kernel
 * (native/kernels/ctc.h) is tested against and the JS backend's fallback. Same contract
 * (`CtcArgs`, lib/backend/binding.ts), same checks and messages as the addon's entry point,
 * same algorithm step by step, in double.
 *
 * Graves et al. 2006 ("Connectionist Temporal Classification", ICML; equation numbers below are
 * theirs), as PyTorch computes it (aten/src/ATen/native/LossCTC.cpp), 0-based. For item b with
 * input length T_b and target l of length L, the extended target l' (length 2L + 1) has blanks
 * at even positions and l'_{2i+1} = l_i; lp[t][c] is the log-probability of class c at time t.
 *
 * - alpha, eq (6)-(7): alpha[0][0] = lp[0][blank], alpha[0][1] = lp[0][l_0], other states
 *   -inf; alpha[t][s] = lse(alpha[t-1][s], alpha[t-1][s-1], alpha[t-1][s-2]) + lp[t][l'_s], the
 *   s-2 term only when l'_s != l'_{s-2} (never for blanks).
 * - loss, eq (8): nll = -lse(alpha[T_b-1][2L], alpha[T_b-1][2L-1]); +inf when no alignment
 *   exists (0 with zeroInfinity, and then a zero gradient for the item).
 * - beta, eq (10)-(11): the same recursion backwards from beta[T_b-1][2L] = lp[T_b-1][blank] and
 *   beta[T_b-1][2L-1] = lp[T_b-1][l_{L-1}], both including the emission at t (as PyTorch's).
 * - gradient, eq (14)-(16): the occupancy of state s at time t is
 *   gamma = exp(alpha[t][s] + beta[t][s] - lp[t][l'_s] + nll) (0 where alpha + beta = -inf);
 *   d nll / d lp[t][c] = -sum_{s: l'_s = c} gamma ('exact'); PyTorch's autograd value is
 *   exp(lp[t][c]) - that sum ('torch'). Entries with t >= T_b are 0.
 *
 * lse of two or three terms as PyTorch: m = the largest term (0 when all are -inf),
 * log(sum exp(term - m)) + m. A NaN log-probability reaches the loss and the gradient.
 * The return value is sum_b itemScales[b] * losses[b], added in item order; the gradient of
 * item b is scaled by itemScales[b].
 */

import type { CtcArgs, FloatArray } from '../backend/binding';

const FUNCTION = 'ctc';
const ARGUMENT_CODE = 'LOSSKIT_NATIVE_ARGUMENT';
const MAX_INTEGER = 2 ** 53;

function argumentError(kind: 'type' | 'range', message: string): Error {
  const error = kind === 'type' ? new TypeError(message) : new RangeError(message);
  return Object.assign(error, { code: ARGUMENT_CODE });
}

function about(name: string): string {
  return `${FUNCTION}: '${name}' `;
}

/** What the addon's describe() prints for a value's type. */
function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return `number ${String(value)}`;
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'bigint') return 'bigint';
  if (typeof value === 'symbol') return 'symbol';
  if (typeof value === 'function') return 'function';
  if (Array.isArray(value)) return 'Array';
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return (value as { constructor: { name: string } }).constructor.name;
  }
  if (value instanceof ArrayBuffer) return 'ArrayBuffer';
  if (value instanceof DataView) return 'DataView';
  return 'object';
}

function elements(count: number): string {
  return `${count} ${count === 1 ? 'element' : 'elements'}`;
}

function checkFloatArray(value: unknown, name: string): FloatArray {
  if (value instanceof Float32Array || value instanceof Float64Array) return value;
  throw argumentError('type', `${about(name)}must be a Float32Array or Float64Array (got ${describe(value)})`);
}

function checkFloat64Array(value: unknown, name: string, length: number): Float64Array {
  if (!(value instanceof Float64Array)) {
    throw argumentError('type', `${about(name)}must be a Float64Array (got ${describe(value)})`);
  }
  checkLength(value, name, length);
  return value;
}

function checkInt32Array(value: unknown, name: string): Int32Array {
  if (value instanceof Int32Array) return value;
  throw argumentError('type', `${about(name)}must be an Int32Array (got ${describe(value)})`);
}

function checkLength(array: ArrayLike<number>, name: string, length: number): void {
  if (array.length !== length) {
    throw argumentError('range', `${about(name)}must have ${elements(length)} (got ${array.length})`);
  }
}

function checkInteger(value: unknown, name: string, min: number, max: number): number {
  const expected = max >= MAX_INTEGER ? `must be an integer >= ${min}` : `must be an integer in [${min}, ${max}]`;
  if (typeof value !== 'number') throw argumentError('type', `${about(name)}${expected} (got ${describe(value)})`);
  if (!(value >= min && value <= max) || Math.floor(value) !== value) {
    throw argumentError('range', `${about(name)}${expected} (got ${String(value)})`);
  }
  return value;
}

function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw argumentError('type', `${about(name)}must be a boolean (got ${describe(value)})`);
  return value;
}

/** Every argument, length and label, in the addon's order; throws before anything is written. */
function checkArguments(args: CtcArgs): void {
  const [logProbsArg, timeStepsArg, batchSizeArg, classCountArg, batchFirst, targetsArg, padded, maxTargetLengthArg,
    inputLengthsArg, targetLengthsArg, blankArg, zeroInfinity, itemScales, losses, grad, gradForm] = args as unknown[];
  const logProbs = checkFloatArray(logProbsArg, 'logProbs');
  const n = logProbs.length;
  const timeSteps = checkInteger(timeStepsArg, 'timeSteps', 1, MAX_INTEGER);
  const batchSize = checkInteger(batchSizeArg, 'batchSize', 1, MAX_INTEGER);
  const classCount = checkInteger(classCountArg, 'classCount', 1, MAX_INTEGER);
  if (timeSteps * batchSize * classCount !== n) {
    throw argumentError('range',
      `${about('logProbs')}must have timeSteps * batchSize * classCount = ${timeSteps} * ${batchSize} * ${classCount} elements (got ${n})`);
  }
  checkBoolean(batchFirst, 'batchFirst');
  const targets = checkInt32Array(targetsArg, 'targets');
  checkBoolean(padded, 'padded');
  const maxTargetLength = checkInteger(maxTargetLengthArg, 'maxTargetLength', 0, MAX_INTEGER);
  const inputLengths = checkInt32Array(inputLengthsArg, 'inputLengths');
  checkLength(inputLengths, 'inputLengths', batchSize);
  const targetLengths = checkInt32Array(targetLengthsArg, 'targetLengths');
  checkLength(targetLengths, 'targetLengths', batchSize);
  const blank = checkInteger(blankArg, 'blank', 0, Math.min(classCount - 1, 2 ** 31 - 1));
  checkBoolean(zeroInfinity, 'zeroInfinity');
  checkFloat64Array(itemScales, 'itemScales', batchSize);
  checkFloat64Array(losses, 'losses', batchSize);
  if (grad !== null && grad !== undefined) {
    const gradArray = checkFloatArray(grad, 'grad');
    if (gradArray.constructor !== logProbs.constructor) {
      throw argumentError('type',
        `${about('grad')}must be a ${logProbs.constructor.name} like 'logProbs' (got ${gradArray.constructor.name})`);
    }
    checkLength(gradArray, 'grad', n);
  }
  if (typeof gradForm !== 'string') throw argumentError('type', `${about('gradForm')}must be a string (got ${describe(gradForm)})`);
  if (gradForm !== 'exact' && gradForm !== 'torch') {
    throw argumentError('range', `${about('gradForm')}must be 'exact' or 'torch' (got '${gradForm}')`);
  }

  for (let b = 0; b < batchSize; b++) {
    const length = inputLengths[b] as number;
    if (length < 0 || length > timeSteps) {
      throw argumentError('range', `${about('inputLengths')}of item ${b} must be in [0, ${timeSteps}] (got ${length})`);
    }
  }
  let targetTotal = 0;
  for (let b = 0; b < batchSize; b++) {
    const length = targetLengths[b] as number;
    if (length < 0) throw argumentError('range', `${about('targetLengths')}of item ${b} must be >= 0 (got ${length})`);
    targetTotal += length;
  }
  if (padded) {
    if (batchSize * maxTargetLength !== targets.length) {
      throw argumentError('range',
        `${about('targets')}must have batchSize * maxTargetLength = ${batchSize} * ${maxTargetLength} elements (got ${targets.length})`);
    }
    for (let b = 0; b < batchSize; b++) {
      const length = targetLengths[b] as number;
      if (length > maxTargetLength) {
        throw argumentError('range',
          `${about('targetLengths')}of item ${b} must be <= maxTargetLength (${maxTargetLength}; got ${length})`);
      }
    }
  } else if (targetTotal !== targets.length) {
    throw argumentError('range', `${about('targets')}must have ${elements(targetTotal)}, the sum of targetLengths (got ${targets.length})`);
  }
  let offset = 0;
  for (let b = 0; b < batchSize; b++) {
    const start = padded ? b * maxTargetLength : offset;
    const length = targetLengths[b] as number;
    for (let i = 0; i < length; i++) {
      const label = targets[start + i] as number;
      if (label === blank) {
        throw argumentError('range', `${about('targets')}of item ${b} holds the blank (${blank}) at position ${i}`);
      }
      if (label < 0 || label >= classCount) {
        throw argumentError('range', `${about('targets')}of item ${b} holds ${label} at position ${i}, outside [0, ${classCount})`);
      }
    }
    offset += length;
  }
}

/** log(exp(a) + exp(b) + exp(c)) + e, as PyTorch forms it (see the top of this file). */
function logSumExp3Plus(a: number, b: number, c: number, e: number): number {
  let m = a;
  if (b > m) m = b;
  if (c > m) m = c;
  if (m === -Infinity) m = 0; // all three -inf: no -inf - -inf
  return Math.log(Math.exp(a - m) + Math.exp(b - m) + Math.exp(c - m)) + m + e;
}

export function ctcKernel(...args: CtcArgs): number {
  checkArguments(args);
  const [logProbs, timeSteps, batchSize, classCount, batchFirst, targets, padded, maxTargetLength,
    inputLengths, targetLengths, blank, zeroInfinity, itemScales, losses, grad, gradForm] = args;
  const torchGrad = gradForm === 'torch';
  const timeStride = batchFirst ? classCount : batchSize * classCount;

  let offset = 0;
  for (let b = 0; b < batchSize; b++) {
    const itemBase = batchFirst ? b * timeSteps * classCount : b * classCount;
    const inputLength = inputLengths[b] as number;
    const length = targetLengths[b] as number;
    const start = padded ? b * maxTargetLength : offset;
    offset += length;
    const lpAt = (t: number, c: number): number => logProbs[itemBase + t * timeStride + c] as number;
    const zeroRows = (from: number): void => {
      if (!grad) return;
      for (let t = from; t < timeSteps; t++) {
        const row = itemBase + t * timeStride;
        grad.fill(0, row, row + classCount);
      }
    };

    if (inputLength === 0) {
      losses[b] = length === 0 || zeroInfinity ? 0 : Infinity;
      zeroRows(0);
      continue;
    }

    // The extended target l' and the states where the s-2 transition is allowed, eq (7).
    const states = 2 * length + 1;
    const label = new Int32Array(states);
    for (let s = 0; s < states; s++) label[s] = s % 2 === 1 ? (targets[start + (s - 1) / 2] as number) : blank;
    const skip = (s: number): boolean => s >= 2 && s < states && label[s] !== label[s - 2];

    // alpha, eq (6)-(7): one row per time step (the backward pass reads them all).
    const alpha: Float64Array[] = [];
    const first = new Float64Array(states).fill(-Infinity);
    first[0] = lpAt(0, blank);
    if (length > 0) first[1] = lpAt(0, label[1] as number);
    alpha.push(first);
    for (let t = 1; t < inputLength; t++) {
      const prev = alpha[t - 1] as Float64Array;
      const cur = new Float64Array(states);
      for (let s = 0; s < states; s++) {
        const la1 = prev[s] as number;
        const la2 = s > 0 ? (prev[s - 1] as number) : -Infinity;
        const la3 = skip(s) ? (prev[s - 2] as number) : -Infinity;
        cur[s] = logSumExp3Plus(la1, la2, la3, lpAt(t, label[s] as number));
      }
      alpha.push(cur);
    }

    // The loss, eq (8).
    const last = alpha[inputLength - 1] as Float64Array;
    const l1 = last[2 * length] as number;
    const l2 = length > 0 ? (last[2 * length - 1] as number) : -Infinity;
    let m = l1 > l2 ? l1 : l2;
    if (m === -Infinity) m = 0;
    const nll = -(Math.log(Math.exp(l1 - m) + Math.exp(l2 - m)) + m);
    if (nll === Infinity) {
      losses[b] = zeroInfinity ? 0 : Infinity;
      zeroRows(0);
      continue;
    }
    losses[b] = nll;
    if (!grad) continue;

    // beta, eq (10)-(11), and the gradient, eq (14)-(16), from t = T_b - 1 down.
    const scale = itemScales[b] as number;
    let betaNext = new Float64Array(states);
    let betaCur = new Float64Array(states);
    // Per class, the sum of its states' occupancies at time t (added in s order); only the
    // classes of l' are ever non-zero, and they are reset after each row.
    const posterior = new Float64Array(classCount);
    for (let t = inputLength - 1; t >= 0; t--) {
      for (let s = 0; s < states; s++) {
        const emission = lpAt(t, label[s] as number);
        if (t === inputLength - 1) {
          betaCur[s] = s >= 2 * length - 1 ? emission : -Infinity;
        } else {
          const lb1 = betaNext[s] as number;
          const lb2 = s + 1 < states ? (betaNext[s + 1] as number) : -Infinity;
          const lb3 = skip(s + 2) ? (betaNext[s + 2] as number) : -Infinity;
          betaCur[s] = logSumExp3Plus(lb1, lb2, lb3, emission);
        }
      }

      const alphaT = alpha[t] as Float64Array;
      for (let s = 0; s < states; s++) {
        const c = label[s] as number;
        const ab = (alphaT[s] as number) + (betaCur[s] as number);
        const gamma = ab === -Infinity ? 0 : Math.exp(ab - lpAt(t, c) + nll);
        posterior[c] = (posterior[c] as number) + gamma;
      }
      const row = itemBase + t * timeStride;
      for (let c = 0; c < classCount; c++) {
        const base = torchGrad ? Math.exp(logProbs[row + c] as number) : 0;
        grad[row + c] = scale * (base - (posterior[c] as number));
      }
      for (let s = 0; s < states; s++) posterior[label[s] as number] = 0;

      const swap = betaNext;
      betaNext = betaCur;
      betaCur = swap;
    }
    zeroRows(inputLength);
  }

  let total = 0;
  for (let b = 0; b < batchSize; b++) total += (itemScales[b] as number) * (losses[b] as number);
  return total;
}
