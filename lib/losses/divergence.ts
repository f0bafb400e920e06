/**
 * Divergences between distributions along the last axis. Both clip each distribution to
 * [1e-7, 1] inside the logs (Keras) and treat a zero weight as contributing exactly 0, value and
 * gradient (xlogy, as PyTorch and TF.js do; Keras 3 multiplies by the clipped yTrue instead,
 * which adds about 1e-7 log(1e-7 / x) per zero entry).
 */

import type { CategoricalSpec, RowFunction } from './spec';

const EPSILON = 1e-7;

const clip = (v: number) => Math.min(Math.max(v, EPSILON), 1);
/** d clip(v) / dv: 1 inside (eps, 1), 0 where the clip is active (v * 0 keeps NaN). */
const clipSlope = (v: number) => (v > EPSILON && v < 1 ? 1 : v * 0);

/** KL(y || x) = sum_c y_c log(clip(y_c) / clip(x_c)). */
export const klDivergenceRow: RowFunction = (y, x, start, c, _p, _w, grad, scale) => {
  let loss = 0;
  for (let j = start; j < start + c; j++) {
    const yj = y[j] as number;
    const xj = x[j] as number;
    if (yj !== 0) loss += yj * Math.log(clip(yj) / clip(xj));
    if (grad) grad[j] = yj === 0 ? 0 : (scale * -yj * clipSlope(xj)) / clip(xj);
  }
  return loss;
};

/**
 * JS(y, x) = 0.5 sum_c [y_c log(clip(y_c) / clip(m_c)) + x_c log(clip(x_c) / clip(m_c))],
 * m = (x + y) / 2. Its derivative in x_c: 0.5 [log(clip(x_c) / clip(m_c))
 * + x_c clip'(x_c) / clip(x_c) - (x_c + y_c) clip'(m_c) / (2 clip(m_c))]. At x_c = 0 the x_c log
 * term is 0 but its slope is log(1e-7 / clip(m_c)) (for |x_c| < 1e-7 the term is
 * x_c log(1e-7 / clip(m_c))): the true derivative, which central differences confirm, rather
 * than the 0 PyTorch's xlogy autograd reports there.
 */
export const jsDivergenceRow: RowFunction = (y, x, start, c, _p, _w, grad, scale) => {
  let loss = 0;
  for (let j = start; j < start + c; j++) {
    const yj = y[j] as number;
    const xj = x[j] as number;
    const m = 0.5 * (xj + yj);
    const logM = Math.log(clip(m));
    if (yj !== 0) loss += 0.5 * yj * (Math.log(clip(yj)) - logM);
    if (xj !== 0) loss += 0.5 * xj * (Math.log(clip(xj)) - logM);
    if (grad) {
      const own = Math.log(clip(xj)) - logM + (xj * clipSlope(xj)) / clip(xj);
      const viaM = ((xj + yj) * clipSlope(m)) / (2 * clip(m));
      grad[j] = scale * 0.5 * (own - viaM);
    }
  }
  return loss;
};

export const klDivergence: CategoricalSpec = {
  kind: 'categorical',
  name: 'kl_divergence',
  className: 'KLDivergence',
  aliases: ['kld', 'kullback_leibler_divergence'],
  options: {},
  formula: 'sum(y log(clip(y) / clip(yPred))), zero y contributing 0',
  params: () => [],
  jsRow: klDivergenceRow,
};

export const jsDivergence: CategoricalSpec = {
  kind: 'categorical',
  name: 'js_divergence',
  className: 'JSDivergence',
  aliases: ['jensen_shannon_divergence', 'jsd'],
  options: {},
  formula: '0.5 KL(y || m) + 0.5 KL(yPred || m), m = (y + yPred) / 2',
  params: () => [],
  jsRow: jsDivergenceRow,
};
