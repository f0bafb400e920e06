/**
 * Functional forms: `huber(yTrue, yPred, { delta: 2 })` returns the reduced value (default
 * 'sum_over_batch_size', like PyTorch's F.* and TF.js' tf.losses.*). Keras' functional
 * `keras.losses.huber` returns per-sample values: pass { reduction: 'none' } for that.
 */

import { Loss, type LossValue } from '../loss';
import type { LossOptions } from '../config';
import type { Reduction } from '../reduce';
import type { TensorInput } from '../tensor';
import type { LossSpec } from './spec';
import * as regression from './regression';
import { cosineSimilarity as cosineSpec } from './cosine';
import * as binary from './binary';
import * as categorical from './categorical';
import * as divergence from './divergence';
import { sparseCategoricalCrossentropy as sparseSpec } from './sparse';
import * as segmentation from './segmentation';

/** Loss options plus the per-call inputs a functional call may carry. */
export type FunctionalOptions<R extends Reduction, Extra = object> = Omit<LossOptions, 'reduction'> &
  Extra & {
    reduction?: R;
    sampleWeight?: TensorInput | number | null;
  };

type LossFunction<Extra = object> = <R extends Reduction = 'sum_over_batch_size'>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: FunctionalOptions<R, Extra>,
) => LossValue<R>;

function functional<Extra = object>(spec: LossSpec, inputOptions: readonly string[] = []): LossFunction<Extra> {
  return (yTrue, yPred, options) => {
    const { sampleWeight, ...rest } = (options ?? {}) as FunctionalOptions<Reduction> & Record<string, unknown>;
    const callOptions: Record<string, unknown> = {};
    for (const key of inputOptions) {
      callOptions[key] = rest[key];
      delete rest[key];
    }
    return new Loss(spec, rest).value(yTrue, yPred, sampleWeight, callOptions) as never;
  };
}

export const meanSquaredError = functional(regression.meanSquaredError);
export const meanAbsoluteError = functional(regression.meanAbsoluteError);
export const huber = functional<{ delta?: number }>(regression.huber);
export const smoothL1 = functional<{ beta?: number }>(regression.smoothL1);
export const logCosh = functional(regression.logCoshLoss);
export const meanSquaredLogarithmicError = functional(regression.meanSquaredLogarithmicError);
export const meanAbsolutePercentageError = functional(regression.meanAbsolutePercentageError);
export const quantile = functional<{ quantile?: number }>(regression.quantile);
export const poisson = functional(regression.poisson);
export const gaussianNll = functional<{ eps?: number; full?: boolean; variance: TensorInput }>(regression.gaussianNll, [
  'variance',
]);
export const cosineSimilarity = functional<{ axis?: number }>(cosineSpec);

type Logits = { fromLogits?: boolean; labelSmoothing?: number; axis?: number };
export const binaryCrossentropy = functional<Logits & { posWeight?: number | number[] | null }>(binary.binaryCrossentropy);
export const binaryFocalCrossentropy = functional<Logits & { gamma?: number; alpha?: number; applyClassBalancing?: boolean }>(
  binary.binaryFocalCrossentropy,
);
export const hinge = functional(binary.hinge);
export const squaredHinge = functional(binary.squaredHinge);
export const categoricalCrossentropy = functional<Logits & { classWeight?: number[] | null }>(categorical.categoricalCrossentropy);
export const sparseCategoricalCrossentropy = functional<{ fromLogits?: boolean; ignoreClass?: number | null; classWeight?: number[] | null }>(
  sparseSpec,
);
export const categoricalFocalCrossentropy = functional<Logits & { gamma?: number; alpha?: number }>(categorical.categoricalFocalCrossentropy);
export const categoricalHinge = functional(categorical.categoricalHinge);
export const klDivergence = functional(divergence.klDivergence);
export const jsDivergence = functional(divergence.jsDivergence);
export const dice = functional<{ smooth?: number }>(segmentation.dice);
export const iou = functional<{ smooth?: number }>(segmentation.iou);
export const tversky = functional<{ alpha?: number; beta?: number; smooth?: number }>(segmentation.tversky);
