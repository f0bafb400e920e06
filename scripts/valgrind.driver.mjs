// The workload of npm run test:valgrind (scripts/valgrind.sh): every registered loss
// (scripts/soak.mjs CASES) on float32 and float64 at a few sizes, value and valueAndGrad, sync
// (plain, into `out`, reduction 'none', with sample weights where the loss takes them) and async,
// on the native backend with the ISA of LOSSKIT_ISA. Prints one JSON line: the ISA in use, the
// number of calls, a hash of every result and per-result sums, so the script can check that the
// run under valgrind computed what a plain run computes.
import { createHash } from 'node:crypto';
import { CASES, loadLosskit, primaryData, rng } from './soak.mjs';

const SIZES = [[1, 1], [3, 37], [2, 263]];

// The ISA is chosen below with setBackend, after checking that the CPU (as valgrind presents
// it) runs it; the loader would refuse the whole addon for an LOSSKIT_ISA it cannot run.
const want = process.env.LOSSKIT_ISA || 'auto';
delete process.env.LOSSKIT_ISA;
const lk = loadLosskit();
const caps = lk.capabilities();
if (!caps.nativeLoaded) {
  console.error(`valgrind driver: the native addon did not load: ${caps.nativeErrors.join('; ')}`);
  process.exit(2);
}
if (want === 'avx512' && !caps.native.avx512) {
  console.log(JSON.stringify({ isa: 'avx512', skipped: 'the CPU (as valgrind presents it) does not report AVX-512' }));
  process.exit(0);
}
lk.setBackend(want === 'scalar' ? 'native-scalar' : want === 'avx2' ? 'native-avx2' : want === 'avx512' ? 'native-avx512' : 'native');

const hash = createHash('sha256');
/** Per result: [value or sum of per-sample values, sum of gradient entries, sum of |entries|]. */
const summary = [];
const digest = (result) => {
  const value = typeof result === 'number' ? result : result.value;
  const sums = [0, 0, 0];
  if (typeof value === 'number') {
    hash.update(Float64Array.of(value));
    sums[0] = value;
  } else {
    hash.update(new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength));
    for (const v of value.data) sums[0] += v;
  }
  for (const g of Object.values(result?.grads ?? (result?.grad ? { grad: result.grad } : {}))) {
    hash.update(new Uint8Array(g.data.buffer, g.data.byteOffset, g.data.byteLength));
    for (const v of g.data) {
      sums[1] += v;
      sums[2] += Math.abs(v);
    }
  }
  summary.push(sums);
};

let calls = 0;
const random = rng(5);
for (const [name, options, make] of CASES) {
  for (const F of [Float32Array, Float64Array]) {
    for (const [rows, cols] of SIZES) {
      const inputs = make(F, rows, cols, random);
      const loss = lk.getLoss(name, options);
      const none = lk.getLoss(name, { ...options, reduction: 'none' });
      digest(loss.value(inputs));
      digest(loss.valueAndGrad(inputs));
      digest(none.valueAndGrad(inputs));
      calls += 3;
      try {
        digest(loss.valueAndGrad(inputs, { out: new F(primaryData(name, inputs).length) }));
        calls++;
      } catch {
        // this loss takes no `out`
      }
      if (inputs.yTrue && inputs.yPred && name !== 'ctc') {
        const weights = { data: Float64Array.from({ length: rows }, (_, r) => r + 0.5), shape: [rows] };
        digest(loss.valueAndGrad({ ...inputs, sampleWeight: weights }));
        calls++;
      }
      const [value, both] = await Promise.all([loss.valueAsync(inputs), loss.valueAndGradAsync(inputs)]);
      digest(value);
      digest(both);
      calls += 2;
    }
  }
}
console.log(JSON.stringify({ isa: lk.backend(), calls, hash: hash.digest('hex'), summary }));
