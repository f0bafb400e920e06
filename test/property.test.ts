// Property-based tests (fast-check) over every yTrue/yPred loss of the registry: random shapes
// (rank 1..4, 0-size axes included), dtypes, input forms, valid options, reductions and sample
// weights. Each case must give the right answer (every native backend within the parity tests'
// tolerance of the JS fallback, async bit for bit equal to sync, value and gradient of the right
// shape and dtype) or the library's typed input error naming the argument; never a crash, a
// hang or a wrong-sized result. Invalid options and invalid inputs must give a LosskitError with
// the right code that names the argument. Every property runs with a fixed seed; the number of
// generated cases is printed at the end.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LosskitError, getLoss, setBackend, type BackendName, type Tensor } from '../lib/index';
import { ALL_SPECS } from '../lib/losses/registry';
import { BACKENDS } from './helpers/backends';
import { expectAllClose, expectClose } from './helpers/assert-close';
import {
  AXIS_LOSSES,
  DOMAINS,
  LOSS_NAMES,
  SAMPLE_ROW_LOSSES,
  lossCaseArb,
  nest,
  seeded,
  valuesIn,
  type LossCase,
} from './helpers/arbitraries';

const NATIVE = BACKENDS.filter((b) => b !== 'js');
// The parity tests' tolerances (test/parity.test.ts): float32 kernels compute in float32, the JS
// fallback in double; the gradient's atol scales with its largest entry.
const TOLERANCE = { float32: { rtol: 2e-5, atol: 1e-6 }, float64: { rtol: 1e-12, atol: 1e-13 } };

const counts: Record<string, number> = {};
function count(property: string): void {
  counts[property] = (counts[property] ?? 0) + 1;
}
afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`property cases: ${JSON.stringify(counts)} total ${total} (backends: ${BACKENDS.join(', ')})`);
});

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function normalizedAxis(options: Record<string, unknown>, rank: number): number {
  const axis = (options.axis as number | undefined) ?? -1;
  return axis < 0 ? axis + rank : axis;
}

/** The per-sample shape a loss reports for yPred's shape. */
function perSampleShape(c: LossCase): number[] {
  if (SAMPLE_ROW_LOSSES.has(c.name)) return c.shape.slice(0, 1);
  if (AXIS_LOSSES.has(c.name)) {
    const axis = normalizedAxis(c.options, c.shape.length);
    return c.shape.filter((_, i) => i !== axis);
  }
  return c.shape.slice(0, -1);
}

interface Built {
  inputs: Record<string, unknown>;
  /** The dtype the loss computes in: yPred's (nested arrays are float64). */
  dtype: 'float32' | 'float64';
}

/** The inputs of a case (deterministic in its seed). */
function build(c: LossCase): Built {
  const random = seeded(c.seed);
  const domain = DOMAINS[c.name]!(c.options);
  const n = elements(c.shape);
  const Ctor = c.dtype === 'float32' ? Float32Array : Float64Array;
  const Other = c.dtype === 'float32' ? Float64Array : Float32Array;
  const yPredData = Ctor.from(valuesIn(random, n, domain.yPred, c.values, c.dtype));
  // A bare number is not a tensor (only sampleWeight takes one), so shape [] stays { data, shape }.
  const tensor = (data: ArrayLike<number>, shape: number[]) => (c.form === 'nested' && shape.length > 0 ? nest(Array.from(data), shape) : { data, shape });
  let yTrue: unknown;
  if (domain.labels === 'classes') {
    const classes = c.shape.at(-1) as number;
    const ignore = c.options.ignoreClass as number | null;
    const labels = Int32Array.from({ length: n / Math.max(1, classes) || 0 }, () =>
      ignore !== null && random() < 0.2 ? ignore : Math.floor(random() * classes),
    );
    yTrue = tensor(labels, c.shape.slice(0, -1));
  } else {
    const values =
      domain.labels === 'binary'
        ? Array.from({ length: n }, () => (random() < 0.5 ? 0 : 1))
        : domain.labels === 'pm1'
          ? Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1))
          : // extremes that stay finite in a Float32Array yTrue, or once converted to float32 yPred's
            // dtype (1e150 would be Infinity)
            valuesIn(random, n, domain.yTrue, c.values, c.yTrueOtherDtype ? 'float32' : c.dtype);
    yTrue = tensor((c.yTrueOtherDtype ? Other : Ctor).from(values), c.shape);
  }
  const inputs: Record<string, unknown> = { yTrue, yPred: tensor(yPredData, c.shape) };
  if (domain.variance) inputs.variance = tensor(Ctor.from(valuesIn(random, n, domain.variance, 'domain', c.dtype)), c.shape);
  const perSample = perSampleShape(c);
  if (c.sampleWeight === 'scalar') inputs.sampleWeight = 2 * random();
  else if (c.sampleWeight !== 'none') {
    const shape = c.sampleWeight === 'full' ? perSample : perSample.slice(0, Math.floor(random() * (perSample.length + 1)));
    inputs.sampleWeight = { data: Float64Array.from({ length: elements(shape) }, () => 2 * random()), shape };
  }
  return { inputs, dtype: c.form === 'nested' ? 'float64' : c.dtype };
}

/** One call, in one of three forms picked by the seed: named inputs; positional
 * (yTrue, yPred, sampleWeight, { out, variance }) with a caller's gradient buffer, which must
 * come back as grad.data; and, for rank-1 typed inputs, the bare typed arrays (the lean path). */
function run(backend: BackendName, c: LossCase, inputs: Record<string, unknown>) {
  setBackend(backend);
  const loss = getLoss(c.name, { ...c.options, reduction: c.reduction });
  const form = c.seed % 3;
  if (form === 0) return loss.valueAndGrad(inputs);
  const n = elements(c.shape);
  const bare = (t: unknown) => (form === 2 && c.shape.length === 1 && t && typeof t === 'object' && 'data' in t ? (t as { data: unknown }).data : t);
  const dtype = c.form === 'nested' ? 'float64' : c.dtype;
  const out = form === 1 && n > 0 ? new (dtype === 'float32' ? Float32Array : Float64Array)(n).fill(Number.NaN) : undefined;
  const result = loss.valueAndGrad(bare(inputs.yTrue) as never, bare(inputs.yPred) as never, inputs.sampleWeight as never, { out, variance: inputs.variance as never });
  if (out) expect(result.grad.data, 'the out buffer is returned as grad.data').toBe(out);
  return result;
}

/** A LosskitError naming `argument` (one of several), with a code from `codes`. */
function expectTypedError(error: unknown, codes: readonly string[], argumentNames: readonly string[], label: string): void {
  expect(error, `${label}: a LosskitError (got ${String(error)})`).toBeInstanceOf(LosskitError);
  const e = error as LosskitError;
  expect(codes, `${label}: code of "${e.message}"`).toContain(e.code);
  expect(argumentNames, `${label}: argument of "${e.message}"`).toContain(e.argument);
  expect(e.message, `${label}: message names the argument`).toContain(`'${e.argument}'`);
}

function catching<T>(f: () => T): { result?: T; error?: unknown } {
  try {
    return { result: f() };
  } catch (error) {
    return { error };
  }
}

function checkShapes(c: LossCase, dtype: string, result: { value: number | Tensor; grad: Tensor }, label: string): void {
  if (c.reduction === 'none') {
    const value = result.value as Tensor;
    expect(value.shape, `${label} per-sample shape`).toEqual(perSampleShape(c));
    expect(value.data.length, `${label} per-sample length`).toBe(elements(perSampleShape(c)));
  } else {
    expect(typeof result.value, `${label} value`).toBe('number');
  }
  expect(result.grad.shape, `${label} grad shape`).toEqual(c.shape);
  expect(result.grad.dtype, `${label} grad dtype`).toBe(dtype);
  expect(result.grad.data.length, `${label} grad length`).toBe(elements(c.shape));
  expect(result.grad.data instanceof (dtype === 'float32' ? Float32Array : Float64Array), `${label} grad array`).toBe(true);
}

function compareToJs(c: LossCase, dtype: 'float32' | 'float64', got: { value: number | Tensor; grad: Tensor }, want: { value: number | Tensor; grad: Tensor }, label: string): void {
  const { rtol, atol } = TOLERANCE[dtype];
  if (typeof want.value === 'number') expectClose(got.value as number, want.value, rtol, atol, `${label} value`);
  else expectAllClose((got.value as Tensor).data, want.value.data, rtol, atol, `${label} per-sample`);
  let gradScale = 0;
  for (const g of want.grad.data) if (Number.isFinite(g)) gradScale = Math.max(gradScale, Math.abs(g));
  expectAllClose(got.grad.data, want.grad.data, rtol, atol * Math.max(1, gradScale), `${label} grad`);
}

function bitwiseEqual(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Native results beyond the tolerance of the JS ones on 'extreme' cases, by loss (reported,
 * not asserted: float32 kernels compute in float32, so 1e15-sized inputs lose every digit to
 * cancellation, and overflow thresholds differ between formulas). */
const extremeDisagreements: Record<string, { count: number; example: string }> = {};
afterAll(() => {
  if (Object.keys(extremeDisagreements).length) console.log(`extreme-value disagreements with js (not asserted): ${JSON.stringify(extremeDisagreements, null, 1)}`);
});

/** The whole check of one valid case on every backend. With `strict` false (extreme values),
 * native results are checked for shape, dtype, and async == sync, and disagreements with the JS
 * fallback are tallied instead of failing. */
async function checkValidCase(c: LossCase, property: string, strict = true): Promise<void> {
  count(property);
  const { inputs, dtype } = build(c);
  const label = `${c.name} ${JSON.stringify(c.options)} ${c.reduction} [${c.shape}] ${c.dtype} ${c.form} weight ${c.sampleWeight} seed ${c.seed}`;
  const empty = elements(c.shape) === 0;
  const js = catching(() => run('js', c, inputs));
  if (empty) {
    // Nested arrays lose the axes after a 0-size one, so the error may name yPred or yTrue.
    for (const backend of BACKENDS) {
      const { error } = catching(() => run(backend, c, inputs));
      expectTypedError(error, ['LOSSKIT_EMPTY_INPUT', 'LOSSKIT_SHAPE_MISMATCH'], ['yPred', 'yTrue'], `${label} on ${backend}`);
    }
    return;
  }
  expect(js.error, `${label} on js threw`).toBeUndefined();
  const want = js.result!;
  checkShapes(c, dtype, want as never, `${label} on js`);
  for (const backend of NATIVE) {
    const got = catching(() => run(backend, c, inputs));
    expect(got.error, `${label} on ${backend} threw`).toBeUndefined();
    checkShapes(c, dtype, got.result as never, `${label} on ${backend}`);
    if (strict) compareToJs(c, dtype, got.result as never, want as never, `${label} ${backend} vs js`);
    else {
      try {
        compareToJs(c, dtype, got.result as never, want as never, `${label} ${backend} vs js`);
      } catch (error) {
        const entry = (extremeDisagreements[`${c.name} ${dtype}`] ??= { count: 0, example: String((error as Error).message).split('\n')[0]!.slice(0, 400) });
        entry.count++;
      }
    }
  }
  if (NATIVE.length > 0) {
    // The async twin (copies of every array, jobs.h) gives the sync call's bits.
    const backend = NATIVE[c.seed % NATIVE.length]!;
    setBackend(backend);
    const loss = getLoss(c.name, { ...c.options, reduction: c.reduction });
    const sync = loss.valueAndGrad(inputs);
    const asyncResult = await loss.valueAndGradAsync(inputs);
    if (typeof sync.value === 'number') expect(Object.is(asyncResult.value, sync.value), `${label} async value on ${backend}`).toBe(true);
    else expect(bitwiseEqual((asyncResult.value as Tensor).data, sync.value.data), `${label} async per-sample on ${backend}`).toBe(true);
    expect(bitwiseEqual(asyncResult.grad.data, sync.grad.data), `${label} async grad on ${backend}`).toBe(true);
  }
}

const RUNS = Number(process.env.LOSSKIT_PROPERTY_RUNS ?? 0) || undefined;

describe('property: valid inputs give the right answer on every backend', () => {
  it('covers every yTrue/yPred loss of the registry', () => {
    const kinds = ALL_SPECS.filter((s) => s.kind !== 'structured').map((s) => s.name);
    expect([...LOSS_NAMES].sort()).toEqual([...kinds].sort());
  });

  it('values in each loss domain', async () => {
    await fc.assert(fc.asyncProperty(lossCaseArb(), (c) => checkValidCase(c, 'valid-domain')), { seed: 0x10551, numRuns: RUNS ?? 3000 });
  }, 120_000);

  it('values with extremes (0, -0, subnormals, +-1e15 / +-1e150) mixed in', async () => {
    await fc.assert(fc.asyncProperty(lossCaseArb(LOSS_NAMES, fc.constant('extreme')), (c) => checkValidCase(c, 'valid-extreme', false)), { seed: 0x10552, numRuns: RUNS ?? 1500 });
  }, 120_000);
});

describe.each(BACKENDS)('softmax of rows with huge tied logits on %s (found by the extreme-value property)', (backend) => {
  // max + log(sum) rounds to max at 1e150, so the JS fallback's exp(x - lse) gave each of two
  // tied maxima softmax 1 (a gradient twice the native one); softmax = exp(x - max) / sum.
  const yPred = { data: Float64Array.from([1e150, 1e150, 0, -1e150]), shape: [1, 4] };
  it.each([
    ['sparse_categorical_crossentropy', { data: Int32Array.from([0]), shape: [1] }],
    ['categorical_crossentropy', { data: Float64Array.from([1, 0, 0, 0]), shape: [1, 4] }],
    ['categorical_focal_crossentropy', { data: Float64Array.from([1, 0, 0, 0]), shape: [1, 4] }],
  ] as const)('%s', (name, yTrue) => {
    setBackend(backend);
    const { grad } = getLoss(name, { fromLogits: true, ...(name === 'categorical_focal_crossentropy' ? { gamma: 0, alpha: 1 } : {}) }).valueAndGrad(yTrue, yPred);
    expectAllClose(grad.data, [-0.5, 0.5, 0, 0], 1e-12, 0, `${name} grad`);
  });
});
