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

export type Isa = 'avx512' | 'avx2' | 'scalar';

export interface NativeCapabilities {
  /** The instruction set the kernels currently run on. */
  isa: Isa;
  /** Whether this CPU (and OS) can run the AVX2+FMA kernels. */
  avx2: boolean;
  /** Whether this CPU (and OS) can run the AVX-512 (F, DQ, BW, VL) kernels and the addon has
   * them. */
  avx512: boolean;
  /** Whether the CPU reports AVX512_VBMI2 (Ice Lake and later Intel, Zen 4 and later AMD): the
   * cores that run 512-bit code without a heavy clock penalty. */
  vbmi2: boolean;
  /** Whether 'auto' picks avx512 here: avx512 and vbmi2 (docs/ARCHITECTURE.md, "AVX-512"). */
  avx512Default: boolean;
  /** Node-API version the addon was built for. */
  napiVersion: number;
  /** Compiler that built the addon, e.g. "GNU 12.2.0". */
  compiler: string;
  /** Threads a large call spreads over (the caller included): the pool's size, capped by
   * setThreads. */
  threads: number;
  /** Threads the process-wide pool holds: min(cores, 8), or LOSSKIT_THREADS. */
  poolThreads: number;
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

/**
 * Connectionist temporal classification over log-probabilities. `logProbs` is [T, B, C]
 * (time-major, PyTorch's layout) or [B, T, C] when `batchFirst`. `targets` holds, for item b,
 * targetLengths[b] labels: padded rows of `maxTargetLength` ([B, S]) when `padded`, else the
 * items' targets concatenated. Forward-backward runs in log space in double, items in parallel.
 * `losses[b]` receives -log p(target_b | logProbs_b) (+Infinity for an impossible alignment, or 0
 * with zeroInfinity). The return value is sum_b itemScales[b] * losses[b] (lib folds the
 * reduction, PyTorch's per-item 1/targetLength for 'mean' included, into itemScales). When
 * `grad` is given it receives itemScales[b] * d(loss_b)/d(logProbs) at item b's entries (0
 * beyond inputLengths[b], and for items whose loss is infinite), in `gradForm` 'exact' (the true
 * derivative: -posterior) or 'torch' (PyTorch's autograd value, exp(logProbs) - posterior).
 * Every length and label is checked first (RangeError naming the item): 0 <= inputLengths[b] <= T,
 * 0 <= targetLengths[b] (<= S when padded; the concatenation's length must match), every label
 * in [0, C) and not the blank.
 */
export type CtcArgs = [
  logProbs: FloatArray,
  timeSteps: number,
  batchSize: number,
  classCount: number,
  batchFirst: boolean,
  targets: Int32Array,
  padded: boolean,
  maxTargetLength: number,
  inputLengths: Int32Array,
  targetLengths: Int32Array,
  blank: number,
  zeroInfinity: boolean,
  itemScales: Float64Array,
  losses: Float64Array,
  grad: FloatArray | null,
  gradForm: 'exact' | 'torch',
];

/**
 * Triplet margin loss (PyTorch F.triplet_margin_loss) over [batch, dim] embeddings:
 * l_i = max(d(a_i, p_i) - d(a_i, n_i) + margin, 0) with d(u, v) = ||u - v + eps||_p; with `swap`,
 * d(a_i, n_i) is replaced by min(d(a_i, n_i), d(p_i, n_i)). params = [margin, p, eps, swap (0/1)].
 * Returns sum_i w_i l_i; perSample[i] = w_i l_i; the three gradients (each null, or the dtype and
 * length of anchor) receive gradScale * w_i * dl_i/d(input).
 */
export type TripletArgs = [
  anchor: FloatArray,
  positive: FloatArray,
  negative: FloatArray,
  batchSize: number,
  params: Float64Array,
  sampleWeight: Float64Array | null,
  perSample: Float64Array | null,
  gradAnchor: FloatArray | null,
  gradPositive: FloatArray | null,
  gradNegative: FloatArray | null,
  gradScale: number,
];

/**
 * Losses over pairs of [batch, dim] embeddings x1, x2 with one target per pair (row-wise, like
 * triplet). `pairKernels` (params in order):
 * - contrastive [margin, eps]: d = ||x1 - x2 + eps||_2 (PyTorch pairwise_distance);
 *   l = y d^2 + (1 - y) max(margin - d, 0)^2, y in [0, 1] (1 = similar pair).
 * - cosine_embedding [margin]: PyTorch F.cosine_embedding_loss: cos = x1.x2 /
 *   sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)); l = 1 - cos where y = 1, max(0, cos - margin)
 *   where y = -1, 0 for any other y.
 * Returns sum_i w_i l_i; perSample[i] = w_i l_i; grad1 / grad2 (null, or x1's dtype and length)
 * receive gradScale * w_i * dl_i/dx1 and /dx2. `targets` has x1's dtype and batchSize entries.
 */
export type PairArgs = [
  kernel: number,
  x1: FloatArray,
  x2: FloatArray,
  targets: FloatArray,
  batchSize: number,
  params: Float64Array,
  sampleWeight: Float64Array | null,
  perSample: Float64Array | null,
  grad1: FloatArray | null,
  grad2: FloatArray | null,
  gradScale: number,
];

/** 'expNonPositive' (x <= 0), 'log1pUnit' (x in [0, 1]), 'logPositive' (positive normal x),
 * 'log1pNegative' (x in (-1, 0)) and 'log1pNonNegative' (x >= 0) are the domain-restricted forms
 * the kernels use; outside their domains their results are unspecified. */
export type MathFunction =
  | 'exp'
  | 'log'
  | 'log1p'
  | 'expNonPositive'
  | 'log1pUnit'
  | 'logPositive'
  | 'log1pNegative'
  | 'log1pNonNegative';

/** The access patterns of NativeBinding.memoryBandwidth. */
export type MemoryBandwidthKind = 'read' | 'read2write1';

export interface NativeBinding {
  readonly elementwiseKernels: ElementwiseKernelTable;
  capabilities(): NativeCapabilities;
  /** Selects the kernels' instruction set; 'auto' picks the best this CPU runs. Throws a
   * RangeError when the CPU cannot run the one asked for. Returns the one selected. */
  setIsa(isa: Isa | 'auto'): Isa;
  /** Caps the threads a large call uses (the caller included) at `threads` (an integer in
   * [0, 1024]; 0 = the whole pool); never more than the pool holds. Returns the threads a call
   * uses from now on. Results are the same bits for any count. */
  setThreads(threads: number): number;

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

  ctc(...args: CtcArgs): number;
  ctcAsync(...args: CtcArgs): Promise<number>;

  triplet(...args: TripletArgs): number;
  tripletAsync(...args: TripletArgs): Promise<number>;

  readonly pairKernels: Readonly<Record<string, number>>;
  pair(...args: PairArgs): number;
  pairAsync(...args: PairArgs): Promise<number>;

  /** Test hook: evaluates the vector math library's function on `x` into `out` with the given
   * instruction set (same dtype for both), so tests can sweep it against libm. */
  mathEval(fn: MathFunction, isa: Isa, x: FloatArray, out: FloatArray): void;

  /** Benchmark hook: the memory-bandwidth probe, the fastest loop over a memory-bound loss's
   * access pattern on the selected ISA, spread over the pool like the losses (so setThreads
   * applies). 'read' reads `a` and `b` once and returns sum(a) + sum(b) (`out` must be null);
   * 'read2write1' writes out = a - b and returns sum(out) (the pattern of a value-and-gradient
   * pass; large outputs use streaming stores, as the losses' gradients do). `a`, `b` and `out`
   * share one dtype and length; anything else throws a TypeError or RangeError. */
  memoryBandwidth(kind: MemoryBandwidthKind, a: FloatArray, b: FloatArray, out: FloatArray | null): number;
}
