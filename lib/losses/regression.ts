/**
 * Regression losses: elementwise f(yTrue, yPred) averaged over the last axis (Keras), each with
 * its derivative in yPred. The native kernels in native/kernels/regression.h implement the same
 * formulas with the same branch boundaries; these closures are the JS fallback and the oracle
 * the parity tests compare the native path against.
 *
 * Gradients at kinks follow PyTorch: sign(0) = 0 for the absolute value, the quadratic branch at
 * |d| = delta for huber. NaN in an input propagates to the value and the gradient.
 */

import type { ElementwiseSpec } from './spec';
import { booleanOption, numberOption } from './spec';
import { LosskitError } from '../errors';

/** Keras' backend epsilon: the clip constant of msle, mape and poisson. */
const EPSILON = 1e-7;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

// Math.sign keeps NaN as NaN and gives 0 at 0, which is the subgradient PyTorch uses.
const sign = Math.sign;

/** log(cosh d) = |d| + log1p(exp(-2|d|)) - log 2; near 0 that difference cancels, so the
 * Taylor series takes over below 0.02, where its next term is below 1e-16 relative. */
function logCosh(d: number): number {
  const a = Math.abs(d);
  if (a < 0.02) {
    const d2 = d * d;
    return d2 * (1 / 2 + d2 * (-1 / 12 + d2 * (1 / 45 + d2 * (-17 / 2520 + d2 * (31 / 14175)))));
  }
  return a + Math.log1p(Math.exp(-2 * a)) - Math.LN2;
}

export const meanSquaredError: ElementwiseSpec = {
  kind: 'elementwise',
  arithmeticOnly: true,
  name: 'mean_squared_error',
  className: 'MeanSquaredError',
  aliases: ['mse', 'mse_loss'],
  options: {},
  formula: 'mean((yPred - yTrue)^2)',
  params: () => [],
  js: {
    value: (y, x) => (x - y) * (x - y),
    grad: (y, x) => 2 * (x - y),
  },
};

export const meanAbsoluteError: ElementwiseSpec = {
  kind: 'elementwise',
  arithmeticOnly: true,
  name: 'mean_absolute_error',
  className: 'MeanAbsoluteError',
  aliases: ['mae', 'l1', 'l1_loss'],
  options: {},
  formula: 'mean(|yPred - yTrue|)',
  params: () => [],
  js: {
    value: (y, x) => Math.abs(x - y),
    grad: (y, x) => sign(x - y),
  },
};

export const huber: ElementwiseSpec = {
  kind: 'elementwise',
  arithmeticOnly: true,
  name: 'huber',
  className: 'Huber',
  aliases: ['huber_loss'],
  options: {
    delta: numberOption(1.0, { above: 0 }, 'threshold between the quadratic and linear parts'),
  },
  formula: 'mean(0.5 d^2 if |d| <= delta else delta (|d| - 0.5 delta)), d = yPred - yTrue',
  params: (c) => [c.delta as number],
  js: {
    value(y, x, _a, p) {
      const delta = p[0] as number;
      const d = x - y;
      const abs = Math.abs(d);
      return abs <= delta ? 0.5 * d * d : delta * (abs - 0.5 * delta);
    },
    grad(y, x, _a, p) {
      const delta = p[0] as number;
      const d = x - y;
      return Math.abs(d) <= delta ? d : delta * sign(d);
    },
  },
};

export const smoothL1: ElementwiseSpec = {
  kind: 'elementwise',
  arithmeticOnly: true,
  name: 'smooth_l1',
  className: 'SmoothL1',
  aliases: ['smooth_l1_loss'],
  options: {
    beta: numberOption(1.0, { min: 0 }, 'threshold of the quadratic part; 0 gives the L1 loss'),
  },
  formula: 'mean(0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta), d = yPred - yTrue',
  params: (c) => [c.beta as number],
  js: {
    // beta = 0 is exactly L1 (PyTorch special-cases it to avoid 0/0).
    value(y, x, _a, p) {
      const beta = p[0] as number;
      const d = x - y;
      const abs = Math.abs(d);
      return abs < beta ? (0.5 * d * d) / beta : abs - 0.5 * beta;
    },
    grad(y, x, _a, p) {
      const beta = p[0] as number;
      const d = x - y;
      return Math.abs(d) < beta ? d / beta : sign(d);
    },
  },
};

export const logCoshLoss: ElementwiseSpec = {
  kind: 'elementwise',
  name: 'log_cosh',
  className: 'LogCosh',
  aliases: ['logcosh'],
  options: {},
  formula: 'mean(log(cosh(yPred - yTrue)))',
  params: () => [],
  js: {
    value: (y, x) => logCosh(x - y),
    grad: (y, x) => Math.tanh(x - y),
  },
};

export const meanSquaredLogarithmicError: ElementwiseSpec = {
  kind: 'elementwise',
  name: 'mean_squared_logarithmic_error',
  className: 'MeanSquaredLogarithmicError',
  aliases: ['msle'],
  options: {},
  formula: 'mean((log1p(max(yPred, eps)) - log1p(max(yTrue, eps)))^2), eps = 1e-7',
  params: () => [],
  js: {
    value(y, x) {
      const r = Math.log1p(Math.max(x, EPSILON)) - Math.log1p(Math.max(y, EPSILON));
      return r * r;
    },
    // No gradient flows through the clip where it is active (x < eps).
    grad(y, x) {
      const xc = Math.max(x, EPSILON);
      const r = Math.log1p(xc) - Math.log1p(Math.max(y, EPSILON));
      return x < EPSILON ? 0 : (2 * r) / (1 + xc);
    },
  },
};

export const meanAbsolutePercentageError: ElementwiseSpec = {
  kind: 'elementwise',
  arithmeticOnly: true,
  name: 'mean_absolute_percentage_error',
  className: 'MeanAbsolutePercentageError',
  aliases: ['mape'],
  options: {},
  formula: 'mean(100 |yTrue - yPred| / max(|yTrue|, eps)), eps = 1e-7',
  params: () => [],
  js: {
    value: (y, x) => (100 * Math.abs(y - x)) / Math.max(Math.abs(y), EPSILON),
    grad: (y, x) => (100 * sign(x - y)) / Math.max(Math.abs(y), EPSILON),
  },
};

export const quantile: ElementwiseSpec = {
  kind: 'elementwise',
  arithmeticOnly: true,
  name: 'quantile',
  className: 'Quantile',
  aliases: ['pinball', 'pinball_loss', 'quantile_loss'],
  options: {
    quantile: numberOption(0.5, { above: 0, below: 1 }, 'the quantile q in (0, 1) to estimate'),
  },
  formula: 'mean(max(q (yTrue - yPred), (q - 1) (yTrue - yPred)))',
  params: (c) => [c.quantile as number],
  js: {
    value(y, x, _a, p) {
      const q = p[0] as number;
      const e = y - x;
      return Math.max(q * e, (q - 1) * e);
    },
    // At e = 0 the subgradient 0 is used; e * 0 keeps NaN as NaN.
    grad(y, x, _a, p) {
      const q = p[0] as number;
      const e = y - x;
      return e > 0 ? -q : e < 0 ? 1 - q : e * 0;
    },
  },
};

export const poisson: ElementwiseSpec = {
  kind: 'elementwise',
  name: 'poisson',
  className: 'Poisson',
  aliases: [],
  options: {},
  formula: 'mean(yPred - yTrue log(yPred + eps)), eps = 1e-7',
  params: () => [],
  js: {
    value: (y, x) => x - y * Math.log(x + EPSILON),
    grad: (y, x) => 1 - y / (x + EPSILON),
  },
};

function checkVariance(data: ArrayLike<number>, loss: string): void {
  for (let i = 0; i < data.length; i++) {
    if ((data[i] as number) < 0) {
      throw new LosskitError(
        'LOSSKIT_INVALID_VALUE',
        `Argument 'variance' passed to '${loss}' must be non-negative (got ${data[i]} at flat index ${i})`,
        { argument: 'variance', expected: '>= 0', actual: data[i] },
      );
    }
  }
}

export const gaussianNll: ElementwiseSpec = {
  kind: 'elementwise',
  name: 'gaussian_nll',
  className: 'GaussianNLL',
  aliases: ['gaussian_nll_loss', 'gaussian_negative_log_likelihood'],
  options: {
    eps: numberOption(1e-6, { above: 0 }, 'lower clamp of the variance (PyTorch default 1e-6)'),
    full: booleanOption(false, 'add the constant 0.5 log(2 pi)'),
  },
  formula: 'mean(0.5 (log(max(v, eps)) + (yPred - yTrue)^2 / max(v, eps))) [+ 0.5 log(2 pi)]',
  auxInput: { name: 'variance', check: checkVariance },
  params: (c) => [c.eps as number, c.full ? 1 : 0],
  js: {
    value(y, x, a, p) {
      const v = Math.max(a, p[0] as number);
      const d = x - y;
      return 0.5 * (Math.log(v) + (d * d) / v) + (p[1] ? HALF_LOG_2PI : 0);
    },
    // The clamp touches only the variance, so the gradient in yPred is d / v everywhere.
    grad(y, x, a, p) {
      return (x - y) / Math.max(a, p[0] as number);
    },
  },
};

export const regressionLosses = [
  meanSquaredError,
  meanAbsoluteError,
  huber,
  smoothL1,
  logCoshLoss,
  meanSquaredLogarithmicError,
  meanAbsolutePercentageError,
  quantile,
  poisson,
  gaussianNll,
] as const;
