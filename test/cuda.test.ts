// The optional CUDA path (lib/cuda, native/cuda; docs/CUDA.md). Without a GPU (or without the
// CUDA addon) the GPU suite is skipped with its reason, and what can be checked on the host
// is: the reason strings, the lazy loader, the 'cuda' / 'auto' / 'cpu' device choice, argument
// errors, the CPU package untouched, and the host mirror of the deterministic summation order.
// With a GPU, the same fixtures as the CPU path run on the device, plus residency, round
// trips, determinism and the device summation order against its host mirror, bit for bit.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capabilities, cuda, DeviceTensor, getLoss, LosskitError, setBackend, type Tensor } from '../lib/index';
import { cudaAddon, cudaAddonPath, loadCudaAddon, resetCudaAddon, type CudaProbe } from '../lib/backend/cuda-binding';
import { reasonFromProbe, resetCudaStatus, substituteCudaBindingForTests } from '../lib/cuda/status';
import { activeBackend, backend, nativeBinding } from '../lib/backend';
import type { CudaBinding } from '../lib/backend/cuda-binding';
import { CUDA_ELEMENTWISE_KERNELS, cudaBindingForTests } from '../lib/cuda';
import { expectAllClose, expectClose } from './helpers/assert-close';
import { inputsOf } from './helpers/fixture-runner';
import { decodeNumber, loadCases, type FixtureCase, type FixtureTensor } from './helpers/fixtures';

const root = path.resolve(__dirname, '..');
const available = cuda.available();
const reason = cuda.unavailableReason();

function expectLosskitError(fn: () => unknown, code: string, pattern?: RegExp): LosskitError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a LosskitError').toBeInstanceOf(LosskitError);
  const error = thrown as LosskitError;
  expect(error.code).toBe(code);
  if (pattern) expect(error.message).toMatch(pattern);
  return error;
}

describe('cuda: availability and the CPU package without a GPU', () => {
  it(`reports ${available ? 'a usable GPU' : `why there is none: ${reason}`}`, () => {
    const status = cuda.status();
    expect(typeof cuda.available()).toBe('boolean');
    expect(status.available).toBe(available);
    if (available) {
      expect(reason).toBeNull();
      expect(status.device).not.toBeNull();
    } else {
      expect(typeof reason).toBe('string');
      expect((reason as string).length).toBeGreaterThan(10);
      expect(status.kind).toMatch(/^(not-built|load-failed|no-driver|driver-too-old|no-device|unsupported-device|init-failed)$/);
      expect(reason).toMatch(/^(not built|the CUDA addon failed|no driver|driver too old|no device|unsupported device|CUDA initialisation failed|Node\.js runs with)/);
    }
  });

  it('leaves the CPU package working as before', () => {
    const yTrue = { data: new Float32Array([0, 1, 1, 0]), shape: [2, 2] };
    const yPred = { data: new Float32Array([0.1, 0.8, 0.7, 0.2]), shape: [2, 2] };
    expect(getLoss('huber').value(yTrue, yPred)).toBeCloseTo(0.0225, 6);
    // cuda.getLoss on the CPU device gives the CPU package's very bits.
    for (const name of ['mse', 'bce', 'huber'] as const) {
      const cpu = getLoss(name).valueAndGrad(yTrue, yPred);
      const viaCuda = cuda.getLoss(name, { device: 'cpu' }).valueAndGrad(yTrue, yPred);
      expect(viaCuda.value).toBe(cpu.value);
      expect((viaCuda.grad as Tensor).data).toEqual(cpu.grad.data);
    }
  });

  it("'auto' computes on the CPU when CUDA is unavailable (and agrees with the CPU in any case)", () => {
    const yTrue = [[0, 1, 2]];
    const yPred = [[0.5, 1, 1.5]];
    const loss = cuda.getLoss('mse');
    expect(loss.resolveDevice()).toBe(available ? 'cuda' : 'cpu');
    expectClose(loss.value(yTrue, yPred) as number, getLoss('mse').value(yTrue, yPred), 1e-12, 0);
    // A loss without a CUDA kernel runs on the CPU under 'auto', GPU or not.
    expect(cuda.getLoss('ctc').resolveDevice('auto')).toBe('cpu');
  });

  it.skipIf(available)("forcing 'cuda' without a GPU throws LOSSKIT_BACKEND_UNAVAILABLE with the reason", () => {
    const loss = cuda.getLoss('mse', { device: 'cuda' });
    const error = expectLosskitError(() => loss.value([[1, 2]], [[1, 3]]), 'LOSSKIT_BACKEND_UNAVAILABLE', /'cuda' device was requested/);
    expect(error.message).toContain(reason as string);
    expectLosskitError(() => cuda.getLoss('mse').value([[1]], [[2]], undefined, { device: 'cuda' }), 'LOSSKIT_BACKEND_UNAVAILABLE');
    expectLosskitError(() => cuda.setDefaultDevice('cuda'), 'LOSSKIT_BACKEND_UNAVAILABLE');
    expect(cuda.defaultDevice()).toBe('auto');
    expectLosskitError(() => cuda.upload(new Float32Array(4)), 'LOSSKIT_BACKEND_UNAVAILABLE', /cuda\.upload/);
    expectLosskitError(() => cuda.empty('float32', [2]), 'LOSSKIT_BACKEND_UNAVAILABLE');
    expect(cuda.memoryInUse()).toBe(0);
  });

  it("rejects unknown devices and 'cuda' for losses without a CUDA kernel", () => {
    expectLosskitError(() => cuda.getLoss('mse', { device: 'gpu' as 'cuda' }), 'LOSSKIT_INVALID_CONFIG', /'auto', 'cuda', 'cpu'/);
    expectLosskitError(() => cuda.setDefaultDevice('tpu' as 'cuda'), 'LOSSKIT_INVALID_CONFIG');
    expectLosskitError(() => cuda.getLoss('mse').value([[1]], [[1]], undefined, { device: 'x' as 'cpu' }), 'LOSSKIT_INVALID_CONFIG');
    expectLosskitError(() => cuda.getLoss('cosine_similarity', { device: 'cuda' }).value([[1, 0]], [[0, 1]]), 'LOSSKIT_BACKEND_UNAVAILABLE', /no CUDA kernel/);
    expectLosskitError(
      () => cuda.getLoss('binary_crossentropy', { device: 'cuda', axis: 0 }).value([[1, 0]], [[0.5, 0.5]]),
      'LOSSKIT_BACKEND_UNAVAILABLE',
      /last axis only/,
    );
    // Options are validated like getLoss's.
    expectLosskitError(() => cuda.getLoss('huber', { delat: 1 }), 'LOSSKIT_INVALID_CONFIG', /Did you mean 'delta'/);
    expect(cuda.getLoss('huber', { delta: 2, device: 'cpu' }).getConfig()).toEqual({ name: 'huber', reduction: 'sum_over_batch_size', delta: 2, device: 'cpu' });
  });

  it('setDefaultDevice switches the device of losses made without one', () => {
    try {
      expect(cuda.setDefaultDevice('cpu')).toBe('cpu');
      expect(cuda.getLoss('mse').resolveDevice()).toBe('cpu');
      expect(cuda.getLoss('mse', { device: 'auto' }).resolveDevice()).toBe(available ? 'cuda' : 'cpu');
    } finally {
      cuda.setDefaultDevice('auto');
    }
  });

  it('names every elementwise kernel of kernel_table.h that the CUDA kernels implement (ids 0-14)', () => {
    expect(Object.values(CUDA_ELEMENTWISE_KERNELS).sort((a, b) => a - b)).toEqual([...Array(15).keys()]);
  });
});

describe('cuda: reasons (reasonFromProbe)', () => {
  const base: CudaProbe = { runtimeVersion: 13000, driverVersion: 0, error: null, errorString: null, devices: [] };
  const h200 = { index: 0, name: 'NVIDIA H200', major: 9, minor: 0, totalMemory: 141e9, multiProcessors: 132, peakBandwidthGBs: 4800 };

  it.each([
    [{ error: 'cudaErrorInsufficientDriver', driverVersion: 0 }, 'no-driver', /^no driver: no NVIDIA driver is installed/],
    [{ error: 'cudaErrorInsufficientDriver', driverVersion: 12040 }, 'driver-too-old', /^driver too old: the NVIDIA driver supports CUDA 12\.4, the CUDA addon was built with CUDA 13\.0/],
    [{ error: 'cudaErrorNoDevice', driverVersion: 13000 }, 'no-device', /^no device/],
    [{ error: 'cudaErrorStubLibrary' }, 'no-driver', /stub libcuda/],
    [{ error: 'cudaErrorUnknown', errorString: 'unknown error' }, 'init-failed', /^CUDA initialisation failed: unknown error \(cudaErrorUnknown\)/],
    [{ devices: [] }, 'no-device', /^no device/],
    [{ devices: [{ ...h200, name: 'Tesla V100', major: 7, minor: 0 }] }, 'unsupported-device', /Tesla V100 has compute capability 7\.0/],
  ])('%o -> %s', (patch, kind, pattern) => {
    const verdict = reasonFromProbe({ ...base, ...(patch as Partial<CudaProbe>) });
    expect(verdict?.kind).toBe(kind);
    expect(verdict?.reason).toMatch(pattern);
  });

  it('accepts an sm_80+ device', () => {
    expect(reasonFromProbe({ ...base, driverVersion: 13000, devices: [h200] })).toBeNull();
    expect(reasonFromProbe({ ...base, driverVersion: 13000, devices: [{ ...h200, major: 8, minor: 6 }] })).toBeNull();
  });
});

describe('cuda: the lazy loader', () => {
  afterEach(() => {
    delete process.env.LOSSKIT_CUDA_ADDON;
    resetCudaAddon();
    resetCudaStatus();
  });

  it("reports 'not built' for a missing addon, and a load failure for a broken one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'losskit-cuda-'));
    try {
      process.env.LOSSKIT_CUDA_ADDON = path.join(dir, 'missing.node');
      resetCudaAddon();
      resetCudaStatus();
      expect(cuda.available()).toBe(false);
      expect(cuda.unavailableReason()).toMatch(/^not built: .*missing\.node does not exist/);
      expect(cuda.status().kind).toBe('not-built');
      expectLosskitError(() => cuda.getLoss('mse', { device: 'cuda' }).value([[1]], [[2]]), 'LOSSKIT_BACKEND_UNAVAILABLE', /not built/);
      expect(cuda.getLoss('mse').value([[1]], [[2]])).toBe(1); // 'auto' still computes, on the CPU

      const broken = path.join(dir, 'broken.node');
      writeFileSync(broken, 'not an ELF file');
      expect(loadCudaAddon(broken).error).toMatch(/^the CUDA addon failed to load/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('looks for build/Release/losskit_cuda.node by default', () => {
    expect(cudaAddonPath({})).toBe(path.join(root, 'build', 'Release', 'losskit_cuda.node'));
  });

  it.skipIf(!existsSync(path.join(root, 'dist/cjs/index.js')))('loads nothing CUDA until cuda.* is called (built package, fresh process)', () => {
    const script = `
      const l = require('./dist/cjs/index.js');
      const nodes = () => Object.keys(require.cache).filter((k) => k.endsWith('.node')).map((k) => require('path').basename(k));
      l.getLoss('mse').value([[1, 2]], [[1, 3]]);
      const before = nodes();
      const ok = l.cuda.available();
      console.log(JSON.stringify({ before, after: nodes(), ok, reason: l.cuda.unavailableReason() }));`;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, LOSSKIT_BACKEND: 'auto' } });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').pop() as string);
    expect(report.before.filter((n: string) => n.includes('cuda'))).toEqual([]);
    if (existsSync(cudaAddonPath())) expect(report.after).toContain('losskit_cuda.node');
    expect(report.ok).toBe(available);
  });
});

// ---- The summation order, host side ---------------------------------------------------------

// An independent transcription of ordered_reduce.cuh's documented order (256 threads, blocks =
// min(1024, ceil(n / 2048)), grid-stride, xor butterflies), to check the C++ host mirror
// against: the device test below then checks the GPU against the C++ mirror.
function orderedSumSpec(values: Float64Array): number {
  const threads = 256;
  const n = values.length;
  const blocks = Math.max(1, Math.min(1024, Math.ceil(n / (threads * 8))));
  const butterfly = (lanes: number[]) => {
    for (let offset = 16; offset > 0; offset >>= 1) {
      const next = lanes.map((v, l) => v + (lanes[l ^ offset] as number));
      lanes.splice(0, 32, ...next);
    }
    return lanes[0] as number;
  };
  const blockSum = (sums: number[]) => {
    const warps: number[] = new Array(32).fill(0);
    for (let w = 0; w < threads / 32; w++) warps[w] = butterfly(sums.slice(w * 32, w * 32 + 32));
    return butterfly(warps);
  };
  const partials: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const sums: number[] = [];
    for (let t = 0; t < threads; t++) {
      let acc = 0;
      for (let i = b * threads + t; i < n; i += blocks * threads) acc += values[i] as number;
      sums.push(acc);
    }
    partials.push(blockSum(sums));
  }
  const finals: number[] = [];
  for (let t = 0; t < threads; t++) {
    let acc = 0;
    for (let i = t; i < blocks; i += threads) acc += partials[i] as number;
    finals.push(acc);
  }
  return blockSum(finals);
}

const addonBuilt = existsSync(cudaAddonPath());

describe.skipIf(!addonBuilt)('cuda: the built addon on this machine', () => {
  it('loads without a driver or GPU (static cudart, libcuda dlopened on first use)', () => {
    const load = cudaAddon();
    expect(load.error).toBeNull();
    expect(load.binding?.architectures).toBe('sm_80, sm_90, compute_90');
    const probe = load.binding!.probe();
    expect(probe.runtimeVersion).toBeGreaterThan(0);
    if (!available) expect(cuda.status().kind).toMatch(/no-driver|no-device|driver-too-old|unsupported-device|init-failed/);
  });

  it('mirrors the device summation order on the host, bit for bit with its specification', () => {
    const binding = cudaAddon().binding!;
    expect([0, 1, 2048, 2049, 2_097_152, 1e9].map((n) => binding.reductionBlocks(n))).toEqual([1, 1, 1, 2, 1024, 1024]);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    for (const n of [0, 1, 31, 256, 2048, 2049, 70_001, 2_500_000]) {
      const values = Float64Array.from({ length: n }, (_, i) => random() * 10 ** ((i % 13) - 6));
      expect(Object.is(binding.hostOrderedSum(values), orderedSumSpec(values)), `n = ${n}`).toBe(true);
    }
  });

  // The device helpers (device_scalar.cuh) against the portable CPU kernels (scalar.h): the
  // same functors, evaluated on the host through either set of helpers, per element, on a grid
  // of ordinary and extreme inputs (clip edges, +-0, +-inf, NaN). Both use glibc and unfused
  // arithmetic on the host, so any difference is a helper whose semantics differ; on the GPU
  // only CUDA's math library (1-2 ulp) then separates the two.
  it.skipIf(!capabilities().nativeLoaded)('device helpers give the portable CPU kernels\' bits for every CUDA elementwise functor', () => {
    const binding = cudaAddon().binding!;
    const PARAMS: Record<string, number[][]> = {
      mean_squared_error: [[]],
      mean_absolute_error: [[]],
      huber: [[1], [0.5]],
      smooth_l1: [[1], [0]],
      log_cosh: [[]],
      mean_squared_logarithmic_error: [[]],
      mean_absolute_percentage_error: [[]],
      quantile: [[0.3], [0.9]],
      poisson: [[]],
      gaussian_nll: [[1e-6, 0], [1e-6, 1]],
      binary_crossentropy: [[0, 0], [1, 0], [0, 0.2], [1, 0.1]],
      binary_crossentropy_pos_weight: [[0], [0.1]],
      binary_focal_crossentropy: [[0, 0, 2, 0.25, 0], [1, 0.1, 2, 0.25, 1], [1, 0, 0, 0.25, 1], [0, 0, 2.5, 0.5, 1], [1, 0, 1, 0.25, 0], [0, 0, 0.5, 0.25, 1]],
      hinge: [[1], [0]],
      squared_hinge: [[1], [0]],
    };
    const ys = [0, 1, -1, 0.3, -0.7, 2.5, 1e-8, 1 - 1e-8, 0.5, NaN, Infinity, -0];
    const xs = [0, -0, 1e-7, 1e-8, 2e-7, 0.01, 0.1, 0.5, 0.9999999, 1 - 1e-7, 1, 1.5, -3, 20, -20, 0.124, 0.126, 0.019, 0.021, 88, -88, 1e4, -1e4, Infinity, -Infinity, NaN];
    const y: number[] = [];
    const x: number[] = [];
    for (const a of ys) for (const b of xs) (y.push(a), x.push(b));
    const n = y.length;
    const aux = Array.from({ length: n }, (_, i) => [0.5, 2, 1e-9, 0, 3][i % 5] as number);
    const previous = backend();
    setBackend('native-scalar');
    try {
      const cpu = nativeBinding()!;
      let compared = 0;
      for (const dtype of ['float32', 'float64'] as const) {
        const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
        const yT = Ctor.from(y), xT = Ctor.from(x), aT = Ctor.from(aux);
        for (const [name, id] of Object.entries(CUDA_ELEMENTWISE_KERNELS)) {
          const usesAux = name === 'gaussian_nll' || name === 'binary_crossentropy_pos_weight';
          for (const p of PARAMS[name]!) {
            const params = Float64Array.from(p);
            const values = new Float64Array(n), grad = new Ctor(n);
            binding.hostElementwise(id, yT, xT, usesAux ? aT : null, params, values, grad);
            const cpuValues = new Float64Array(n), cpuGrad = new Ctor(n);
            cpu.elementwise(cpu.elementwiseKernels[name]!, yT, xT, usesAux ? aT : null, params, 1, null, cpuValues, cpuGrad, 1);
            for (let i = 0; i < n; i++) {
              const label = `${name} ${JSON.stringify(p)} ${dtype} y=${yT[i]} x=${xT[i]}`;
              // Values: the CPU row sum starts at +0 (so -0 reads +0); gradients bit for bit.
              // Known exception (docs/CUDA.md, "Findings"): float32 binary (focal) cross-entropy
              // on probabilities where x clips to p = 1 - 2^-23. There the CPU build's p is the
              // constant upper clip, so GCC folds logf(p) at compile time (MPFR, correctly
              // rounded: -log p lies within 2^-71 of a rounding midpoint), while a run-time
              // glibc logf, as here, is 1 ulp lower. Allowed as at most 2 float32 ulps there.
              const known = dtype === 'float32' && name.startsWith('binary_') && (xT[i] as number) >= Math.fround(1 - 1e-7);
              const near = (a: number, b: number) => known && Math.abs(a - b) <= Math.abs(b) * 2 ** -22;
              const v = values[i] as number, cv = cpuValues[i] as number;
              expect(v === cv || (Number.isNaN(v) && Number.isNaN(cv)) || near(v, cv), `${label} value ${v} vs ${cv}`).toBe(true);
              const g = grad[i] as number, cg = cpuGrad[i] as number;
              expect(Object.is(g, cg) || (Number.isNaN(g) && Number.isNaN(cg)) || near(g, cg), `${label} grad ${g} vs ${cg}`).toBe(true);
              compared++;
            }
          }
        }
      }
      expect(compared).toBeGreaterThan(18000);
    } finally {
      setBackend(previous === 'js' ? 'js' : 'auto');
    }
  });

  it('rejects bad arguments in the addon before touching the device', () => {
    const binding = cudaAddon().binding!;
    expect(() => binding.free({} as never)).toThrow(/device buffer handle/);
    expect(() => binding.reductionBlocks(-1)).toThrow(RangeError);
    expect(() => binding.hostOrderedSum(new Float32Array(2) as unknown as Float64Array)).toThrow(TypeError);
    expect(() => binding.elementwise(99, null as never, null as never, null, new Float64Array(0), 1, null, null, null, 1)).toThrow(/no CUDA implementation/);
  });
});

// ---- On a GPU ---------------------------------------------------------------------------------

const GPU_CASES: FixtureCase[] = [
  ...loadCases('regression'),
  ...loadCases('probabilistic', ['gaussian_nll']),
  ...loadCases('classification'),
].filter((c) => {
  const { reduction, ...options } = c.config;
  try {
    return cuda.getLoss(c.loss, { ...options, reduction: reduction as 'sum' }).resolveDevice('auto') === 'cuda' || !available;
  } catch {
    return false;
  }
});

describe.skipIf(!available)(`cuda: on the GPU${available ? '' : ` (skipped: ${reason})`}`, () => {
  describe.each(['float32', 'float64'] as const)('fixtures, %s', (dtype) => {
    it.each(GPU_CASES.filter((c) => cuda.getLoss(c.loss, c.config as never).resolveDevice('auto') === 'cuda').map((c) => [c.id, c] as const))('%s', (id, c) => {
      const { reduction, ...options } = c.config;
      const loss = cuda.getLoss(c.loss, { ...options, reduction: reduction as 'sum', device: 'cuda' });
      const inputs = inputsOf(c, dtype);
      const result = loss.valueAndGrad(inputs.yTrue, inputs.yPred, inputs.sampleWeight, { variance: inputs.variance });
      expect(result.grad).toBeInstanceOf(DeviceTensor);
      const grad = result.grad as DeviceTensor;
      const expected = c.expected.value;
      if (typeof expected === 'object') {
        const tensor = result.value as Tensor;
        expect(tensor.shape).toEqual(expected.shape);
        expectAllClose(tensor.data, expected.data.map(decodeNumber), c.rtol, c.atol, `${id} ${dtype} value`);
      } else {
        expectClose(result.value as number, decodeNumber(expected), c.rtol, c.atol, `${id} ${dtype} value`);
      }
      expect(grad.dtype).toBe(dtype);
      expect([...grad.shape]).toEqual(c.yPred!.shape);
      const expectedGrad = c.expected.grad as FixtureTensor | null;
      if (expectedGrad) expectAllClose(grad.download(), expectedGrad.data.map(decodeNumber), c.rtol, c.atol, `${id} ${dtype} grad`);
      // Device-resident inputs give the same bits as host inputs copied for the call.
      const yTrue = cuda.upload(inputs.yTrue.data, inputs.yTrue.shape);
      const yPred = cuda.upload(inputs.yPred.data, inputs.yPred.shape);
      try {
        const resident = loss.valueAndGrad(yTrue, yPred, inputs.sampleWeight, { variance: inputs.variance });
        if (typeof result.value === 'number') expect(Object.is(resident.value, result.value)).toBe(true);
        else expect((resident.value as Tensor).data).toEqual((result.value as Tensor).data);
        expect((resident.grad as DeviceTensor).download()).toEqual(grad.download());
        (resident.grad as DeviceTensor).dispose();
      } finally {
        yTrue.dispose();
        yPred.dispose();
        grad.dispose();
      }
    });
  });

  it('round-trips uploads and downloads, and frees on dispose', () => {
    const before = cuda.memoryInUse();
    const data = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const t = cuda.upload(data, [10, 100]);
    expect(t.dtype).toBe('float64');
    expect([...t.shape]).toEqual([10, 100]);
    expect(cuda.memoryInUse()).toBe(before + 8000);
    expect(t.download()).toEqual(data);
    const labels = cuda.upload(new Int32Array([3, 1, 2]));
    expect(labels.download()).toEqual(new Int32Array([3, 1, 2]));
    t.dispose();
    labels.dispose();
    t.dispose(); // twice is fine
    expect(cuda.memoryInUse()).toBe(before);
    expectLosskitError(() => t.download(), 'LOSSKIT_INVALID_VALUE', /disposed/);
  });

  it('keeps the gradient on the device until downloaded, and writes into `out`', () => {
    const n = 1 << 16;
    const yTrue = cuda.upload(Float32Array.from({ length: n }, (_, i) => Math.cos(i)), [256, 256]);
    const yPred = cuda.upload(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [256, 256]);
    const out = cuda.empty('float32', [256, 256]);
    try {
      const loss = cuda.getLoss('huber', { device: 'cuda' });
      const before = cuda.memoryInUse();
      const { value, grad } = loss.valueAndGrad(yTrue, yPred, undefined, { out });
      expect(grad).toBe(out);
      expect(cuda.memoryInUse()).toBe(before); // nothing new left on the device
      const cpu = getLoss('huber').valueAndGrad({ data: yTrue.download(), shape: [256, 256] }, { data: yPred.download(), shape: [256, 256] });
      expectClose(value as number, cpu.value, 1e-6, 0);
      expectAllClose(out.download(), cpu.grad.data, 1e-6, 1e-9);
    } finally {
      for (const t of [yTrue, yPred, out]) t.dispose();
    }
  });

  it('gives the same bits twice (deterministic reductions), value and gradient', () => {
    const rows = 3000;
    const classes = 1000;
    const logits = cuda.empty('float32', [rows, classes]);
    const binding = cudaBindingForTests()!;
    binding.fillUniform(logits.handleFor('test'), -8, 8, 42);
    const labels = cuda.upload(Int32Array.from({ length: rows }, (_, i) => (i * 7919) % classes));
    try {
      const loss = cuda.getLoss('sparse_categorical_crossentropy', { fromLogits: true, device: 'cuda' });
      const a = loss.valueAndGrad(labels, logits);
      const b = loss.valueAndGrad(labels, logits);
      expect(Object.is(a.value, b.value)).toBe(true);
      expect((a.grad as DeviceTensor).download()).toEqual((b.grad as DeviceTensor).download());
      const cpu = getLoss('sparse_categorical_crossentropy', { fromLogits: true }).value({ data: labels.download(), shape: [rows] }, { data: logits.download(), shape: [rows, classes] });
      expectClose(a.value as number, cpu, 1e-6, 0);
      (a.grad as DeviceTensor).dispose();
      (b.grad as DeviceTensor).dispose();
      const mse = cuda.getLoss('mse', { device: 'cuda' });
      expect(Object.is(mse.value(logits, logits), 0)).toBe(true);
    } finally {
      logits.dispose();
      labels.dispose();
    }
  });

  it('sums in the documented order: device result equals the host mirror bit for bit', () => {
    const binding = cudaBindingForTests()!;
    for (const n of [1, 255, 2049, 1_000_003]) {
      const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 10 ** ((i % 11) - 5));
      const t = cuda.upload(values);
      try {
        expect(Object.is(binding.orderedSum(t.handleFor('test')), binding.hostOrderedSum(values)), `n = ${n}`).toBe(true);
      } finally {
        t.dispose();
      }
    }
  });

  it('checks shapes and dtypes, and leaks nothing on an error', () => {
    const before = cuda.memoryInUse();
    const loss = cuda.getLoss('mse', { device: 'cuda' });
    const a = cuda.upload(new Float32Array(6), [2, 3]);
    const b = cuda.upload(new Float64Array(6), [2, 3]);
    const c = cuda.upload(new Float32Array(4), [2, 2]);
    try {
      expectLosskitError(() => loss.value(b, a), 'LOSSKIT_INVALID_TYPE', /device tensors are not converted/);
      expectLosskitError(() => loss.valueAndGrad(c, a), 'LOSSKIT_SHAPE_MISMATCH');
      expectLosskitError(() => loss.valueAndGrad(a, a, undefined, { out: b }), 'LOSSKIT_SHAPE_MISMATCH');
      expectLosskitError(() => loss.valueAndGrad([[1, 2, 3]], a), 'LOSSKIT_SHAPE_MISMATCH');
      expectLosskitError(() => cuda.getLoss('scce', { device: 'cuda' }).value([5, 0], a), 'LOSSKIT_INVALID_VALUE', /flat index 0/);
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
    expect(cuda.memoryInUse()).toBe(before);
  });
});

// ---- The device path's plumbing, on a stand-in for the addon ----------------------------------

// A CudaBinding whose "device memory" is host typed arrays and whose kernels are the CPU
// package's: lib/cuda's device path (staging of host inputs, DeviceTensor handling, kernel
// arguments, gradScale and 1/rowLength folding, weights, class weights, ignoreClass, perSample,
// hinge's label detection, freeing temporaries) must then give the CPU's bits exactly. This is
// what can be checked of the GPU path without a GPU: everything but the CUDA kernels themselves.
function hostStandIn() {
  const kernels = activeBackend().kernels;
  const names = Object.fromEntries(Object.entries(CUDA_ELEMENTWISE_KERNELS).map(([name, id]) => [id, name]));
  let bytes = 0;
  const live = new Set<{ data: Float32Array | Float64Array | Int32Array | null }>();
  const array = (h: unknown) => {
    const cell = h as { data: Float32Array | Float64Array | Int32Array | null };
    if (!cell || !live.has(cell) || cell.data === null) throw new TypeError('stand-in: not a live handle');
    return cell.data as never;
  };
  const opt = (h: unknown) => (h === null ? null : array(h));
  const binding = {
    probe: () => ({ runtimeVersion: 13000, driverVersion: 13000, error: null, errorString: null, devices: [] }),
    alloc(dtype: number, length: number) {
      const Ctor = [Float32Array, Float64Array, Int32Array][dtype]!;
      const cell = { data: new Ctor(length) as Float32Array | Float64Array | Int32Array | null };
      live.add(cell);
      bytes += cell.data!.byteLength;
      return cell as never;
    },
    free(h: unknown) {
      const cell = h as { data: Float32Array | null };
      if (cell.data) bytes -= cell.data.byteLength;
      cell.data = null;
    },
    upload: (h: unknown, data: Float32Array) => (array(h) as Float32Array).set(data),
    download: (h: unknown, out: Float32Array) => out.set(array(h) as Float32Array),
    copyDevice: (dst: unknown, src: unknown) => (array(dst) as Float32Array).set(array(src) as Float32Array),
    memoryInUse: () => bytes,
    elementwise: (kernel: number, yTrue: unknown, yPred: unknown, aux: unknown, params: Float64Array, rowLength: number, sw: Float64Array | null, perSample: Float64Array | null, grad: unknown, gradScale: number) =>
      kernels.elementwise(kernels.elementwiseKernels[names[kernel]!]!, array(yTrue), array(yPred), opt(aux), params, rowLength, sw, perSample, opt(grad), gradScale),
    categorical: (fromLogits: boolean, smoothing: number, yTrue: unknown, yPred: unknown, classCount: number, cw: Float64Array | null, sw: Float64Array | null, perSample: Float64Array | null, grad: unknown, gradScale: number) =>
      kernels.categorical(kernels.categoricalKernels.categorical_crossentropy!, array(yTrue), array(yPred), Float64Array.of(fromLogits ? 1 : 0, smoothing), classCount, cw, sw, perSample, opt(grad), gradScale),
    sparse: (fromLogits: boolean, labels: unknown, yPred: unknown, classCount: number, ignoreClass: number | null, sw: Float64Array | null, perSample: Float64Array | null, grad: unknown, gradScale: number) =>
      kernels.sparseCategorical(kernels.sparseKernels.sparse_categorical_crossentropy!, array(labels), array(yPred), Float64Array.of(fromLogits ? 1 : 0), classCount, ignoreClass, sw, perSample, opt(grad), gradScale),
    allZeroOrOne: (h: unknown) => (array(h) as Float64Array).every((v: number) => v === 0 || v === 1),
    orderedSum: () => NaN,
    hostOrderedSum: () => NaN,
    reductionBlocks: () => 1,
    timedCopy: () => 0,
    fillUniform: () => undefined,
    synchronize: () => undefined,
    architectures: 'stand-in',
  };
  return binding as unknown as CudaBinding;
}

describe('cuda: the device path on a host stand-in (no GPU needed)', () => {
  // One CPU backend for every size ('auto' would run small inputs on the JS kernels, whose
  // bits differ from the stand-in's native ones by rounding).
  beforeEach(() => setBackend(capabilities().nativeLoaded ? 'native' : 'js'));
  afterEach(() => {
    substituteCudaBindingForTests(null);
    setBackend('auto');
  });

  const cases = [...loadCases('regression'), ...loadCases('probabilistic', ['gaussian_nll']), ...loadCases('classification')];

  it.each(['float32', 'float64'] as const)('gives the CPU bits on every fixture it runs (%s), host and resident inputs', (dtype) => {
    substituteCudaBindingForTests(hostStandIn());
    expect(cuda.available()).toBe(true);
    let ran = 0;
    for (const c of cases) {
      const { reduction, ...options } = c.config;
      const loss = cuda.getLoss(c.loss, { ...options, reduction: reduction as 'sum' });
      if (loss.resolveDevice() !== 'cuda') continue;
      ran++;
      const inputs = inputsOf(c, dtype);
      const cpu = getLoss(c.loss, { ...options, reduction: reduction as 'sum' }).valueAndGrad(inputs);
      const before = cuda.memoryInUse();
      const onDevice = loss.valueAndGrad(inputs.yTrue, inputs.yPred, inputs.sampleWeight, { variance: inputs.variance });
      expect(onDevice.grad, c.id).toBeInstanceOf(DeviceTensor);
      const grad = onDevice.grad as DeviceTensor;
      if (typeof cpu.value === 'number') expect(Object.is(onDevice.value, cpu.value), `${c.id} value ${onDevice.value} vs ${cpu.value}`).toBe(true);
      else expect((onDevice.value as Tensor).data, c.id).toEqual(cpu.value.data);
      expect(grad.download(), c.id).toEqual(cpu.grad.data);
      expect([...grad.shape]).toEqual(cpu.grad.shape);
      grad.dispose();
      // Temporaries are gone; only what the caller holds stays.
      expect(cuda.memoryInUse(), c.id).toBe(before);
      const yTrue = cuda.upload(inputs.yTrue.data, inputs.yTrue.shape);
      const yPred = cuda.upload(inputs.yPred.data, inputs.yPred.shape);
      const variance = inputs.variance ? cuda.upload(inputs.variance.data, c.yPred!.shape) : undefined;
      const value = loss.value(yTrue, yPred, inputs.sampleWeight, { variance });
      if (typeof cpu.value === 'number') expect(Object.is(value, cpu.value), c.id).toBe(true);
      const resident = loss.grad(yTrue, yPred, inputs.sampleWeight, { variance }) as DeviceTensor;
      expect(resident.download(), c.id).toEqual(cpu.grad.data);
      for (const t of [yTrue, yPred, variance, resident]) t?.dispose();
      expect(cuda.memoryInUse(), c.id).toBe(before);
    }
    expect(ran).toBeGreaterThan(150);
  });

  it('frees the gradient it allocated when a call fails, and keeps a caller-owned out', () => {
    const standIn = hostStandIn();
    substituteCudaBindingForTests(standIn);
    const loss = cuda.getLoss('sparse_categorical_crossentropy', { fromLogits: true, device: 'cuda' });
    const logits = cuda.upload(new Float32Array(6), [2, 3]);
    const before = cuda.memoryInUse();
    expectLosskitError(() => loss.valueAndGrad([0, 3], logits), 'LOSSKIT_INVALID_VALUE', /got 3 at flat index 1/);
    expect(cuda.memoryInUse()).toBe(before);
    const out = cuda.empty('float32', [2, 3]);
    const { grad } = loss.valueAndGrad(new Int32Array([0, 2]), logits, undefined, { out });
    expect(grad).toBe(out);
    expect(out.disposed).toBe(false);
    // 'cpu' on device inputs downloads them and returns host results.
    const cpuSide = loss.valueAndGrad(cuda.upload(new Int32Array([0, 2])), logits, undefined, { device: 'cpu' });
    expect(cpuSide.grad).not.toBeInstanceOf(DeviceTensor);
    expect((cpuSide.grad as Tensor).data).toEqual(out.download());
    expectLosskitError(() => loss.valueAndGrad([0, 2], logits, undefined, { device: 'cpu', out }), 'LOSSKIT_INVALID_CONFIG', /runs on the CPU/);
    out.dispose();
    logits.dispose();
  });

  it("refuses an 'out' that is one of the inputs, the variance included", () => {
    substituteCudaBindingForTests(hostStandIn());
    const yTrue = cuda.upload(Float32Array.of(0.5, 1, 2, -1), [2, 2]);
    const yPred = cuda.upload(Float32Array.of(0.4, 1.5, 1, 0), [2, 2]);
    const variance = cuda.upload(Float32Array.of(1, 2, 0.5, 1), [2, 2]);
    const loss = cuda.getLoss('gaussian_nll', { device: 'cuda' });
    for (const out of [yTrue, yPred, variance]) {
      expectLosskitError(() => loss.valueAndGrad(yTrue, yPred, undefined, { variance, out }), 'LOSSKIT_INVALID_VALUE', /must not be one of the inputs/);
    }
    const out = cuda.empty('float32', [2, 2]);
    expect(loss.valueAndGrad(yTrue, yPred, undefined, { variance, out }).grad).toBe(out);
    for (const t of [yTrue, yPred, variance, out]) t.dispose();
  });

  it('detects 0/1 hinge labels on the device copy, as the CPU does on the host', () => {
    substituteCudaBindingForTests(hostStandIn());
    for (const labels of [[0, 1, 1, 0], [-1, 1, 1, -1], [0, 0.5, 1, 1]]) {
      const yTrue = { data: Float64Array.from(labels), shape: [2, 2] };
      const yPred = { data: Float64Array.of(0.3, -0.2, 0.8, 1.5), shape: [2, 2] };
      for (const name of ['hinge', 'squared_hinge']) {
        expect(cuda.getLoss(name, { device: 'cuda' }).value(yTrue, yPred)).toBe(getLoss(name).value(yTrue, yPred));
      }
    }
  });
});
