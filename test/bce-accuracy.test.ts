// binary_crossentropy from logits in float32: the per-element value and gradient against a
// float64 reference, swept over x in [-100, 100] for t in {0, 0.3, 1}, on every backend.
// Errors are in float32 ulps of the reference (denormal spacing below FLT_MIN), so the
// gradual underflow of exp(-|x|) past |x| = 87.3 is measured, not excused.
// The gradient for t = 0.3 is measured in ulps of max(|ref|, t): sigma(x) - t cancels near
// x = logit(0.3), where no float32 formula keeps relative accuracy; for t = 0 and 1 it is
// +-sigma(-|x|) or 1 - sigma(-|x|), and the plain ulp measure applies.
import { describe, expect, it } from 'vitest';
import { getLoss } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';

const FLT_MIN = 2 ** -126;

function ulp32(v: number): number {
  const a = Math.abs(v);
  if (a < FLT_MIN) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

// The float64 reference at the float32 inputs (the header of native/kernels/binary.h):
// f = |x| (x >= 0 ? 1 - t : t) + log1p(exp(-|x|)), f' = x >= 0 ? (1 - t) - q : q - t.
function reference(x: number, t: number): { value: number; grad: number } {
  const e = Math.exp(-Math.abs(x));
  const q = e / (1 + e);
  const value = Math.abs(x) * (x >= 0 ? 1 - t : t) + Math.log1p(e);
  const grad = x >= 0 ? 1 - t - q : q - t;
  return { value, grad };
}

// x in [-100, 100]: a uniform grid, a fine grid around 0 and around logit(0.3), and the
// float32 neighbours of the branch point of log1p (exp(-|x|) = sqrt(2) - 1, |x| = 0.8814).
function sweep(): Float32Array {
  const xs: number[] = [];
  for (let i = -200000; i <= 200000; i++) xs.push(i * 5e-4);
  for (let i = -20000; i <= 20000; i++) xs.push(i * 1e-6, Math.log(0.3 / 0.7) + i * 1e-7);
  for (let i = -2000; i <= 2000; i++) xs.push(0.881373587 + i * 1e-7, -0.881373587 + i * 1e-7);
  return new Float32Array(xs);
}

// The bounds asserted below, in float32 ulps. Measured worst cases over this sweep: value
// 1.42 ulp (every native ISA), gradient 2.13 ulp (t = 0 and 1, every native ISA:
// exp's ~1 ulp, the division, and the rounding of 1 + e) and 1.38 ulp for t = 0.3; the JS
// backend, in float64 rounded once, 0.5 ulp.
const VALUE_ULPS = 2;
const GRAD_ULPS = 2.5;

describe.each(BACKENDS)('binary_crossentropy logits accuracy (float32) on %s', (backendName) => {
  useBackend(backendName);
  const x = sweep();
  const bce = getLoss('binary_crossentropy', { fromLogits: true, reduction: 'none' });

  for (const label of [0, 0.3, 1]) {
    it(`t = ${label}: value within ${VALUE_ULPS} ulp, gradient within ${GRAD_ULPS} ulp`, () => {
      const t = Math.fround(label);
      const y = new Float32Array(x.length).fill(t);
      const r = bce.valueAndGrad({ data: y, shape: [x.length, 1] }, { data: x, shape: [x.length, 1] });
      let worstValue = 0;
      let worstGrad = 0;
      for (let i = 0; i < x.length; i++) {
        const ref = reference(x[i], t);
        const v = r.value.data[i];
        const g = r.grad.data[i];
        const valueUlps = Math.abs(v - ref.value) / ulp32(ref.value);
        const gradScale = label === 0.3 ? Math.max(Math.abs(ref.grad), t) : ref.grad;
        const gradUlps = Math.abs(g - ref.grad) / ulp32(gradScale);
        if (!(valueUlps <= worstValue)) worstValue = valueUlps;
        if (!(gradUlps <= worstGrad)) worstGrad = gradUlps;
      }
      if (process.env.LOSSKIT_REPORT_ACCURACY) {
        console.log(`${backendName} t=${label}: value ${worstValue.toFixed(3)} ulp, grad ${worstGrad.toFixed(3)} ulp`);
      }
      expect(worstValue).toBeLessThanOrEqual(VALUE_ULPS);
      expect(worstGrad).toBeLessThanOrEqual(GRAD_ULPS);
    });
  }
});
