/**
 * ctc: connectionist temporal classification (Graves et al. 2006), PyTorch's F.ctc_loss.
 *
 * Inputs (named): `logProbs` (alias yPred) [T, B, C] log-probabilities, or [B, T, C] with
 * `batchFirst`; `targets` (alias yTrue) padded [B, S] or concatenated [sum of targetLengths];
 * `inputLengths` [B]; `targetLengths` [B]. The kernels (native/kernels/ctc.h, ctc-kernel.ts)
 * run forward-backward in log space in double, items in parallel.
 *
 * Reductions: 'mean' is PyTorch's (each item's loss divided by its target length, clamped to
 * at least 1, then averaged over the batch); 'sum_over_batch_size' is Keras' (the plain mean of
 * the item losses); 'sum', 'none' and 'weighted_mean' as for every loss. Impossible alignments
 * give Infinity, or 0 (and a zero gradient) with `zeroInfinity`.
 *
 * Gradient: with `gradForm: 'exact'` (default), d(value)/d(logProbs), i.e. minus the posterior
 * occupancy of each (t, c). PyTorch's autograd returns exp(logProbs) minus the posterior instead
 * (`gradForm: 'torch'`): its backward assumes logProbs came from a log_softmax and folds that
 * Jacobian in. Both give the same gradient with respect to the logits after a log_softmax.
 */

import { LosskitError, describeType, formatShape } from '../errors';
import { broadcastSampleWeight } from '../reduce';
import { readFloatTensor, readTensor, type RawTensor } from '../tensor';
import type { StructuredSpec } from './spec';
import { booleanOption, enumOption, integerOption } from './spec';

const LOSS = 'ctc';

function pick(inputs: Readonly<Record<string, unknown>>, name: string, alias: string): unknown {
  return inputs[name] !== undefined ? inputs[name] : inputs[alias];
}

/** A length or label array as Int32Array, every entry an integer in the int32 range (an Int32Array
 * store would wrap 2^40 to 0 and 2^32 + 1 to 1, turning an invalid length or label into a valid
 * one). */
function readIntegers(value: unknown, argument: string): { data: Int32Array; shape: number[] } {
  if (value === undefined || value === null) {
    throw new LosskitError('LOSSKIT_INVALID_TYPE', `'${LOSS}' needs the input '${argument}' (got ${describeType(value)})`, {
      argument,
      expected: 'integer tensor',
      actual: describeType(value),
    });
  }
  const raw: RawTensor = readTensor(value, { argument, loss: LOSS });
  const data = raw.data instanceof Int32Array ? raw.data : new Int32Array(raw.data.length);
  for (let i = 0; i < raw.data.length; i++) {
    const v = raw.data[i] as number;
    if (!Number.isInteger(v)) {
      throw new LosskitError('LOSSKIT_INVALID_TYPE', `Argument '${argument}' passed to '${LOSS}' must hold integers (got ${v} at flat index ${i})`, {
        argument,
        expected: 'integer',
        actual: v,
      });
    }
    if (v < -(2 ** 31) || v > 2 ** 31 - 1) {
      throw invalid(argument, `must hold int32 integers (got ${v} at flat index ${i})`, 'integer in [-2^31, 2^31)', v);
    }
    data[i] = v;
  }
  return { data, shape: raw.shape };
}

function invalid(argument: string, message: string, expected: unknown, actual: unknown): LosskitError {
  return new LosskitError('LOSSKIT_INVALID_VALUE', `Argument '${argument}' passed to '${LOSS}' ${message}`, { argument, expected, actual });
}

function mismatch(argument: string, message: string, expected: unknown, actual: unknown): LosskitError {
  return new LosskitError('LOSSKIT_SHAPE_MISMATCH', `Argument '${argument}' passed to '${LOSS}' ${message}`, { argument, expected, actual });
}

export const ctc: StructuredSpec = {
  kind: 'structured',
  name: 'ctc',
  className: 'CTC',
  aliases: ['ctc_loss', 'connectionist_temporal_classification'],
  options: {
    blank: integerOption(0, 'the blank label'),
    zeroInfinity: booleanOption(false, 'impossible alignments give 0 (and no gradient) instead of Infinity'),
    batchFirst: booleanOption(false, 'logProbs is [B, T, C] instead of [T, B, C]'),
    gradForm: enumOption('exact', ['exact', 'torch'], "'exact': d(loss)/d(logProbs); 'torch': PyTorch's exp(logProbs) - posterior"),
  },
  formula: '-log sum over CTC alignments of prod_t p_t(alignment_t)',
  inputNames: ['logProbs', 'targets', 'inputLengths', 'targetLengths'],
  prepare(config, inputs) {
    const logProbs = readFloatTensor(pick(inputs, 'logProbs', 'yPred'), { argument: 'logProbs', loss: LOSS });
    if (logProbs.shape.length !== 3 || logProbs.data.length === 0) {
      throw mismatch('logProbs', `must be non-empty [T, B, C]${config.batchFirst ? ' ([B, T, C] with batchFirst)' : ''} (got ${formatShape(logProbs.shape)})`, '[T, B, C]', logProbs.shape);
    }
    const [d0, d1, classCount] = logProbs.shape as [number, number, number];
    const [timeSteps, batch] = config.batchFirst ? [d1, d0] : [d0, d1];
    const blank = config.blank as number;
    if (blank < 0 || blank >= classCount) {
      throw new LosskitError('LOSSKIT_INVALID_CONFIG', `Option 'blank' of '${LOSS}' must be in [0, ${classCount}) for ${classCount} classes (got ${blank})`, {
        argument: 'blank',
        expected: [0, classCount - 1],
        actual: blank,
      });
    }
    const inputLengths = readIntegers(inputs.inputLengths, 'inputLengths').data;
    const targetLengths = readIntegers(inputs.targetLengths, 'targetLengths').data;
    for (const [argument, lengths] of [['inputLengths', inputLengths], ['targetLengths', targetLengths]] as const) {
      if (lengths.length !== batch) throw mismatch(argument, `must have one entry per batch item: ${batch} (got ${lengths.length})`, batch, lengths.length);
    }
    const targets = readIntegers(pick(inputs, 'targets', 'yTrue'), 'targets');
    const padded = targets.shape.length === 2;
    const maxTargetLength = padded ? (targets.shape[1] as number) : 0;
    if (padded && targets.shape[0] !== batch) {
      throw mismatch('targets', `must be padded [B, S] with B = ${batch} or concatenated 1-D (got ${formatShape(targets.shape)})`, batch, targets.shape);
    }
    let totalTargets = 0;
    for (let b = 0; b < batch; b++) {
      const inputLength = inputLengths[b] as number;
      const targetLength = targetLengths[b] as number;
      if (inputLength < 0 || inputLength > timeSteps) {
        throw invalid('inputLengths', `must be in [0, ${timeSteps}] (T) (got ${inputLength} for item ${b})`, [0, timeSteps], inputLength);
      }
      if (targetLength < 0 || (padded && targetLength > maxTargetLength)) {
        throw invalid('targetLengths', `must be in [0, ${padded ? maxTargetLength : 'inf'}] (got ${targetLength} for item ${b})`, [0, maxTargetLength], targetLength);
      }
      totalTargets += targetLength;
    }
    if (!padded && totalTargets !== targets.data.length) {
      throw mismatch('targets', `concatenated must hold exactly sum(targetLengths) = ${totalTargets} labels (got ${targets.data.length})`, totalTargets, targets.data.length);
    }
    for (let b = 0, offset = 0; b < batch; b++) {
      const start = padded ? b * maxTargetLength : offset;
      for (let s = 0; s < (targetLengths[b] as number); s++) {
        const label = targets.data[start + s] as number;
        if (label === blank || label < 0 || label >= classCount) {
          throw invalid(
            'targets',
            `must hold labels in [0, ${classCount}) other than the blank ${blank} (got ${label} for item ${b} at position ${s})`,
            `[0, ${classCount}) without ${blank}`,
            label,
          );
        }
      }
      offset += targetLengths[b] as number;
    }
    const weights = broadcastSampleWeight(inputs.sampleWeight, [batch], LOSS);
    // Each item's factor in the reduced value: the reduction folded in (PyTorch's 'mean'
    // divides each loss by its target length before averaging over the batch).
    const reduction = config.reduction;
    const weightSum = weights ? weights.reduce((a, b) => a + b, 0) : batch;
    const itemScales = new Float64Array(batch);
    for (let b = 0; b < batch; b++) {
      const w = weights ? (weights[b] as number) : 1;
      let divisor = 1;
      if (reduction === 'mean') divisor = batch * Math.max(targetLengths[b] as number, 1);
      else if (reduction === 'sum_over_batch_size') divisor = batch;
      else if (reduction === 'weighted_mean') divisor = weightSum;
      itemScales[b] = divisor === 0 ? 0 : w / divisor;
    }
    return {
      yPred: logProbs,
      primaryName: 'logProbs',
      perSampleShape: [batch],
      weights,
      sampleCount: batch,
      plan: { valueScale: 1, gradScale: 1 },
      inputs: [logProbs.data],
      invoke(kernels, perSample, grad, _gradScale, async) {
        // 'none' reports w_b * loss_b: the kernel fills raw losses into perSample with unit
        // scales, and they are weighted after it returns.
        const scales = perSample && weights ? weights : perSample ? new Float64Array(batch).fill(1) : itemScales;
        const losses = perSample ?? new Float64Array(batch);
        const args = [
          logProbs.data, timeSteps, batch, classCount, config.batchFirst as boolean, targets.data, padded, maxTargetLength,
          inputLengths, targetLengths, blank, config.zeroInfinity as boolean, scales, losses, grad, config.gradForm as 'exact' | 'torch',
        ] as const;
        // Summed here rather than taken from the kernel so that a zero-weight item with an
        // infinite loss counts as 0 (removed), not 0 * Infinity = NaN; same item order, so the
        // same bits otherwise.
        const finish = () => {
          let total = 0;
          for (let b = 0; b < batch; b++) {
            const scale = scales[b] as number;
            const loss = losses[b] as number;
            if (perSample && weights) perSample[b] = scale === 0 ? 0 : loss * scale;
            total += scale === 0 ? 0 : scale * loss;
          }
          return total;
        };
        const result = async ? kernels.ctcAsync(...args) : kernels.ctc(...args);
        return typeof result === 'number' ? finish() : result.then(finish);
      },
    };
  },
};
