// Accuracy of the native vector math library (native/simd/avx2/math.h) and of the scalar build's
// libm calls, through the addon's test hook mathEval(fn, isa, x, out).
//
// float64 is compared with V8's Math.exp / Math.log / Math.log1p (fdlibm ports, < 1 ulp);
// float32 with Math.fround of them (correctly rounded but for rare double roundings). Distances
// are counted in ulps of the dtype through the bit patterns, so 1 means "adjacent float".
// native/tools/math_sweep.cpp is the exhaustive version of this sweep (every float32, against
// the exact value); the bounds below are what both measure, not loosened to pass.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { FloatArray, Isa, MathFunction, NativeBinding } from '../lib/backend/binding';
import { rng } from './helpers/random';

type Dtype = 'float32' | 'float64';

function loadBinding(): { binding: NativeBinding | null; why: string } {
  try {
    const require = createRequire(import.meta.url);
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    return { binding: nodeGypBuild(process.cwd()) as NativeBinding, why: '' };
  } catch (error) {
    return { binding: null, why: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '' };
  }
}

const { binding, why } = loadBinding();
const available: Record<Isa, boolean> = {
  scalar: binding !== null,
  avx2: binding !== null && binding.capabilities().avx2,
  avx512: binding !== null && binding.capabilities().avx512,
};
const avx2 = available.avx2;
const skipReason = (isa: Isa): string =>
  binding === null
    ? `the native addon did not load (${why}); build it with \`npm run build:native\``
    : isa === 'avx512'
      ? 'this CPU or build cannot run the AVX-512 kernels'
      : 'this CPU cannot run the AVX2+FMA build';

// Max ulp distance from the reference, per isa, dtype and function.
// avx2: math.h measures <= 0.99 ulp (f32) / 1.03 ulp (f64) from the exact value (the restricted
// forms expNonPositive, log1pUnit, logPositive, log1pNegative and log1pNonNegative included, over
// their domains); against a reference that is itself up to ~0.5 (f32) / < 1 (f64) ulp off, 1
// and 2 adjacent values.
// scalar: glibc's expf/logf/log1pf and exp/log/log1p, also < 1 ulp.
// avx512: the same algorithms as avx2 (simd/avx512/math.h), so the same bounds; float32
// log1pUnit and expNonPositive reduce by 32-entry tables instead, 0.760 ulp over every float32
// of [0, 1] and 0.754 ulp over every float32 x <= 0 (math_sweep.cpp); avx2's float32 log1pUnit
// by an 8-entry table, 0.816 ulp; avx512's float64 log1pUnit and expNonPositive by 16-entry
// ones, 0.774 and 0.750 ulp (math_sweep.cpp's samples).
const BOUNDS: Record<Isa, Record<Dtype, number>> = {
  avx512: { float32: 1, float64: 2 },
  avx2: { float32: 1, float64: 2 },
  scalar: { float32: 1, float64: 2 },
};

const REFERENCE: Record<MathFunction, (x: number) => number> = {
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  // The domain-restricted forms (x <= 0, x in [0, 1]), swept over their domains only.
  expNonPositive: Math.exp,
  log1pUnit: Math.log1p,
  logPositive: Math.log,
  log1pNegative: Math.log1p,
  log1pNonNegative: Math.log1p,
};

// --- ulp distance through the bit patterns ------------------------------------------------------

const f32 = new Float32Array(2);
const i32 = new Int32Array(f32.buffer);
const f64 = new Float64Array(2);
const u32 = new Uint32Array(f64.buffer); // little-endian: [lo, hi] per double

/** Signed float32 bits mapped onto a line where adjacent floats differ by 1 (+0 and -0 meet). */
function orderedF32(bits: number): number {
  return bits < 0 ? -(bits & 0x7fffffff) : bits;
}

/** Both NaN, or the same infinity: 0. NaN or infinity on one side only: Infinity. */
function nonFiniteDistance(a: number, b: number): number | null {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b ? 0 : Infinity;
  return null;
}

function ulpDistanceF32(a: number, b: number): number {
  const special = nonFiniteDistance(a, b);
  if (special !== null) return special;
  f32[0] = a;
  f32[1] = b;
  return Math.abs(orderedF32(i32[0]!) - orderedF32(i32[1]!));
}

function ulpDistanceF64(a: number, b: number): number {
  const special = nonFiniteDistance(a, b);
  if (special !== null) return special;
  f64[0] = a;
  f64[1] = b;
  const [loA, hiA, loB, hiB] = [u32[0]!, u32[1]!, u32[2]!, u32[3]!];
  const signA = hiA >>> 31;
  const signB = hiB >>> 31;
  const magA = (hiA & 0x7fffffff) * 4294967296 + loA; // exact below 2^53, i.e. for |x| < 2^-970
  const magB = (hiB & 0x7fffffff) * 4294967296 + loB;
  if (signA === signB) {
    // Subtract word by word, so the difference stays exact for any magnitude.
    return Math.abs(((hiA & 0x7fffffff) - (hiB & 0x7fffffff)) * 4294967296 + (loA - loB));
  }
  return magA + magB; // across zero: the two distances to zero add up
}

// --- inputs -------------------------------------------------------------------------------------

interface Range {
  what: string;
  values: (random: () => number) => number[];
}

function uniformIn(lo: number, hi: number, n: number): Range['values'] {
  return (random) => Array.from({ length: n }, () => lo + (hi - lo) * random());
}

/** Random bit patterns of positive values between lo and hi: log-uniform, denormals included. */
function logUniform(dtype: Dtype, lo: number, hi: number, n: number, bothSigns = false): Range['values'] {
  return (random) => {
    const out: number[] = [];
    if (dtype === 'float32') {
      f32[0] = lo;
      f32[1] = hi;
      const [a, b] = [i32[0]!, i32[1]!];
      for (let i = 0; i < n; i++) {
        i32[0] = a + Math.floor((b - a + 1) * random());
        out.push(bothSigns && random() < 0.5 ? -f32[0]! : f32[0]!);
      }
    } else {
      f64[0] = lo;
      f64[1] = hi;
      const a = u32[1]! * 4294967296 + u32[0]!;
      const b = u32[3]! * 4294967296 + u32[2]!;
      for (let i = 0; i < n; i++) {
        const bits = a + Math.floor((b - a) * random());
        u32[1] = Math.floor(bits / 4294967296);
        u32[0] = Math.floor(random() * 4294967296); // the low word, uniformly
        out.push(bothSigns && random() < 0.5 ? -f64[0]! : f64[0]!);
      }
    }
    return out;
  };
}

/** k adjacent values either side of center (in the dtype). */
function around(dtype: Dtype, center: number, k: number): Range['values'] {
  return () => {
    const out: number[] = [];
    if (dtype === 'float32') {
      f32[0] = center;
      const c = i32[0]!;
      for (let i = -k; i <= k; i++) {
        i32[1] = c + i;
        out.push(f32[1]!);
      }
    } else {
      for (let x = center, i = 0; i <= k; i++, x = nextUp(x)) out.push(x);
      for (let x = nextDown(center), i = 0; i < k; i++, x = nextDown(x)) out.push(x);
    }
    return out;
  };
}

function nextUp(x: number): number {
  f64[0] = x;
  if (x >= 0) {
    u32[0] = (u32[0]! + 1) >>> 0;
    if (u32[0] === 0) u32[1] = u32[1]! + 1;
  } else {
    if (u32[0] === 0) u32[1] = u32[1]! - 1;
    u32[0] = (u32[0]! - 1) >>> 0;
  }
  return f64[0]!;
}

function nextDown(x: number): number {
  return -nextUp(-x);
}

const F32_MIN = 2 ** -126;
const F32_MAX = 3.4028234663852886e38;
const F64_MIN = 2 ** -1022;

function ranges(fn: MathFunction, dtype: Dtype): Range[] {
  const f = dtype === 'float32';
  const n = 25_000;
  switch (fn) {
    case 'exp':
      return [
        { what: 'the whole finite-result range', values: f ? uniformIn(-104, 89, 2 * n) : uniformIn(-746, 710, 2 * n) },
        { what: '|x| < 1', values: uniformIn(-1, 1, n) },
        { what: 'tiny |x|', values: logUniform(dtype, f ? 2 ** -149 : 2 ** -1074, 1, n, true) },
        { what: 'the overflow threshold', values: around(dtype, f ? 88.72283 : 709.782712893384, 500) },
        { what: 'results crossing the smallest normal', values: around(dtype, f ? -87.33654 : -708.3964185322641, 500) },
        { what: 'results near the smallest denormal', values: around(dtype, f ? -103.27893 : -744.4400719213812, 500) },
        { what: 'the underflow-to-zero threshold', values: around(dtype, f ? -103.97208 : -745.1332191019411, 500) },
      ];
    case 'log':
      return [
        { what: 'all positive finite values', values: logUniform(dtype, f ? 2 ** -149 : 2 ** -1074, f ? F32_MAX : Number.MAX_VALUE, 2 * n) },
        { what: '[0.5, 2]', values: uniformIn(0.5, 2, 2 * n) },
        { what: 'denormals', values: logUniform(dtype, f ? 2 ** -149 : 2 ** -1074, f ? F32_MIN : F64_MIN, n) },
        { what: 'just around 1', values: around(dtype, 1, 2000) },
        { what: 'the reduction boundary sqrt(1/2)', values: around(dtype, Math.SQRT1_2, 500) },
        { what: 'the reduction boundary sqrt(2)', values: around(dtype, Math.SQRT2, 500) },
      ];
    case 'log1p':
      return [
        { what: 'tiny |x|', values: logUniform(dtype, f ? 2 ** -149 : 2 ** -1074, 1, 2 * n, true) },
        { what: '(-1, 1)', values: uniformIn(-1, 1, 2 * n) },
        { what: 'just above -1', values: around(dtype, -1 + (f ? 2 ** -24 : 2 ** -53), 1000) },
        { what: 'large x', values: logUniform(dtype, 1, f ? F32_MAX : Number.MAX_VALUE, n) },
        { what: '1 + x crossing sqrt(2)', values: around(dtype, Math.SQRT2 - 1, 500) },
        { what: '1 + x crossing sqrt(1/2)', values: around(dtype, Math.SQRT1_2 - 1, 500) },
        { what: 'where 1 + x stops being exact', values: around(dtype, f ? 2 ** 24 : 2 ** 53, 500) },
      ];
    case 'expNonPositive':
      return [
        { what: 'the whole finite-result range', values: f ? uniformIn(-104, 0, 2 * n) : uniformIn(-746, 0, 2 * n) },
        { what: '[-1, 0]', values: uniformIn(-1, 0, n) },
        { what: 'tiny |x|', values: (random) => logUniform(dtype, f ? 2 ** -149 : 2 ** -1074, 1, n)(random).map((x) => -x) },
        { what: 'the top of the domain', values: (random) => around(dtype, 0, 500)(random).filter((x) => x <= 0) },
        { what: 'results crossing the smallest normal', values: around(dtype, f ? -87.33654 : -708.3964185322641, 500) },
        { what: 'results near the smallest denormal', values: around(dtype, f ? -103.27893 : -744.4400719213812, 500) },
        { what: 'the underflow-to-zero threshold', values: around(dtype, f ? -103.97208 : -745.1332191019411, 500) },
        // float32 avx512 rounds x / ln 2 to a multiple of 1/32 and looks up 2^(j/32)
        // (simd/avx512/math.h exp_nonpositive_ps): both sides of where j changes, x =
        // -(m + 1/2) ln 2 / 32, over the first 64 (j = 31..0 twice, the wrap into the next power
        // of two included) and near the bottom of the range.
        {
          what: 'the table\'s rounding edges x = -(m + 1/2) ln 2 / 32',
          values: (random) =>
            [...Array.from({ length: 64 }, (_, m) => m), 4600, 4700, 4790]
              .map((m) => around(dtype, (-(m + 0.5) * Math.LN2) / 32, 16)(random))
              .flat(),
        },
        // float64 avx512 looks up 2^(j/16) (exp_nonpositive_pd): its edges -(m + 1/2) ln 2 / 16.
        {
          what: 'the 16-entry table\'s rounding edges x = -(m + 1/2) ln 2 / 16',
          values: (random) =>
            [...Array.from({ length: 32 }, (_, m) => m), 17000, 17200]
              .map((m) => around(dtype, (-(m + 0.5) * Math.LN2) / 16, 16)(random))
              .flat(),
        },
      ];
    case 'log1pUnit':
      return [
        { what: '[0, 1]', values: uniformIn(0, 1, 2 * n) },
        { what: 'tiny x', values: logUniform(dtype, f ? 2 ** -149 : 2 ** -1074, 1, 2 * n) },
        { what: '1 + x crossing sqrt(2)', values: around(dtype, Math.SQRT2 - 1, 500) },
        // float32 avx512 reduces by 32 intervals around x = j/31, j = round(31 x), avx2 by 8
        // around j/7 (simd/*/math.h log1p_unit_ps): both sides of every edge (j + 1/2)/31 and
        // (j + 1/2)/7.
        { what: 'the 32-entry table\'s interval edges x = (j + 1/2)/31', values: (random) => Array.from({ length: 31 }, (_, j) => around(dtype, (j + 0.5) / 31, 64)(random)).flat() },
        { what: 'the 8-entry table\'s interval edges x = (j + 1/2)/7', values: (random) => Array.from({ length: 7 }, (_, j) => around(dtype, (j + 0.5) / 7, 256)(random)).flat() },
        // float64 avx512 by 16 around j/15 (log1p_unit_pd).
        { what: 'the 16-entry table\'s interval edges x = (j + 1/2)/15', values: (random) => Array.from({ length: 15 }, (_, j) => around(dtype, (j + 0.5) / 15, 128)(random)).flat() },
        { what: 'the top of the domain', values: (random) => around(dtype, 1, 500)(random).filter((x) => x <= 1) },
        { what: 'where 1 + x starts to round', values: around(dtype, f ? 2 ** -24 : 2 ** -53, 500) },
      ];
    case 'logPositive':
      return [
        { what: 'all positive normal values', values: logUniform(dtype, f ? F32_MIN : F64_MIN, f ? F32_MAX : Number.MAX_VALUE, 2 * n) },
        { what: '[1e-7, 1 - 1e-7] (clipped probabilities)', values: uniformIn(1e-7, 1 - 1e-7, 2 * n) },
        { what: 'small probabilities', values: logUniform(dtype, 1e-7, 1, n) },
        { what: 'just around 1', values: around(dtype, 1, 2000) },
        { what: 'the reduction boundary sqrt(1/2)', values: around(dtype, Math.SQRT1_2, 500) },
        { what: 'the smallest normal', values: (random) => around(dtype, f ? F32_MIN : F64_MIN, 500)(random).filter((x) => x >= (f ? F32_MIN : F64_MIN)) },
      ];
    case 'log1pNonNegative':
      return [
        { what: 'tiny x', values: logUniform(dtype, f ? 2 ** -149 : 2 ** -1074, 1, 2 * n) },
        { what: '[0, 4]', values: uniformIn(0, 4, 2 * n) },
        { what: 'large x', values: logUniform(dtype, 1, f ? F32_MAX : Number.MAX_VALUE, n) },
        { what: '1 + x crossing sqrt(2)', values: around(dtype, Math.SQRT2 - 1, 500) },
        { what: 'where 1 + x stops being exact', values: around(dtype, f ? 2 ** 24 : 2 ** 53, 500) },
      ];
    case 'log1pNegative':
      return [
        { what: '(-1, 0)', values: (random) => uniformIn(-1, 0, 2 * n)(random).filter((x) => x > -1 && x < 0) },
        { what: 'tiny |x|', values: (random) => logUniform(dtype, f ? 2 ** -149 : 2 ** -1074, 0.5, n)(random).map((x) => -x) },
        { what: 'just above -1', values: (random) => around(dtype, -1 + (f ? 2 ** -24 : 2 ** -53), 1000)(random).filter((x) => x > -1) },
        { what: '1 + x crossing sqrt(1/2)', values: around(dtype, Math.SQRT1_2 - 1, 500) },
        { what: '-p of clipped probabilities', values: (random) => uniformIn(1e-7, 1 - 1e-7, n)(random).map((x) => -x) },
      ];
  }
}

// --- the sweep ----------------------------------------------------------------------------------

function evaluate(fn: MathFunction, isa: Isa, dtype: Dtype, xs: ArrayLike<number>): FloatArray {
  const x = dtype === 'float32' ? Float32Array.from(xs) : Float64Array.from(xs);
  const out = dtype === 'float32' ? new Float32Array(x.length) : new Float64Array(x.length);
  binding!.mathEval(fn, isa, x, out);
  return out;
}

interface Worst {
  ulps: number;
  x: number;
  got: number;
  want: number;
  range: string;
}

function sweep(fn: MathFunction, isa: Isa, dtype: Dtype): Worst {
  const random = rng(0x5eed + 16 * FUNCTIONS.indexOf(fn) + (dtype === 'float32' ? 1 : 2));
  const reference = REFERENCE[fn];
  const distance = dtype === 'float32' ? ulpDistanceF32 : ulpDistanceF64;
  let worst: Worst = { ulps: 0, x: NaN, got: NaN, want: NaN, range: '' };
  for (const range of ranges(fn, dtype)) {
    const x = dtype === 'float32' ? Float32Array.from(range.values(random)) : Float64Array.from(range.values(random));
    const out = evaluate(fn, isa, dtype, x);
    for (let i = 0; i < x.length; i++) {
      const want = dtype === 'float32' ? Math.fround(reference(x[i]!)) : reference(x[i]!);
      const ulps = distance(out[i]!, want);
      if (ulps > worst.ulps || Number.isNaN(ulps)) worst = { ulps, x: x[i]!, got: out[i]!, want, range: range.what };
    }
  }
  return worst;
}

// --- special values: exact, as libm returns them ----------------------------------------------

interface Special {
  x: number;
  want: number;
}

function specials(fn: MathFunction, dtype: Dtype): Special[] {
  const f = dtype === 'float32';
  const denormalMin = f ? 2 ** -149 : 2 ** -1074;
  const common: Record<MathFunction, Special[]> = {
    expNonPositive: [
      { x: NaN, want: NaN },
      { x: -Infinity, want: 0 },
      { x: 0, want: 1 },
      { x: -0, want: 1 },
      { x: f ? -104 : -746, want: 0 },
      { x: f ? -1000 : -1e6, want: 0 },
      { x: f ? -3.4e38 : -1.7e308, want: 0 },
      // Gradual underflow, not a flush to zero.
      { x: f ? -100 : -740, want: f ? Math.fround(Math.exp(-100)) : Math.exp(-740) },
      { x: f ? -103.5 : -745, want: denormalMin },
    ],
    logPositive: [
      { x: NaN, want: NaN },
      { x: 1, want: 0 },
      { x: f ? F32_MIN : F64_MIN, want: f ? Math.fround(Math.log(F32_MIN)) : Math.log(F64_MIN) },
      { x: f ? F32_MAX : Number.MAX_VALUE, want: f ? Math.fround(Math.log(F32_MAX)) : Math.log(Number.MAX_VALUE) },
      { x: f ? Math.fround(1e-7) : 1e-7, want: f ? Math.fround(Math.log(Math.fround(1e-7))) : Math.log(1e-7) },
    ],
    log1pNonNegative: [
      { x: NaN, want: NaN },
      { x: Infinity, want: Infinity },
      { x: 0, want: 0 },
      { x: 1e-20, want: f ? Math.fround(1e-20) : 1e-20 },
      { x: denormalMin, want: denormalMin },
      { x: f ? F32_MAX : Number.MAX_VALUE, want: f ? Math.fround(Math.log1p(F32_MAX)) : Math.log1p(Number.MAX_VALUE) },
    ],
    log1pNegative: [
      { x: NaN, want: NaN },
      { x: -1e-20, want: f ? Math.fround(-1e-20) : -1e-20 },
      { x: -denormalMin, want: -denormalMin },
      { x: f ? -Math.fround(1 - 2 ** -24) : -(1 - 2 ** -53), want: f ? Math.fround(Math.log(2 ** -24)) : Math.log(2 ** -53) },
    ],
    log1pUnit: [
      { x: NaN, want: NaN },
      { x: 0, want: 0 },
      { x: 1e-20, want: f ? Math.fround(1e-20) : 1e-20 },
      { x: f ? 1e-30 : 1e-300, want: f ? Math.fround(1e-30) : 1e-300 },
      { x: denormalMin, want: denormalMin },
      { x: 1, want: f ? Math.fround(Math.LN2) : Math.LN2 },
    ],
    exp: [
      { x: NaN, want: NaN },
      { x: Infinity, want: Infinity },
      { x: -Infinity, want: 0 },
      { x: 0, want: 1 },
      { x: -0, want: 1 },
      { x: f ? 88.8 : 709.8, want: Infinity },
      { x: f ? 1000 : 1e6, want: Infinity },
      { x: f ? -104 : -746, want: 0 },
      { x: f ? -1000 : -1e6, want: 0 },
      // Gradual underflow, not a flush to zero.
      { x: f ? -100 : -740, want: f ? Math.fround(Math.exp(-100)) : Math.exp(-740) },
      { x: f ? -103.5 : -745, want: denormalMin },
    ],
    log: [
      { x: NaN, want: NaN },
      { x: 0, want: -Infinity },
      { x: -0, want: -Infinity },
      { x: -1, want: NaN },
      { x: -denormalMin, want: NaN },
      { x: -Infinity, want: NaN },
      { x: Infinity, want: Infinity },
      { x: 1, want: 0 },
      { x: denormalMin, want: f ? Math.fround(Math.log(2 ** -149)) : Math.log(2 ** -1074) },
      { x: f ? 2 ** -130 : 2 ** -1050, want: f ? Math.fround(Math.log(2 ** -130)) : Math.log(2 ** -1050) },
    ],
    log1p: [
      { x: NaN, want: NaN },
      { x: -1, want: -Infinity },
      { x: -2, want: NaN },
      { x: -Infinity, want: NaN },
      { x: Infinity, want: Infinity },
      { x: 0, want: 0 },
      { x: -0, want: -0 },
      { x: 1e-20, want: f ? Math.fround(1e-20) : 1e-20 },
      { x: -1e-20, want: f ? Math.fround(-1e-20) : -1e-20 },
      { x: f ? 1e-30 : 1e-300, want: f ? Math.fround(1e-30) : 1e-300 },
      { x: denormalMin, want: denormalMin },
    ],
  };
  return common[fn];
}

// --- the tests ----------------------------------------------------------------------------------

const FUNCTIONS: MathFunction[] = ['exp', 'log', 'log1p', 'expNonPositive', 'log1pUnit', 'logPositive', 'log1pNegative', 'log1pNonNegative'];
const DTYPES: Dtype[] = ['float32', 'float64'];

describe('ulp distance helper', () => {
  it('counts adjacent values as 1 and treats NaN and infinities as the brief says', () => {
    expect(ulpDistanceF64(1, nextUp(1))).toBe(1);
    expect(ulpDistanceF64(-1, nextDown(-1))).toBe(1);
    expect(ulpDistanceF64(0, -0)).toBe(0);
    expect(ulpDistanceF64(5e-324, -5e-324)).toBe(2);
    expect(ulpDistanceF64(Number.MAX_VALUE, Infinity)).toBe(Infinity);
    expect(ulpDistanceF64(Infinity, Infinity)).toBe(0);
    expect(ulpDistanceF64(-Infinity, Infinity)).toBe(Infinity);
    expect(ulpDistanceF64(NaN, NaN)).toBe(0);
    expect(ulpDistanceF64(NaN, 1)).toBe(Infinity);
    expect(ulpDistanceF64(1, 2)).toBe(2 ** 52);
    expect(ulpDistanceF32(1, 1 + 2 ** -23)).toBe(1);
    expect(ulpDistanceF32(2 ** -149, -(2 ** -149))).toBe(2);
    expect(ulpDistanceF32(F32_MAX, Infinity)).toBe(Infinity);
    expect(ulpDistanceF32(NaN, NaN)).toBe(0);
    expect(ulpDistanceF32(-0, 0)).toBe(0);
  });
});

describe.skipIf(binding === null)('vector math through mathEval', () => {
  for (const isa of ['avx512', 'avx2', 'scalar'] as const) {
    const skip = !available[isa];
    for (const dtype of DTYPES) {
      for (const fn of FUNCTIONS) {
        const bound = BOUNDS[isa][dtype];
        const name = `${isa} ${fn} ${dtype}: within ${bound} ulp of Math.${REFERENCE[fn].name}`;
        it.skipIf(skip)(skip ? `${name} (skipped: ${skipReason(isa)})` : name, () => {
          const worst = sweep(fn, isa, dtype);
          // LOSSKIT_MATH_REPORT=1 prints the measured maxima (the figures math.h's contracts cite).
          if (process.env.LOSSKIT_MATH_REPORT) {
            console.log(`${isa} ${fn} ${dtype}: max ${worst.ulps} ulp at x=${worst.x} (${worst.range})`);
          }
          expect(
            worst.ulps,
            `worst ${worst.ulps} ulp at x=${worst.x} (${worst.range}): got ${worst.got}, want ${worst.want}`,
          ).toBeLessThanOrEqual(bound);
        });
        it.skipIf(skip)(`${isa} ${fn} ${dtype}: special values exactly as libm`, () => {
          const cases = specials(fn, dtype);
          const out = evaluate(
            fn,
            isa,
            dtype,
            cases.map((c) => c.x),
          );
          cases.forEach((c, i) => {
            // Object.is tells +0 from -0 and matches NaN with NaN.
            expect(Object.is(out[i], c.want), `${fn}(${Object.is(c.x, -0) ? '-0' : c.x}) = ${out[i]}, want ${c.want}`).toBe(true);
          });
        });
      }
    }
  }

  // The float32 expNonPositive is e^-|x| for any x (simd/*/math.h exp_nonpositive_ps,
  // simd/scalar.h): binary.h's logistic passes its logit as it is.
  for (const isa of ['avx512', 'avx2', 'scalar'] as const) {
    it.skipIf(!available[isa])(`${isa} expNonPositive float32: x > 0 gives the bits of -x`, () => {
      const random = rng(0xe4b5);
      const positives = Float32Array.from([
        ...Array.from({ length: 4096 }, () => 120 * random() ** 3),
        0, 2 ** -149, 1e-30, 0.3, 87.33654, 103.5, 110, 1000, F32_MAX, Infinity, NaN,
      ]);
      const fromPositives = evaluate('expNonPositive', isa, 'float32', positives);
      const fromNegatives = evaluate('expNonPositive', isa, 'float32', positives.map((x) => -x));
      for (let i = 0; i < positives.length; i++) {
        expect(Object.is(fromPositives[i], fromNegatives[i]), `expNonPositive(${positives[i]}) = ${fromPositives[i]}, of -x ${fromNegatives[i]}`).toBe(true);
      }
      expect(Array.from(evaluate('expNonPositive', isa, 'float32', [Infinity, 0, NaN]))).toEqual([0, 1, NaN]);
    });
  }

  it.skipIf(!avx2)('the restricted forms give the general functions\' results within 1 ulp on their domains', () => {
    const random = rng(0x1eaf);
    const negatives = Float32Array.from({ length: 4096 }, () => -110 * random() ** 3);
    const units = Float32Array.from({ length: 4096 }, () => random() ** 4);
    const general = [evaluate('exp', 'avx2', 'float32', negatives), evaluate('log1p', 'avx2', 'float32', units)];
    const restricted = [evaluate('expNonPositive', 'avx2', 'float32', negatives), evaluate('log1pUnit', 'avx2', 'float32', units)];
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < 4096; i++) expect(ulpDistanceF32(restricted[k]![i]!, general[k]![i]!)).toBeLessThanOrEqual(1);
    }
  });

  it.skipIf(!avx2)('avx2 and scalar agree on the tail of a length that is not a multiple of 8', () => {
    const x = Float32Array.from({ length: 13 }, (_, i) => (i - 6) * 0.37);
    const viaAvx2 = evaluate('exp', 'avx2', 'float32', x);
    const viaScalar = evaluate('exp', 'scalar', 'float32', x);
    for (let i = 0; i < x.length; i++) expect(ulpDistanceF32(viaAvx2[i]!, viaScalar[i]!)).toBeLessThanOrEqual(1);
  });
});
