/**
 * The kernel surface every backend offers. The native addon provides it directly (see
 * binding.ts for the contract); the JS fallback mirrors it, so lib/loss.ts has one code path.
 */

import type { NativeBinding } from './binding';

/** The backend a loss runs on: the native addon with one ISA's kernels, or the JS fallback. */
export type BackendName = 'native-avx512' | 'native-avx2' | 'native-scalar' | 'js';

export type KernelBackend = Pick<
  NativeBinding,
  | 'elementwiseKernels'
  | 'elementwise'
  | 'elementwiseAsync'
  | 'cosineSimilarity'
  | 'cosineSimilarityAsync'
  | 'categoricalKernels'
  | 'categorical'
  | 'categoricalAsync'
  | 'sparseKernels'
  | 'sparseCategorical'
  | 'sparseCategoricalAsync'
  | 'triplet'
  | 'tripletAsync'
  | 'ctc'
  | 'ctcAsync'
  | 'pairKernels'
  | 'pair'
  | 'pairAsync'
>;
