/**
 * The pure-JS backend: the same entry points and contract as the native addon (binding.ts),
 * computed with the per-loss closures of lib/losses/. It is the fallback when no native binary
 * loads and the reference the parity tests hold the native kernels to. Its async entry points
 * compute on the calling thread and resolve with the same numbers.
 */

import type { ElementwiseArgs, CosineArgs, FloatArray } from './binding';
import type { KernelBackend } from './types';
import type { ElementwiseFunctions } from '../losses/spec';
import { ALL_SPECS } from '../losses/registry';
import { cosineSimilarityRows } from '../losses/cosine';

const elementwiseSpecs = ALL_SPECS.filter((s) => s.kind === 'elementwise');
const functions: ElementwiseFunctions[] = elementwiseSpecs.map((s) => s.js);
const kernelIds: Record<string, number> = Object.fromEntries(elementwiseSpecs.map((s, i) => [s.name, i]));

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
  const { value, grad: derivative } = functions[kernel] as ElementwiseFunctions;
  const rows = yPred.length / rowLength;
  let total = 0;
  for (let row = 0, start = 0; row < rows; row++, start += rowLength) {
    const weight = sampleWeight ? (sampleWeight[row] as number) : 1;
    let rowSum = 0;
    for (let i = start; i < start + rowLength; i++) {
      rowSum += value(yTrue[i] as number, yPred[i] as number, aux ? (aux[i] as number) : 0, params);
    }
    const loss = (weight * rowSum) / rowLength;
    total += loss;
    if (perSample) perSample[row] = loss;
    if (grad) {
      const scale = gradScale * weight;
      for (let i = start; i < start + rowLength; i++) {
        grad[i] = scale * derivative(yTrue[i] as number, yPred[i] as number, aux ? (aux[i] as number) : 0, params);
      }
    }
  }
  return total;
}

export const jsBackend: KernelBackend = {
  elementwiseKernels: kernelIds,
  elementwise,
  elementwiseAsync: async (...args: ElementwiseArgs) => elementwise(...args),
  cosineSimilarity: cosineSimilarityRows,
  cosineSimilarityAsync: async (...args: CosineArgs) => cosineSimilarityRows(...args),
};
