// Partial results: a loss computed chunk by chunk (as a harness streaming predictions or
// splitting them over workers would) and merged gives the value of one call on all the data.
import { describe, expect, it } from 'vitest';
import { getLoss, mergePartials, LosskitError, REDUCTIONS } from '../lib/index';
import { BACKENDS, useBackend } from './helpers/backends';
import { rng, uniform } from './helpers/random';

const ROWS = 37;
const C = 6;

function rows(data: Float64Array | Int32Array, from: number, to: number, width: number) {
  return data.slice(from * width, to * width);
}

describe.each(BACKENDS)('partial results on %s', (backendName) => {
  useBackend(backendName);
  const random = rng(8);
  const yPred = uniform(random, ROWS * C, 0.05, 1);
  const yTrue = uniform(random, ROWS * C, 0, 1);
  const labels = Int32Array.from({ length: ROWS }, (_, i) => (i % 5 === 0 ? -1 : Math.floor(random() * C)));
  const weights = uniform(random, ROWS, 0, 2);
  const cuts = [0, 5, 6, 20, 37];

  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['huber', {}, false],
    ['categorical_crossentropy', { fromLogits: true }, false],
    ['sparse_categorical_crossentropy', { fromLogits: true, ignoreClass: -1, classWeight: [1, 2, 0.5, 1, 3, 1] }, true],
    ['cosine_similarity', {}, false],
    ['dice', {}, false],
  ];
  for (const [name, options, sparse] of cases) {
    for (const reduction of REDUCTIONS.filter((r) => r !== 'none')) {
      it(`${name} ${reduction}: merged chunks equal one call`, () => {
        const loss = getLoss(name, { ...options, reduction });
        const whole = loss.value(
          sparse ? { data: labels, shape: [ROWS] } : { data: yTrue, shape: [ROWS, C] },
          { data: yPred, shape: [ROWS, C] },
          weights,
        );
        const partials = cuts.slice(1).map((end, k) => {
          const start = cuts[k]!;
          return loss.partial(
            sparse ? { data: labels.slice(start, end), shape: [end - start] } : { data: rows(yTrue, start, end, C), shape: [end - start, C] },
            { data: rows(yPred, start, end, C), shape: [end - start, C] },
            weights.slice(start, end),
          );
        });
        const merged = mergePartials(...partials.reverse());
        expect(loss.fromPartial(merged)).toBeCloseTo(whole as number, 12);
      });
    }
  }

  it('triplet chunks merge too; ctc and reduction none refuse', () => {
    const make = () => ({ data: uniform(random, 8 * 3, -1, 1), shape: [8, 3] });
    const inputs = { anchor: make(), positive: make(), negative: make() };
    const loss = getLoss('triplet_margin', { margin: 2 });
    const half = (t: { data: Float64Array }, a: number, b: number) => ({ data: t.data.slice(a * 3, b * 3), shape: [b - a, 3] });
    const merged = mergePartials(
      loss.partial({ anchor: half(inputs.anchor, 0, 3), positive: half(inputs.positive, 0, 3), negative: half(inputs.negative, 0, 3) }),
      loss.partial({ anchor: half(inputs.anchor, 3, 8), positive: half(inputs.positive, 3, 8), negative: half(inputs.negative, 3, 8) }),
    );
    expect(loss.fromPartial(merged)).toBeCloseTo(loss.value(inputs) as number, 12);
    expect(() => getLoss('mse', { reduction: 'none' }).fromPartial(merged)).toThrow(LosskitError);
    const ctcInputs = { logProbs: { data: new Float64Array(2 * 1 * 3).fill(Math.log(1 / 3)), shape: [2, 1, 3] }, targets: { data: new Int32Array([1]), shape: [1, 1] }, inputLengths: [2], targetLengths: [1] };
    expect(() => getLoss('ctc').partial(ctcInputs)).toThrow(/no partial results/);
    expect(() => mergePartials({ weightedSum: 1 } as never)).toThrow(/partial result/);
  });

  it('merging is order-independent to rounding, even with cancellation', () => {
    const parts = [1e16, 1, -1e16, 3].map((weightedSum) => ({ weightedSum, count: 1, weightSum: 1 }));
    expect(mergePartials(...parts).weightedSum).toBe(4);
    expect(mergePartials(...parts.reverse()).weightedSum).toBe(4);
  });
});
