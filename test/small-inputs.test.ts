// Small inputs: the lean path of lib/loss.ts and the size dispatch of lib/backend/index.ts.
// - Under the default backend ('auto'), a sweep of sizes around SMALL_INPUT_ELEMENTS against a
//   float64 reference written out here (the formulas of lib/losses/regression.ts and binary.ts),
//   to the parity suite's tolerances: results stay consistent across the threshold.
// - Which kernels run: below the threshold 'auto' gives the JS backend's bits, from it on the
//   native ones; an explicit setBackend runs its backend at every size.
// - The lean path gives the same bits as the full path, and keeps every typed error.
import { afterAll, describe, expect, it } from 'vitest';
import { getLoss, LosskitError, setBackend, type LosskitErrorCode, type Tensor } from '../lib/index';
import { SMALL_INPUT_ELEMENTS } from '../lib/backend/index';
import { NATIVE_LOADED } from './helpers/backends';
import { expectAllClose, expectClose } from './helpers/assert-close';
import { rng, uniform } from './helpers/random';

const TOLERANCE = { float32: { rtol: 2e-5, atol: 1e-6 }, float64: { rtol: 1e-12, atol: 1e-13 } };
const JS_ONLY = process.env.LOSSKIT_BACKEND === 'js';

afterAll(() => {
  setBackend(JS_ONLY ? 'js' : 'auto');
});

/** Per-element loss and derivative in yPred, in double (PyTorch's subgradients at kinks). */
type Reference = { value: (y: number, x: number) => number; grad: (y: number, x: number) => number };

const DELTA = 0.7;
const Q = 0.3;
const REFERENCES: Record<string, { options?: Record<string, unknown>; labels?: boolean; ref: Reference }> = {
  mse: { ref: { value: (y, x) => (x - y) ** 2, grad: (y, x) => 2 * (x - y) } },
  mae: { ref: { value: (y, x) => Math.abs(x - y), grad: (y, x) => Math.sign(x - y) } },
  huber: {
    options: { delta: DELTA },
    ref: {
      value: (y, x) => (Math.abs(x - y) <= DELTA ? 0.5 * (x - y) ** 2 : DELTA * (Math.abs(x - y) - 0.5 * DELTA)),
      grad: (y, x) => (Math.abs(x - y) <= DELTA ? x - y : DELTA * Math.sign(x - y)),
    },
  },
  smooth_l1: {
    options: { beta: DELTA },
    ref: {
      value: (y, x) => (Math.abs(x - y) < DELTA ? (0.5 * (x - y) ** 2) / DELTA : Math.abs(x - y) - 0.5 * DELTA),
      grad: (y, x) => (Math.abs(x - y) < DELTA ? (x - y) / DELTA : Math.sign(x - y)),
    },
  },
  quantile: {
    options: { quantile: Q },
    ref: { value: (y, x) => Math.max(Q * (y - x), (Q - 1) * (y - x)), grad: (y, x) => (y > x ? -Q : y < x ? 1 - Q : 0) },
  },
  mape: {
    ref: {
      value: (y, x) => (100 * Math.abs(y - x)) / Math.max(Math.abs(y), 1e-7),
      grad: (y, x) => (100 * Math.sign(x - y)) / Math.max(Math.abs(y), 1e-7),
    },
  },
  // 0/1 labels, which Keras maps to -1/1.
  hinge: {
    labels: true,
    ref: { value: (y, x) => Math.max(0, 1 - (2 * y - 1) * x), grad: (y, x) => (1 - (2 * y - 1) * x > 0 ? -(2 * y - 1) : 0) },
  },
  squared_hinge: {
    labels: true,
    ref: {
      value: (y, x) => Math.max(0, 1 - (2 * y - 1) * x) ** 2,
      grad: (y, x) => -2 * (2 * y - 1) * Math.max(0, 1 - (2 * y - 1) * x),
    },
  },
  // Not arithmetic-only: runs natively at every size under 'auto'; in the sweep all the same.
  binary_crossentropy: {
    options: { fromLogits: true },
    labels: true,
    ref: {
      value: (y, x) => Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x))),
      grad: (y, x) => 1 / (1 + Math.exp(-x)) - y,
    },
  },
};

const T = SMALL_INPUT_ELEMENTS;
const SIZES = [1, 2, 3, 17, 64, T - 33, T - 1, T, T + 1, 2 * T + 5, 1000, 4099];

function inputs(name: string, n: number, dtype: 'float32' | 'float64', seed: number) {
  const random = rng(seed);
  const F = dtype === 'float32' ? Float32Array : Float64Array;
  const labels = REFERENCES[name]!.labels === true;
  const yTrue = F.from(labels ? uniform(random, n, 0, 1).map((u) => (u < 0.5 ? 0 : 1)) : uniform(random, n, 0.1, 2));
  const yPred = F.from(uniform(random, n, -1.5, 2.5));
  return { yTrue, yPred };
}

/** The mean over rows of `rowLength` of the row means, and its gradient, in double. */
function reference(ref: Reference, yTrue: ArrayLike<number>, yPred: ArrayLike<number>, rowLength: number) {
  const n = yPred.length;
  let total = 0;
  const grad = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    total += ref.value(yTrue[i] as number, yPred[i] as number);
    grad[i] = ref.grad(yTrue[i] as number, yPred[i] as number) / n;
  }
  return { value: total / n, grad, gradScale: rowLength / n };
}

describe("the default backend across SMALL_INPUT_ELEMENTS, against a float64 reference", () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const name of Object.keys(REFERENCES)) {
      it(`${name}, ${dtype}: sizes ${SIZES.join(', ')}, 1-D and [rows, 4]`, () => {
        setBackend(JS_ONLY ? 'js' : 'auto');
        const { options, ref } = REFERENCES[name]!;
        const loss = getLoss(name, options);
        const { rtol, atol } = TOLERANCE[dtype];
        for (const n of SIZES) {
          const { yTrue, yPred } = inputs(name, n, dtype, n);
          const want = reference(ref, yTrue, yPred, n);
          const label = `${name} ${dtype} n=${n}`;
          const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
          const got = loss.valueAndGrad(yTrue, yPred, undefined, { out });
          expectClose(got.value as number, want.value, rtol, atol, `${label} value`);
          expectAllClose(got.grad.data, want.grad, rtol, atol, `${label} grad`);
          expect(loss.value(yTrue, yPred), `${label} value alone`).toBe(got.value);
          if (n % 4 === 0) {
            // Rows of 4: the mean of row means is the mean, so the reference is the same.
            const shaped = (data: typeof yTrue) => ({ data, shape: [n / 4, 4] });
            const rows = loss.valueAndGrad(shaped(yTrue), shaped(yPred));
            expectClose(rows.value as number, want.value, rtol, atol, `${label} [rows, 4] value`);
            expectAllClose(rows.grad.data, want.grad, rtol, atol, `${label} [rows, 4] grad`);
            expect(rows.grad.shape).toEqual([n / 4, 4]);
          }
        }
      });
    }
  }
});

describe.skipIf(JS_ONLY || !NATIVE_LOADED)('which kernels run', () => {
  const bits = (backend: 'auto' | 'js' | 'native', name: string, n: number) => {
    setBackend(backend);
    const { options } = REFERENCES[name]!;
    const { yTrue, yPred } = inputs(name, n, 'float32', 1000 + n);
    const { value, grad } = getLoss(name, options).valueAndGrad(yTrue, yPred);
    return { value: value as number, grad: Array.from(grad.data) };
  };

  it('float32 inputs give different bits on the JS and native kernels (so the checks below can tell them apart)', () => {
    expect(bits('js', 'mse', T - 1).value).not.toBe(bits('native', 'mse', T - 1).value);
    expect(bits('js', 'mse', T).value).not.toBe(bits('native', 'mse', T).value);
  });

  for (const name of ['mse', 'mae', 'huber', 'hinge']) {
    it(`${name}: 'auto' runs the JS kernels below ${T} elements and the native ones from ${T} on`, () => {
      for (const n of [1, 64, T - 1]) expect(bits('auto', name, n), `n=${n}`).toEqual(bits('js', name, n));
      for (const n of [T, T + 1, 4099]) expect(bits('auto', name, n), `n=${n}`).toEqual(bits('native', name, n));
    });
  }

  it("losses with exp or log (binary_crossentropy) stay native at every size under 'auto'", () => {
    for (const n of [1, 64, T - 1]) expect(bits('auto', 'binary_crossentropy', n)).toEqual(bits('native', 'binary_crossentropy', n));
  });

  it("an explicit 'native' runs natively at every size, and the async path follows the same dispatch", async () => {
    setBackend('native');
    const { yTrue, yPred } = inputs('mse', 8, 'float32', 3);
    const native = getLoss('mse').value(yTrue, yPred);
    setBackend('js');
    expect(getLoss('mse').value(yTrue, yPred)).not.toBe(native);
    setBackend('native');
    expect(await getLoss('mse').valueAsync(yTrue, yPred)).toBe(native);
    setBackend('auto');
    expect(await getLoss('mse').valueAsync(yTrue, yPred)).toBe(getLoss('mse').value(yTrue, yPred));
  });
});

describe('the lean path against the full path', () => {
  const backends = JS_ONLY ? (['js'] as const) : NATIVE_LOADED ? (['auto', 'js', 'native'] as const) : (['auto', 'js'] as const);
  for (const backend of backends) {
    it(`same bits for typed arrays and for named inputs (full path) on '${backend}'`, () => {
      setBackend(backend);
      for (const name of Object.keys(REFERENCES)) {
        for (const dtype of ['float32', 'float64'] as const) {
          for (const n of [5, 64, T, 1000]) {
            const { options } = REFERENCES[name]!;
            const loss = getLoss(name, options);
            const { yTrue, yPred } = inputs(name, n, dtype, 7 * n);
            const label = `${name} ${dtype} n=${n}`;
            const full = loss.valueAndGrad({ yTrue, yPred });
            const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
            const lean = loss.valueAndGrad(yTrue, yPred, undefined, { out });
            expect(lean.value, label).toBe(full.value);
            expect(lean.grad.data, label).toBe(out);
            expect(Array.from(out), label).toEqual(Array.from(full.grad.data));
            expect(lean.grad.shape).toEqual([n]);
            expect(lean.grad.dtype).toBe(dtype);
            expect(loss.value(yTrue, yPred), label).toBe(loss.value({ yTrue, yPred }));
            expect(Array.from(loss.grad(yTrue, yPred).data), label).toEqual(Array.from(full.grad.data));
            const sum = getLoss(name, { ...options, reduction: 'sum' });
            expect(sum.value(yTrue, yPred), `${label} sum`).toBe(sum.value({ yTrue, yPred }));
          }
        }
      }
    });
  }

  it("the returned shape is a copy of the caller's", () => {
    const shape = [2, 3];
    const result = getLoss('mse').valueAndGrad({ data: new Float32Array(6), shape }, { data: new Float32Array(6), shape });
    expect(result.grad.shape).toEqual([2, 3]);
    expect(result.grad.shape).not.toBe(shape);
  });
});

describe('typed errors on inputs the lean path would take if they were valid', () => {
  const mse = getLoss('mse');
  const f32 = (n: number) => new Float32Array(n);
  const expectError = (fn: () => unknown, code: LosskitErrorCode, argument: string, message: RegExp) => {
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(caught, 'expected a LosskitError').toBeInstanceOf(LosskitError);
    expect((caught as LosskitError).code).toBe(code);
    expect((caught as LosskitError).argument).toBe(argument);
    expect((caught as LosskitError).message).toMatch(message);
  };

  it('lengths, shapes, dtypes, empty inputs', () => {
    expectError(() => mse.value(f32(4), f32(5)), 'LOSSKIT_SHAPE_MISMATCH', 'yTrue', /got yTrue: \[4\], yPred: \[5\]/);
    expectError(() => mse.value({ data: f32(6), shape: [2, 3] }, { data: f32(6), shape: [3, 2] }), 'LOSSKIT_SHAPE_MISMATCH', 'yTrue', /\[2,3\]/);
    expectError(() => mse.value(f32(6), { data: f32(6), shape: [4, 2] }), 'LOSSKIT_SHAPE_MISMATCH', 'yPred', /\[4,2\]/);
    expectError(() => mse.value(f32(6), { data: f32(6), shape: [2.5, 2] }), 'LOSSKIT_INVALID_TYPE', 'yPred', /invalid shape/);
    expectError(() => mse.value(f32(0), f32(0)), 'LOSSKIT_EMPTY_INPUT', 'yPred', /non-empty/);
    expectError(() => mse.value(f32(3), new Int32Array(3)), 'LOSSKIT_INVALID_TYPE', 'yPred', /got Int32Array/);
  });

  it('out: dtype, length, shared memory', () => {
    expectError(() => mse.valueAndGrad(f32(4), f32(4), undefined, { out: new Float64Array(4) }), 'LOSSKIT_INVALID_TYPE', 'out', /Float32Array/);
    expectError(() => mse.valueAndGrad(f32(4), f32(4), undefined, { out: f32(5) }), 'LOSSKIT_SHAPE_MISMATCH', 'out', /4 elements/);
    const yPred = f32(8);
    expectError(() => mse.valueAndGrad(f32(4), yPred.subarray(0, 4), undefined, { out: yPred.subarray(2, 6) }), 'LOSSKIT_INVALID_VALUE', 'out', /share memory/);
    // Views of one buffer that do not overlap are fine.
    const result = mse.valueAndGrad(f32(4), yPred.subarray(0, 4), undefined, { out: yPred.subarray(4, 8) });
    expect((result.grad as Tensor).data.byteOffset).toBe(16);
  });
});

describe('the JS kernels without code generation from strings (a CSP, or the Node flag)', () => {
  it('fall back to the shared driver with the same results', async () => {
    const { spawnSync } = await import('node:child_process');
    const path = await import('node:path');
    const probe = `
      const lk = require(${JSON.stringify(path.resolve(__dirname, '../dist/cjs/index.js'))});
      lk.setBackend('js');
      const yTrue = Float32Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 1 : 0));
      const yPred = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i) * 2);
      const out = [];
      for (const [name, options] of [['mse', {}], ['huber', { delta: 0.5 }], ['hinge', {}], ['binary_crossentropy', { fromLogits: true }]]) {
        const r = lk.getLoss(name, options).valueAndGrad({ data: yTrue, shape: [100, 3] }, { data: yPred, shape: [100, 3] });
        out.push([r.value, Array.from(r.grad.data)]);
      }
      console.log(JSON.stringify(out));`;
    const run = (flags: string[]) => {
      const result = spawnSync(process.execPath, [...flags, '-e', probe], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout);
    };
    expect(run(['--disallow-code-generation-from-strings'])).toEqual(run([]));
  }, 60_000);
});
