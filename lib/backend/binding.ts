/**
 * The raw surface of the native addon (native/addon/), typed separately from the public API
 * as onnxruntime-node does in `js/node/lib/binding.ts`. Nothing here validates: lib/ proves
 * shapes and dtypes before calling, and the native side re-checks every length and throws
 * (never crashes) when handed something inconsistent.
 *
 * Conventions shared by every kernel entry point:
 * - `yTrue`, `yPred`, `aux` and `grad` are all Float32Array or all Float64Array (the dtype of
 *   `yPred`); `sampleWeight` and `perSample` are always Float64Array.
 * - Per-sample losses `l_i` are the mean over a row (elementwise losses) or the row's value
 *   (row-wise losses); `w_i = sampleWeight[i]` or 1 when it is null.
 * - The return value is sum_i w_i * l_i, accumulated in double in an order fixed by the shapes
 *   alone (so threads and async never change a bit).
 * - `perSample`, when given, receives w_i * l_i.
 * - `grad`, when given, receives gradScale * w_i * f'(y, x, a) for elementwise kernels (f the
 *   per-element loss: the mean's 1/rowLength is folded into gradScale), and
 *   gradScale * w_s * d(l_s)/d(yPred) for row-wise ones; lib/reduce.ts folds the reduction's
 *   divisor into `gradScale`.
 */

export type FloatArray = Float32Array | Float64Array;

/** Names of the elementwise kernels the addon was built with, mapped to their ids. */
export type ElementwiseKernelTable = Readonly<Record<string, number>>;

export type Isa = 'avx2' | 'scalar';

export interface NativeCapabilities {
  /** The instruction set the kernels currently run on. */
  isa: Isa;
  /** Whether this CPU (and OS) can run the AVX2+FMA kernels. */
  avx2: boolean;
  /** Node-API version the addon was built for. */
  napiVersion: number;
  /** Compiler that built the addon, e.g. "GNU 12.2.0". */
  compiler: string;
}

export type ElementwiseArgs = [
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
];

export type CosineArgs = [
  yTrue: FloatArray,
  yPred: FloatArray,
  outer: number,
  axisLength: number,
  inner: number,
  sampleWeight: Float64Array | null,
  perSample: Float64Array | null,
  grad: FloatArray | null,
  gradScale: number,
];

/** Row-wise losses over [rows, classCount] (the class axis last). `yTrue` holds target
 * distributions (one-hot or soft labels) in yPred's dtype. `classWeight` (length classCount)
 * multiplies the (smoothed) targets: PyTorch's `weight` for probability targets. */
export type CategoricalArgs = [
  kernel: number,
  yTrue: FloatArray,
  yPred: FloatArray,
  params: Float64Array,
  classCount: number,
  classWeight: Float64Array | null,
  sampleWeight: Float64Array | null,
  perSample: Float64Array | null,
  grad: FloatArray | null,
  gradScale: number,
];

/** Integer-label losses over [rows, classCount]: `labels[i]` in [0, classCount), or equal to
 * `ignoreClass` (null: none), in which case row i contributes 0 to everything and its gradient
 * row is 0. lib folds class weights into `sampleWeight`. Any other label is a RangeError that
 * names its position, raised before anything is written. */
export type SparseArgs = [
  kernel: number,
  labels: Int32Array,
  yPred: FloatArray,
  params: Float64Array,
  classCount: number,
  ignoreClass: number | null,
  sampleWeight: Float64Array | null,
  perSample: Float64Array | null,
  grad: FloatArray | null,
  gradScale: number,
];

export type MathFunction = 'exp' | 'log' | 'log1p';

export interface NativeBinding {
  readonly elementwiseKernels: ElementwiseKernelTable;
  capabilities(): NativeCapabilities;
  /** Selects the kernels' instruction set; 'auto' picks the best this CPU runs. Throws a
   * RangeError when the CPU cannot run the one asked for. Returns the one selected. */
  setIsa(isa: Isa | 'auto'): Isa;

  /** Elementwise losses: rows of `rowLength` elements; `aux` is the third input some losses
   * take (gaussian_nll's variance), `params` their scalar options in the order the kernel
   * table documents (native/kernels/regression.h). */
  elementwise(...args: ElementwiseArgs): number;
  elementwiseAsync(...args: ElementwiseArgs): Promise<number>;

  /** Negative cosine similarity along the middle axis of a [outer, axisLength, inner] view;
   * sample i = o * inner + k. */
  cosineSimilarity(...args: CosineArgs): number;
  cosineSimilarityAsync(...args: CosineArgs): Promise<number>;

  readonly categoricalKernels: Readonly<Record<string, number>>;
  categorical(...args: CategoricalArgs): number;
  categoricalAsync(...args: CategoricalArgs): Promise<number>;

  readonly sparseKernels: Readonly<Record<string, number>>;
  sparseCategorical(...args: SparseArgs): number;
  sparseCategoricalAsync(...args: SparseArgs): Promise<number>;

  /** Test hook: evaluates the vector math library's function on `x` into `out` with the given
   * instruction set (same dtype for both), so tests can sweep it against libm. */
  mathEval(fn: MathFunction, isa: Isa, x: FloatArray, out: FloatArray): void;
}
