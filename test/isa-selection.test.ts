// The instruction-set choice: what the addon reports, LOSSKIT_ISA=avx512 and setBackend('native-avx512')
// (selected where the CPU runs AVX-512 F/DQ/BW/VL, a clear error where it does not), the default
// that 'auto' picks (avx512 where the CPU also reports AVX512_VBMI2, else avx2, else scalar;
// docs/ARCHITECTURE.md "AVX-512"), and scalar, avx2 and avx512 agreeing on the compute-bound
// losses within the parity tolerances.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeBinding } from '../lib/backend/index';
import { backend, getLoss, LosskitError, setBackend, type BackendName, type Tensor } from '../lib/index';
import { expectAllClose, expectClose } from './helpers/assert-close';
import { AVX2, AVX512, NATIVE_LOADED } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const root = path.resolve(__dirname, '..');

function nodeWith(env: Record<string, string>, script: string) {
  const { LOSSKIT_BACKEND, LOSSKIT_ISA, ...inherited } = process.env;
  void LOSSKIT_BACKEND;
  void LOSSKIT_ISA;
  const result = spawnSync(process.execPath, ['-e', script], { cwd: root, env: { ...inherited, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

const PROBE = `const lk = require('losskit');
  const value = lk.getLoss('binary_crossentropy', { fromLogits: true }).value([[0, 1, 1]], [[0.5, -2, 3]]);
  console.log(JSON.stringify({ backend: lk.backend(), isa: lk.capabilities().native?.isa ?? null, value }));`;

describe.skipIf(!NATIVE_LOADED)('instruction-set selection', () => {
  const binding = nativeBinding()!;
  const initial = backend();
  afterAll(() => {
    setBackend(initial.startsWith('native') ? (initial as BackendName) : 'auto');
  });

  it('capabilities() reports avx2 and avx512 as booleans; avx512 implies avx2', () => {
    const caps = binding.capabilities();
    expect(typeof caps.avx2).toBe('boolean');
    expect(typeof caps.avx512).toBe('boolean');
    if (caps.avx512) expect(caps.avx2).toBe(true);
    expect(['avx512', 'avx2', 'scalar']).toContain(caps.isa);
  });

  it('capabilities() reports vbmi2 and avx512Default as booleans; avx512Default = avx512 and vbmi2', () => {
    const caps = binding.capabilities();
    expect(typeof caps.vbmi2).toBe('boolean');
    expect(caps.avx512Default).toBe(caps.avx512 && caps.vbmi2);
  });

  it("'auto' picks avx512 exactly where avx512 runs and the CPU reports VBMI2, else avx2, else scalar", () => {
    const caps = binding.capabilities();
    const previous = caps.isa;
    try {
      expect(binding.setIsa('auto')).toBe(caps.avx512 && caps.vbmi2 ? 'avx512' : AVX2 ? 'avx2' : 'scalar');
    } finally {
      binding.setIsa(previous);
    }
  });

  it('LOSSKIT_ISA=avx2 still forces avx2 where it runs', () => {
    const run = nodeWith({ LOSSKIT_ISA: 'avx2' }, PROBE);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).isa).toBe(AVX2 ? 'avx2' : null);
  });

  it.skipIf(!AVX512)('LOSSKIT_ISA=avx512 selects the AVX-512 kernels', () => {
    const run = nodeWith({ LOSSKIT_ISA: 'avx512' }, PROBE);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ backend: 'native-avx512', isa: 'avx512' });
    const reference = JSON.parse(nodeWith({ LOSSKIT_ISA: 'scalar' }, PROBE).stdout);
    expectClose(result.value, reference.value, 2e-5, 1e-6, 'avx512 vs scalar');
  });

  it.skipIf(AVX512)('LOSSKIT_ISA=avx512 says why it cannot run here and falls back', () => {
    const run = nodeWith({ LOSSKIT_ISA: 'avx512' }, PROBE);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).backend).toBe('js');
    expect(run.stderr).toMatch(/LOSSKIT_ISA=avx512 cannot be used: .*avx512 cannot run here \(it needs a CPU with AVX-512/);
  });

  it("setBackend('native-avx512') selects it, or throws LOSSKIT_BACKEND_UNAVAILABLE", () => {
    if (AVX512) {
      expect(setBackend('native-avx512')).toBe('native-avx512');
      expect(binding.capabilities().isa).toBe('avx512');
    } else {
      let error: unknown;
      try {
        setBackend('native-avx512');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LosskitError);
      expect((error as LosskitError).code).toBe('LOSSKIT_BACKEND_UNAVAILABLE');
    }
  });

  it.skipIf(!AVX512)('avx512 exp and log are bitwise those of avx2 (same algorithms, same reductions)', () => {
    const random = rng(512);
    for (const dtype of ['float32', 'float64'] as const) {
      const make = (values: ArrayLike<number>) => (dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values));
      // Magnitudes from 1e-13 to 1e13 (log, both signs) and their logs times 3 (exp, -90..90).
      const x = Array.from({ length: 4099 }, () => Math.exp(60 * random() - 30) * (random() < 0.1 ? -1 : 1));
      for (const fn of ['exp', 'log'] as const) {
        const input = make(fn === 'exp' ? x.map((v) => Math.sign(v) * Math.log(Math.abs(v)) * 3) : x);
        const viaAvx512 = make(new Array(x.length).fill(0));
        const viaAvx2 = make(new Array(x.length).fill(0));
        binding.mathEval(fn, 'avx512', input, viaAvx512);
        binding.mathEval(fn, 'avx2', input, viaAvx2);
        for (let i = 0; i < x.length; i++) {
          expect(Object.is(viaAvx512[i], viaAvx2[i]), `${fn}(${input[i]}): ${viaAvx512[i]} vs ${viaAvx2[i]}`).toBe(true);
        }
      }
    }
  });
});

// --- scalar, avx2 and avx512 on the same inputs ---------------------------------------------

const ISAS = (['native-scalar', 'native-avx2', 'native-avx512'] as const).filter(
  (name) => NATIVE_LOADED && (name === 'native-scalar' || (name === 'native-avx2' ? AVX2 : AVX512)),
);
const TOLERANCE = { float32: { rtol: 2e-5, atol: 1e-6 }, float64: { rtol: 1e-12, atol: 1e-13 } };

type Dtype = keyof typeof TOLERANCE;

function tensor(data: ArrayLike<number>, shape: number[], dtype: Dtype): Tensor {
  return { data: dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), shape, dtype };
}

interface Workload {
  name: string;
  run: (dtype: Dtype) => { value: number; grads: Record<string, ArrayLike<number>> };
}

function logSoftmaxRows(logits: Float64Array, C: number): Float64Array {
  for (let r = 0; r < logits.length / C; r++) {
    const row = logits.subarray(r * C, (r + 1) * C);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    for (let c = 0; c < C; c++) row[c]! -= lse;
  }
  return logits;
}

// Sizes that leave tails in 8-, 16- and 4-wide loops.
const WORKLOADS: Workload[] = [
  ...(['mean_squared_error', 'huber'] as const).map((name) => ({
    name,
    run: (dtype: Dtype) => {
      const random = rng(11);
      const [yTrue, yPred] = [uniform(random, 37 * 41, -3, 3), uniform(random, 37 * 41, -3, 3)];
      const r = getLoss(name).valueAndGrad(tensor(yTrue, [37, 41], dtype), tensor(yPred, [37, 41], dtype));
      return { value: r.value as number, grads: { yPred: r.grad.data } };
    },
  })),
  {
    name: 'binary_crossentropy (logits)',
    run: (dtype) => {
      const random = rng(12);
      const yTrue = Float64Array.from({ length: 53 * 29 }, () => (random() < 0.5 ? 0 : 1));
      const r = getLoss('binary_crossentropy', { fromLogits: true }).valueAndGrad(tensor(yTrue, [53, 29], dtype), tensor(uniform(random, 53 * 29, -20, 20), [53, 29], dtype));
      return { value: r.value as number, grads: { yPred: r.grad.data } };
    },
  },
  {
    name: 'sparse_categorical_crossentropy (logits)',
    run: (dtype) => {
      const random = rng(13);
      const [B, C] = [19, 1003];
      const labels = Int32Array.from({ length: B }, () => Math.floor(random() * C));
      const r = getLoss('sparse_categorical_crossentropy', { fromLogits: true }).valueAndGrad(labels, tensor(uniform(random, B * C, -8, 8), [B, C], dtype));
      return { value: r.value as number, grads: { yPred: r.grad.data } };
    },
  },
  {
    name: 'categorical_crossentropy (probabilities)',
    run: (dtype) => {
      const random = rng(14);
      const [B, C] = [7, 77];
      const yTrue = uniform(random, B * C, 0, 1);
      const yPred = uniform(random, B * C, 0.01, 1);
      const r = getLoss('categorical_crossentropy').valueAndGrad(tensor(yTrue, [B, C], dtype), tensor(yPred, [B, C], dtype));
      return { value: r.value as number, grads: { yPred: r.grad.data } };
    },
  },
  {
    name: 'ctc',
    run: (dtype) => {
      const random = rng(15);
      const [T, B, C, S] = [23, 3, 11, 9];
      const logProbs = logSoftmaxRows(uniform(random, T * B * C, -3, 3), C);
      const targets = Int32Array.from({ length: B * S }, () => 1 + Math.floor(random() * (C - 1)));
      const r = getLoss('ctc').valueAndGrad({
        logProbs: tensor(logProbs, [T, B, C], dtype),
        targets: { data: targets, shape: [B, S] },
        inputLengths: Int32Array.from({ length: B }, (_, b) => T - b),
        targetLengths: Int32Array.from({ length: B }, (_, b) => S - b),
      });
      return { value: r.value as number, grads: { logProbs: r.grad.data } };
    },
  },
  {
    name: 'triplet_margin (p = 1.5)',
    run: (dtype) => {
      const random = rng(16);
      const [B, D] = [13, 35];
      const t = () => tensor(uniform(random, B * D, -2, 2), [B, D], dtype);
      const r = getLoss('triplet_margin', { p: 1.5 }).valueAndGrad({ anchor: t(), positive: t(), negative: t() });
      return { value: r.value as number, grads: Object.fromEntries(Object.entries(r.grads!).map(([k, g]) => [k, g.data])) };
    },
  },
];

describe.skipIf(ISAS.length < 2)('scalar, avx2 and avx512 agree', () => {
  const initial = NATIVE_LOADED ? backend() : 'js';
  afterAll(() => {
    setBackend(initial.startsWith('native') ? (initial as BackendName) : 'auto');
  });

  for (const workload of WORKLOADS) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${workload.name} ${dtype} on ${ISAS.join(', ')}`, () => {
        setBackend('native-scalar');
        const reference = workload.run(dtype);
        const { rtol, atol } = TOLERANCE[dtype];
        for (const isa of ISAS.slice(1)) {
          setBackend(isa);
          const got = workload.run(dtype);
          expectClose(got.value, reference.value, rtol, atol, `${isa} value`);
          for (const [input, grad] of Object.entries(reference.grads)) {
            expectAllClose(got.grads[input]!, grad, rtol, atol, `${isa} grad ${input}`);
          }
        }
      });
    }
  }
});
