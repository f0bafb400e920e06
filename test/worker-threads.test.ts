// The addon keeps no per-process JavaScript state, so several worker_threads can load it at once
// and compute alongside the main thread, sync and async, with the same bits as the main thread.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { getLoss, backend } from '../lib/index';

const entry = path.resolve(__dirname, '../dist/cjs/index.js');

const WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const lk = require(workerData.entry);
  const logits = Float32Array.from({ length: 512 * 1000 }, (_, i) => Math.sin(i * 0.37) * 4);
  const labels = Int32Array.from({ length: 512 }, (_, i) => (i * 7) % 1000);
  const loss = lk.getLoss('sparse_categorical_crossentropy', { fromLogits: true });
  const inputs = [{ data: labels, shape: [512] }, { data: logits, shape: [512, 1000] }];
  loss.valueAndGradAsync(...inputs).then((asyncResult) => {
    const sync = loss.valueAndGrad(...inputs);
    parentPort.postMessage({ backend: lk.backend(), value: sync.value, asyncValue: asyncResult.value, gradSum: sync.grad.data.reduce((a, b) => a + Math.abs(b), 0) });
  });
`;

it('four worker threads load the addon and match the main thread bit for bit', async () => {
  const logits = Float32Array.from({ length: 512 * 1000 }, (_, i) => Math.sin(i * 0.37) * 4);
  const labels = Int32Array.from({ length: 512 }, (_, i) => (i * 7) % 1000);
  const main = getLoss('sparse_categorical_crossentropy', { fromLogits: true }).valueAndGrad({ data: labels, shape: [512] }, { data: logits, shape: [512, 1000] });
  const gradSum = main.grad.data.reduce((a, b) => a + Math.abs(b), 0);
  const results = await Promise.all(
    Array.from({ length: 4 }, () => new Promise<Record<string, unknown>>((resolve, reject) => {
      const worker = new Worker(WORKER, { eval: true, workerData: { entry } });
      worker.once('message', (message) => {
        resolve(message);
        void worker.terminate();
      });
      worker.once('error', reject);
    })),
  );
  for (const result of results) {
    expect(result.backend).toBe(backend());
    expect(result.value).toBe(main.value);
    expect(result.asyncValue).toBe(main.value);
    expect(result.gradSum).toBe(gradSum);
  }
}, 60_000);
