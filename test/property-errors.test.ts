// Property-based tests (fast-check) of the library's typed errors: every invalid option of every
// registered loss, and corrupted inputs (shapes, types, ragged or non-numeric nested arrays,
// out-of-range axes, class weights and labels, negative variances), give a LosskitError with the
// right code whose `argument` is the argument at fault and whose message names it, on the JS
// fallback and on a native backend alike. Non-finite inputs (NaN, +-Infinity) give a result of
// the right shape and dtype or a typed error, never a crash; how NaN propagates is reported, not
// asserted (the NaN/Inf policy is decided elsewhere).
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LosskitError, getLoss, setBackend, type BackendName, type Tensor } from '../lib/index';
import { ALL_SPECS } from '../lib/losses/registry';
import { BACKENDS } from './helpers/backends';
import { AXIS_LOSSES, DOMAINS, LOSS_NAMES, SAMPLE_ROW_LOSSES, lossCaseArb, seeded, valuesIn, type LossCase } from './helpers/arbitraries';

const NATIVE = BACKENDS.filter((b) => b !== 'js');
const CHECKED: BackendName[] = ['js', ...(NATIVE.length ? [NATIVE[NATIVE.length - 1]!] : [])];

const counts: Record<string, number> = {};
const nanReport: Record<string, number> = {};
afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`property-errors cases: ${JSON.stringify(counts)} total ${total} (backends: ${CHECKED.join(', ')})`);
  console.log(`non-finite inputs, outcome by loss (js / native NaN-ness of value; not asserted): ${JSON.stringify(nanReport)}`);
});

function expectTypedError(f: () => unknown, codes: readonly string[], argument: string | RegExp, label: string): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, `${label}: threw a LosskitError`).toBeInstanceOf(LosskitError);
  const e = error as LosskitError;
  expect(codes, `${label}: code of "${e.message}"`).toContain(e.code);
  if (typeof argument === 'string') expect(e.argument, `${label}: argument of "${e.message}"`).toBe(argument);
  else expect(e.argument, `${label}: argument of "${e.message}"`).toMatch(argument);
  expect(e.message, `${label}: message names the argument`).toContain(`'${e.argument}'`);
}

// ---------------------------------------------------------------------------------------------
// Invalid options.

/** Values no option of any loss accepts. */
const ALWAYS_INVALID: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 'not-a-value', { value: 1 }, Symbol('x'), 10n];
/** Further invalid values of particular options ('loss.option' or 'option'). */
const INVALID_BY_OPTION: Record<string, unknown[]> = {
  delta: [0, -1],
  beta: [-0.5],
  quantile: [0, 1, 1.5, -0.1],
  'gaussian_nll.eps': [0, -1e-6],
  eps: [-1],
  full: [0, 1, 'true', null],
  fromLogits: [0, 1, 'false', null],
  labelSmoothing: [-0.1, 1.1],
  axis: [1.5, 2 ** 53, null, '0'],
  posWeight: [[], [Number.NaN], [1, Number.POSITIVE_INFINITY], 'a'],
  applyClassBalancing: [1, null],
  'binary_focal_crossentropy.alpha': [-0.1, 1.5],
  'categorical_focal_crossentropy.alpha': [-1],
  'tversky.alpha': [-1],
  gamma: [-1],
  classWeight: [[], [1, Number.NaN], 'a', [null]],
  ignoreClass: [1.5, 2 ** 31, -(2 ** 31) - 1, '1'],
  smooth: [-1],
  perClass: [1, null],
  'tversky.beta': [-1],
  'triplet_margin.margin': [-1],
  'contrastive.margin': [-1],
  'cosine_embedding.margin': [1.5, -1.5],
  p: [0, -2],
  swap: [0, null],
  blank: [1.5, null],
  zeroInfinity: [0, null],
  batchFirst: [1, null],
  gradForm: ['approx', null, 1],
  distance: ['l3', null, 2],
  layerWeights: [[], [Number.NaN], 'a'],
  'margin_ranking.margin': [null, '1', [1]],
};

const optionCases = ALL_SPECS.flatMap((spec) =>
  Object.keys(spec.options).flatMap((option) =>
    [...ALWAYS_INVALID, ...(INVALID_BY_OPTION[`${spec.name}.${option}`] ?? INVALID_BY_OPTION[option] ?? [])].map((value) => ({ loss: spec.name, option, value })),
  ),
);

describe('property: invalid options give LOSSKIT_INVALID_CONFIG naming the option', () => {
  it('lists specific invalid values for every option of every loss', () => {
    const missing = ALL_SPECS.flatMap((spec) => Object.keys(spec.options).filter((o) => !INVALID_BY_OPTION[`${spec.name}.${o}`] && !INVALID_BY_OPTION[o]).map((o) => `${spec.name}.${o}`));
    expect(missing).toEqual([]);
  });

  it('every (loss, option, invalid value), also in snake_case and through a config round trip', () => {
    fc.assert(
      fc.property(fc.constantFrom(...optionCases), fc.boolean(), ({ loss, option, value }, snake) => {
        counts['invalid-option'] = (counts['invalid-option'] ?? 0) + 1;
        const key = snake ? option.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : option;
        expectTypedError(() => getLoss(loss, { [key]: value }), ['LOSSKIT_INVALID_CONFIG'], option, `${loss} ${key}=${String(value)}`);
        expectTypedError(() => getLoss({ name: loss, [option]: value }), ['LOSSKIT_INVALID_CONFIG'], option, `${loss} config ${option}=${String(value)}`);
      }),
      { seed: 0x10553, numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid inputs: a valid, non-empty case with one thing broken.

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function perSampleShape(c: LossCase): number[] {
  if (SAMPLE_ROW_LOSSES.has(c.name)) return c.shape.slice(0, 1);
  if (AXIS_LOSSES.has(c.name)) {
    const given = (c.options.axis as number | undefined) ?? -1;
    const axis = given < 0 ? given + c.shape.length : given;
    return c.shape.filter((_, i) => i !== axis);
  }
  return c.shape.slice(0, -1);
}

interface Inputs {
  yTrue: unknown;
  yPred: unknown;
  variance?: unknown;
  sampleWeight?: unknown;
}

function validInputs(c: LossCase): Inputs {
  const random = seeded(c.seed);
  const domain = DOMAINS[c.name]!(c.options);
  const n = elements(c.shape);
  const Ctor: Float64ArrayConstructor = c.dtype === 'float32' ? (Float32Array as never) : Float64Array;
  const inputs: Inputs = { yTrue: null, yPred: { data: Ctor.from(valuesIn(random, n, domain.yPred, 'domain', c.dtype)), shape: c.shape } };
  if (domain.labels === 'classes') {
    const classes = c.shape.at(-1) as number;
    inputs.yTrue = { data: Int32Array.from({ length: n / classes }, () => Math.floor(random() * classes)), shape: c.shape.slice(0, -1) };
  } else {
    inputs.yTrue = { data: Ctor.from({ length: n }, () => (random() < 0.5 ? 0 : 1)), shape: c.shape };
  }
  if (domain.variance) inputs.variance = { data: Ctor.from({ length: n }, () => 1 + random()), shape: c.shape };
  return inputs;
}

type Corruption = {
  name: string;
  /** Whether it applies to the case. */
  applies(c: LossCase): boolean;
  /** The broken inputs and options. */
  apply(c: LossCase, inputs: Inputs, options: Record<string, unknown>, random: () => number): void;
  codes: string[];
  argument: string | RegExp;
};

const BAD_TENSORS: Array<[string, unknown]> = [
  ['a string', 'abc'],
  ['null', null],
  ['a number', 3],
  ['a boolean', true],
  ['an object', { foo: 1 }],
  ['a function', () => 1],
  ['a Symbol', Symbol('t')],
  ['a Map', new Map()],
  ['a { data, shape } of the wrong size', { data: new Float64Array(3), shape: [2, 2] }],
  ['a { data, shape } with a negative axis', { data: new Float64Array(2), shape: [-1, -2] }],
  ['a { data, shape } with a fractional axis', { data: new Float64Array(2), shape: [1.5, 1] }],
  ['a { data, shape } with a NaN axis', { data: new Float64Array(2), shape: [Number.NaN] }],
  ['a { data, shape } with a string shape', { data: new Float64Array(2), shape: '2' }],
  ['a { data: string, shape }', { data: 'ab', shape: [2] }],
  ['a { data, shape } with a huge shape', { data: new Float64Array(2), shape: [2 ** 31, 2 ** 31] }],
  ['a DataView', new DataView(new ArrayBuffer(16))],
  ['a BigInt64Array', new BigInt64Array(2)],
  ['a ragged nested array', [[1, 2], [3]]],
  ['a nested array with a string', [[1, 'a']]],
  ['a nested array with null', [[1, null]]],
  ['a nested array with an object', [[1, {}]]],
  ['a nested array with undefined', [[1, undefined]]],
  ['a deep ragged nested array', [[[1], [2]], [[3]]]],
  ['a sparse array', [1, , 3]],
  ['a dataSync-like object with a bad shape', { shape: 'x', dataSync: () => new Float32Array(2) }],
];

const CORRUPTIONS: Corruption[] = [
  {
    name: 'yPred not a tensor',
    applies: () => true,
    apply: (_c, inputs, _o, random) => {
      inputs.yPred = BAD_TENSORS[Math.floor(random() * BAD_TENSORS.length)]![1];
    },
    codes: ['LOSSKIT_INVALID_TYPE', 'LOSSKIT_SHAPE_MISMATCH', 'LOSSKIT_EMPTY_INPUT', 'LOSSKIT_INVALID_VALUE'],
    argument: 'yPred',
  },
  {
    name: 'yTrue not a tensor',
    applies: () => true,
    apply: (_c, inputs, _o, random) => {
      inputs.yTrue = BAD_TENSORS[Math.floor(random() * BAD_TENSORS.length)]![1];
    },
    codes: ['LOSSKIT_INVALID_TYPE', 'LOSSKIT_SHAPE_MISMATCH', 'LOSSKIT_EMPTY_INPUT', 'LOSSKIT_INVALID_VALUE'],
    argument: 'yTrue',
  },
  {
    name: 'yTrue missing',
    applies: () => true,
    apply: (_c, inputs) => {
      delete (inputs as Partial<Inputs>).yTrue;
    },
    codes: ['LOSSKIT_INVALID_TYPE'],
    argument: 'yTrue',
  },
  {
    name: 'yPred of an integer dtype',
    applies: () => true,
    apply: (c, inputs) => {
      inputs.yPred = { data: new Int32Array(elements(c.shape)), shape: c.shape };
    },
    codes: ['LOSSKIT_INVALID_TYPE'],
    argument: 'yPred',
  },
  {
    name: 'yTrue of another shape',
    applies: () => true,
    apply: (c, inputs, _o, random) => {
      const labels = DOMAINS[c.name]!(c.options).labels === 'classes';
      const shape = labels ? c.shape.slice(0, -1) : c.shape.slice();
      if (shape.length === 0) shape.push(2);
      else shape[Math.floor(random() * shape.length)]! += 1;
      inputs.yTrue = { data: new Float64Array(elements(shape)), shape };
    },
    codes: ['LOSSKIT_SHAPE_MISMATCH'],
    argument: 'yTrue',
  },
  {
    name: 'sampleWeight of another shape',
    applies: () => true,
    apply: (c, inputs, _o, random) => {
      const shape = perSampleShape(c);
      const at = Math.floor(random() * shape.length);
      const bad = shape.length === 0 ? [2] : shape.map((d, i) => (i === at ? d + 1 : d));
      inputs.sampleWeight = { data: new Float64Array(elements(bad)), shape: bad };
    },
    codes: ['LOSSKIT_SHAPE_MISMATCH'],
    argument: 'sampleWeight',
  },
  {
    name: 'sampleWeight not a tensor',
    applies: () => true,
    apply: (_c, inputs, _o, random) => {
      inputs.sampleWeight = [['a'], 'weights', { foo: 1 }, true][Math.floor(random() * 4)];
    },
    codes: ['LOSSKIT_INVALID_TYPE', 'LOSSKIT_SHAPE_MISMATCH'],
    argument: 'sampleWeight',
  },
  {
    name: 'axis out of range',
    applies: (c) => AXIS_LOSSES.has(c.name) && !(c.name === 'binary_crossentropy' && c.options.posWeight !== null),
    apply: (c, _inputs, options, random) => {
      options.axis = random() < 0.5 ? c.shape.length : -c.shape.length - 1;
    },
    codes: ['LOSSKIT_INVALID_CONFIG'],
    argument: 'axis',
  },
  {
    name: 'classWeight of the wrong length',
    applies: (c) => c.name === 'categorical_crossentropy' || c.name === 'sparse_categorical_crossentropy',
    apply: (c, _inputs, options) => {
      const axis = ((options.axis as number | undefined) ?? -1) < 0 ? c.shape.length + ((options.axis as number | undefined) ?? -1) : (options.axis as number);
      options.classWeight = new Array((c.shape[axis] as number) + 1).fill(1);
    },
    codes: ['LOSSKIT_SHAPE_MISMATCH'],
    argument: 'classWeight',
  },
  {
    name: 'posWeight of the wrong length',
    applies: (c) => c.name === 'binary_crossentropy' && (c.shape.at(-1) as number) > 1,
    apply: (c, _inputs, options) => {
      options.fromLogits = true;
      options.axis = -1;
      options.posWeight = new Array((c.shape.at(-1) as number) + 1).fill(1);
    },
    codes: ['LOSSKIT_SHAPE_MISMATCH'],
    argument: 'posWeight',
  },
  {
    name: 'a label out of range',
    applies: (c) => c.name === 'sparse_categorical_crossentropy' && elements(c.shape.slice(0, -1)) > 0,
    apply: (c, inputs, options, random) => {
      const labels = Int32Array.from((inputs.yTrue as { data: Int32Array }).data);
      const classes = c.shape.at(-1) as number;
      const bad = [classes, -1, 2 ** 31 - 1, -(2 ** 31)].filter((v) => v !== options.ignoreClass);
      labels[Math.floor(random() * labels.length)] = bad[Math.floor(random() * bad.length)]!;
      inputs.yTrue = { data: labels, shape: c.shape.slice(0, -1) };
    },
    codes: ['LOSSKIT_INVALID_VALUE'],
    argument: 'yTrue',
  },
  {
    name: 'a fractional or non-finite label',
    applies: (c) => c.name === 'sparse_categorical_crossentropy' && elements(c.shape.slice(0, -1)) > 0,
    apply: (c, inputs, _o, random) => {
      const labels = Float64Array.from((inputs.yTrue as { data: Int32Array }).data);
      labels[Math.floor(random() * labels.length)] = [0.5, Number.NaN, Number.POSITIVE_INFINITY][Math.floor(random() * 3)]!;
      inputs.yTrue = { data: labels, shape: c.shape.slice(0, -1) };
    },
    codes: ['LOSSKIT_INVALID_TYPE', 'LOSSKIT_INVALID_VALUE'],
    argument: 'yTrue',
  },
  {
    name: 'a negative variance',
    applies: (c) => c.name === 'gaussian_nll',
    apply: (c, inputs, _o, random) => {
      const variance = Float64Array.from({ length: elements(c.shape) }, () => 1);
      variance[Math.floor(random() * variance.length)] = -random() - 1e-3;
      inputs.variance = { data: variance, shape: c.shape };
    },
    codes: ['LOSSKIT_INVALID_VALUE'],
    argument: 'variance',
  },
  {
    name: 'variance missing',
    applies: (c) => c.name === 'gaussian_nll',
    apply: (_c, inputs) => {
      delete inputs.variance;
    },
    codes: ['LOSSKIT_INVALID_TYPE'],
    argument: 'variance',
  },
];

const nonEmptyCase = lossCaseArb().filter((c) => elements(c.shape) > 0 && c.form === 'typed');

describe('property: invalid inputs give a typed error naming the argument', () => {
  it('one corruption of a valid case, on js and native', () => {
    fc.assert(
      fc.property(nonEmptyCase, fc.nat(), fc.nat(CORRUPTIONS.length - 1), (c, salt, k) => {
        const applicable = CORRUPTIONS.filter((x) => x.applies(c));
        const corruption = applicable[k % applicable.length]!;
        const random = seeded(c.seed ^ salt);
        const inputs = validInputs(c);
        const options: Record<string, unknown> = { ...c.options, reduction: c.reduction };
        corruption.apply(c, inputs, options, random);
        counts[`invalid-input`] = (counts['invalid-input'] ?? 0) + 1;
        for (const backend of CHECKED) {
          setBackend(backend);
          expectTypedError(
            () => getLoss(c.name, options).valueAndGrad(inputs as never),
            corruption.codes,
            corruption.argument,
            `${c.name} ${JSON.stringify(c.options)} [${c.shape}] ${corruption.name} on ${backend}`,
          );
        }
      }),
      { seed: 0x10554, numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Non-finite inputs.

describe('property: NaN and Infinity in the inputs never crash', () => {
  it('a result of the right shape and dtype, or a typed error naming the argument', () => {
    fc.assert(
      fc.property(nonEmptyCase, fc.constantFrom('yPred', 'yTrue', 'sampleWeight', 'variance'), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), (c, where, bad) => {
        counts['non-finite'] = (counts['non-finite'] ?? 0) + 1;
        const random = seeded(c.seed);
        const inputs = validInputs(c);
        const labels = DOMAINS[c.name]!(c.options).labels === 'classes';
        const target = where === 'variance' && !inputs.variance ? 'yPred' : where === 'yTrue' && labels ? 'yPred' : where;
        if (target === 'sampleWeight') {
          const shape = perSampleShape(c);
          const weights = Float64Array.from({ length: elements(shape) }, () => 1);
          weights[Math.floor(random() * weights.length)] = bad;
          inputs.sampleWeight = { data: weights, shape };
        } else {
          const tensor = inputs[target as 'yPred'] as { data: Float32Array | Float64Array; shape: number[] };
          const data = tensor.data.slice();
          data[Math.floor(random() * data.length)] = bad;
          inputs[target as 'yPred'] = { data, shape: tensor.shape };
        }
        const outcomes: string[] = [];
        for (const backend of BACKENDS) {
          setBackend(backend);
          let result: { value: number | Tensor; grad: Tensor } | undefined;
          try {
            result = getLoss(c.name, { ...c.options, reduction: c.reduction }).valueAndGrad(inputs as never);
          } catch (error) {
            expect(error, `${c.name} ${target}=${bad} on ${backend}`).toBeInstanceOf(LosskitError);
            expect((error as LosskitError).argument).toBe(target);
            expect((error as LosskitError).message).toContain(`'${target}'`);
            outcomes.push('error');
            continue;
          }
          expect(result.grad.shape).toEqual(c.shape);
          expect(result.grad.data.length).toBe(elements(c.shape));
          expect(result.grad.dtype).toBe(c.dtype);
          if (c.reduction === 'none') expect((result.value as Tensor).shape).toEqual(perSampleShape(c));
          const v = typeof result.value === 'number' ? result.value : (result.value as Tensor).data[0]!;
          outcomes.push(Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? 'finite' : 'inf');
        }
        // Every backend throws, or none does.
        expect(new Set(outcomes.map((o) => o === 'error')).size, `${c.name} ${target}=${bad}: ${outcomes.join(', ')}`).toBe(1);
        if (new Set(outcomes).size > 1) {
          const key = `${c.name} ${target}=${bad}: ${outcomes.join('/')}`;
          nanReport[key] = (nanReport[key] ?? 0) + 1;
        }
      }),
      { seed: 0x10555, numRuns: 1500 },
    );
  });
});

describe.each(BACKENDS)('ctc lengths and labels beyond int32 on %s (found by the hostile lib inputs)', (backend) => {
  // They were stored into an Int32Array unchecked: inputLengths [2^40] wrapped to 0 (loss
  // Infinity), targets [[2^32 + 1]] to label 1 (a wrong, finite loss).
  const logProbs = { data: new Float32Array(2 * 1 * 3).fill(Math.log(1 / 3)), shape: [2, 1, 3] };
  it.each([
    ['inputLengths', { targets: [[1]], inputLengths: [2 ** 40], targetLengths: [1] }],
    ['inputLengths', { targets: [[1]], inputLengths: Float64Array.from([2 ** 32 + 2]), targetLengths: [1] }],
    ['targetLengths', { targets: [[1]], inputLengths: [2], targetLengths: [2 ** 32 + 1] }],
    ['targets', { targets: [[2 ** 32 + 1]], inputLengths: [2], targetLengths: [1] }],
    ['targets', { targets: [-(2 ** 32) + 1], inputLengths: [2], targetLengths: [1] }],
  ] as const)('%s %j', (argument, inputs) => {
    setBackend(backend);
    expectTypedError(() => getLoss('ctc').valueAndGrad({ logProbs, ...inputs } as never), ['LOSSKIT_INVALID_VALUE'], argument, `ctc ${argument}`);
  });
});

it('the loss list of the property tests is the registry', () => {
  expect(LOSS_NAMES.length).toBeGreaterThan(20);
});
