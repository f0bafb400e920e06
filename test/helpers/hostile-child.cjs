// The hostile-input battery of test/hostile.test.ts, run in a child process so that a crash (a
// signal: SIGSEGV, SIGABRT, SIGBUS) fails the test instead of killing the runner:
//   node test/helpers/hostile-child.cjs <group>
// It loads the raw native binding (no TypeScript checks in front of it), runs every case of the
// group and prints one JSON line per case:
//   {"name", "expect", "arg", "outcome": "threw" | "returned", "error", "code", "message", "value"}
// then {"done": <count>}. The parent checks the outcomes; this script only records them, and
// exits 0 unless the battery itself is broken. Every case is deterministic.
'use strict';

const path = require('node:path');

// LOSSKIT_HOSTILE_ROOT points the battery at another checkout's build (to run it against an
// older addon).
const root = process.env.LOSSKIT_HOSTILE_ROOT || path.resolve(__dirname, '..', '..');
const binding = require('node-gyp-build')(root);

const group = process.argv[2];
const results = [];

function record(entry) {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}

function errorFields(error) {
  return {
    outcome: 'threw',
    error: error && error.constructor ? error.constructor.name : typeof error,
    code: error && error.code,
    message: error && error.message,
  };
}

// A case: `call` runs the entry point (sync, or returning a promise for async twins).
// expect: 'throw' (a TypeError/RangeError naming `arg`), 'value' (must return `value`, or a
// number within 1e-12 relative of it), or 'any' (must return a number or throw a typed error:
// only a crash fails it).
function add(name, call, expect, extra = {}) {
  results.push({ name, call, expect, ...extra });
}

async function run() {
  let count = 0;
  for (const c of results) {
    let entry;
    try {
      let value = c.call();
      if (value && typeof value.then === 'function') value = await value;
      entry = { outcome: 'returned', value: typeof value === 'number' && !Number.isFinite(value) ? String(value) : value };
    } catch (error) {
      entry = errorFields(error);
    }
    let expected = c.value;
    if (typeof expected === 'function') expected = expected();
    record({
      name: c.name,
      expect: c.expect,
      arg: c.arg,
      expectedValue: typeof expected === 'number' && !Number.isFinite(expected) ? String(expected) : expected,
      ...entry,
    });
    count++;
    // Give a collector a chance to free what a detaching case released.
    if (c.gc && global.gc) global.gc();
  }
  record({ done: count });
}

// ---------------------------------------------------------------------------------------------
// Bad values by the kind of argument they replace.

const N = 12; // elements of the well-formed calls
const ROWS = 3; // rows of 4

function detached(Type, n) {
  const view = new Type(n);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
}

// Detaches `buffer` (ArrayBuffer.prototype.transfer where Node has it, else a structuredClone
// transfer), freeing or moving its memory.
function detachBuffer(buffer, newLength = 0) {
  if (typeof buffer.transfer === 'function') return buffer.transfer(newLength);
  return structuredClone(buffer, { transfer: [buffer] });
}

function shared(Type, n, fill = 0) {
  const view = new Type(new SharedArrayBuffer(n * Type.BYTES_PER_ELEMENT));
  view.fill(fill);
  return view;
}

// Values that are not a Float32Array/Float64Array at all (a TypeError for a required float array).
function notFloatArrays(n) {
  return [
    ['undefined', undefined],
    ['null', null],
    ['a string', 'abc'],
    ['a number', 12],
    ['a plain array', Array.from({ length: n }, () => 0.5)],
    ['an object', { length: n, 0: 1 }],
    ['an Int32Array', new Int32Array(n)],
    ['a Uint8Array', new Uint8Array(n * 4)],
    ['a BigInt64Array', new BigInt64Array(n)],
    ['a DataView', new DataView(new ArrayBuffer(n * 4))],
    ['a DataView at an odd offset', new DataView(new ArrayBuffer(n * 4 + 1), 1)],
    ['an ArrayBuffer', new ArrayBuffer(n * 4)],
    ['a Proxy of a Float32Array', new Proxy(new Float32Array(n), {})],
    ['a bigint', 5n],
    ['a symbol', Symbol('x')],
    ['a function', () => 0],
  ];
}

// Float arrays of the right kind but the wrong length (a RangeError) or dtype (a TypeError).
function wrongFloatArrays(Type, n) {
  const Other = Type === Float32Array ? Float64Array : Float32Array;
  return [
    ['one element short', new Type(n - 1)],
    ['one element long', new Type(n + 1)],
    ['empty', new Type(0)],
    ['detached', detached(Type, n)],
    ['a shared view one short', shared(Type, n - 1)],
    ['the other float dtype', new Other(n)],
    ['a subarray one short', new Type(n + 4).subarray(3, 3 + n - 1)],
  ];
}

const SIZES = [
  ['2^31', 2 ** 31],
  ['2^32', 2 ** 32],
  ['2^32 + 4', 2 ** 32 + 4],
  ['2^53', 2 ** 53],
  ['2^53 + 2', 2 ** 53 + 2],
  ['2^64', 2 ** 64],
  ['1e300', 1e300],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-1', -1],
  ['-2^53', -(2 ** 53)],
  ['NaN', Number.NaN],
  ['1.5', 1.5],
  ['0.5', 0.5],
  ['a numeric string', '4'],
  ['null', null],
  ['undefined', undefined],
  ['true', true],
  ['a bigint', 4n],
  ['a Number object', Object(4)],
  ['an object with valueOf', { valueOf: () => 4 }],
  ['an array [4]', [4]],
];

// For each argument position, bad values and whether each must throw. `kind`:
//   float: required float array of `n` elements in `dtype`; optFloat: the same or null;
//   f64: required Float64Array of n; optF64: the same or null; size: an integer argument;
//   number: a finite number; int32: an Int32Array of n.
function badValues(spec) {
  const out = [];
  const { kind, n } = spec;
  const Type = spec.dtype || Float32Array;
  if (kind === 'float' || kind === 'optFloat' || kind === 'f64' || kind === 'optF64') {
    const T = kind === 'f64' || kind === 'optF64' ? Float64Array : Type;
    for (const [label, value] of notFloatArrays(n)) {
      if ((kind === 'optFloat' || kind === 'optF64') && (value === null || value === undefined)) continue;
      out.push([label, value]);
    }
    for (const [label, value] of wrongFloatArrays(T, n)) {
      if ((kind === 'f64' || kind === 'optF64') && label === 'the other float dtype') {
        out.push(['a Float32Array', new Float32Array(n)]);
        continue;
      }
      out.push([label, value]);
    }
  } else if (kind === 'size') {
    for (const [label, value] of SIZES) out.push([label, value]);
    for (const v of spec.invalidIntegers || []) out.push([`${v}`, v]);
  } else if (kind === 'number') {
    for (const [label, value] of [
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
      ['a string', '1'],
      ['null', null],
      ['undefined', undefined],
      ['a bigint', 1n],
    ]) {
      out.push([label, value]);
    }
  } else if (kind === 'int32') {
    for (const [label, value] of [
      ['undefined', undefined],
      ['null', null],
      ['a plain array', Array.from({ length: n }, () => 0)],
      ['a Uint32Array', new Uint32Array(n)],
      ['a Float32Array', new Float32Array(n)],
      ['a Float64Array', new Float64Array(n)],
      ['a DataView', new DataView(new ArrayBuffer(n * 4))],
      ['an Int16Array', new Int16Array(n)],
      ['a string', 'abc'],
    ]) {
      out.push([label, value]);
    }
    if (spec.lengthMatters !== false) {
      out.push(['one element short', new Int32Array(Math.max(0, n - 1))]);
      out.push(['one element long', new Int32Array(n + 1)]);
      if (n > 0) out.push(['detached', detached(Int32Array, n)]);
    }
  } else if (kind === 'bool') {
    for (const [label, value] of [['0', 0], ['1', 1], ['null', null], ['undefined', undefined], ['a string', 'true']]) out.push([label, value]);
  } else if (kind === 'string') {
    for (const [label, value] of [['undefined', undefined], ['a number', 1], ['another string', 'nope'], ['an empty string', '']]) out.push([label, value]);
  }
  return out;
}

// Adds, for every argument of `good()` listed in `specs`, one case per bad value, sync and async.
function battery(fn, good, specs) {
  const sync = binding[fn];
  const asyncFn = binding[`${fn}Async`];
  // The well-formed call returns a finite number.
  add(`${fn}: the well-formed call`, () => sync(...good()), 'value', { value: () => sync(...good()) });
  add(`${fn}Async: the well-formed call`, () => asyncFn(...good()), 'value', { value: () => sync(...good()) });
  for (const spec of specs) {
    for (const [label, value] of badValues(spec)) {
      const args = () => {
        const a = good();
        a[spec.index] = value;
        return a;
      };
      // A reference array of the wrong length (yPred, anchor, x1) may be reported as the
      // mismatch of its counterpart: "'yTrue' must have 11 elements (got 12)".
      const arg = spec.also ? `${spec.name}|${spec.also}` : spec.name;
      add(`${fn}: '${spec.name}' ${label}`, () => sync(...args()), 'throw', { arg });
      add(`${fn}Async: '${spec.name}' ${label}`, () => asyncFn(...args()), 'throw', { arg });
    }
  }
  // Too few arguments, none at all, and an argument list of the wrong types throughout.
  add(`${fn}: no arguments`, () => sync(), 'throw');
  add(`${fn}Async: no arguments`, () => asyncFn(), 'throw');
  add(`${fn}: the first half of the arguments`, () => sync(...good().slice(0, Math.ceil(good().length / 2))), 'throw');
}

// Well-formed calls on unusual but valid memory (shared, offset, length-tracking views) must give
// the same value as on plain arrays.
function validMemory(fn, good, floatIndices) {
  const sync = binding[fn];
  const reference = () => sync(...good());
  const variants = [
    ['SharedArrayBuffer views', (v) => {
      const s = new v.constructor(new SharedArrayBuffer(v.byteLength));
      s.set(v);
      return s;
    }],
    ['views at a one-element byte offset', (v) => {
      const s = new v.constructor(v.length + 1).subarray(1);
      s.set(v);
      return s;
    }],
    ['length-tracking views of resizable buffers', (v) => {
      const buffer = new ArrayBuffer(v.byteLength, { maxByteLength: v.byteLength * 2 });
      const s = new v.constructor(buffer);
      s.set(v);
      return s;
    }],
  ];
  for (const [label, wrap] of variants) {
    const args = () => {
      const a = good();
      for (const i of floatIndices) if (a[i] !== null && ArrayBuffer.isView(a[i])) a[i] = wrap(a[i]);
      return a;
    };
    add(`${fn}: ${label}`, () => sync(...args()), 'value', { value: reference });
    add(`${fn}Async: ${label}`, () => binding[`${fn}Async`](...args()), 'value', { value: reference });
  }
}

function fill(Type, n, f) {
  return Type.from({ length: n }, (_, i) => f(i));
}

// ---------------------------------------------------------------------------------------------
// The groups.

const groups = {
  elementwise() {
    const k = binding.elementwiseKernels;
    for (const Type of [Float32Array, Float64Array]) {
      const good = () => [
        k.huber,
        fill(Type, N, (i) => (i % 5) * 0.3),
        fill(Type, N, (i) => (i % 7) * 0.2),
        null,
        new Float64Array([1]),
        4,
        new Float64Array(ROWS).fill(0.5),
        new Float64Array(ROWS),
        new Type(N),
        1,
      ];
      battery('elementwise', good, [
        { index: 0, name: 'kernel', kind: 'size', invalidIntegers: [Object.keys(k).length, 1e6, -1] },
        { index: 1, name: 'yTrue', kind: 'float', n: N, dtype: Type },
        { index: 2, name: 'yPred', kind: 'float', n: N, dtype: Type, also: 'yTrue' },
        { index: 3, name: 'aux', kind: 'optFloat', n: N, dtype: Type },
        { index: 4, name: 'params', kind: 'f64', n: 1 },
        { index: 5, name: 'rowLength', kind: 'size', invalidIntegers: [0, 5, 13, 24] },
        { index: 6, name: 'sampleWeight', kind: 'optF64', n: ROWS },
        { index: 7, name: 'perSample', kind: 'optF64', n: ROWS },
        { index: 8, name: 'grad', kind: 'optFloat', n: N, dtype: Type },
        { index: 9, name: 'gradScale', kind: 'number' },
      ]);
      validMemory('elementwise', good, [1, 2, 6, 7, 8]);
      // Kernels that need aux refuse null; every kernel refuses the wrong params count.
      for (const [name, id] of Object.entries(k)) {
        const call = (aux, params) => () => binding.elementwise(id, new Type(N), new Type(N), aux, params, 4, null, null, null, 1);
        add(`elementwise ${name}: params of 7 numbers`, call(new Type(N), new Float64Array(7)), 'throw', { arg: 'params' });
        if (['gaussian_nll', 'binary_crossentropy_pos_weight', 'margin_ranking'].includes(name)) {
          add(`elementwise ${name}: no aux`, call(null, new Float64Array(8)), 'throw', { arg: 'aux' });
        }
      }
    }
  },

  cosine() {
    for (const Type of [Float32Array, Float64Array]) {
      const good = () => [fill(Type, N, (i) => i + 1), fill(Type, N, (i) => 2 * i - 3), 2, 3, 2, null, new Float64Array(4), new Type(N), 1];
      battery('cosineSimilarity', good, [
        { index: 0, name: 'yTrue', kind: 'float', n: N, dtype: Type },
        { index: 1, name: 'yPred', kind: 'float', n: N, dtype: Type, also: 'yTrue' },
        { index: 2, name: 'outer', kind: 'size', invalidIntegers: [0, 3, 12] },
        { index: 3, name: 'axisLength', kind: 'size', invalidIntegers: [0, 4, 12] },
        { index: 4, name: 'inner', kind: 'size', invalidIntegers: [0, 1, 3] },
        { index: 5, name: 'sampleWeight', kind: 'optF64', n: 4 },
        { index: 6, name: 'perSample', kind: 'optF64', n: 4 },
        { index: 7, name: 'grad', kind: 'optFloat', n: N, dtype: Type },
        { index: 8, name: 'gradScale', kind: 'number' },
      ]);
      validMemory('cosineSimilarity', good, [0, 1, 6, 7]);
      // Products that wrap around in 64 bits: 2^32 * 2^32 * 12 and friends.
      const x = new Type(N);
      for (const [o, a, i] of [[2 ** 32, 2 ** 32, 12], [2 ** 21, 2 ** 21, 2 ** 11], [3, 2 ** 53, 4], [12, 1, 2 ** 53], [2 ** 62, 4, 1]]) {
        add(`cosineSimilarity: outer * axisLength * inner = ${o} * ${a} * ${i}`, () => binding.cosineSimilarity(x, x, o, a, i, null, null, null, 1), 'throw', { arg: 'outer' });
      }
    }
  },

  categorical() {
    const k = binding.categoricalKernels;
    for (const Type of [Float32Array, Float64Array]) {
      const good = () => [
        k.categorical_crossentropy,
        fill(Type, N, (i) => (i % 4 === 1 ? 1 : 0)),
        fill(Type, N, (i) => 0.1 + (i % 4) * 0.2),
        new Float64Array([0, 0.1]),
        4,
        new Float64Array([1, 2, 3, 4]),
        new Float64Array(ROWS).fill(2),
        new Float64Array(ROWS),
        new Type(N),
        1,
      ];
      battery('categorical', good, [
        { index: 0, name: 'kernel', kind: 'size', invalidIntegers: [Object.keys(k).length, -1] },
        { index: 1, name: 'yTrue', kind: 'float', n: N, dtype: Type },
        { index: 2, name: 'yPred', kind: 'float', n: N, dtype: Type, also: 'yTrue' },
        { index: 3, name: 'params', kind: 'f64', n: 2 },
        { index: 4, name: 'classCount', kind: 'size', invalidIntegers: [0, 5, 24] },
        { index: 5, name: 'classWeight', kind: 'optF64', n: 4 },
        { index: 6, name: 'sampleWeight', kind: 'optF64', n: ROWS },
        { index: 7, name: 'perSample', kind: 'optF64', n: ROWS },
        { index: 8, name: 'grad', kind: 'optFloat', n: N, dtype: Type },
        { index: 9, name: 'gradScale', kind: 'number' },
      ]);
      validMemory('categorical', good, [1, 2, 5, 6, 7, 8]);
      for (const name of ['categorical_hinge', 'kl_divergence', 'dice']) {
        const params = new Float64Array(name === 'dice' ? 1 : 0);
        add(`categorical ${name}: a classWeight it does not take`, () => binding.categorical(k[name], new Type(N), new Type(N), params, 4, new Float64Array(4), null, null, null, 1), 'throw', { arg: 'classWeight' });
      }
    }
  },

  sparse() {
    const k = binding.sparseKernels;
    for (const Type of [Float32Array, Float64Array]) {
      const good = () => [k.sparse_categorical_crossentropy, new Int32Array([0, 3, 1]), fill(Type, N, (i) => 0.1 + (i % 4) * 0.2), new Float64Array([0]), 4, null, new Float64Array(ROWS).fill(1.5), new Float64Array(ROWS), new Type(N), 1];
      battery('sparseCategorical', good, [
        { index: 0, name: 'kernel', kind: 'size', invalidIntegers: [Object.keys(k).length, -1] },
        { index: 1, name: 'labels', kind: 'int32', n: ROWS },
        { index: 2, name: 'yPred', kind: 'float', n: N, dtype: Type },
        { index: 3, name: 'params', kind: 'f64', n: 1 },
        { index: 4, name: 'classCount', kind: 'size', invalidIntegers: [0, 5, 24] },
        { index: 6, name: 'sampleWeight', kind: 'optF64', n: ROWS },
        { index: 7, name: 'perSample', kind: 'optF64', n: ROWS },
        { index: 8, name: 'grad', kind: 'optFloat', n: N, dtype: Type },
        { index: 9, name: 'gradScale', kind: 'number' },
      ]);
      validMemory('sparseCategorical', good, [1, 2, 6, 7, 8]);
      const call = (labels, ignore, classCount = 4) => () => binding.sparseCategorical(k.sparse_categorical_crossentropy, labels, new Type(N).fill(0.25), new Float64Array([0]), classCount, ignore, null, null, new Type(N), 1);
      for (const bad of [4, 5, -1, -2, 2 ** 31 - 1, -(2 ** 31), 1000000]) {
        add(`sparseCategorical: label ${bad}`, call(new Int32Array([0, bad, 1]), null), 'throw', { arg: 'labels' });
        add(`sparseCategoricalAsync: label ${bad}`, () => binding.sparseCategoricalAsync(...(() => { const a = [k.sparse_categorical_crossentropy, new Int32Array([0, 1, bad]), new Type(N), new Float64Array([0]), 4, null, null, null, new Type(N), 1]; return a; })()), 'throw', { arg: 'labels' });
      }
      add('sparseCategorical: label -100 with ignoreClass -100', call(new Int32Array([0, -100, 1]), -100), 'value', { value: () => call(new Int32Array([0, 0, 1]), null)() * 0 + binding.sparseCategorical(k.sparse_categorical_crossentropy, new Int32Array([0, 1]), new Type(8).fill(0.25), new Float64Array([0]), 4, null, null, null, null, 1) });
      add('sparseCategorical: label 7 with ignoreClass 5', call(new Int32Array([0, 7, 1]), 5), 'throw', { arg: 'labels' });
      for (const [label, ignore] of [['1.5', 1.5], ['2^31', 2 ** 31], ['-2^31 - 1', -(2 ** 31) - 1], ['NaN', Number.NaN], ['Infinity', Number.POSITIVE_INFINITY], ['a string', '1'], ['a bigint', 1n], ['an object', {}]]) {
        add(`sparseCategorical: 'ignoreClass' ${label}`, call(new Int32Array([0, 1, 2]), ignore), 'throw', { arg: 'ignoreClass' });
      }
      add('sparseCategorical: labels in a SharedArrayBuffer', call((() => { const l = shared(Int32Array, 3); l.set([0, 3, 1]); return l; })(), null), 'value', { value: call(new Int32Array([0, 3, 1]), null) });
      add('sparseCategorical: labels at an odd element offset', call(new Int32Array([9, 0, 3, 1]).subarray(1), null), 'value', { value: call(new Int32Array([0, 3, 1]), null) });
    }
  },

  ctc() {
    // T = 5, B = 2, C = 4; padded targets [2, 3].
    const T = 5;
    const B = 2;
    const C = 4;
    for (const Type of [Float32Array, Float64Array]) {
      const good = () => [
        new Type(T * B * C).fill(Math.log(0.25)),
        T,
        B,
        C,
        false,
        new Int32Array([1, 2, 0, 3, 3, 1]),
        true,
        3,
        new Int32Array([5, 4]),
        new Int32Array([2, 3]),
        0,
        false,
        new Float64Array([1, 1]),
        new Float64Array(B),
        new Type(T * B * C),
        'exact',
      ];
      battery('ctc', good, [
        { index: 0, name: 'logProbs', kind: 'float', n: T * B * C, dtype: Type },
        { index: 1, name: 'timeSteps', kind: 'size', invalidIntegers: [0, 4, 6] },
        { index: 2, name: 'batchSize', kind: 'size', invalidIntegers: [0, 3] },
        { index: 3, name: 'classCount', kind: 'size', invalidIntegers: [0, 2, 8] },
        { index: 4, name: 'batchFirst', kind: 'bool' },
        { index: 5, name: 'targets', kind: 'int32', n: 6 },
        { index: 6, name: 'padded', kind: 'bool' },
        { index: 7, name: 'maxTargetLength', kind: 'size', invalidIntegers: [2, 4] },
        { index: 8, name: 'inputLengths', kind: 'int32', n: B },
        { index: 9, name: 'targetLengths', kind: 'int32', n: B },
        { index: 10, name: 'blank', kind: 'size', invalidIntegers: [4, 2 ** 31 - 1] },
        { index: 11, name: 'zeroInfinity', kind: 'bool' },
        { index: 12, name: 'itemScales', kind: 'f64', n: B },
        { index: 13, name: 'losses', kind: 'f64', n: B },
        { index: 14, name: 'grad', kind: 'optFloat', n: T * B * C, dtype: Type },
        { index: 15, name: 'gradForm', kind: 'string' },
      ]);
      validMemory('ctc', good, [0, 12, 13, 14]);
      const withArgs = (changes) => () => {
        const a = good();
        for (const [i, v] of Object.entries(changes)) a[i] = v;
        return binding.ctc(...a);
      };
      const cases = [
        ['inputLengths', 'an input length above T', { 8: new Int32Array([6, 4]) }],
        ['inputLengths', 'a negative input length', { 8: new Int32Array([5, -1]) }],
        ['inputLengths', 'input length INT32_MIN', { 8: new Int32Array([-(2 ** 31), 4]) }],
        ['targetLengths', 'a negative target length', { 9: new Int32Array([-1, 3]) }],
        ['targetLengths', 'target length INT32_MAX', { 9: new Int32Array([2 ** 31 - 1, 3]) }],
        ['targetLengths', 'a target length above maxTargetLength', { 9: new Int32Array([4, 3]) }],
        ['targets', 'the blank as a label', { 5: new Int32Array([1, 0, 0, 3, 3, 1]) }],
        ['targets', 'a label = classCount', { 5: new Int32Array([1, 4, 0, 3, 3, 1]) }],
        ['targets', 'a negative label', { 5: new Int32Array([1, -5, 0, 3, 3, 1]) }],
        ['targets', 'label INT32_MIN', { 5: new Int32Array([1, -(2 ** 31), 0, 3, 3, 1]) }],
        ['targets', 'concatenated targets shorter than the lengths sum', { 6: false, 5: new Int32Array([1, 2, 3, 3]) }],
        ['targets', 'concatenated targets longer than the lengths sum', { 6: false, 5: new Int32Array([1, 2, 3, 3, 1, 1]) }],
        ['targetLengths', 'concatenated with lengths summing past 2^32', { 6: false, 9: new Int32Array([2 ** 31 - 1, 2 ** 31 - 1]), 5: new Int32Array(2) }],
        ['targets', 'padded targets of the wrong size', { 5: new Int32Array(5) }],
        ['targets', 'maxTargetLength 2^52 with 6 targets', { 7: 2 ** 52 }],
        ['logProbs', 'T * B * C wrapping around 2^64', { 1: 2 ** 32, 2: 2 ** 32, 3: 40 }],
        ['logProbs', 'T * B * C = 2^53 * 2 * 4', { 1: 2 ** 53 }],
        ['blank', 'a blank = classCount', { 10: 4 }],
        ['blank', 'a blank of 2^31', { 10: 2 ** 31 }],
      ];
      for (const [arg, label, changes] of cases) add(`ctc: ${label}`, withArgs(changes), 'throw', { arg });
      // Well-formed edge cases: input length 0, target length 0, an impossible alignment.
      add('ctc: an input length of 0 with an empty target', withArgs({ 8: new Int32Array([0, 4]), 9: new Int32Array([0, 3]) }), 'value', { value: withArgs({ 8: new Int32Array([0, 4]), 9: new Int32Array([0, 3]) }) });
      add('ctc: an input length of 0 with a non-empty target (impossible)', withArgs({ 8: new Int32Array([0, 4]) }), 'value', { value: Number.POSITIVE_INFINITY });
      add('ctc: concatenated targets of total length 0', withArgs({ 6: false, 5: new Int32Array(0), 9: new Int32Array([0, 0]) }), 'value', { value: withArgs({ 6: false, 5: new Int32Array(0), 9: new Int32Array([0, 0]) }) });
    }
  },

  triplet() {
    for (const Type of [Float32Array, Float64Array]) {
      const good = () => [fill(Type, N, (i) => i * 0.1), fill(Type, N, (i) => i * 0.12), fill(Type, N, (i) => -i * 0.1), ROWS, new Float64Array([1, 2, 1e-6, 0]), null, new Float64Array(ROWS), new Type(N), new Type(N), new Type(N), 1];
      battery('triplet', good, [
        { index: 0, name: 'anchor', kind: 'float', n: N, dtype: Type, also: 'positive' },
        { index: 1, name: 'positive', kind: 'float', n: N, dtype: Type },
        { index: 2, name: 'negative', kind: 'float', n: N, dtype: Type },
        { index: 3, name: 'batchSize', kind: 'size', invalidIntegers: [0, 5, 24] },
        { index: 4, name: 'params', kind: 'f64', n: 4 },
        { index: 5, name: 'sampleWeight', kind: 'optF64', n: ROWS },
        { index: 6, name: 'perSample', kind: 'optF64', n: ROWS },
        { index: 7, name: 'gradAnchor', kind: 'optFloat', n: N, dtype: Type },
        { index: 8, name: 'gradPositive', kind: 'optFloat', n: N, dtype: Type },
        { index: 9, name: 'gradNegative', kind: 'optFloat', n: N, dtype: Type },
        { index: 10, name: 'gradScale', kind: 'number' },
      ]);
      validMemory('triplet', good, [0, 1, 2, 6, 7, 8, 9]);
    }
  },

  pair() {
    const k = binding.pairKernels;
    for (const Type of [Float32Array, Float64Array]) {
      const good = () => [k.contrastive, fill(Type, N, (i) => i * 0.1), fill(Type, N, (i) => 1 - i * 0.1), fill(Type, ROWS, (i) => i % 2), ROWS, new Float64Array([1, 1e-6]), null, new Float64Array(ROWS), new Type(N), new Type(N), 1];
      battery('pair', good, [
        { index: 0, name: 'kernel', kind: 'size', invalidIntegers: [Object.keys(k).length, -1] },
        { index: 1, name: 'x1', kind: 'float', n: N, dtype: Type, also: 'x2' },
        { index: 2, name: 'x2', kind: 'float', n: N, dtype: Type },
        { index: 3, name: 'targets', kind: 'float', n: ROWS, dtype: Type },
        { index: 4, name: 'batchSize', kind: 'size', invalidIntegers: [0, 5, 24] },
        { index: 5, name: 'params', kind: 'f64', n: 2 },
        { index: 6, name: 'sampleWeight', kind: 'optF64', n: ROWS },
        { index: 7, name: 'perSample', kind: 'optF64', n: ROWS },
        { index: 8, name: 'grad1', kind: 'optFloat', n: N, dtype: Type },
        { index: 9, name: 'grad2', kind: 'optFloat', n: N, dtype: Type },
        { index: 10, name: 'gradScale', kind: 'number' },
      ]);
      validMemory('pair', good, [1, 2, 3, 7, 8, 9]);
    }
  },

  misc() {
    for (const [label, value] of [...SIZES, ['1025', 1025], ['2^31', 2 ** 31]]) {
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 1024) continue;
      add(`setThreads: ${label}`, () => binding.setThreads(value), 'throw', { arg: 'threads' });
    }
    for (const [label, value] of [['undefined', undefined], ['a number', 1], ['an unknown name', 'sse'], ['an empty string', ''], ['a name with a NUL', 'scalar\u0000x']]) {
      add(`setIsa: ${label}`, () => binding.setIsa(value), 'throw', { arg: 'isa' });
    }
    const f64 = (n) => new Float64Array(n);
    const mathCases = [
      ['fn', 'an unknown fn', ['sin', 'scalar', f64(4), f64(4)]],
      ['fn', 'a non-string fn', [1, 'scalar', f64(4), f64(4)]],
      ['isa', "isa 'auto'", ['exp', 'auto', f64(4), f64(4)]],
      ['x', 'x an Int32Array', ['exp', 'scalar', new Int32Array(4), f64(4)]],
      ['out', 'out too short', ['exp', 'scalar', f64(4), f64(3)]],
      ['out', 'out detached', ['exp', 'scalar', f64(4), detached(Float64Array, 4)]],
      ['out', 'out of another dtype', ['exp', 'scalar', f64(4), new Float32Array(4)]],
    ];
    for (const [arg, label, args] of mathCases) add(`mathEval: ${label}`, () => binding.mathEval(...args), 'throw', { arg });
    const f32 = (n) => new Float32Array(n);
    const probeCases = [
      ['kind', 'an unknown kind', ['write', f32(4), f32(4), null]],
      ['a|b', 'a detached', ['read', detached(Float32Array, 4), f32(4), null]],
      ['b', 'b detached', ['read', f32(4), detached(Float32Array, 4), null]],
      ['out', 'out detached', ['read2write1', f32(4), f32(4), detached(Float32Array, 4)]],
      ['b', 'b a DataView', ['read', f32(4), new DataView(new ArrayBuffer(16)), null]],
      ['out', 'out a shared view one short', ['read2write1', f32(4), f32(4), shared(Float32Array, 3)]],
      ['out', 'out of another dtype', ['read2write1', f32(4), f32(4), new Float64Array(4)]],
    ];
    for (const [arg, label, args] of probeCases) add(`memoryBandwidth: ${label}`, () => binding.memoryBandwidth(...args), 'throw', { arg });
    add('memoryBandwidth: shared views', () => {
      const a = shared(Float32Array, 33, 1.5);
      const b = shared(Float32Array, 33, 0.5);
      const out = shared(Float32Array, 33);
      return binding.memoryBandwidth('read2write1', a, b, out);
    }, 'value', { value: 33 });
    add('mathEval: shared views at an offset', () => {
      const x = shared(Float64Array, 9, 0).subarray(1);
      const out = shared(Float64Array, 9).subarray(1);
      binding.mathEval('exp', 'scalar', x, out);
      return out.every((v) => v === 1) ? 'ones' : Array.from(out).join(',');
    }, 'value', { value: 'ones' });
    add('setThreads: the whole pool again', () => (binding.setThreads(0), 0), 'value', { value: 0 });
  },

  // Every kernel with hostile parameter values (NaN, infinities, 0, negatives, huge, flags not
  // 0/1): numbers in, numbers out; nothing here is an index or a size.
  params() {
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1, 0.5, 1e308, -1e308, 5e-324, 7];
    const fillParams = (count, v, k) => Float64Array.from({ length: count }, (_, i) => (i === k % Math.max(1, count) ? v : values[(k + i) % values.length]));
    for (const Type of [Float32Array, Float64Array]) {
      const x = fill(Type, N, (i) => (i % 5) * 0.3 - 0.5);
      const y = fill(Type, N, (i) => i % 2);
      for (const [name, id] of Object.entries(binding.elementwiseKernels)) {
        const count = binding.elementwise.length >= 0 ? [0, 1, 2, 5].find((c) => { try { binding.elementwise(id, y, x, new Type(N).fill(1), new Float64Array(c), 4, null, null, null, 1); return true; } catch { return false; } }) : 0;
        values.forEach((v, k) => add(`elementwise ${name}: params with ${v}`, () => binding.elementwise(id, y, x, new Type(N).fill(1), fillParams(count, v, k), 4, null, new Float64Array(ROWS), new Type(N), 1), 'any'));
      }
      for (const [name, id] of Object.entries(binding.categoricalKernels)) {
        const count = [0, 1, 2, 3, 4].find((c) => { try { binding.categorical(id, y, x, new Float64Array(c), 4, null, null, null, null, 1); return true; } catch { return false; } });
        values.forEach((v, k) => add(`categorical ${name}: params with ${v}`, () => binding.categorical(id, y, x, fillParams(count, v, k), 4, null, null, new Float64Array(ROWS), new Type(N), 1), 'any'));
      }
      values.forEach((v, k) => {
        add(`sparseCategorical: params with ${v}`, () => binding.sparseCategorical(binding.sparseKernels.sparse_categorical_crossentropy, new Int32Array([0, 1, 2]), x, fillParams(1, v, k), 4, null, null, null, new Type(N), 1), 'any');
        add(`triplet: params with ${v}`, () => binding.triplet(x, y, x.map((e) => -e), ROWS, fillParams(4, v, k), null, null, new Type(N), new Type(N), new Type(N), 1), 'any');
        for (const [name, id] of Object.entries(binding.pairKernels)) {
          add(`pair ${name}: params with ${v}`, () => binding.pair(id, x, y, fill(Type, ROWS, (i) => i % 2), ROWS, fillParams(name === 'contrastive' ? 2 : 1, v, k), null, null, new Type(N), new Type(N), 1), 'any');
        }
        add(`elementwise huber: every sampleWeight ${v}`, () => binding.elementwise(binding.elementwiseKernels.huber, y, x, null, new Float64Array([1]), 4, new Float64Array(ROWS).fill(v), null, new Type(N), 1), 'any');
      });
    }
  },

  // Labels in a SharedArrayBuffer rewritten by another thread while sync calls check and use
  // them: each call must see one consistent set (a value, or the RangeError of a label it saw
  // out of range), never index with a label it did not check.
  race() {
    const { Worker } = require('node:worker_threads');
    const rows = 1 << 14;
    const C = 4;
    const labels = new Int32Array(new SharedArrayBuffer(rows * 4)).fill(1);
    const sk = binding.sparseKernels.sparse_categorical_crossentropy;
    const yPred = new Float32Array(rows * C).fill(0.25);
    const grad = new Float32Array(rows * C);
    add('sparseCategorical: labels rewritten by another thread during 300 sync calls', async () => {
      const worker = new Worker(
        `const { workerData } = require('node:worker_threads');
         const l = new Int32Array(workerData);
         for (;;) { l.fill(1e9); l.fill(1); l.fill(-1e9); l.fill(2); }`,
        { eval: true, workerData: labels.buffer },
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      let values = 0;
      let refused = 0;
      for (let i = 0; i < 300; i++) {
        try {
          binding.sparseCategorical(sk, labels, yPred, new Float64Array([0]), C, null, null, null, grad, 1);
          values++;
        } catch (error) {
          if (error.code !== 'LOSSKIT_NATIVE_ARGUMENT' || !/'labels'/.test(error.message)) throw error;
          refused++;
        }
      }
      await worker.terminate();
      return values + refused === 300 ? 'consistent' : `${values} values, ${refused} refused`;
    }, 'value', { value: 'consistent' });
  },

  // Async calls whose arrays are detached, transferred, resized or rewritten while the job runs.
  // Inputs must be read from a stable snapshot (the value of the sync call on the original data),
  // and an output that is gone when the job finishes must reject the promise with a typed error;
  // nothing may read or write freed memory. Large arrays (allocated with mmap and unmapped when
  // freed) make a use after free fault rather than read stale data.
  async() {
    const n = 1 << 21;
    const rowLength = 1024;
    const k = binding.elementwiseKernels;
    const make = () => ({
      yTrue: fill(Float32Array, n, (i) => (i % 3) * 0.5),
      yPred: fill(Float32Array, n, (i) => (i % 5) * 0.25),
      perSample: new Float64Array(n / rowLength),
      grad: new Float32Array(n),
    });
    const reference = (() => {
      const a = make();
      return binding.elementwise(k.mean_squared_error, a.yTrue, a.yPred, null, new Float64Array(0), rowLength, null, a.perSample, a.grad, 1);
    })();
    const start = (a) => binding.elementwiseAsync(k.mean_squared_error, a.yTrue, a.yPred, null, new Float64Array(0), rowLength, null, a.perSample, a.grad, 1);
    const churn = () => {
      // Allocate and free memory of the same size, so a freed block is reused at once.
      for (let i = 0; i < 4; i++) new Float32Array(n).fill(7);
    };
    const inputDetachers = [
      ['a transfer of yPred', (a) => detachBuffer(a.yPred.buffer)],
      ['a transfer of yTrue to twice its size', (a) => detachBuffer(a.yTrue.buffer, 2 * n * 4)],
      ['structuredClone transfer of yPred and yTrue', (a) => structuredClone([a.yPred.buffer, a.yTrue.buffer], { transfer: [a.yPred.buffer, a.yTrue.buffer] })],
      ['an overwrite of yPred', (a) => a.yPred.fill(1e30)],
    ];
    for (const [label, detach] of inputDetachers) {
      add(`elementwiseAsync: ${label} while it runs`, () => {
        const a = make();
        const promise = start(a);
        detach(a);
        churn();
        return promise;
      }, 'value', { value: reference, gc: true });
    }
    const outputDetachers = [
      ['a transfer of grad', (a) => detachBuffer(a.grad.buffer), 'grad'],
      ['structuredClone transfer of grad', (a) => structuredClone(a.grad.buffer, { transfer: [a.grad.buffer] }), 'grad'],
      ['a transfer of perSample', (a) => detachBuffer(a.perSample.buffer), 'perSample'],
    ];
    for (const [label, detach, arg] of outputDetachers) {
      add(`elementwiseAsync: ${label} while it runs`, () => {
        const a = make();
        const promise = start(a);
        detach(a);
        churn();
        return promise;
      }, 'throw', { arg, gc: true });
    }
    // A resizable output shrunk while the job runs (V8 decommits the pages).
    add('elementwiseAsync: a resizable grad shrunk to 0 while it runs', () => {
      const a = make();
      const buffer = new ArrayBuffer(n * 4, { maxByteLength: n * 4 });
      a.grad = new Float32Array(buffer);
      const promise = start(a);
      buffer.resize(0);
      return promise;
    }, 'throw', { arg: 'grad' });
    add('elementwiseAsync: a resizable yPred shrunk to 0 while it runs', () => {
      const a = make();
      const buffer = new ArrayBuffer(n * 4, { maxByteLength: n * 4 });
      const view = new Float32Array(buffer);
      view.set(a.yPred);
      a.yPred = view;
      const promise = start(a);
      buffer.resize(0);
      return promise;
    }, 'value', { value: reference });
    // The outputs of a call that completes are written: grad and perSample equal the sync ones.
    add('elementwiseAsync: outputs written after the call', async () => {
      const a = make();
      const b = make();
      binding.elementwise(k.mean_squared_error, b.yTrue, b.yPred, null, new Float64Array(0), rowLength, null, b.perSample, b.grad, 1);
      await start(a);
      for (let i = 0; i < n; i++) if (a.grad[i] !== b.grad[i]) return `grad[${i}] differs`;
      for (let i = 0; i < b.perSample.length; i++) if (a.perSample[i] !== b.perSample[i]) return `perSample[${i}] differs`;
      return 'same';
    }, 'value', { value: 'same' });

    // Labels rewritten to out-of-range values after the checks: the kernel must not see them.
    const rows = 1 << 16;
    const C = 8;
    const sk = binding.sparseKernels.sparse_categorical_crossentropy;
    const sparseArgs = (labels) => [sk, labels, new Float32Array(rows * C).fill(0.125), new Float64Array([0]), C, null, null, new Float64Array(rows), new Float32Array(rows * C), 1];
    const sparseReference = binding.sparseCategorical(...sparseArgs(new Int32Array(rows).fill(3)));
    for (const bad of [1e9, -1e9, 2 ** 31 - 1]) {
      add(`sparseCategoricalAsync: labels set to ${bad} while it runs`, () => {
        const labels = new Int32Array(rows).fill(3);
        const promise = binding.sparseCategoricalAsync(...sparseArgs(labels));
        labels.fill(bad);
        return promise;
      }, 'value', { value: sparseReference });
    }
    add('sparseCategoricalAsync: labels transferred while it runs', () => {
      const labels = new Int32Array(rows).fill(3);
      const promise = binding.sparseCategoricalAsync(...sparseArgs(labels));
      detachBuffer(labels.buffer);
      churn();
      return promise;
    }, 'value', { value: sparseReference, gc: true });

    // CTC lengths and targets rewritten while it runs.
    const T = 64;
    const B = 256;
    const Cc = 6;
    const ctcArgs = (targets, inputLengths, targetLengths) => [new Float32Array(T * B * Cc).fill(Math.log(1 / Cc)), T, B, Cc, false, targets, true, 4, inputLengths, targetLengths, 0, false, new Float64Array(B).fill(1), new Float64Array(B), new Float32Array(T * B * Cc), 'exact'];
    const ctcInputs = () => [new Int32Array(B * 4).fill(2), new Int32Array(B).fill(T), new Int32Array(B).fill(4)];
    const ctcReference = binding.ctc(...ctcArgs(...ctcInputs()));
    add('ctcAsync: lengths and targets rewritten while it runs', () => {
      const [targets, inputLengths, targetLengths] = ctcInputs();
      const promise = binding.ctcAsync(...ctcArgs(targets, inputLengths, targetLengths));
      targets.fill(-7);
      inputLengths.fill(2 ** 31 - 1);
      targetLengths.fill(2 ** 30);
      return promise;
    }, 'value', { value: ctcReference });
    add('ctcAsync: targets and lengths transferred while it runs', () => {
      const [targets, inputLengths, targetLengths] = ctcInputs();
      const promise = binding.ctcAsync(...ctcArgs(targets, inputLengths, targetLengths));
      detachBuffer(targets.buffer);
      detachBuffer(inputLengths.buffer);
      detachBuffer(targetLengths.buffer);
      churn();
      return promise;
    }, 'value', { value: ctcReference, gc: true });
    add('ctcAsync: losses transferred while it runs', () => {
      const args = ctcArgs(...ctcInputs());
      const promise = binding.ctcAsync(...args);
      detachBuffer(args[13].buffer);
      return promise;
    }, 'throw', { arg: 'losses' });
  },
};

if (!groups[group]) {
  process.stderr.write(`unknown group '${group}'; groups: ${Object.keys(groups).join(', ')}\n`);
  process.exit(2);
}
groups[group]();
// No process.exit on success: stdout to a pipe is written asynchronously, and exiting at once
// cut the report short (at 564 of 601 lines when the parent read slowly: a loaded machine).
// The process ends by itself once the last line is out.
run().then(
  () => {
    process.exitCode = 0;
  },
  (error) => {
    process.stderr.write(`battery failed: ${error && error.stack}\n`);
    process.exitCode = 3;
  },
);
