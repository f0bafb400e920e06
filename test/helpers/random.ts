// Deterministic pseudo-random inputs, so a failing case reproduces: the demo's mulberry32.
import { mulberry32 } from '../../demo/random.mjs';

export const rng: (seed: number) => () => number = mulberry32;

export function uniform(random: () => number, n: number, lo: number, hi: number): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * random());
}
