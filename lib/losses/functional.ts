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
    /** 'sum_over_batch_size' (default), 'sum', 'none' (per-sample tensor) or 'weighted_mean'. */
    reduction?: R;
    /** Per-sample weights, as in loss.value(). */
    sampleWeight?: TensorInput | number | null;
  };

/** A functional loss: (yTrue, yPred, options?) → the reduced value, or the per-sample tensor
 * for reduction 'none'. */
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

/** The reduced value (a per-sample tensor for reduction 'none') of {@link MeanSquaredError}: Mean squared error, (yPred − yTrue)² averaged over the last axis. */
export const meanSquaredError = functional(regression.meanSquaredError);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link MeanAbsoluteError}: Mean absolute error, |yPred − yTrue| averaged over the last axis. */
export const meanAbsoluteError = functional(regression.meanAbsoluteError);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link Huber}: Huber loss with threshold `delta` (default 1): ½d² for |d| ≤ δ, else δ(|d| − ½δ). */
export const huber = functional<{
  /** Threshold between the quadratic and linear parts (default 1, > 0). */
  delta?: number;
}>(regression.huber);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link SmoothL1}: Smooth L1 with threshold `beta` (default 1): ½d²/β for |d| < β, else |d| − ½β; β = 0 is L1. */
export const smoothL1 = functional<{
  /** Threshold between the quadratic and linear parts (default 1, ≥ 0; 0 is L1). */
  beta?: number;
}>(regression.smoothL1);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link LogCosh}: log cosh(yPred − yTrue) averaged over the last axis. */
export const logCosh = functional(regression.logCoshLoss);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link MeanSquaredLogarithmicError}: (log1p(yPred) − log1p(yTrue))², inputs clamped at 1e-7. */
export const meanSquaredLogarithmicError = functional(regression.meanSquaredLogarithmicError);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link MeanAbsolutePercentageError}: 100 |yTrue − yPred| / max(|yTrue|, 1e-7). */
export const meanAbsolutePercentageError = functional(regression.meanAbsolutePercentageError);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link Quantile}: Pinball loss for quantile `quantile` (default 0.5): max(q(y − x), (q − 1)(y − x)). */
export const quantile = functional<{
  /** The quantile q, in (0, 1) (default 0.5). */
  quantile?: number;
}>(regression.quantile);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link Poisson}: Poisson loss yPred − yTrue log(yPred + 1e-7). */
export const poisson = functional(regression.poisson);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link GaussianNLL}: Gaussian negative log-likelihood with a predicted `variance` input. */
export const gaussianNll = functional<{
  /** Lower clamp of the variance (default 1e-6). */
  eps?: number;
  /** Add the constant ½ log 2π (default false). */
  full?: boolean;
  /** The predicted variance, same shape as yPred (or a leading part of it). */
  variance: TensorInput;
}>(regression.gaussianNll, [
  'variance',
]);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link CosineSimilarity}: Negative cosine similarity along `axis` (default −1). */
export const cosineSimilarity = functional<{
  /** The axis the similarity is taken along (default −1). */
  axis?: number;
}>(cosineSpec);

/** Options shared by the cross-entropy losses: `fromLogits`, `labelSmoothing`, `axis`. */
type Logits = { fromLogits?: boolean; labelSmoothing?: number; axis?: number };
/** The reduced value (a per-sample tensor for reduction 'none') of {@link BinaryCrossentropy}: Binary cross-entropy on probabilities (clipped to [1e-7, 1 − 1e-7]) or, with `fromLogits`, on logits. */
export const binaryCrossentropy = functional<Logits & {
  /** Weight of positive labels, a number or one per class (PyTorch pos_weight; with fromLogits only). */
  posWeight?: number | number[] | null;
}>(binary.binaryCrossentropy);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link BinaryFocalCrossentropy}: Binary focal cross-entropy (1 − p_t)^γ · BCE, optional α class balancing. */
export const binaryFocalCrossentropy = functional<Logits & {
  /** Focusing parameter (default 2). */
  gamma?: number;
  /** Class balance weight of positives, with applyClassBalancing (default 0.25). */
  alpha?: number;
  /** Weight positives by alpha and negatives by 1 − alpha (default false). */
  applyClassBalancing?: boolean;
}>(
  binary.binaryFocalCrossentropy,
);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link Hinge}: Hinge loss max(0, 1 − y·x); 0/1 labels become −1/1. */
export const hinge = functional(binary.hinge);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link SquaredHinge}: Squared hinge loss max(0, 1 − y·x)²; 0/1 labels become −1/1. */
export const squaredHinge = functional(binary.squaredHinge);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link CategoricalCrossentropy}: Categorical cross-entropy over one-hot or soft targets, on probabilities or (with `fromLogits`) logits. */
export const categoricalCrossentropy = functional<Logits & {
  /** A weight per class, multiplying the targets (default none). */
  classWeight?: number[] | null;
}>(categorical.categoricalCrossentropy);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link SparseCategoricalCrossentropy}: Cross-entropy with integer class labels, optional `ignoreClass` and `classWeight`. */
export const sparseCategoricalCrossentropy = functional<{
  /** yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** A label value whose targets are skipped (PyTorch ignore_index; default none). */
  ignoreClass?: number | null;
  /** A weight per class, multiplying the targets (default none). */
  classWeight?: number[] | null;
}>(
  sparseSpec,
);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link CategoricalFocalCrossentropy}: Categorical focal cross-entropy Σ α(1 − q)^γ(−y log q). */
export const categoricalFocalCrossentropy = functional<Logits & {
  /** Focusing parameter (default 2). */
  gamma?: number;
  /** Weight of every term (default 0.25). */
  alpha?: number;
}>(categorical.categoricalFocalCrossentropy);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link CategoricalHinge}: max(0, 1 + max((1 − y)·x) − Σ y·x) per row. */
export const categoricalHinge = functional(categorical.categoricalHinge);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link KLDivergence}: Kullback-Leibler divergence Σ y log(y/x) of probability rows, both clipped. */
export const klDivergence = functional(divergence.klDivergence);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link JSDivergence}: Jensen-Shannon divergence ½KL(y‖m) + ½KL(x‖m), m = (x + y)/2, natural log. */
export const jsDivergence = functional(divergence.jsDivergence);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link Dice}: Dice loss 1 − (2Σxy + s)/(Σx + Σy + s) per sample. */
export const dice = functional<{
  /** Added to the numerator and the denominator (default 1). */
  smooth?: number;
}>(segmentation.dice);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link IoU}: Jaccard (IoU) loss 1 − (Σxy + s)/(Σx + Σy − Σxy + s) per sample. */
export const iou = functional<{
  /** Added to the numerator and the denominator (default 1). */
  smooth?: number;
}>(segmentation.iou);
/** The reduced value (a per-sample tensor for reduction 'none') of {@link Tversky}: Tversky loss 1 − (TP + s)/(TP + αFP + βFN + s) per sample. */
export const tversky = functional<{
  /** Weight of false positives (default 0.5). */
  alpha?: number;
  /** Weight of false negatives (default 0.5). */
  beta?: number;
  /** Added to the numerator and the denominator (default 1). */
  smooth?: number;
}>(segmentation.tversky);
