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

type Options<Extra = object> = Omit<LossOptions, 'reduction'> & Extra;
type WithReduction<R extends Reduction> = { reduction?: R };

export class MeanSquaredError<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.meanSquaredError, options); }
}
export class MeanAbsoluteError<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.meanAbsoluteError, options); }
}
export class Huber<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ delta?: number }> & WithReduction<R>) { super(regression.huber, options); }
}
export class SmoothL1<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ beta?: number }> & WithReduction<R>) { super(regression.smoothL1, options); }
}
export class LogCosh<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.logCoshLoss, options); }
}
export class MeanSquaredLogarithmicError<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.meanSquaredLogarithmicError, options); }
}
export class MeanAbsolutePercentageError<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.meanAbsolutePercentageError, options); }
}
export class Quantile<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ quantile?: number }> & WithReduction<R>) { super(regression.quantile, options); }
}
export class Poisson<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(regression.poisson, options); }
}
export class GaussianNLL<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ eps?: number; full?: boolean }> & WithReduction<R>) { super(regression.gaussianNll, options); }
}
export class CosineSimilarity<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ axis?: number }> & WithReduction<R>) { super(cosineSimilarity, options); }
}

interface LogitsOptions {
  fromLogits?: boolean;
  labelSmoothing?: number;
  axis?: number;
}

export class BinaryCrossentropy<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<LogitsOptions & { posWeight?: number | number[] | null }> & WithReduction<R>) { super(binary.binaryCrossentropy, options); }
}
export class BinaryFocalCrossentropy<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<LogitsOptions & { gamma?: number; alpha?: number; applyClassBalancing?: boolean }> & WithReduction<R>) { super(binary.binaryFocalCrossentropy, options); }
}
export class Hinge<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(binary.hinge, options); }
}
export class SquaredHinge<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(binary.squaredHinge, options); }
}
export class CategoricalCrossentropy<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<LogitsOptions & { classWeight?: number[] | null }> & WithReduction<R>) { super(categorical.categoricalCrossentropy, options); }
}
export class SparseCategoricalCrossentropy<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ fromLogits?: boolean; ignoreClass?: number | null; classWeight?: number[] | null }> & WithReduction<R>) { super(sparseCategoricalCrossentropy, options); }
}
export class CategoricalFocalCrossentropy<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<LogitsOptions & { gamma?: number; alpha?: number }> & WithReduction<R>) { super(categorical.categoricalFocalCrossentropy, options); }
}
export class CategoricalHinge<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(categorical.categoricalHinge, options); }
}
export class KLDivergence<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(divergence.klDivergence, options); }
}
export class JSDivergence<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options & WithReduction<R>) { super(divergence.jsDivergence, options); }
}
export class Dice<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ smooth?: number }> & WithReduction<R>) { super(segmentation.dice, options); }
}
export class IoU<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ smooth?: number }> & WithReduction<R>) { super(segmentation.iou, options); }
}
export class Tversky<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ alpha?: number; beta?: number; smooth?: number }> & WithReduction<R>) { super(segmentation.tversky, options); }
}
export class TripletMargin<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ margin?: number; p?: number; eps?: number; swap?: boolean }> & WithReduction<R>) { super(tripletMargin, options); }
}
export class CTC<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ blank?: number; zeroInfinity?: boolean; batchFirst?: boolean; gradForm?: 'exact' | 'torch' }> & WithReduction<R>) { super(ctc, options); }
}
export class FeatureMatching<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ distance?: 'l1' | 'l2'; layerWeights?: number[] | null }> & WithReduction<R>) { super(featureMatching, options); }
}
export class Contrastive<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ margin?: number; eps?: number }> & WithReduction<R>) { super(pairs.contrastive, options); }
}
export class CosineEmbedding<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ margin?: number }> & WithReduction<R>) { super(pairs.cosineEmbedding, options); }
}
export class MarginRanking<R extends Reduction = 'sum_over_batch_size'> extends Loss<R> {
  constructor(options?: Options<{ margin?: number }> & WithReduction<R>) { super(pairs.marginRanking, options); }
}
