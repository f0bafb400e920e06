/**
 * The baseline: the loops a user writes by hand. Each accumulates in double (a JS number),
 * returns the mean, and for the gradient writes d(mean)/d(yPred) into a caller-owned
 * Float32Array.
 */

export const HUBER_DELTA = 1;

export function plainMseValue(t, p) {
  const n = p.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    sum += d * d;
  }
  return sum / n;
}

export function plainMseValueAndGrad(t, p, g) {
  const n = p.length;
  const scale = 2 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    sum += d * d;
    g[i] = scale * d;
  }
  return sum / n;
}

/** Mean absolute error; the gradient is sign(d) / n with sign(0) = 0 (PyTorch's subgradient). */
export function plainMaeValue(t, p) {
  const n = p.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(p[i] - t[i]);
  return sum / n;
}

export function plainMaeValueAndGrad(t, p, g) {
  const n = p.length;
  const scale = 1 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    sum += Math.abs(d);
    g[i] = d > 0 ? scale : d < 0 ? -scale : 0;
  }
  return sum / n;
}

export function plainHuberValue(t, p, delta) {
  const n = p.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    const a = Math.abs(d);
    sum += a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
  }
  return sum / n;
}

export function plainHuberValueAndGrad(t, p, g, delta) {
  const n = p.length;
  const scale = 1 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    const a = Math.abs(d);
    if (a <= delta) {
      sum += 0.5 * d * d;
      g[i] = scale * d;
    } else {
      sum += delta * (a - 0.5 * delta);
      g[i] = d > 0 ? scale * delta : -scale * delta;
    }
  }
  return sum / n;
}

/** Binary cross-entropy from logits x and labels y: the stable form
 * max(x, 0) - x y + log1p(exp(-|x|)), averaged over the n elements. */
export function plainBceLogitsValue(y, x) {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    sum += Math.max(xi, 0) - xi * y[i] + Math.log1p(Math.exp(-Math.abs(xi)));
  }
  return sum / n;
}

/** ... and its gradient (sigmoid(x) - y) / n, the sigmoid taken from the same exp(-|x|) (one
 * exp and one log1p per element: the economical version of what a user writes). */
export function plainBceLogitsValueAndGrad(y, x, g) {
  const n = x.length;
  const scale = 1 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const yi = y[i];
    const e = Math.exp(-Math.abs(xi));
    sum += Math.max(xi, 0) - xi * yi + Math.log1p(e);
    const sigmoid = xi >= 0 ? 1 / (1 + e) : e / (1 + e);
    g[i] = scale * (sigmoid - yi);
  }
  return sum / n;
}

/** Sparse softmax cross-entropy: rows of C logits, one integer label per row; per row the max,
 * the sum of exp(x - max), lse = max + log(sum), loss lse - x[label]; the mean over the rows. */
export function plainSparseCeValue(labels, x) {
  const rows = labels.length;
  const c = x.length / rows;
  let total = 0;
  for (let r = 0, start = 0; r < rows; r++, start += c) {
    let max = -Infinity;
    for (let j = start; j < start + c; j++) if (x[j] > max) max = x[j];
    let sum = 0;
    for (let j = start; j < start + c; j++) sum += Math.exp(x[j] - max);
    total += max + Math.log(sum) - x[start + labels[r]];
  }
  return total / rows;
}

/** ... and the gradient (softmax - onehot) / rows. The exps are kept in the gradient array on
 * the way and scaled in place (one exp per logit, as an economical user writes it). */
export function plainSparseCeValueAndGrad(labels, x, g) {
  const rows = labels.length;
  const c = x.length / rows;
  const scale = 1 / rows;
  let total = 0;
  for (let r = 0, start = 0; r < rows; r++, start += c) {
    let max = -Infinity;
    for (let j = start; j < start + c; j++) if (x[j] > max) max = x[j];
    let sum = 0;
    for (let j = start; j < start + c; j++) {
      const e = Math.exp(x[j] - max);
      g[j] = e;
      sum += e;
    }
    const label = labels[r];
    total += max + Math.log(sum) - x[start + label];
    const k = scale / sum;
    for (let j = start; j < start + c; j++) g[j] *= k;
    g[start + label] -= scale;
  }
  return total / rows;
}

export const TRIPLET_MARGIN = 1;
export const TRIPLET_EPS = 1e-6; // PyTorch's pairwise_distance eps, losskit's default

/** Triplet margin loss, p = 2: per row of `dim`, dP = ||a - p + eps||, dN = ||a - n + eps||,
 * the hinge max(dP - dN + margin, 0), the mean over the rows. */
export function plainTripletValue(set) {
  const { anchor: a, positive: p, negative: n, batch } = set;
  const dim = a.length / batch;
  let total = 0;
  for (let i = 0, start = 0; i < batch; i++, start += dim) {
    let sp = 0;
    let sn = 0;
    for (let j = start; j < start + dim; j++) {
      const dp = a[j] - p[j] + TRIPLET_EPS;
      const dn = a[j] - n[j] + TRIPLET_EPS;
      sp += dp * dp;
      sn += dn * dn;
    }
    const m = Math.sqrt(sp) - Math.sqrt(sn) + TRIPLET_MARGIN;
    if (m > 0) total += m;
  }
  return total / batch;
}

/** ... and its three gradients, into the caller's arrays g.anchor, g.positive, g.negative. With
 * gp = (a - p + eps) / (dP batch) and gn = (a - n + eps) / (dN batch), an active triplet gets
 * anchor gp - gn, positive -gp, negative gn; an inactive one zeros. Two passes over an active
 * row (the distances, then the gradients), one over an inactive one plus the zero fill. */
export function plainTripletValueAndGrad(set, g) {
  const { anchor: a, positive: p, negative: n, batch } = set;
  const { anchor: gA, positive: gP, negative: gN } = g;
  const dim = a.length / batch;
  const scale = 1 / batch;
  let total = 0;
  for (let i = 0, start = 0; i < batch; i++, start += dim) {
    let sp = 0;
    let sn = 0;
    for (let j = start; j < start + dim; j++) {
      const dp = a[j] - p[j] + TRIPLET_EPS;
      const dn = a[j] - n[j] + TRIPLET_EPS;
      sp += dp * dp;
      sn += dn * dn;
    }
    const dP = Math.sqrt(sp);
    const dN = Math.sqrt(sn);
    const m = dP - dN + TRIPLET_MARGIN;
    if (m > 0) {
      total += m;
      const kp = scale / dP;
      const kn = scale / dN;
      for (let j = start; j < start + dim; j++) {
        const gp = kp * (a[j] - p[j] + TRIPLET_EPS);
        const gn = kn * (a[j] - n[j] + TRIPLET_EPS);
        gA[j] = gp - gn;
        gP[j] = -gp;
        gN[j] = gn;
      }
    } else {
      gA.fill(0, start, start + dim);
      gP.fill(0, start, start + dim);
      gN.fill(0, start, start + dim);
    }
  }
  return total / batch;
}
