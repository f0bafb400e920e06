// Property-based tests (fast-check) of the structured losses (named inputs): triplet_margin,
// the pair losses (contrastive, cosine_embedding, margin_ranking), ctc and feature_matching.
// Random batch and feature sizes (0-size included), dtypes, valid options, reductions and sample
// weights: every native backend within the parity tolerances of the JS fallback, async bit for
// bit equal to sync, every gradient of its input's shape and dtype; empty or inconsistent inputs
// a LosskitError naming the argument.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LosskitError, REDUCTIONS, getLoss, setBackend, type Tensor } from '../lib/index';
import { BACKENDS } from './helpers/backends';
import { expectAllClose, expectClose } from './helpers/assert-close';
import { seeded } from './helpers/arbitraries';

const NATIVE = BACKENDS.filter((b) => b !== 'js');
// test/parity.test.ts's tolerances; gradients' atol scales with their largest entry.
const TOLERANCE = { float32: { rtol: 2e-5, atol: 1e-6 }, float64: { rtol: 1e-12, atol: 1e-13 } };

const counts: Record<string, number> = {};
afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`property-structured cases: ${JSON.stringify(counts)} total ${total} (backends: ${BACKENDS.join(', ')})`);
});

type Dtype = 'float32' | 'float64';
type Result = { value: number | Tensor; grad: Tensor; grads?: Record<string, Tensor> };
const grid = (min: number, max: number) => fc.integer({ min: 0, max: 1000 }).map((k) => min + ((max - min) * k) / 1000);

interface StructuredCase {
  loss: string;
  options: Record<string, unknown>;
  reduction: string;
  dtype: Dtype;
  /** Builds the named inputs (deterministic in the seed). */
  seed: number;
  sizes: number[];
  weighted: boolean;
}

/** Each loss: options, sizes, the inputs for those sizes, the gradient inputs and the per-sample shape. */
interface LossShape {
  options: fc.Arbitrary<Record<string, unknown>>;
  sizes: fc.Arbitrary<number[]>;
  inputs(sizes: number[], dtype: Dtype, random: () => number, options: Record<string, unknown>): Record<string, unknown>;
  /** Inputs that receive a gradient, and their shapes. */
  grads(sizes: number[], options: Record<string, unknown>): Record<string, number[]>;
  perSample(sizes: number[], options: Record<string, unknown>): number[];
  empty(sizes: number[]): boolean;
  /** The argument a 0-size case names. */
  emptyArgument: string[];
}

const typed = (dtype: Dtype, n: number, f: () => number): Float32Array | Float64Array =>
  dtype === 'float32' ? Float32Array.from({ length: n }, f) : Float64Array.from({ length: n }, f);
const dim = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 8, arbitrary: fc.integer({ min: 1, max: 9 }) });

const pairLike = (loss: string, options: fc.Arbitrary<Record<string, unknown>>, label: (random: () => number) => number): LossShape => ({
  options,
  sizes: fc.tuple(dim, dim),
  inputs: ([b, d], dtype, random) => ({
    x1: { data: typed(dtype, b! * d!, () => 4 * random() - 2), shape: [b, d] },
    x2: { data: typed(dtype, b! * d!, () => 4 * random() - 2), shape: [b, d] },
    labels: { data: typed(dtype, loss === 'margin_ranking' ? b! * d! : b!, () => label(random)), shape: loss === 'margin_ranking' ? [b, d] : [b] },
  }),
  grads: ([b, d]) => (loss === 'margin_ranking' ? { x1: [b!, d!], x2: [b!, d!] } : { x1: [b!, d!], x2: [b!, d!] }),
  perSample: ([b, d]) => (loss === 'margin_ranking' ? [b!, d!] : [b!]),
  empty: ([b, d]) => b! * d! === 0,
  emptyArgument: ['x1', 'x2', 'labels'],
});

const LOSSES: Record<string, LossShape> = {
  triplet_margin: {
    options: fc.record({ margin: grid(0, 3), p: fc.constantFrom(1, 2, 3, 1.5, 0.5), eps: grid(0, 1e-3), swap: fc.boolean() }),
    sizes: fc.tuple(dim, dim),
    inputs: ([b, d], dtype, random) => {
      const make = () => ({ data: typed(dtype, b! * d!, () => 4 * random() - 2), shape: [b, d] });
      return { anchor: make(), positive: make(), negative: make() };
    },
    grads: ([b, d]) => ({ anchor: [b!, d!], positive: [b!, d!], negative: [b!, d!] }),
    perSample: ([b]) => [b!],
    empty: ([b, d]) => b! * d! === 0,
    emptyArgument: ['anchor'],
  },
  contrastive: pairLike('contrastive', fc.record({ margin: grid(0, 3), eps: grid(0, 1e-3) }), (r) => (r() < 0.5 ? 0 : 1)),
  cosine_embedding: pairLike('cosine_embedding', fc.record({ margin: grid(-1, 1) }), (r) => (r() < 0.5 ? -1 : 1)),
  margin_ranking: pairLike('margin_ranking', fc.record({ margin: grid(-1, 1) }), (r) => (r() < 0.5 ? -1 : 1)),
  ctc: {
    options: fc.record({ zeroInfinity: fc.boolean(), batchFirst: fc.boolean(), gradForm: fc.constantFrom('exact', 'torch'), blank: fc.constantFrom(0, -1) }),
    // [T, B, C, S]
    sizes: fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 5 })),
    inputs: ([t, b, c, s], dtype, random, options) => {
      const blank = (options.blank as number) === -1 ? Math.max(0, c! - 1) : 0;
      // log-softmax rows
      const n = t! * b! * c!;
      const logits = Array.from({ length: n }, () => 4 * random() - 2);
      const logProbs = typed(dtype, n, () => 0);
      for (let r = 0; r < t! * b!; r++) {
        let max = -Infinity;
        for (let k = 0; k < c!; k++) max = Math.max(max, logits[r * c! + k]!);
        let sum = 0;
        for (let k = 0; k < c!; k++) sum += Math.exp(logits[r * c! + k]! - max);
        for (let k = 0; k < c!; k++) logProbs[r * c! + k] = logits[r * c! + k]! - max - Math.log(sum);
      }
      const nonBlank = Array.from({ length: c! }, (_, k) => k).filter((k) => k !== blank);
      const targetLengths = Int32Array.from({ length: b! }, () => (nonBlank.length ? Math.floor(random() * (s! + 1)) : 0));
      const targets = Int32Array.from({ length: b! * s! }, () => (nonBlank.length ? nonBlank[Math.floor(random() * nonBlank.length)]! : 0));
      const inputLengths = Int32Array.from({ length: b! }, () => Math.floor(random() * (t! + 1)));
      return {
        logProbs: { data: logProbs, shape: options.batchFirst ? [b, t, c] : [t, b, c] },
        targets: { data: targets, shape: [b, s] },
        inputLengths,
        targetLengths,
      };
    },
    grads: ([t, b, c], options) => ({ logProbs: options.batchFirst ? [b!, t!, c!] : [t!, b!, c!] }),
    perSample: ([, b]) => [b!],
    empty: ([t, b, c]) => t! * b! * c! === 0,
    emptyArgument: ['logProbs'],
  },
  feature_matching: {
    options: fc.record({ distance: fc.constantFrom('l1', 'l2') }),
    // [B, layers, features of layer 1, of layer 2]
    sizes: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), dim, dim),
    inputs: ([b, layers, f1, f2], dtype, random) => {
      const layer = (l: number) => {
        const f = l % 2 === 0 ? f1! : f2!;
        return { data: typed(dtype, b! * f, () => 4 * random() - 2), shape: [b, f] };
      };
      return {
        predicted: Array.from({ length: layers! }, (_, l) => layer(l)),
        target: Array.from({ length: layers! }, (_, l) => layer(l)),
      };
    },
    grads: ([b, , f1]) => ({ 'predicted[0]': [b!, f1!] }),
    perSample: ([b]) => [b!],
    empty: ([b, layers, f1, f2]) => b! * f1! === 0 || (layers! > 1 && b! * f2! === 0),
    emptyArgument: ['predicted[0]', 'predicted[1]', 'predicted[2]', 'target[0]', 'target[1]', 'target[2]'],
  },
};

const caseArb: fc.Arbitrary<StructuredCase> = fc.constantFrom(...Object.keys(LOSSES)).chain((loss) =>
  fc.record({
    loss: fc.constant(loss),
    options: LOSSES[loss]!.options,
    reduction: fc.constantFrom(...REDUCTIONS),
    dtype: fc.constantFrom<Dtype>('float32', 'float64'),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    sizes: LOSSES[loss]!.sizes,
    weighted: fc.boolean(),
  }),
);

function build(c: StructuredCase): Record<string, unknown> {
  const shape = LOSSES[c.loss]!;
  const random = seeded(c.seed);
  const inputs = shape.inputs(c.sizes, c.dtype, random, c.options);
  if (c.weighted) {
    const perSample = shape.perSample(c.sizes, c.options);
    inputs.sampleWeight = { data: Float64Array.from({ length: perSample.reduce((a, b) => a * b, 1) }, () => 2 * random()), shape: perSample };
  }
  return inputs;
}

function optionsOf(c: StructuredCase): Record<string, unknown> {
  const options: Record<string, unknown> = { ...c.options, reduction: c.reduction };
  if (c.loss === 'ctc') options.blank = (c.options.blank as number) === -1 ? Math.max(0, (c.sizes[2] as number) - 1) : 0;
  return options;
}

function gradsOf(r: Result): Record<string, Tensor> {
  return r.grads ?? {};
}

function compare(c: StructuredCase, got: Result, want: Result, label: string): void {
  const { rtol, atol } = TOLERANCE[c.dtype];
  if (typeof want.value === 'number') expectClose(got.value as number, want.value, rtol, atol, `${label} value`);
  else expectAllClose((got.value as Tensor).data, want.value.data, rtol, atol, `${label} per-sample`);
  const pairs: Array<[string, Tensor, Tensor]> = [['grad', got.grad, want.grad]];
  for (const [name, g] of Object.entries(gradsOf(want))) pairs.push([name, gradsOf(got)[name]!, g]);
  for (const [name, g, w] of pairs) {
    let scale = 0;
    for (const v of w.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    expectAllClose(g.data, w.data, rtol, atol * Math.max(1, scale), `${label} ${name}`);
  }
}

function checkShapes(c: StructuredCase, r: Result, label: string): void {
  const shape = LOSSES[c.loss]!;
  if (c.reduction === 'none') expect((r.value as Tensor).shape, `${label} per-sample shape`).toEqual(shape.perSample(c.sizes, c.options));
  else expect(typeof r.value, `${label} value`).toBe('number');
  const expected = shape.grads(c.sizes, c.options);
  const [primary] = Object.keys(expected);
  expect(r.grad.shape, `${label} grad shape`).toEqual(expected[primary!]);
  expect(r.grad.dtype, `${label} grad dtype`).toBe(c.dtype);
  expect(r.grad.data.length).toBe(expected[primary!]!.reduce((a, b) => a * b, 1));
  for (const [name, s] of Object.entries(expected)) {
    const g = name === primary ? r.grad : gradsOf(r)[name];
    if (!g) continue;
    expect(g.shape, `${label} ${name} grad shape`).toEqual(s);
    expect(g.dtype, `${label} ${name} grad dtype`).toBe(c.dtype);
  }
}

function bitwise(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe('property: structured losses give the right answer on every backend', () => {
  it('random sizes, options, reductions and weights', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        counts[c.loss] = (counts[c.loss] ?? 0) + 1;
        const shape = LOSSES[c.loss]!;
        const inputs = build(c);
        const options = optionsOf(c);
        const label = `${c.loss} ${JSON.stringify(options)} sizes [${c.sizes}] ${c.dtype} weighted ${c.weighted} seed ${c.seed}`;
        const results: Array<[string, Result]> = [];
        for (const backend of BACKENDS) {
          setBackend(backend);
          let result: Result | undefined;
          let error: unknown;
          try {
            result = getLoss(c.loss, options).valueAndGrad(inputs as never) as Result;
          } catch (e) {
            error = e;
          }
          if (shape.empty(c.sizes)) {
            expect(error, `${label} on ${backend}: a LosskitError`).toBeInstanceOf(LosskitError);
            const e = error as LosskitError;
            expect(['LOSSKIT_EMPTY_INPUT', 'LOSSKIT_SHAPE_MISMATCH'], `${label}: ${e.message}`).toContain(e.code);
            expect(shape.emptyArgument, `${label}: ${e.message}`).toContain(e.argument);
            expect(e.message).toContain(`'${e.argument}'`);
            continue;
          }
          expect(error, `${label} on ${backend} threw`).toBeUndefined();
          checkShapes(c, result!, `${label} on ${backend}`);
          results.push([backend, result!]);
        }
        if (shape.empty(c.sizes)) return;
        const want = results[0]![1];
        for (const [backend, got] of results.slice(1)) compare(c, got, want, `${label} ${backend} vs js`);
        if (NATIVE.length > 0) {
          const backend = NATIVE[c.seed % NATIVE.length]!;
          setBackend(backend);
          const loss = getLoss(c.loss, options);
          const sync = loss.valueAndGrad(inputs as never) as Result;
          const asyncResult = (await loss.valueAndGradAsync(inputs as never)) as Result;
          if (typeof sync.value === 'number') expect(Object.is(asyncResult.value, sync.value), `${label} async value`).toBe(true);
          else expect(bitwise((asyncResult.value as Tensor).data, sync.value.data), `${label} async per-sample`).toBe(true);
          expect(bitwise(asyncResult.grad.data, sync.grad.data), `${label} async grad`).toBe(true);
          for (const [name, g] of Object.entries(gradsOf(sync))) expect(bitwise(gradsOf(asyncResult)[name]!.data, g.data), `${label} async ${name}`).toBe(true);
        }
      }),
      { seed: 0x10556, numRuns: 2500 },
    );
  }, 120_000);
});

describe('property: corrupted ctc lengths and labels give a typed error naming them', () => {
  const BAD = [-1, -(2 ** 31), 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 40, 2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY];
  const ctcCase = caseArb.filter((c) => c.loss === 'ctc' && !LOSSES.ctc!.empty(c.sizes) && (c.sizes[1] as number) > 0);
  it('one entry of inputLengths, targetLengths or targets replaced', () => {
    fc.assert(
      fc.property(ctcCase, fc.constantFrom('inputLengths', 'targetLengths', 'targets', 'tooLong'), fc.constantFrom(...BAD), fc.nat(), (c, where, bad, salt) => {
        const inputs = build(c) as { inputLengths: Int32Array; targetLengths: Int32Array; targets: { data: Int32Array; shape: number[] } };
        const [t, b, classes, s] = c.sizes as [number, number, number, number];
        const item = salt % b;
        let argument: string = where;
        if (where === 'inputLengths' || where === 'targetLengths') {
          const lengths = Array.from(inputs[where]) as number[];
          lengths[item] = bad;
          (inputs as Record<string, unknown>)[where] = lengths;
        } else if (where === 'tooLong') {
          // A length just past its bound: T + 1 for an input, S + 1 for a padded target.
          const lengths = Array.from(inputs.inputLengths) as number[];
          lengths[item] = t + 1;
          (inputs as Record<string, unknown>).inputLengths = lengths;
          argument = 'inputLengths';
        } else {
          const lengths = inputs.targetLengths;
          const withTarget = Array.from({ length: b }, (_, k) => k).filter((k) => (lengths[k] as number) > 0);
          if (withTarget.length === 0) return;
          const k = withTarget[salt % withTarget.length]!;
          const data = Array.from(inputs.targets.data) as number[];
          data[k * s + (salt % (lengths[k] as number))] = Number.isInteger(bad) && bad >= 0 && bad < classes ? classes : bad;
          inputs.targets = { data: data as never, shape: inputs.targets.shape };
        }
        counts['ctc-corrupted'] = (counts['ctc-corrupted'] ?? 0) + 1;
        for (const backend of BACKENDS) {
          setBackend(backend);
          let error: unknown;
          try {
            getLoss('ctc', optionsOf(c)).valueAndGrad(inputs as never);
          } catch (e) {
            error = e;
          }
          const label = `ctc ${where}=${bad} sizes [${c.sizes}] on ${backend}`;
          expect(error, `${label}: a LosskitError`).toBeInstanceOf(LosskitError);
          const e = error as LosskitError;
          expect(['LOSSKIT_INVALID_VALUE', 'LOSSKIT_INVALID_TYPE'], `${label}: ${e.message}`).toContain(e.code);
          expect(e.argument, `${label}: ${e.message}`).toBe(argument);
          expect(e.message).toContain(`'${argument}'`);
        }
      }),
      { seed: 0x10557, numRuns: 800 },
    );
  });
});
