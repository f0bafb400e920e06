// Types of demo/random.mjs (shared with bench/ and test/helpers/).
export function mulberry32(seed: number): () => number;
export function createRandom(seed: number): {
  next: () => number;
  uniform(lo?: number, hi?: number): number;
  normal(mean?: number, sd?: number): number;
  int(n: number): number;
  shuffle<T>(array: T[]): T[];
};
export function subSeed(seed: number, name: string): number;
