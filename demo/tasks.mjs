// The demo's three training tasks: plain-JS models whose gradients come from losskit's
// valueAndGrad (d loss / d predictions), chained to the parameters by hand. Every run records a
// LossHistory (train loss per step, validation loss per epoch) and shows a progress bar.
import { createRandom, subSeed } from './random.mjs';

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** Adam (Kingma & Ba) over a flat Float64Array of parameters. */
function adam(size, { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }) {
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  let t = 0;
  return (params, grads) => {
    t++;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    for (let i = 0; i < size; i++) {
      const g = grads[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      params[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
    }
  };
}

/** Logits of a linear model, X [n, d] times W [d, K] plus b [K]; params = W (row-major) then b. */
function linearForward(params, X, n, d, K, out) {
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      let z = params[d * K + k];
      for (let j = 0; j < d; j++) z += X[i * d + j] * params[j * K + k];
      out[i * K + k] = z;
    }
  }
  return out;
}

/** d loss / d params from G = d loss / d logits [n, K] (the chain rule through X W + b). */
function linearBackward(G, X, n, d, K, grads) {
  grads.fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      const g = G[i * K + k];
      for (let j = 0; j < d; j++) grads[j * K + k] += X[i * d + j] * g;
      grads[d * K + k] += g;
    }
  }
  return grads;
}

/**
 * Mini-batch training of a linear model (logits = X W + b) with Adam. `targets` is either
 * { kind: 'dense', data: Float64Array [n, K] } or { kind: 'labels', data: Int32Array [n] }; the
 * batch order comes from `shuffleSeed`, so two runs with the same seed see the same batches.
 */
function trainLinear(ctx, { label, loss, train, val, d, K, epochs, batchSize, lr, shuffleSeed }) {
  const { LossHistory, createProgress } = ctx;
  const size = d * K + K;
  const params = new Float64Array(size);
  const grads = new Float64Array(size);
  const step = adam(size, { lr });
  const rand = createRandom(shuffleSeed);
  const order = Int32Array.from({ length: train.n }, (_, i) => i);
  const xb = new Float64Array(batchSize * d);
  const yb = train.targets.kind === 'labels' ? new Int32Array(batchSize) : new Float64Array(batchSize * K);
  const logits = new Float64Array(batchSize * K);
  const gLogits = new Float64Array(batchSize * K);
  const valLogits = new Float64Array(val.n * K);
  const valTrue = val.targets.kind === 'labels' ? val.targets.data : { data: val.targets.data, shape: [val.n, K] };
  const history = new LossHistory();
  const bar = createProgress({ total: epochs, label });

  for (let epoch = 0; epoch < epochs; epoch++) {
    rand.shuffle(order);
    for (let start = 0; start < train.n; start += batchSize) {
      const b = Math.min(batchSize, train.n - start);
      for (let r = 0; r < b; r++) {
        const i = order[start + r];
        for (let j = 0; j < d; j++) xb[r * d + j] = train.X[i * d + j];
        if (train.targets.kind === 'labels') yb[r] = train.targets.data[i];
        else for (let k = 0; k < K; k++) yb[r * K + k] = train.targets.data[i * K + k];
      }
      const xs = xb.subarray(0, b * d);
      const z = linearForward(params, xs, b, d, K, logits.subarray(0, b * K));
      const yTrue = train.targets.kind === 'labels' ? yb.subarray(0, b) : { data: yb.subarray(0, b * K), shape: [b, K] };
      const out = gLogits.subarray(0, b * K);
      const { value } = loss.valueAndGrad(yTrue, { data: z, shape: [b, K] }, undefined, { out });
      step(params, linearBackward(out, xs, b, d, K, grads));
      history.recordStep(value);
    }
    linearForward(params, val.X, val.n, d, K, valLogits);
    const validation = loss.value(valTrue, { data: valLogits, shape: [val.n, K] });
    const record = history.endEpoch({ validation });
    bar.tick(1, `train ${record.train.toFixed(4)}  val ${validation.toFixed(4)}`);
  }
  bar.done();
  return { params, history };
}

// ---------------------------------------------------------------------------------------------
// 1. Robust linear regression

export const TRUE_LINE = { w: 2, b: -1 };

/** y = 2x - 1 + N(0, 0.5²), x ~ U(-3, 3); a random 10% of the points shifted up by U(10, 20). */
function lineData(rand, n, outlierFraction) {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rand.uniform(-3, 3);
    y[i] = TRUE_LINE.w * x[i] + TRUE_LINE.b + rand.normal(0, 0.5);
  }
  const outliers = rand.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, Math.round(outlierFraction * n));
  for (const i of outliers) y[i] += rand.uniform(10, 20);
  return { x, y, n, outliers: outliers.length };
}

export const REGRESSION_LOSSES = [
  { label: 'mse', name: 'mean_squared_error', options: {} },
  { label: 'mae', name: 'mean_absolute_error', options: {} },
  { label: 'huber', name: 'huber', options: { delta: 1 } },
  { label: 'log_cosh', name: 'log_cosh', options: {} },
];

/**
 * Full-batch gradient descent on (w, b) for each loss, with one learning-rate schedule for all
 * (cosine from 0.1 to 0.001). One step per epoch: the epoch's train loss is that step's loss.
 */
export function regressionTask(ctx) {
  const { lk, LossHistory, createProgress, seed, quick } = ctx;
  const n = quick ? 200 : 1000;
  const epochs = quick ? 200 : 300;
  const rand = createRandom(subSeed(seed, 'regression'));
  const train = lineData(rand, n, 0.1);
  const val = lineData(rand, n, 0.1);
  const lr0 = 0.1;
  const lrEnd = 0.001;
  const lrAt = (e) => lrEnd + 0.5 * (lr0 - lrEnd) * (1 + Math.cos((Math.PI * e) / (epochs - 1)));

  const runs = REGRESSION_LOSSES.map(({ label, name, options }) => {
    const loss = lk.getLoss(name, options);
    const pred = new Float64Array(n);
    const predVal = new Float64Array(n);
    const grad = new Float64Array(n);
    const yTrue = { data: train.y, shape: [n, 1] };
    const yPred = { data: pred, shape: [n, 1] };
    const yTrueVal = { data: val.y, shape: [n, 1] };
    const yPredVal = { data: predVal, shape: [n, 1] };
    const history = new LossHistory();
    const bar = createProgress({ total: epochs, label: `regression ${label}`.padEnd(30) });
    let w = 0;
    let b = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = 0; i < n; i++) pred[i] = w * train.x[i] + b;
      // d loss / d pred for every point, into the reused buffer...
      const { value } = loss.valueAndGrad(yTrue, yPred, undefined, { out: grad });
      // ...chained to the parameters: pred_i = w x_i + b.
      let gw = 0;
      let gb = 0;
      for (let i = 0; i < n; i++) {
        gw += grad[i] * train.x[i];
        gb += grad[i];
      }
      const lr = lrAt(epoch);
      w -= lr * gw;
      b -= lr * gb;
      history.recordStep(value);
      for (let i = 0; i < n; i++) predVal[i] = w * val.x[i] + b;
      const record = history.endEpoch({ validation: loss.value(yTrueVal, yPredVal) });
      bar.tick(1, `loss ${record.train.toFixed(4)}`);
    }
    bar.done();
    const distance = Math.hypot(w - TRUE_LINE.w, b - TRUE_LINE.b);
    return { label, loss: loss.getConfig(), w, b, distance, history };
  });
  return { n, epochs, outliers: train.outliers, lr: { start: lr0, end: lrEnd, schedule: 'cosine' }, runs };
}

// ---------------------------------------------------------------------------------------------
// 2. Imbalanced binary classification

/** 2-D blobs: negatives around (0, 0), positives around (2, 2), unit variance; ≈3% positive. */
function imbalancedData(rand, n, positiveFraction) {
  const X = new Float64Array(n * 2);
  const y = new Float64Array(n);
  const positives = Math.round(n * positiveFraction);
  const order = rand.shuffle(Array.from({ length: n }, (_, i) => i));
  for (let r = 0; r < n; r++) {
    const i = order[r];
    const positive = r < positives;
    y[i] = positive ? 1 : 0;
    X[i * 2] = rand.normal(positive ? 2 : 0, 1);
    X[i * 2 + 1] = rand.normal(positive ? 2 : 0, 1);
  }
  return { X, n, positives, targets: { kind: 'dense', data: y } };
}

/** Precision, recall and F1 of the positive class at p >= 0.5 (logit >= 0); ROC AUC. */
function binaryMetrics(logits, y) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const predicted = logits[i] >= 0;
    if (predicted && y[i] === 1) tp++;
    else if (predicted) fp++;
    else if (y[i] === 1) fn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : NaN;
  const recall = tp + fn > 0 ? tp / (tp + fn) : NaN;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : NaN;
  // AUC: the probability that a random positive outranks a random negative (ties count half).
  const idx = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => logits[a] - logits[b]);
  let rankSum = 0;
  let positives = 0;
  for (let r = 0; r < idx.length; ) {
    let end = r;
    while (end + 1 < idx.length && logits[idx[end + 1]] === logits[idx[r]]) end++;
    const midRank = (r + end) / 2 + 1;
    for (let k = r; k <= end; k++) {
      if (y[idx[k]] === 1) {
        rankSum += midRank;
        positives++;
      }
    }
    r = end + 1;
  }
  const negatives = y.length - positives;
  const auc = (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
  return { tp, fp, fn, precision, recall, f1, auc };
}

export function imbalancedTask(ctx) {
  const { lk, seed, quick } = ctx;
  const rand = createRandom(subSeed(seed, 'imbalanced'));
  const fraction = 0.03;
  const train = imbalancedData(rand, quick ? 5000 : 20000, fraction);
  const val = imbalancedData(rand, quick ? 2500 : 10000, fraction);
  const test = imbalancedData(rand, quick ? 5000 : 20000, fraction);
  const posWeight = (train.n - train.positives) / train.positives;
  const epochs = quick ? 12 : 30;
  const settings = { d: 2, K: 1, epochs, batchSize: 256, lr: 0.05, shuffleSeed: subSeed(seed, 'imbalanced-batches') };
  const configs = [
    { label: 'bce', name: 'binary_crossentropy', options: { fromLogits: true } },
    { label: `bce posWeight=${posWeight.toFixed(1)}`, name: 'binary_crossentropy', options: { fromLogits: true, posWeight } },
    { label: 'focal γ=2', name: 'binary_focal_crossentropy', options: { fromLogits: true, gamma: 2 } },
  ];
  const runs = configs.map(({ label, name, options }) => {
    const loss = lk.getLoss(name, options);
    const { params, history } = trainLinear(ctx, { label: `imbalanced ${label}`.padEnd(30), loss, train, val, ...settings });
    const logits = linearForward(params, test.X, test.n, 2, 1, new Float64Array(test.n));
    return { label, loss: loss.getConfig(), weights: Array.from(params), ...binaryMetrics(logits, test.targets.data), history };
  });
  return {
    n: { train: train.n, validation: val.n, test: test.n },
    positives: { train: train.positives, validation: val.positives, test: test.positives },
    posWeight,
    epochs,
    batchSize: settings.batchSize,
    runs,
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Multi-class softmax regression

/** C Gaussian blobs (unit variance) with centres on a circle of radius 2.5. */
function blobsData(rand, n, C) {
  const X = new Float64Array(n * 2);
  const labels = new Int32Array(n);
  const oneHot = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    const c = rand.int(C);
    const angle = (2 * Math.PI * (c + 0.5)) / C;
    labels[i] = c;
    oneHot[i * C + c] = 1;
    X[i * 2] = rand.normal(2.5 * Math.cos(angle), 1);
    X[i * 2 + 1] = rand.normal(2.5 * Math.sin(angle), 1);
  }
  return { X, n, labels, oneHot };
}

function accuracy(logits, labels, C) {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (logits[i * C + c] > logits[i * C + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return correct / labels.length;
}

export function multiclassTask(ctx) {
  const { lk, seed, quick } = ctx;
  const C = 4;
  const rand = createRandom(subSeed(seed, 'multiclass'));
  const train = blobsData(rand, quick ? 2000 : 6000, C);
  const val = blobsData(rand, quick ? 1000 : 3000, C);
  const test = blobsData(rand, quick ? 2000 : 6000, C);
  const epochs = quick ? 10 : 25;
  const settings = { d: 2, K: C, epochs, batchSize: 128, lr: 0.05, shuffleSeed: subSeed(seed, 'multiclass-batches') };
  const dense = (set) => ({ X: set.X, n: set.n, targets: { kind: 'dense', data: set.oneHot } });
  const sparse = (set) => ({ X: set.X, n: set.n, targets: { kind: 'labels', data: set.labels } });
  const configs = [
    { label: 'cce (one-hot)', name: 'categorical_crossentropy', options: { fromLogits: true }, data: dense },
    { label: 'sparse cce (labels)', name: 'sparse_categorical_crossentropy', options: { fromLogits: true }, data: sparse },
    { label: 'cce smoothing 0.1', name: 'categorical_crossentropy', options: { fromLogits: true, labelSmoothing: 0.1 }, data: dense },
  ];
  const runs = configs.map(({ label, name, options, data }) => {
    const loss = lk.getLoss(name, options);
    const { params, history } = trainLinear(ctx, {
      label: `multiclass ${label}`.padEnd(30),
      loss,
      train: data(train),
      val: data(val),
      ...settings,
    });
    const logits = linearForward(params, test.X, test.n, 2, C, new Float64Array(test.n * C));
    return { label, loss: loss.getConfig(), params: Array.from(params), accuracy: accuracy(logits, test.labels, C), history };
  });
  // One-hot CCE and sparse CE are the same function of the logits: same steps, same curve.
  const [cce, scce] = runs;
  const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  const agreement = {
    steps: cce.history.steps.length,
    maxStepLossDiff: maxDiff(cce.history.steps, scce.history.steps),
    maxValidationDiff: maxDiff(
      cce.history.epochs.map((e) => e.validation),
      scce.history.epochs.map((e) => e.validation),
    ),
    maxParamDiff: maxDiff(cce.params, scce.params),
  };
  return { classes: C, n: { train: train.n, validation: val.n, test: test.n }, epochs, batchSize: settings.batchSize, runs, agreement };
}
