/**
 * Keras-style classes, one per loss, thin over Loss: `new Huber({ delta: 2, reduction: 'sum' })`.
 */

import { Loss } from '../loss';
import type { LossOptions } from '../config';
import type { Reduction } from '../reduce';
import * as regression from './regression';
import { cosineSimilarity } from './cosine';

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
