/**
 * Keras-style classes, one per loss, thin over Loss: `new Huber({ delta: 2, reduction: 'sum' })`.
 */

import { Loss } from '../loss';
import type { LossOptions } from '../config';
import type { Reduction } from '../reduce';
import * as regression from './regression';
import { cosineSimilarity } from './cosine';
import * as binary from './binary';
import * as categorical from './categorical';
import * as divergence from './divergence';
import { sparseCategoricalCrossentropy } from './sparse';
import * as segmentation from './segmentation';
import { tripletMargin } from './triplet';
import { ctc } from './ctc';
import { featureMatching } from './feature-matching';
import * as pairs from './pairs';

/** A loss's options without `reduction` (typed separately, as `R`), plus its own `Extra`. */
type Options<Extra = object> = Omit<LossOptions, 'reduction'> & Extra;
/** The reduction option, typed so that `value` returns a number or, for 'none', a tensor. */
type WithReduction<R extends Reduction> = {
  /** 'sum_over_batch_size' (default), 'sum', 'none' or 'weighted_mean'. */
  reduction?: R;
};

/** Mean squared error, (yPred − yTrue)² averaged over the last axis (`keras.losses.MeanSquaredError`, `torch.nn.MSELoss`). */
export class MeanSquaredError<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.meanSquaredError, options); }
}
/** Mean absolute error, |yPred − yTrue| averaged over the last axis (`keras.losses.MeanAbsoluteError`, `torch.nn.L1Loss`). */
export class MeanAbsoluteError<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.meanAbsoluteError, options); }
}
/** Huber loss with threshold `delta` (default 1): ½d² for |d| ≤ δ, else δ(|d| − ½δ) (`keras.losses.Huber`, `torch.nn.HuberLoss`). */
export class Huber<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ delta?: number }> & WithReduction<R>) { super(regression.huber, options); }
}
/** Smooth L1 with threshold `beta` (default 1): ½d²/β for |d| < β, else |d| − ½β; β = 0 is L1 (`torch.nn.SmoothL1Loss`). */
export class SmoothL1<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ beta?: number }> & WithReduction<R>) { super(regression.smoothL1, options); }
}
/** log cosh(yPred − yTrue) averaged over the last axis (`keras.losses.LogCosh`). */
export class LogCosh<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.logCoshLoss, options); }
}
/** (log1p(yPred) − log1p(yTrue))², inputs clamped at 1e-7 (`keras.losses.MeanSquaredLogarithmicError`). */
export class MeanSquaredLogarithmicError<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.meanSquaredLogarithmicError, options); }
}
/** 100 |yTrue − yPred| / max(|yTrue|, 1e-7) (`keras.losses.MeanAbsolutePercentageError`). */
export class MeanAbsolutePercentageError<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.meanAbsolutePercentageError, options); }
}
/** Pinball loss for quantile `quantile` (default 0.5): max(q(y − x), (q − 1)(y − x)). */
export class Quantile<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ quantile?: number }> & WithReduction<R>) { super(regression.quantile, options); }
}
/** Poisson loss yPred − yTrue log(yPred + 1e-7) (`keras.losses.Poisson`). */
export class Poisson<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.poisson, options); }
}
/** Gaussian negative log-likelihood with a predicted `variance` input (`torch.nn.GaussianNLLLoss`; options `eps`, `full`). */
export class GaussianNLL<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ eps?: number; full?: boolean }> & WithReduction<R>) { super(regression.gaussianNll, options); }
}
/** Negative cosine similarity along `axis` (default −1) (`keras.losses.CosineSimilarity`). */
export class CosineSimilarity<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ axis?: number }> & WithReduction<R>) { super(cosineSimilarity, options); }
}

/** Options shared by the cross-entropy losses. */
interface LogitsOptions {
  /** yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** In [0, 1]: targets become y(1 − s) + s/2 (binary) or y(1 − s) + s/C (categorical). */
  labelSmoothing?: number;
  /** The class axis (default −1). */
  axis?: number;
}

/** Binary cross-entropy on probabilities (clipped to [1e-7, 1 − 1e-7]) or, with `fromLogits`, on logits (`keras.losses.BinaryCrossentropy`; `torch.nn.BCELoss`, or `torch.nn.BCEWithLogitsLoss` with `fromLogits`). */
export class BinaryCrossentropy<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<LogitsOptions & { posWeight?: number | number[] | null }> & WithReduction<R>) { super(binary.binaryCrossentropy, options); }
}
/** Binary focal cross-entropy (1 − p_t)^γ · BCE, optional α class balancing (`keras.losses.BinaryFocalCrossentropy`). */
export class BinaryFocalCrossentropy<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<LogitsOptions & { gamma?: number; alpha?: number; applyClassBalancing?: boolean }> & WithReduction<R>) { super(binary.binaryFocalCrossentropy, options); }
}
/** Hinge loss max(0, 1 − y·x); 0/1 labels become −1/1 (`keras.losses.Hinge`). */
export class Hinge<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(binary.hinge, options); }
}
/** Squared hinge loss max(0, 1 − y·x)²; 0/1 labels become −1/1 (`keras.losses.SquaredHinge`). */
export class SquaredHinge<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(binary.squaredHinge, options); }
}
/** Categorical cross-entropy over one-hot or soft targets, on probabilities or (with `fromLogits`) logits (`keras.losses.CategoricalCrossentropy`). */
export class CategoricalCrossentropy<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<LogitsOptions & { classWeight?: number[] | null }> & WithReduction<R>) { super(categorical.categoricalCrossentropy, options); }
}
/** Cross-entropy with integer class labels, optional `ignoreClass` and `classWeight` (`keras.losses.SparseCategoricalCrossentropy`; with `fromLogits` and 'weighted_mean', `torch.nn.CrossEntropyLoss`). */
export class SparseCategoricalCrossentropy<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ fromLogits?: boolean; ignoreClass?: number | null; classWeight?: number[] | null }> & WithReduction<R>) { super(sparseCategoricalCrossentropy, options); }
}
/** Categorical focal cross-entropy Σ α(1 − q)^γ(−y log q) (`keras.losses.CategoricalFocalCrossentropy`). */
export class CategoricalFocalCrossentropy<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<LogitsOptions & { gamma?: number; alpha?: number }> & WithReduction<R>) { super(categorical.categoricalFocalCrossentropy, options); }
}
/** max(0, 1 + max((1 − y)·x) − Σ y·x) per row (`keras.losses.CategoricalHinge`). */
export class CategoricalHinge<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(categorical.categoricalHinge, options); }
}
/** Kullback-Leibler divergence Σ y log(y/x) of probability rows, both clipped (`keras.losses.KLDivergence`). */
export class KLDivergence<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(divergence.klDivergence, options); }
}
/** Jensen-Shannon divergence ½KL(y‖m) + ½KL(x‖m), m = (x + y)/2, natural log. */
export class JSDivergence<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(divergence.jsDivergence, options); }
}
/** Dice loss 1 − (2Σxy + s)/(Σx + Σy + s) per sample, s = `smooth` (default 1). */
export class Dice<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ smooth?: number }> & WithReduction<R>) { super(segmentation.dice, options); }
}
/** Jaccard (IoU) loss 1 − (Σxy + s)/(Σx + Σy − Σxy + s) per sample. */
export class IoU<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ smooth?: number }> & WithReduction<R>) { super(segmentation.iou, options); }
}
/** Tversky loss 1 − (TP + s)/(TP + αFP + βFN + s) per sample, s = `smooth` (default 1). */
export class Tversky<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ alpha?: number; beta?: number; smooth?: number }> & WithReduction<R>) { super(segmentation.tversky, options); }
}
/** Triplet margin loss on `{ anchor, positive, negative }` embeddings (`torch.nn.TripletMarginLoss`). */
export class TripletMargin<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ margin?: number; p?: number; eps?: number; swap?: boolean }> & WithReduction<R>) { super(tripletMargin, options); }
}
/** Connectionist temporal classification loss on `{ logProbs, targets, inputLengths, targetLengths }` (`torch.nn.CTCLoss`). */
export class CTC<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ blank?: number; zeroInfinity?: boolean; batchFirst?: boolean; gradForm?: 'exact' | 'torch' }> & WithReduction<R>) { super(ctc, options); }
}
/** Feature-matching (perceptual) loss between lists of feature maps `{ predicted, target }`. */
export class FeatureMatching<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ distance?: 'l1' | 'l2'; layerWeights?: number[] | null }> & WithReduction<R>) { super(featureMatching, options); }
}
/** Contrastive loss on pairs `{ x1, x2, labels }` or `{ distances, labels }` (label 1 = similar). */
export class Contrastive<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ margin?: number; eps?: number }> & WithReduction<R>) { super(pairs.contrastive, options); }
}
/** Cosine embedding loss on pairs `{ x1, x2, labels }` with ±1 labels (`torch.nn.CosineEmbeddingLoss`). */
export class CosineEmbedding<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ margin?: number }> & WithReduction<R>) { super(pairs.cosineEmbedding, options); }
}
/** Margin ranking loss max(0, −y(x1 − x2) + margin) on `{ x1, x2, labels }` (`torch.nn.MarginRankingLoss`). */
export class MarginRanking<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ margin?: number }> & WithReduction<R>) { super(pairs.marginRanking, options); }
}
