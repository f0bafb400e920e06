// Tolerance checks in the fixtures' convention: pass if |got - expected| <= atol + rtol * |expected|.
import { expect } from 'vitest';

export function expectClose(got: number, expected: number, rtol: number, atol: number, label = ''): void {
  if (Number.isNaN(expected)) {
    expect(got, label).toBeNaN();
    return;
  }
  if (!Number.isFinite(expected)) {
    expect(got, label).toBe(expected);
    return;
  }
  const error = Math.abs(got - expected);
  const bound = atol + rtol * Math.abs(expected);
  if (!(error <= bound)) {
    expect.fail(`${label}: got ${got}, expected ${expected} (|diff| ${error.toExponential(3)} > ${bound.toExponential(3)})`);
  }
}

export function expectAllClose(
  got: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  label = '',
): void {
  expect(got.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expectClose(got[i] as number, expected[i] as number, rtol, atol, `${label}[${i}]`);
  }
}
