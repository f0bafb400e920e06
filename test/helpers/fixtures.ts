// Reads the reference fixtures (test/fixtures, a copy of ../shared/fixtures: see its README for
// the schema and the peers that produced each case).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type FixtureNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export interface FixtureTensor {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int32';
  data: FixtureNumber[];
}

export interface FixtureCase {
  id: string;
  loss: string;
  config: Record<string, unknown> & { reduction: string };
  yTrue: FixtureTensor | null;
  yPred: FixtureTensor | null;
  sampleWeight: FixtureTensor | null;
  variance?: FixtureTensor;
  expected: { value: FixtureNumber | FixtureTensor; grad: FixtureTensor | null };
  rtol: number;
  atol: number;
  note: string;
}

export type FixtureFile = 'regression' | 'classification' | 'probabilistic' | 'structured';

export function decodeNumber(x: FixtureNumber): number {
  return typeof x === 'number' ? x : Number(x);
}

export function loadCases(file: FixtureFile, losses?: readonly string[]): FixtureCase[] {
  const text = readFileSync(path.join(__dirname, '..', 'fixtures', `${file}.json`), 'utf8');
  const cases = (JSON.parse(text) as { cases: FixtureCase[] }).cases;
  return losses ? cases.filter((c) => losses.includes(c.loss)) : cases;
}

/** A fixture tensor as { data, shape } in the dtype under test. */
export function tensorOf(t: FixtureTensor, dtype: 'float32' | 'float64') {
  const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
  return { data: Ctor.from(t.data.map(decodeNumber)), shape: t.shape };
}
