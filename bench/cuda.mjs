#!/usr/bin/env node
// GPU benchmark of the optional CUDA path (docs/CUDA.md). Run after `npm run build` on a machine
// with an NVIDIA GPU (sm_80 or newer):
//
//   node bench/cuda.mjs [--elements=268435456] [--rows=65536] [--classes=32000] [--repeats=10]
//
// Prints, from one run:
// - the device copy bandwidth (a plain 16-byte-per-thread copy kernel: read N + write N bytes),
//   the yardstick the losses are held against;
// - MSE value on a resident float32 pair of --elements (256M by default): time, and the
//   effective bandwidth (2 x 4 bytes per element read) as a fraction of the copy's;
// - MSE value + gradient on the same pair (read 2, write 1);
// - softmax cross-entropy (sparse labels, logits) value + gradient on [rows, classes] float32
//   (65536 x 32000 by default: 8 GiB of logits + 8 GiB of gradient);
// - the host-to-device cost of the MSE pair, separately (cuda.upload of 2 x 1 GiB).
// Without a GPU (or without the CUDA addon) it prints "no GPU: skipped (<reason>)" and exits 0.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const losskit = require(path.join(root, 'dist/cjs/index.js'));
const { cuda } = losskit;

function option(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
}

if (!cuda.available()) {
  console.log(`no GPU: skipped (${cuda.unavailableReason()})`);
  process.exit(0);
}

const { cudaBindingForTests } = require(path.join(root, 'dist/cjs/cuda/index.js'));
const binding = cudaBindingForTests();
const elements = option('elements', 256 * 1024 * 1024);
const rows = option('rows', 65536);
const classes = option('classes', 32000);
const repeats = option('repeats', 10);
const status = cuda.status();
const device = status.device;
console.log(`device: ${device.name} (sm_${device.major}${device.minor}, ${(device.totalMemory / 2 ** 30).toFixed(0)} GiB, ` +
  `${device.multiProcessors} SMs, theoretical ${device.peakBandwidthGBs.toFixed(0)} GB/s), CUDA runtime ${status.runtimeVersion}, driver ${status.driverVersion}`);

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn) {
  fn(); // warm-up (first launch, caches)
  const samples = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(samples);
}
const gbs = (bytes, ms) => bytes / (ms * 1e-3) / 1e9;

// Device copy bandwidth: the practical ceiling for a memory-bound kernel.
const a = cuda.empty('float32', [elements]);
const b = cuda.empty('float32', [elements]);
binding.fillUniform(a.handleFor('bench'), -1, 1, 1);
binding.fillUniform(b.handleFor('bench'), -1, 1, 2);
const copyMs = binding.timedCopy(a.handleFor('bench'), b.handleFor('bench'), repeats);
const copyGBs = gbs(2 * 4 * elements, copyMs);
console.log(`copy kernel, ${elements} float32: ${copyMs.toFixed(3)} ms, ${copyGBs.toFixed(0)} GB/s (read + write)`);
binding.fillUniform(b.handleFor('bench'), -1, 1, 2);

const mse = cuda.getLoss('mse', { device: 'cuda' });
const mseMs = time(() => mse.value(a, b));
const mseGBs = gbs(2 * 4 * elements, mseMs);
console.log(`mse value, resident [${elements}] float32: ${mseMs.toFixed(3)} ms, ${mseGBs.toFixed(0)} GB/s = ${(100 * mseGBs / copyGBs).toFixed(0)}% of the copy bandwidth ` +
  `(${(100 * mseGBs / device.peakBandwidthGBs).toFixed(0)}% of theoretical; includes the call and the 8-byte result copy)`);
const out = cuda.empty('float32', [elements]);
const mseGradMs = time(() => mse.valueAndGrad(a, b, undefined, { out }));
const mseGradGBs = gbs(3 * 4 * elements, mseGradMs);
console.log(`mse value + grad (into out): ${mseGradMs.toFixed(3)} ms, ${mseGradGBs.toFixed(0)} GB/s = ${(100 * mseGradGBs / copyGBs).toFixed(0)}% of the copy bandwidth`);
out.dispose();

// Host-to-device cost of the same pair, separately.
const hostA = new Float32Array(elements).fill(0.5);
const hostB = new Float32Array(elements).fill(0.25);
const uploadMs = time(() => {
  a.upload(hostA);
  b.upload(hostB);
});
console.log(`host to device, 2 x ${(4 * elements / 2 ** 30).toFixed(2)} GiB (pageable): ${uploadMs.toFixed(1)} ms, ${gbs(2 * 4 * elements, uploadMs).toFixed(1)} GB/s ` +
  `(= ${(uploadMs / mseMs).toFixed(0)}x the mse value on resident data)`);
a.dispose();
b.dispose();

// Softmax cross-entropy, sparse labels, logits [rows, classes] float32, value + grad.
const logits = cuda.empty('float32', [rows, classes]);
binding.fillUniform(logits.handleFor('bench'), -10, 10, 3);
const labels = cuda.upload(Int32Array.from({ length: rows }, (_, i) => (i * 7919) % classes));
const grad = cuda.empty('float32', [rows, classes]);
const scce = cuda.getLoss('sparse_categorical_crossentropy', { fromLogits: true, device: 'cuda' });
const scceMs = time(() => scce.valueAndGrad(labels, logits, undefined, { out: grad }));
const logitBytes = 4 * rows * classes;
console.log(`softmax CE value + grad [${rows}, ${classes}] float32: ${scceMs.toFixed(2)} ms, ${(scceMs * 1e6 / (rows * classes)).toFixed(3)} ns per logit; ` +
  `minimum traffic (read + write once) ${gbs(2 * logitBytes, scceMs).toFixed(0)} GB/s = ${(100 * gbs(2 * logitBytes, scceMs) / copyGBs).toFixed(0)}% of the copy bandwidth`);
const scceValueMs = time(() => scce.value(labels, logits));
console.log(`softmax CE value only: ${scceValueMs.toFixed(2)} ms (${(100 * gbs(logitBytes, scceValueMs) / copyGBs).toFixed(0)}% of the copy bandwidth at one read)`);
logits.dispose();
grad.dispose();
labels.dispose();
console.log(`device memory still held: ${cuda.memoryInUse()} bytes`);
