/**
 * The TensorFlow.js peer: the same losses through @tensorflow/tfjs on its pure-JS `cpu` backend,
 * in the bench's own process, written as a TensorFlow.js user writes them (tensors made from
 * the typed arrays on every call, tf.losses.*, tf.valueAndGrad, the gradient copied into the
 * bench's reused Float32Array). Optional: a bench-only devDependency.
 */

import { createRequire } from 'node:module';

/** {tf, version} with the cpu backend active, or {reason}. */
export async function loadTfjs(root) {
  const require = createRequire(`${root}/package.json`);
  // tfjs prints a banner recommending tfjs-node on the cpu backend's first write: not useful
  // here, so that write happens now, with the console muted.
  const { log, warn } = console;
  console.log = console.warn = () => {};
  try {
    const tf = require('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    await tf.ready();
    tf.tidy(() => tf.scalar(1).dataSync());
    return { tf, version: tf.version.tfjs };
  } catch (e) {
    return { reason: `@tensorflow/tfjs did not load (${String(e.message).split('\n')[0]})` };
  } finally {
    Object.assign(console, { log, warn });
  }
}

/** A function (set, grad) => loss value computing `op` of workload `w` in TensorFlow.js, or
 * null where TensorFlow.js has no such loss. `grad` (valueAndGrad) receives d loss / d yPred. */
export function tfjsCall(tf, w, op) {
  const name = w.tfjs;
  if (!name) return null;
  const loss = (labels, predictions) => {
    switch (name) {
      case 'huberLoss': return tf.losses.huberLoss(labels, predictions, undefined, w.options.delta);
      case 'sigmoidCrossEntropy': return tf.losses.sigmoidCrossEntropy(labels, predictions);
      case 'softmaxCrossEntropy': return tf.losses.softmaxCrossEntropy(labels, predictions);
      default: return tf.losses[name](labels, predictions);
    }
  };
  const sparse = name === 'softmaxCrossEntropy';
  const tensors = (set) => {
    const predictions = tf.tensor(set.yPred, set.yP.shape);
    // Sparse labels: one-hot them, as tf.losses.softmaxCrossEntropy wants.
    const labels = sparse ? tf.oneHot(tf.tensor1d(set.yTrue, 'int32'), set.yP.shape[1]) : tf.tensor(set.yTrue, set.yT.shape);
    return { labels, predictions };
  };
  if (op === 'value') {
    return (set) => tf.tidy(() => {
      const { labels, predictions } = tensors(set);
      return loss(labels, predictions).dataSync()[0];
    });
  }
  return (set, grad) => tf.tidy(() => {
    const { labels, predictions } = tensors(set);
    const { value, grad: g } = tf.valueAndGrad((p) => loss(labels, p))(predictions);
    grad.set(g.dataSync());
    return value.dataSync()[0];
  });
}
