// The ISA-independent interface of the kernels: kernel ids and names, the argument structs
// the addon fills in, and the table of entry points each ISA's translation unit exports.
// Types and constant data only (no inline functions), so this header is safe to include from
// both the baseline and the AVX2 translation units.
#pragma once

#include <cstddef>

namespace losskit {

// The elementwise kernel table: X(Functor, public name, parameter count, needs aux).
// Ids are the positions in this list; the public names are the canonical loss names and are
// exported as `elementwiseKernels` ({name: id}). Parameters, in order (see regression.h and
// binary.h):
//   huber [delta]; smooth_l1 [beta]; quantile [q]; gaussian_nll [eps, full (0 or 1)];
//   binary_crossentropy [fromLogits (0 or 1), labelSmoothing];
//   binary_crossentropy_pos_weight [labelSmoothing];
//   binary_focal_crossentropy [fromLogits, labelSmoothing, gamma, alpha,
//                              applyClassBalancing (0 or 1)];
//   hinge [convertLabels (0 or 1)]; squared_hinge [convertLabels];
//   margin_ranking [margin]; contrastive_distance [margin]   (ranking.h).
// gaussian_nll takes the variance as `aux` and requires it; binary_crossentropy_pos_weight
// takes posWeight (broadcast to every element) as `aux` and requires it; margin_ranking takes
// x2 as `aux` and requires it.
#define LOSSKIT_ELEMENTWISE_KERNELS(X)                                   \
  X(MeanSquaredError, "mean_squared_error", 0, false)                    \
  X(MeanAbsoluteError, "mean_absolute_error", 0, false)                  \
  X(Huber, "huber", 1, false)                                            \
  X(SmoothL1, "smooth_l1", 1, false)                                     \
  X(LogCosh, "log_cosh", 0, false)                                       \
  X(MeanSquaredLogarithmicError, "mean_squared_logarithmic_error", 0, false) \
  X(MeanAbsolutePercentageError, "mean_absolute_percentage_error", 0, false) \
  X(Quantile, "quantile", 1, false)                                      \
  X(Poisson, "poisson", 0, false)                                        \
  X(GaussianNll, "gaussian_nll", 2, true)                                \
  X(BinaryCrossentropy, "binary_crossentropy", 2, false)                 \
  X(BinaryCrossentropyPosWeight, "binary_crossentropy_pos_weight", 1, true) \
  X(BinaryFocalCrossentropy, "binary_focal_crossentropy", 5, false)      \
  X(Hinge, "hinge", 1, false)                                            \
  X(SquaredHinge, "squared_hinge", 1, false)                             \
  X(MarginRanking, "margin_ranking", 1, true)                            \
  X(ContrastiveDistance, "contrastive_distance", 1, false)

enum ElementwiseKernelId : int {
#define LOSSKIT_KERNEL_ID(Functor, name, paramCount, needsAux) kKernel##Functor,
  LOSSKIT_ELEMENTWISE_KERNELS(LOSSKIT_KERNEL_ID)
#undef LOSSKIT_KERNEL_ID
      kElementwiseKernelCount
};

struct ElementwiseKernelInfo {
  const char* name;
  int paramCount;
  bool needsAux;
};

inline constexpr ElementwiseKernelInfo kElementwiseKernelInfo[kElementwiseKernelCount] = {
#define LOSSKIT_KERNEL_INFO(Functor, name, paramCount, needsAux) {name, paramCount, needsAux},
    LOSSKIT_ELEMENTWISE_KERNELS(LOSSKIT_KERNEL_INFO)
#undef LOSSKIT_KERNEL_INFO
};

// One elementwise call: n = rows * rowLength elements, all pointers valid for their lengths
// (the addon has checked them). aux is null for kernels that take none; sampleWeight,
// perSample and grad may be null.
template <class T>
struct ElementwiseCall {
  const T* yTrue;
  const T* yPred;
  const T* aux;
  const double* params;
  size_t n;
  size_t rowLength;
  const double* sampleWeight;  // [rows] or null
  double* perSample;           // [rows] or null
  T* grad;                     // [n] or null
  double gradScale;
};

// Negative cosine similarity over the view [outer, axisLength, inner]; sample s = o*inner + k.
template <class T>
struct CosineCall {
  const T* yTrue;
  const T* yPred;
  size_t outer;
  size_t axisLength;
  size_t inner;
  const double* sampleWeight;  // [outer * inner] or null
  double* perSample;           // [outer * inner] or null
  T* grad;                     // [n] or null
  double gradScale;
};

// The categorical (row-wise) kernel table: X(Functor, public name, parameter count, takes
// classWeight). Ids are the positions in this list, exported as `categoricalKernels`
// ({name: id}). Parameters, in order (categorical.h, divergence.h):
//   categorical_crossentropy       [fromLogits (0 or 1), labelSmoothing]
//   categorical_focal_crossentropy [fromLogits (0 or 1), labelSmoothing, alpha, gamma]
//   categorical_hinge              []
//   kl_divergence                  []
//   js_divergence                  []
//   dice                           [smooth]                (segmentation.h)
//   iou                            [smooth]                (segmentation.h)
//   tversky                        [alpha, beta, smooth]   (segmentation.h)
// dice, iou and tversky see one whole sample per row (classCount = elements per sample).
// classWeight multiplies the (smoothed) targets, so only the two cross-entropies take one;
// the others require null.
#define LOSSKIT_CATEGORICAL_KERNELS(X)                                         \
  X(CategoricalCrossentropy, "categorical_crossentropy", 2, true)              \
  X(CategoricalFocalCrossentropy, "categorical_focal_crossentropy", 4, true)   \
  X(CategoricalHinge, "categorical_hinge", 0, false)                           \
  X(KlDivergence, "kl_divergence", 0, false)                                   \
  X(JsDivergence, "js_divergence", 0, false)                                   \
  X(Dice, "dice", 1, false)                                                    \
  X(Iou, "iou", 1, false)                                                      \
  X(Tversky, "tversky", 3, false)

enum CategoricalKernelId : int {
#define LOSSKIT_KERNEL_ID(Functor, name, paramCount, takesClassWeight) kCategoricalKernel##Functor,
  LOSSKIT_CATEGORICAL_KERNELS(LOSSKIT_KERNEL_ID)
#undef LOSSKIT_KERNEL_ID
      kCategoricalKernelCount
};

struct CategoricalKernelInfo {
  const char* name;
  int paramCount;
  bool takesClassWeight;
};

inline constexpr CategoricalKernelInfo kCategoricalKernelInfo[kCategoricalKernelCount] = {
#define LOSSKIT_KERNEL_INFO(Functor, name, paramCount, takesClassWeight) \
  {name, paramCount, takesClassWeight},
    LOSSKIT_CATEGORICAL_KERNELS(LOSSKIT_KERNEL_INFO)
#undef LOSSKIT_KERNEL_INFO
};

// The integer-label kernel table: X(Functor, public name, parameter count), exported as
// `sparseKernels`. sparse_categorical_crossentropy [fromLogits (0 or 1)] (sparse.h).
#define LOSSKIT_SPARSE_KERNELS(X) \
  X(SparseCategoricalCrossentropy, "sparse_categorical_crossentropy", 1)

enum SparseKernelId : int {
#define LOSSKIT_KERNEL_ID(Functor, name, paramCount) kSparseKernel##Functor,
  LOSSKIT_SPARSE_KERNELS(LOSSKIT_KERNEL_ID)
#undef LOSSKIT_KERNEL_ID
      kSparseKernelCount
};

struct SparseKernelInfo {
  const char* name;
  int paramCount;
};

inline constexpr SparseKernelInfo kSparseKernelInfo[kSparseKernelCount] = {
#define LOSSKIT_KERNEL_INFO(Functor, name, paramCount) {name, paramCount},
    LOSSKIT_SPARSE_KERNELS(LOSSKIT_KERNEL_INFO)
#undef LOSSKIT_KERNEL_INFO
};

// One row-wise call over [rows, classCount] (class axis last); all pointers valid for their
// lengths (the addon has checked them).
template <class T>
struct CategoricalCall {
  const T* yTrue;              // [rows * classCount]
  const T* yPred;              // [rows * classCount]
  const double* params;
  size_t rows;
  size_t classCount;
  const double* classWeight;   // [classCount] or null
  const double* sampleWeight;  // [rows] or null
  double* perSample;           // [rows] or null
  T* grad;                     // [rows * classCount] or null
  double gradScale;
};

// One integer-label call; every label is in [0, classCount) or equals ignoreClass (checked by
// the addon before the call).
template <class T>
struct SparseCall {
  const int* labels;           // [rows]
  const T* yPred;              // [rows * classCount]
  const double* params;
  size_t rows;
  size_t classCount;
  bool hasIgnoreClass;
  int ignoreClass;
  const double* sampleWeight;  // [rows] or null
  double* perSample;           // [rows] or null
  T* grad;                     // [rows * classCount] or null
  double gradScale;
};

// One triplet margin call over [batch, dim] embeddings (triplet.h); params = [margin, p, eps,
// swap (1 = on)]. All pointers valid for their lengths (the addon has checked them).
template <class T>
struct TripletCall {
  const T* anchor;             // [batch * dim]
  const T* positive;           // [batch * dim]
  const T* negative;           // [batch * dim]
  size_t batch;
  size_t dim;
  const double* params;        // [4]
  const double* sampleWeight;  // [batch] or null
  double* perSample;           // [batch] or null
  T* gradAnchor;               // [batch * dim] or null
  T* gradPositive;             // [batch * dim] or null
  T* gradNegative;             // [batch * dim] or null
  double gradScale;
};

// One CTC call (ctc.h): log-probabilities [T, B, C] (or [B, T, C] when batchFirst), targets
// padded [B, maxTargetLength] or concatenated. All lengths and labels were checked by the addon
// (the kernel re-reads them defensively). losses[b] = -log p(target_b), +inf when impossible
// (0 with zeroInfinity); grad = itemScales[b] * d loss_b / d logProbs ('exact'), or PyTorch's
// exp(logProbs) - posterior form when torchGrad; returns sum_b itemScales[b] * losses[b].
template <class T>
struct CtcCall {
  const T* logProbs;          // [timeSteps * batchSize * classCount]
  size_t timeSteps;
  size_t batchSize;
  size_t classCount;
  bool batchFirst;
  const int* targets;         // [targetsLength]
  size_t targetsLength;
  bool padded;
  size_t maxTargetLength;     // the padded rows' length (padded only)
  const int* inputLengths;    // [batchSize], each in [0, timeSteps]
  const int* targetLengths;   // [batchSize], each >= 0
  int blank;                  // in [0, classCount)
  bool zeroInfinity;
  const double* itemScales;   // [batchSize]
  double* losses;             // [batchSize]
  T* grad;                    // like logProbs, or null
  bool torchGrad;             // gradForm 'torch' (else 'exact')
};

// The pair kernel table (pairs.h): X(Functor, public name, parameter count), exported as
// `pairKernels` ({name: id}). Parameters, in order:
//   contrastive       [margin, eps]
//   cosine_embedding  [margin]
#define LOSSKIT_PAIR_KERNELS(X)                \
  X(PairContrastive, "contrastive", 2)         \
  X(PairCosineEmbedding, "cosine_embedding", 1)

enum PairKernelId : int {
#define LOSSKIT_KERNEL_ID(Functor, name, paramCount) kPairKernel##Functor,
  LOSSKIT_PAIR_KERNELS(LOSSKIT_KERNEL_ID)
#undef LOSSKIT_KERNEL_ID
      kPairKernelCount
};

struct PairKernelInfo {
  const char* name;
  int paramCount;
};

inline constexpr PairKernelInfo kPairKernelInfo[kPairKernelCount] = {
#define LOSSKIT_KERNEL_INFO(Functor, name, paramCount) {name, paramCount},
    LOSSKIT_PAIR_KERNELS(LOSSKIT_KERNEL_INFO)
#undef LOSSKIT_KERNEL_INFO
};

// One pair call over [batch, dim] embeddings x1, x2 with one target per pair (pairs.h). All
// pointers valid for their lengths (the addon has checked them).
template <class T>
struct PairCall {
  const T* x1;                 // [batch * dim]
  const T* x2;                 // [batch * dim]
  const T* targets;            // [batch]
  size_t batch;
  size_t dim;
  const double* params;        // [paramCount]
  const double* sampleWeight;  // [batch] or null
  double* perSample;           // [batch] or null
  T* grad1;                    // [batch * dim] or null
  T* grad2;                    // [batch * dim] or null
  double gradScale;
};

// The memory-bandwidth probe (memory_bandwidth.h): kMemoryProbeRead reads a and b;
// kMemoryProbeRead2Write1 also writes out = a - b. All pointers valid for n elements (out may be
// null for kMemoryProbeRead).
enum MemoryProbeKind : int { kMemoryProbeRead, kMemoryProbeRead2Write1, kMemoryProbeKindCount };

template <class T>
struct MemoryProbeCall {
  const T* a;
  const T* b;
  T* out;
  size_t n;
};

// kMathExpNonPositive (x <= 0), kMathLog1pUnit (x in [0, 1]), kMathLogPositive (positive
// normal x), kMathLog1pNegative (x in (-1, 0)) and kMathLog1pNonNegative (x >= 0) are the
// domain-restricted forms the kernels
// use (simd/avx2/math.h); outside their domains the results are unspecified.
enum MathFunctionId : int {
  kMathExp,
  kMathLog,
  kMathLog1p,
  kMathExpNonPositive,
  kMathLog1pUnit,
  kMathLogPositive,
  kMathLog1pNegative,
  kMathLog1pNonNegative,
  kMathFunctionCount
};

// Entry points of one instruction set. Each ISA's kernels.cpp defines one constant table,
// selected at run time by dispatch.cpp: one indirect call per kernel invocation.
struct KernelTable {
  const char* isaName;
  double (*elementwiseF32[kElementwiseKernelCount])(const ElementwiseCall<float>&);
  double (*elementwiseF64[kElementwiseKernelCount])(const ElementwiseCall<double>&);
  double (*cosineF32)(const CosineCall<float>&);
  double (*cosineF64)(const CosineCall<double>&);
  void (*mathF32[kMathFunctionCount])(const float* x, float* out, size_t n);
  void (*mathF64[kMathFunctionCount])(const double* x, double* out, size_t n);
  double (*categoricalF32[kCategoricalKernelCount])(const CategoricalCall<float>&);
  double (*categoricalF64[kCategoricalKernelCount])(const CategoricalCall<double>&);
  double (*sparseF32[kSparseKernelCount])(const SparseCall<float>&);
  double (*sparseF64[kSparseKernelCount])(const SparseCall<double>&);
  double (*tripletF32)(const TripletCall<float>&);
  double (*tripletF64)(const TripletCall<double>&);
  double (*ctcF32)(const CtcCall<float>&);
  double (*ctcF64)(const CtcCall<double>&);
  double (*pairF32[kPairKernelCount])(const PairCall<float>&);
  double (*pairF64[kPairKernelCount])(const PairCall<double>&);
  double (*memoryProbeF32[kMemoryProbeKindCount])(const MemoryProbeCall<float>&);
  double (*memoryProbeF64[kMemoryProbeKindCount])(const MemoryProbeCall<double>&);
};

}  // namespace losskit
