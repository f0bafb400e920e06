/**
 * The CPU state check. A native kernel can leave the CPU in a state that slows the JS code after
 * it: AVX code that returns without vzeroupper leaves the upper halves of the YMM registers
 * dirty, and the SSE-encoded C++ behind V8's Math.exp/Math.log1p then runs several times slower
 * until some other AVX code clears them. In an interleaved run that would slow the plain loop and
 * the JS fallback and inflate every native ratio, without any noise to show for it. So a fixed
 * piece of JS math is timed before and after native calls, and after every workload.
 */

const now = process.hrtime.bigint;

/** Slowdowns of the math probe above this factor are reported (noise stays well below). */
export const PROBE_LIMIT = 1.4;

/** Math.exp, Math.log1p, a division: the plain loops' operations. */
function mathProbe() {
  let s = 0;
  for (let i = 0; i < 50000; i++) {
    const e = Math.exp(-(i & 1023) * 1e-3);
    s += Math.log1p(e) + 1 / (1 + e);
  }
  return s;
}

/** The fastest of three runs of the probe, in ns per iteration; `sinkTo` receives its sums. */
export function probeNs(sinkTo) {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = now();
    sinkTo(mathProbe());
    best = Math.min(best, Number(now() - t0) / 50000);
  }
  return best;
}
