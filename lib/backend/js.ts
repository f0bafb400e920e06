/**
 * The pure-JS backend: the same entry points and contract as the native addon (binding.ts),
 * computed with the per-loss closures of lib/losses/. It is the fallback when no native binary
 * loads and the reference the parity tests hold the native kernels to. Its async entry points
 * compute on the calling thread and resolve with the same numbers.
 */

import type { FloatArray, CategoricalArgs, CosineArgs, CtcArgs, ElementwiseArgs, PairArgs, SparseArgs, TripletArgs } from './binding';
import type { KernelBackend } from './types';
import type { ElementwiseFunctions, RowFunction, SparseRowFunction } from '../losses/spec';
import { ALL_SPECS } from '../losses/registry';
import { cosineSimilarityRows } from '../losses/cosine';
import { tripletKernel } from '../losses/triplet';
import { ctcKernel } from '../losses/ctc-kernel';
import { contrastiveDistanceFunctions, marginRankingFunctions, pairKernel, pairKernelIds } from '../losses/pairs-kernel';

/** A kernel table: names -> ids, and the functions by id. */
function table<F>(entries: Array<[string, F]>): { ids: Record<string, number>; functions: F[] } {
  return {
    ids: Object.fromEntries(entries.map(([name], i) => [name, i])),
    functions: entries.map(([, f]) => f),
  };
}

const elementwiseTable = table<ElementwiseFunctions>([
  ...ALL_SPECS.flatMap((s) =>
    s.kind === 'elementwise' ? [[s.name, s.js] as [string, ElementwiseFunctions], ...Object.entries(s.jsKernels ?? {})] : [],
  ),
  // Elementwise kernels that structured losses run (lib/losses/pairs.ts).
  ['margin_ranking', marginRankingFunctions],
  ['contrastive_distance', contrastiveDistanceFunctions],
]);
const categoricalTable = table<RowFunction>(
  ALL_SPECS.flatMap((s) => (s.kind === 'categorical' ? [[s.name, s.jsRow] as [string, RowFunction]] : [])),
);
const sparseTable = table<SparseRowFunction>(
  ALL_SPECS.flatMap((s) => (s.kind === 'sparse' ? [[s.name, s.jsRow] as [string, SparseRowFunction]] : [])),
);

type WithoutKernel<A extends unknown[]> = A extends [unknown, ...infer Rest] ? Rest : never;

/** Row means of f, weighted and summed in order; gradient in the same pass. */
function elementwise(
  kernel: number,
  yTrue: FloatArray,
  yPred: FloatArray,
  aux: FloatArray | null,
  params: Float64Array,
  rowLength: number,
  sampleWeight: Float64Array | null,
  perSample: Float64Array | null,
  grad: FloatArray | null,
  gradScale: number,
): number {
  const functions = elementwiseTable.functions[kernel] as ElementwiseFunctions;
  return elementwiseWith(functions, yTrue, yPred, aux, params, rowLength, sampleWeight, perSample, grad, gradScale);
}

export type ElementwiseDriver = typeof elementwiseDriver;

/**
 * The elementwise driver: row means of f, weighted and summed in order, the gradient written in
 * the same pass. It refers to nothing but its parameters (and Math), because every kernel and
 * dtype runs its own copy of it (elementwiseDriverFor): one shared copy sees every loss's
 * closures and both array types, goes megamorphic and stops inlining f, which made the fallback
 * up to 9x slower in a process that had used a few losses (MSE value at 16M elements: 12.1 vs
 * 1.39 ns per element).
 */
function elementwiseDriver(
  value: ElementwiseFunctions['value'],
  derivative: ElementwiseFunctions['grad'],
  yTrue: FloatArray,
  yPred: FloatArray,
  aux: FloatArray | null,
  params: Float64Array,
  rowLength: number,
  sampleWeight: Float64Array | null,
  perSample: Float64Array | null,
  grad: FloatArray | null,
  gradScale: number,
): number {
  const rows = yPred.length / rowLength;
  let total = 0;
  for (let row = 0, start = 0; row < rows; row++, start += rowLength) {
    const end = start + rowLength;
    const weight = sampleWeight ? (sampleWeight[row] as number) : 1;
    let rowSum = 0;
    // Four loops rather than one with `aux ? aux[i] : 0` inside: that test, though loop-invariant,
    // made the value loop 1.6x slower.
    if (grad) {
      const scale = gradScale * weight;
      if (aux) {
        for (let i = start; i < end; i++) {
          const y = yTrue[i] as number;
          const x = yPred[i] as number;
          const a = aux[i] as number;
          rowSum += value(y, x, a, params);
          grad[i] = scale * derivative(y, x, a, params);
        }
      } else {
        for (let i = start; i < end; i++) {
          const y = yTrue[i] as number;
          const x = yPred[i] as number;
          rowSum += value(y, x, 0, params);
          grad[i] = scale * derivative(y, x, 0, params);
        }
      }
    } else if (aux) {
      for (let i = start; i < end; i++) rowSum += value(yTrue[i] as number, yPred[i] as number, aux[i] as number, params);
    } else {
      for (let i = start; i < end; i++) rowSum += value(yTrue[i] as number, yPred[i] as number, 0, params);
    }
    const loss = (weight * rowSum) / rowLength;
    total += loss;
    if (perSample) perSample[row] = loss;
  }
  return total;
}

/** Each kernel's own copies of the driver, [float32, float64]. */
const specialised = new WeakMap<ElementwiseFunctions, [ElementwiseDriver, ElementwiseDriver]>();

let copies = 0;
let copiesRun: boolean | undefined;

/** A new copy of the driver's source, under its own sourceURL. */
function compileCopy(label: string): ElementwiseDriver {
  const source = `return ${elementwiseDriver.toString()}\n//# sourceURL=losskit-elementwise-${++copies}-${label}.js`;
  return new Function(source)() as ElementwiseDriver;
}

/**
 * Whether copies compiled from the driver's source run: not where code generation from strings
 * is disabled (a CSP, or --disallow-code-generation-from-strings), nor where a tool rewrote the
 * driver to refer to outer names (coverage counters). A throwaway copy runs every statement once.
 */
function copiesCanRun(): boolean {
  if (copiesRun === undefined) {
    try {
      const probe = compileCopy('probe');
      const one = () => new Float64Array(1);
      for (const aux of [null, one()]) {
        for (const grad of [null, one()]) probe(() => 1, () => 1, one(), one(), aux, one(), 1, one(), one(), grad, 1);
      }
      copiesRun = true;
    } catch {
      copiesRun = false;
    }
  }
  return copiesRun;
}

/**
 * A fresh copy of the driver has its own type feedback, so V8 inlines this kernel's f and sees
 * one array type. Each copy's source is made unique (its sourceURL): V8 caches code compiled
 * from equal strings together with its feedback, so identical copies would share it again.
 * Where copies cannot run (copiesCanRun) the shared driver runs: same results, slower.
 */
function copyOfDriver(dtype: string): ElementwiseDriver {
  return copiesCanRun() ? compileCopy(dtype) : elementwiseDriver;
}

/** The copy of the driver that runs `functions` on float32 or float64 data. Call it as
 * driver(functions.value, functions.grad, ...the elementwise arguments). */
export function elementwiseDriverFor(functions: ElementwiseFunctions, float32: boolean): ElementwiseDriver {
  let drivers = specialised.get(functions);
  if (!drivers) {
    drivers = [copyOfDriver('float32'), copyOfDriver('float64')];
    specialised.set(functions, drivers);
  }
  return drivers[float32 ? 0 : 1];
}

/** The elementwise driver for given closures (custom losses call it directly). */
export function elementwiseWith(
  functions: ElementwiseFunctions,
  yTrue: FloatArray,
  yPred: FloatArray,
  aux: FloatArray | null,
  params: Float64Array,
  rowLength: number,
  sampleWeight: Float64Array | null,
  perSample: Float64Array | null,
  grad: FloatArray | null,
  gradScale: number,
): number {
  const chosen = functions.select ? functions.select(params) : functions;
  const driver = elementwiseDriverFor(chosen, yPred instanceof Float32Array);
  return driver(chosen.value, chosen.grad, yTrue, yPred, aux, params, rowLength, sampleWeight, perSample, grad, gradScale);
}

/** Rows of C classes: each row's loss from its row function, weighted and summed in order. */
function categorical(...[kernel, ...rest]: CategoricalArgs): number {
  return categoricalWith(categoricalTable.functions[kernel] as RowFunction, ...rest);
}

/** The row driver for a given row function (custom losses call it directly). */
export function categoricalWith(
  row: RowFunction,
  ...[yTrue, yPred, params, classCount, classWeight, sampleWeight, perSample, grad, gradScale]: WithoutKernel<CategoricalArgs>
): number {
  const rows = yPred.length / classCount;
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const weight = sampleWeight ? (sampleWeight[i] as number) : 1;
    const loss = weight * row(yTrue, yPred, i * classCount, classCount, params, classWeight, grad, gradScale * weight);
    total += loss;
    if (perSample) perSample[i] = loss;
  }
  return total;
}

/** Rows of C classes with one integer label each; ignored rows give 0 and a zero gradient. */
function sparseCategorical(...[kernel, labels, yPred, params, classCount, ignoreClass, sampleWeight, perSample, grad, gradScale]: SparseArgs): number {
  const row = sparseTable.functions[kernel] as SparseRowFunction;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const start = i * classCount;
    const label = labels[i] as number;
    if (label === ignoreClass) {
      if (perSample) perSample[i] = 0;
      if (grad) grad.fill(0, start, start + classCount);
      continue;
    }
    const weight = sampleWeight ? (sampleWeight[i] as number) : 1;
    const loss = weight * row(label, yPred, start, classCount, params, grad, gradScale * weight);
    total += loss;
    if (perSample) perSample[i] = loss;
  }
  return total;
}

export const jsBackend: KernelBackend = {
  elementwiseKernels: elementwiseTable.ids,
  elementwise,
  elementwiseAsync: async (...args: ElementwiseArgs) => elementwise(...args),
  cosineSimilarity: cosineSimilarityRows,
  cosineSimilarityAsync: async (...args: CosineArgs) => cosineSimilarityRows(...args),
  categoricalKernels: categoricalTable.ids,
  categorical,
  categoricalAsync: async (...args: CategoricalArgs) => categorical(...args),
  sparseKernels: sparseTable.ids,
  sparseCategorical,
  sparseCategoricalAsync: async (...args: SparseArgs) => sparseCategorical(...args),
  triplet: tripletKernel,
  tripletAsync: async (...args: TripletArgs) => tripletKernel(...args),
  ctc: ctcKernel,
  ctcAsync: async (...args: CtcArgs) => ctcKernel(...args),
  pairKernels: pairKernelIds,
  pair: pairKernel,
  pairAsync: async (...args: PairArgs) => pairKernel(...args),
};


