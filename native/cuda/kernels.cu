// The CUDA kernels: elementwise losses (the CPU functors of regression.h and binary.h, compiled
// for the device through device_scalar.cuh), softmax cross-entropies (dense and sparse, one
// block per row), and the deterministic reductions of ordered_reduce.cuh.
//
// Conventions (lib/backend/binding.ts): value = sum_i w_i l_i accumulated in double; perSample
// receives w_i l_i; grad receives gradScale * w_i * dl/dx (elementwise: gradScale * w_i * f',
// the row mean's 1/L folded into gradScale by lib), written in yPred's dtype.
//
// Value and gradient are one fused pass for the elementwise losses; the softmax rows take
// three passes over a row (maximum; exponential sums; gradient), re-reading the row, which
// mostly stays in L2 (a float32 row of 32000 classes is 125 KiB).
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "device_scalar.cuh"
#include "../kernels/regression.h"
#include "../kernels/binary.h"
#include "launch.h"
#include "ordered_reduce.cuh"

namespace losskit {
namespace cuda {
namespace {

namespace isa = ::losskit::isa_cuda;

// Device memory owned for the length of one call: freed on every path out, errors included.
class DeviceDoubles {
 public:
  DeviceDoubles() = default;
  DeviceDoubles(const DeviceDoubles&) = delete;
  DeviceDoubles& operator=(const DeviceDoubles&) = delete;
  ~DeviceDoubles() {
    if (data_ != nullptr) cudaFree(data_);  // an error here has nobody to report to
  }
  cudaError_t allocate(size_t count) { return cudaMalloc(reinterpret_cast<void**>(&data_), count * sizeof(double)); }
  double* get() const { return data_; }

 private:
  double* data_ = nullptr;
};

#define LOSSKIT_CUDA_TRY(expr)                 \
  do {                                         \
    const cudaError_t losskitStatus_ = (expr); \
    if (losskitStatus_ != cudaSuccess) return losskitStatus_; \
  } while (0)

// Grid of the per-row kernels: enough blocks to fill a large GPU; the rows' results do not
// depend on it (each row is summed by one warp or one block, in an order fixed by its length).
inline unsigned rowGrid(size_t units, size_t unitsPerBlock) {
  const size_t blocks = (units + unitsPerBlock - 1) / unitsPerBlock;
  constexpr size_t kMaxGrid = 65535;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks < kMaxGrid ? blocks : kMaxGrid));
}

// ---- The ordered flat sum (ordered_reduce.cuh) ----------------------------------------------

__global__ void __launch_bounds__(kThreads) orderedPartialsKernel(const double* __restrict__ values, size_t n,
                                                                  double* __restrict__ partials) {
  __shared__ double scratch[kWarps];
  const size_t stride = static_cast<size_t>(gridDim.x) * kThreads;
  double acc = 0.0;
  for (size_t i = static_cast<size_t>(blockIdx.x) * kThreads + threadIdx.x; i < n; i += stride) acc += values[i];
  const double total = blockSum(acc, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

// Step 3 of ordered_reduce.cuh: one block adds the per-block partials into *out.
__global__ void __launch_bounds__(kThreads) finishSumKernel(const double* __restrict__ partials, size_t count,
                                                            double* __restrict__ out) {
  __shared__ double scratch[kWarps];
  double acc = 0.0;
  for (size_t i = threadIdx.x; i < count; i += kThreads) acc += partials[i];
  const double total = blockSum(acc, scratch);
  if (threadIdx.x == 0) *out = total;
}

// Runs step 3 on partials[0, blocks) and copies the sum to the host (which synchronises, so
// any earlier kernel's failure is reported here at the latest).
cudaError_t finishSum(double* partials, size_t blocks, double* total) {
  finishSumKernel<<<1, kThreads>>>(partials, blocks, partials + blocks);
  LOSSKIT_CUDA_TRY(cudaGetLastError());
  return cudaMemcpy(total, partials + blocks, sizeof(double), cudaMemcpyDeviceToHost);
}

cudaError_t orderedSum(const double* values, size_t n, double* total) {
  const size_t blocks = reductionBlocks(n);
  DeviceDoubles partials;
  LOSSKIT_CUDA_TRY(partials.allocate(blocks + 1));
  orderedPartialsKernel<<<static_cast<unsigned>(blocks), kThreads>>>(values, n, partials.get());
  LOSSKIT_CUDA_TRY(cudaGetLastError());
  return finishSum(partials.get(), blocks, total);
}

// ---- Elementwise losses ---------------------------------------------------------------------

// Reduced calls (no perSample): one flat grid-stride pass over the n elements, each thread
// summing w_row(i) * f_i in double; sum_i w_i l_i = (1/L) * that sum (the 1/L applied on the
// host). The block count is reductionBlocks(n), so the order is a function of n only.
// Each element is read once and its gradient written once (coalesced: consecutive threads,
// consecutive elements).
template <class Loss, class T, bool kGrad>
__global__ void __launch_bounds__(kThreads) elementwiseFlatKernel(Loss loss, const T* __restrict__ y, const T* __restrict__ x,
                                                                  const T* __restrict__ a, size_t n, size_t rowLength,
                                                                  const double* __restrict__ w, T* __restrict__ grad,
                                                                  double gradScale, double* __restrict__ partials) {
  __shared__ double scratch[kWarps];
  const size_t stride = static_cast<size_t>(gridDim.x) * kThreads;
  const T unweightedScale = static_cast<T>(gradScale);  // S(gradScale * 1), as the CPU rounds it
  double acc = 0.0;
  // Unrolled so each thread has several independent loads in flight (memory-level
  // parallelism for a bandwidth-bound loop); the adds into acc keep their order.
#pragma unroll 4
  for (size_t i = static_cast<size_t>(blockIdx.x) * kThreads + threadIdx.x; i < n; i += stride) {
    T aux = T(0);
    if constexpr (Loss::kUsesAux) aux = a[i];
    T g = T(0);
    const T f = loss.template eval<kGrad>(y[i], x[i], aux, g);
    if (w != nullptr) {  // uniform across the grid: no divergence
      const double wi = w[i / rowLength];
      acc += wi * static_cast<double>(f);
      if constexpr (kGrad) grad[i] = g * static_cast<T>(gradScale * wi);
    } else {
      acc += static_cast<double>(f);
      if constexpr (kGrad) grad[i] = g * unweightedScale;
    }
  }
  const double total = blockSum(acc, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

// Per-sample calls (reduction 'none'): one warp per row, lanes striding the row (coalesced),
// the row sum a fixed butterfly; perSample[row] = w_i (rowSum * (1/L)), as the CPU forms it.
template <class Loss, class T>
__global__ void __launch_bounds__(kThreads) elementwiseRowsKernel(Loss loss, const T* __restrict__ y, const T* __restrict__ x,
                                                                  const T* __restrict__ a, size_t rows, size_t rowLength,
                                                                  double invRowLength, const double* __restrict__ w,
                                                                  T* __restrict__ grad, double gradScale,
                                                                  double* __restrict__ perSample) {
  const unsigned lane = threadIdx.x & 31u;
  const size_t warps = (static_cast<size_t>(gridDim.x) * kThreads) >> 5;
  for (size_t row = (static_cast<size_t>(blockIdx.x) * kThreads + threadIdx.x) >> 5; row < rows; row += warps) {
    const double wi = w != nullptr ? w[row] : 1.0;
    const T scale = static_cast<T>(gradScale * wi);
    const size_t base = row * rowLength;
    double acc = 0.0;
    for (size_t j = lane; j < rowLength; j += 32) {
      const size_t i = base + j;
      T aux = T(0);
      if constexpr (Loss::kUsesAux) aux = a[i];
      T g = T(0);
      const T f = loss.template eval<true>(y[i], x[i], aux, g);
      acc += static_cast<double>(f);
      if (grad != nullptr) grad[i] = g * scale;
    }
    acc = warpSum(acc);
    if (lane == 0) perSample[row] = wi * (acc * invRowLength);
  }
}

template <template <class> class LossT, class T>
cudaError_t elementwiseTyped(const ElementwiseLaunch& c, double* total) {
  const LossT<T> loss(c.params);  // decodes the parameters on the host, copied to the kernel
  const T* y = static_cast<const T*>(c.yTrue);
  const T* x = static_cast<const T*>(c.yPred);
  const T* a = static_cast<const T*>(c.aux);
  T* grad = static_cast<T*>(c.grad);
  const double invRowLength = 1.0 / static_cast<double>(c.rowLength);
  if (c.perSample != nullptr) {
    const size_t rows = c.n / c.rowLength;
    elementwiseRowsKernel<LossT<T>, T><<<rowGrid(rows, kWarps), kThreads>>>(
        loss, y, x, a, rows, c.rowLength, invRowLength, c.sampleWeight, grad, c.gradScale, c.perSample);
    LOSSKIT_CUDA_TRY(cudaGetLastError());
    return orderedSum(c.perSample, rows, total);
  }
  const size_t blocks = reductionBlocks(c.n);
  DeviceDoubles partials;
  LOSSKIT_CUDA_TRY(partials.allocate(blocks + 1));
  if (grad != nullptr) {
    elementwiseFlatKernel<LossT<T>, T, true><<<static_cast<unsigned>(blocks), kThreads>>>(
        loss, y, x, a, c.n, c.rowLength, c.sampleWeight, grad, c.gradScale, partials.get());
  } else {
    elementwiseFlatKernel<LossT<T>, T, false><<<static_cast<unsigned>(blocks), kThreads>>>(
        loss, y, x, a, c.n, c.rowLength, c.sampleWeight, nullptr, c.gradScale, partials.get());
  }
  LOSSKIT_CUDA_TRY(cudaGetLastError());
  double sum = 0.0;
  LOSSKIT_CUDA_TRY(finishSum(partials.get(), blocks, &sum));
  *total = sum * invRowLength;
  return cudaSuccess;
}

template <template <class> class LossT>
cudaError_t elementwiseDtype(const ElementwiseLaunch& c, double* total) {
  return c.dtype == kFloat32 ? elementwiseTyped<LossT, float>(c, total) : elementwiseTyped<LossT, double>(c, total);
}

// ---- Softmax cross-entropies: one block per row ----------------------------------------------

// The block's maximum of per-thread maxima (none NaN: they skip NaN), to every thread.
__device__ __forceinline__ double blockMax(double m, double* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int offset = 16; offset > 0; offset >>= 1) {
    const double other = __shfl_xor_sync(0xffffffffu, m, offset);
    m = other > m ? other : m;
  }
  __syncthreads();
  if (lane == 0) scratch[warp] = m;
  __syncthreads();
  m = lane < kWarps ? scratch[lane] : -HUGE_VAL;
  for (int offset = 16; offset > 0; offset >>= 1) {
    const double other = __shfl_xor_sync(0xffffffffu, m, offset);
    m = other > m ? other : m;
  }
  return m;
}

// The row maximum with NaN skipped (softmax.h's maxSkippingNan) and the shift the
// exponentials take: the maximum, or 0 for a row of -inf (expShift).
template <class T>
__device__ __forceinline__ T rowShift(const T* __restrict__ x, size_t classCount, double* scratch) {
  T m = static_cast<T>(-HUGE_VAL);
  for (size_t j = threadIdx.x; j < classCount; j += kThreads) m = isa::clampMin(m, x[j]);
  const T rowMax = static_cast<T>(blockMax(static_cast<double>(m), scratch));
  return rowMax == static_cast<T>(-HUGE_VAL) ? T(0) : rowMax;
}

// categorical_crossentropy (categorical.h's CategoricalCrossentropy), t_c = (y_c (1 - s) +
// s/C) cw_c. Logits: in the dtype per element, sums in double: l = D + T log S with
// S = sum exp(x - shift), T = sum t, D = sum t (shift - x); gradient gf (T softmax_j - t_j)
// formed in double and rounded once. Probabilities: in double, Sx = sum x,
// q = clip(x / Sx, EPS, 1 - EPS), l = -sum t log q, gradient gf / Sx (U - [unclipped] t / q).
template <class T>
__global__ void __launch_bounds__(kThreads) categoricalKernel(bool fromLogits, T keep, T add, double keepWide, double addWide,
                                                              const T* __restrict__ yTrue, const T* __restrict__ yPred,
                                                              size_t rows, size_t classCount, const double* __restrict__ cw,
                                                              const double* __restrict__ w, double* __restrict__ rowLoss,
                                                              T* __restrict__ grad, double gradScale) {
  __shared__ double scratch[kWarps];
  for (size_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* x = yPred + row * classCount;
    const T* y = yTrue + row * classCount;
    T* g = grad != nullptr ? grad + row * classCount : nullptr;
    const double wi = w != nullptr ? w[row] : 1.0;
    const double gf = gradScale * wi;
    double loss;
    if (fromLogits) {
      const T shift = rowShift(x, classCount, scratch);
      double sumExp = 0.0, sumT = 0.0, sumD = 0.0;
      for (size_t j = threadIdx.x; j < classCount; j += kThreads) {
        const T xv = x[j];
        T t = isa::mulAdd(y[j], keep, add);
        if (cw != nullptr) t = t * static_cast<T>(cw[j]);
        sumExp += static_cast<double>(isa::expNonPositive(xv - shift));
        sumT += static_cast<double>(t);
        sumD += static_cast<double>(t * (shift - xv));
      }
      sumExp = blockSum(sumExp, scratch);
      sumT = blockSum(sumT, scratch);
      sumD = blockSum(sumD, scratch);
      loss = sumD + sumT * isa::log(sumExp);
      if (g != nullptr) {
        const double softmaxScale = gf * sumT / sumExp;
        for (size_t j = threadIdx.x; j < classCount; j += kThreads) {
          T t = isa::mulAdd(y[j], keep, add);
          if (cw != nullptr) t = t * static_cast<T>(cw[j]);
          const T ex = isa::expNonPositive(x[j] - shift);
          g[j] = static_cast<T>(softmaxScale * static_cast<double>(ex) + -gf * static_cast<double>(t));
        }
      }
    } else {
      const double eps = 1e-7, oneMinusEps = 1.0 - 1e-7;
      double sumX = 0.0;
      for (size_t j = threadIdx.x; j < classCount; j += kThreads) sumX += static_cast<double>(x[j]);
      sumX = blockSum(sumX, scratch);
      double sumLog = 0.0, unclippedT = 0.0;
      for (size_t j = threadIdx.x; j < classCount; j += kThreads) {
        const double q = static_cast<double>(x[j]) / sumX;
        const bool clipped = (q <= eps) | (q >= oneMinusEps);
        double t = isa::mulAdd(static_cast<double>(y[j]), keepWide, addWide);
        if (cw != nullptr) t = t * cw[j];
        sumLog += t * isa::log(isa::min(isa::clampMin(q, eps), oneMinusEps));
        unclippedT += isa::select(clipped, t * 0.0, t);
      }
      sumLog = blockSum(sumLog, scratch);
      unclippedT = blockSum(unclippedT, scratch);
      loss = 0.0 - sumLog;  // +0, not -0, for an all-zero target row
      if (g != nullptr) {
        const double aTerm = gf * unclippedT / sumX;
        const double bTerm = -gf / sumX;
        for (size_t j = threadIdx.x; j < classCount; j += kThreads) {
          const double q = static_cast<double>(x[j]) / sumX;
          const bool clipped = (q <= eps) | (q >= oneMinusEps);
          double t = isa::mulAdd(static_cast<double>(y[j]), keepWide, addWide);
          if (cw != nullptr) t = t * cw[j];
          const double r = isa::select(clipped, 0.0, t / q);
          g[j] = static_cast<T>(bTerm * r + aTerm * 1.0);
        }
      }
    }
    if (threadIdx.x == 0) rowLoss[row] = wi * loss;
  }
}

// sparse_categorical_crossentropy (sparse.h). Logits: l = (shift - x_k) + log S, gradient
// softmax_j scaled in the dtype, the label's entry gf (softmax_k - 1) in double. Probabilities
// (in double): l = log sum clip(x) - log clip(x_k), gradient gf / S' where unclipped, the
// label's entry gf (1/S' - 1/q_k). An ignored row: l = 0, gradient row 0.
template <class T>
__global__ void __launch_bounds__(kThreads) sparseKernel(bool fromLogits, const int* __restrict__ labels,
                                                         const T* __restrict__ yPred, size_t rows, size_t classCount,
                                                         bool hasIgnoreClass, int ignoreClass, const double* __restrict__ w,
                                                         double* __restrict__ rowLoss, T* __restrict__ grad,
                                                         double gradScale) {
  __shared__ double scratch[kWarps];
  for (size_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* x = yPred + row * classCount;
    T* g = grad != nullptr ? grad + row * classCount : nullptr;
    const int label = labels[row];
    if (hasIgnoreClass && label == ignoreClass) {  // uniform across the block
      if (g != nullptr) {
        for (size_t j = threadIdx.x; j < classCount; j += kThreads) g[j] = T(0);
      }
      if (threadIdx.x == 0) rowLoss[row] = 0.0;
      continue;
    }
    // lib checks the labels on the host (a typed error naming the position); a direct addon call
    // can still pass any int32: such a row reads nothing it does not own and gives NaN.
    if (label < 0 || static_cast<size_t>(label) >= classCount) {  // uniform across the block
      if (g != nullptr) {
        for (size_t j = threadIdx.x; j < classCount; j += kThreads) g[j] = T(NAN);
      }
      if (threadIdx.x == 0) rowLoss[row] = NAN;
      continue;
    }
    const size_t k = static_cast<size_t>(label);
    const double wi = w != nullptr ? w[row] : 1.0;
    const double gf = gradScale * wi;
    double loss;
    if (fromLogits) {
      const T shift = rowShift(x, classCount, scratch);
      double sumExp = 0.0;
      for (size_t j = threadIdx.x; j < classCount; j += kThreads) {
        sumExp += static_cast<double>(isa::expNonPositive(x[j] - shift));
      }
      sumExp = blockSum(sumExp, scratch);
      loss = (static_cast<double>(shift) - static_cast<double>(x[k])) + isa::log(sumExp);
      if (g != nullptr) {
        const T scale = static_cast<T>(gf / sumExp);
        for (size_t j = threadIdx.x; j < classCount; j += kThreads) {
          const T ex = isa::expNonPositive(x[j] - shift);
          // The label's entry in double (softmax_k - 1 must not round softmax_k to the dtype
          // first), written by the thread that owns it: no second writer, no race.
          g[j] = j == k ? static_cast<T>(gf * (static_cast<double>(ex) / sumExp - 1.0)) : ex * scale;
        }
      }
    } else {
      const double eps = 1e-7, oneMinusEps = 1.0 - 1e-7;
      double sumQ = 0.0;
      for (size_t j = threadIdx.x; j < classCount; j += kThreads) {
        sumQ += isa::min(isa::clampMin(static_cast<double>(x[j]), eps), oneMinusEps);
      }
      sumQ = blockSum(sumQ, scratch);
      const double xk = static_cast<double>(x[k]);
      const double qk = isa::min(isa::clampMin(xk, eps), oneMinusEps);
      loss = isa::log(sumQ) - isa::log(qk);
      if (g != nullptr) {
        const double inv = 1.0 / sumQ;
        const double unclippedGrad = gf * inv;
        const double dk = inv - 1.0 / qk;
        const bool clippedK = (xk <= eps) | (xk >= oneMinusEps);
        for (size_t j = threadIdx.x; j < classCount; j += kThreads) {
          const double xv = static_cast<double>(x[j]);
          const bool clipped = (xv <= eps) | (xv >= oneMinusEps);
          g[j] = j == k ? static_cast<T>(gf * (clippedK ? dk * 0.0 : dk))
                        : static_cast<T>(isa::select(clipped, unclippedGrad * 0.0, unclippedGrad));
        }
      }
    }
    if (threadIdx.x == 0) rowLoss[row] = wi * loss;
  }
}

// ---- Small helpers --------------------------------------------------------------------------

template <class T>
__global__ void allZeroOrOneKernel(const T* __restrict__ values, size_t n, int* __restrict__ flag) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const T v = values[i];
    if (!(v == T(0) || v == T(1))) {  // NaN too, as hingeLabelParams
      atomicAnd(flag, 0);  // an integer flag: the result does not depend on the order
      return;
    }
  }
}

__global__ void copyKernel(const uint4* __restrict__ src, uint4* __restrict__ dst, size_t count) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) dst[i] = src[i];
}

__device__ __forceinline__ unsigned long long splitMix64(unsigned long long z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

template <class T>
__global__ void fillUniformKernel(T* __restrict__ data, size_t n, double lo, double span, unsigned long long seed) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const double u = static_cast<double>(splitMix64(seed ^ (i * 0x2545f4914f6cdd1dull)) >> 11) * 0x1.0p-53;
    data[i] = static_cast<T>(lo + span * u);
  }
}

}  // namespace

bool elementwiseKernelInfo(int kernel, int* paramCount, bool* needsAux) {
  // Ids 0-14 of kernel_table.h (regression.h and binary.h); margin_ranking and
  // contrastive_distance (pair losses) have no CUDA path.
  static constexpr int kParams[] = {0, 0, 1, 1, 0, 0, 0, 1, 0, 2, 2, 1, 5, 1, 1};
  if (kernel < 0 || kernel >= static_cast<int>(sizeof kParams / sizeof kParams[0])) return false;
  *paramCount = kParams[kernel];
  *needsAux = kernel == 9 || kernel == 11;
  return true;
}

// The functors with a CUDA path, by kernel id (kernel_table.h): X(id, functor).
#define LOSSKIT_CUDA_ELEMENTWISE(X)       \
  X(0, MeanSquaredError)                  \
  X(1, MeanAbsoluteError)                 \
  X(2, Huber)                             \
  X(3, SmoothL1)                          \
  X(4, LogCosh)                           \
  X(5, MeanSquaredLogarithmicError)       \
  X(6, MeanAbsolutePercentageError)       \
  X(7, Quantile)                          \
  X(8, Poisson)                           \
  X(9, GaussianNll)                       \
  X(10, BinaryCrossentropy)               \
  X(11, BinaryCrossentropyPosWeight)      \
  X(12, BinaryFocalCrossentropy)          \
  X(13, Hinge)                            \
  X(14, SquaredHinge)

cudaError_t runElementwise(const ElementwiseLaunch& c, double* total) {
  switch (c.kernel) {
#define LOSSKIT_CASE(id, Functor) \
  case id:                        \
    return elementwiseDtype<isa::Functor>(c, total);
    LOSSKIT_CUDA_ELEMENTWISE(LOSSKIT_CASE)
#undef LOSSKIT_CASE
    default:
      return cudaErrorInvalidValue;
  }
}

namespace {
// The functor's eval<true> run on the host, element by element: the device helpers of
// device_scalar.cuh are __host__ __device__, so this checks their semantics (select, sign,
// clamps, NaN handling) against the portable CPU kernels without a GPU (test/cuda.test.ts).
template <template <class> class LossT, class T>
void hostEvalTyped(const double* params, const T* y, const T* x, const T* a, size_t n, double* values, T* grad) {
  const LossT<T> loss(params);
  for (size_t i = 0; i < n; ++i) {
    T g = T(0);
    T aux = T(0);
    if constexpr (LossT<T>::kUsesAux) aux = a[i];
    values[i] = static_cast<double>(loss.template eval<true>(y[i], x[i], aux, g));
    grad[i] = g;
  }
}
}  // namespace

bool hostEvalElementwise(int kernel, Dtype dtype, const double* params, const void* y, const void* x, const void* a,
                         size_t n, double* values, void* grad) {
  switch (kernel) {
#define LOSSKIT_CASE(id, Functor)                                                                                   \
  case id:                                                                                                          \
    if (dtype == kFloat32) {                                                                                        \
      hostEvalTyped<isa::Functor, float>(params, static_cast<const float*>(y), static_cast<const float*>(x),       \
                                         static_cast<const float*>(a), n, values, static_cast<float*>(grad));      \
    } else {                                                                                                        \
      hostEvalTyped<isa::Functor, double>(params, static_cast<const double*>(y), static_cast<const double*>(x),    \
                                          static_cast<const double*>(a), n, values, static_cast<double*>(grad));   \
    }                                                                                                               \
    return true;
    LOSSKIT_CUDA_ELEMENTWISE(LOSSKIT_CASE)
#undef LOSSKIT_CASE
    default:
      return false;
  }
}

namespace {
template <class T>
cudaError_t categoricalTyped(const CategoricalLaunch& c, double* total) {
  DeviceDoubles owned;
  double* rowLoss = c.perSample;
  if (rowLoss == nullptr) {
    LOSSKIT_CUDA_TRY(owned.allocate(c.rows));
    rowLoss = owned.get();
  }
  const double keep = 1.0 - c.labelSmoothing;
  const double add = c.labelSmoothing / static_cast<double>(c.classCount);
  categoricalKernel<T><<<rowGrid(c.rows, 1), kThreads>>>(
      c.fromLogits, static_cast<T>(keep), static_cast<T>(add), keep, add, static_cast<const T*>(c.yTrue),
      static_cast<const T*>(c.yPred), c.rows, c.classCount, c.classWeight, c.sampleWeight, rowLoss,
      static_cast<T*>(c.grad), c.gradScale);
  LOSSKIT_CUDA_TRY(cudaGetLastError());
  return orderedSum(rowLoss, c.rows, total);
}

template <class T>
cudaError_t sparseTyped(const SparseLaunch& c, double* total) {
  DeviceDoubles owned;
  double* rowLoss = c.perSample;
  if (rowLoss == nullptr) {
    LOSSKIT_CUDA_TRY(owned.allocate(c.rows));
    rowLoss = owned.get();
  }
  sparseKernel<T><<<rowGrid(c.rows, 1), kThreads>>>(c.fromLogits, c.labels, static_cast<const T*>(c.yPred), c.rows,
                                                     c.classCount, c.hasIgnoreClass, c.ignoreClass, c.sampleWeight,
                                                     rowLoss, static_cast<T*>(c.grad), c.gradScale);
  LOSSKIT_CUDA_TRY(cudaGetLastError());
  return orderedSum(rowLoss, c.rows, total);
}
}  // namespace

cudaError_t runCategorical(const CategoricalLaunch& c, double* total) {
  return c.dtype == kFloat32 ? categoricalTyped<float>(c, total) : categoricalTyped<double>(c, total);
}

cudaError_t runSparse(const SparseLaunch& c, double* total) {
  return c.dtype == kFloat32 ? sparseTyped<float>(c, total) : sparseTyped<double>(c, total);
}

cudaError_t runOrderedSum(const double* values, size_t n, double* total) { return orderedSum(values, n, total); }

cudaError_t runAllZeroOrOne(Dtype dtype, const void* values, size_t n, bool* result) {
  int* flag = nullptr;
  LOSSKIT_CUDA_TRY(cudaMalloc(reinterpret_cast<void**>(&flag), sizeof(int)));
  const int one = 1;
  int host = 0;
  cudaError_t status = cudaMemcpy(flag, &one, sizeof one, cudaMemcpyHostToDevice);
  if (status == cudaSuccess) {
    const unsigned grid = rowGrid(n, kThreads * 8);
    if (dtype == kFloat32) {
      allZeroOrOneKernel<float><<<grid, kThreads>>>(static_cast<const float*>(values), n, flag);
    } else {
      allZeroOrOneKernel<double><<<grid, kThreads>>>(static_cast<const double*>(values), n, flag);
    }
    status = cudaGetLastError();
  }
  if (status == cudaSuccess) status = cudaMemcpy(&host, flag, sizeof host, cudaMemcpyDeviceToHost);
  cudaFree(flag);
  *result = host != 0;
  return status;
}

cudaError_t runTimedCopy(const void* src, void* dst, size_t bytes, int repeats, float* msPerCopy) {
  cudaEvent_t start = nullptr, stop = nullptr;
  cudaError_t status = cudaEventCreate(&start);
  if (status == cudaSuccess) status = cudaEventCreate(&stop);
  const size_t count = bytes / sizeof(uint4);
  const unsigned grid = rowGrid(count, kThreads * 4);
  if (status == cudaSuccess) {  // one warm-up copy, then the timed ones
    copyKernel<<<grid, kThreads>>>(static_cast<const uint4*>(src), static_cast<uint4*>(dst), count);
    status = cudaGetLastError();
  }
  if (status == cudaSuccess) status = cudaEventRecord(start);
  for (int r = 0; r < repeats && status == cudaSuccess; ++r) {
    copyKernel<<<grid, kThreads>>>(static_cast<const uint4*>(src), static_cast<uint4*>(dst), count);
    status = cudaGetLastError();
  }
  if (status == cudaSuccess) status = cudaEventRecord(stop);
  if (status == cudaSuccess) status = cudaEventSynchronize(stop);
  float ms = 0.0f;
  if (status == cudaSuccess) status = cudaEventElapsedTime(&ms, start, stop);
  if (start != nullptr) cudaEventDestroy(start);
  if (stop != nullptr) cudaEventDestroy(stop);
  *msPerCopy = repeats > 0 ? ms / static_cast<float>(repeats) : 0.0f;
  return status;
}

cudaError_t runFillUniform(Dtype dtype, void* data, size_t n, double lo, double hi, unsigned long long seed) {
  const unsigned grid = rowGrid(n, kThreads * 8);
  if (dtype == kFloat32) {
    fillUniformKernel<float><<<grid, kThreads>>>(static_cast<float*>(data), n, lo, hi - lo, seed);
  } else {
    fillUniformKernel<double><<<grid, kThreads>>>(static_cast<double*>(data), n, lo, hi - lo, seed);
  }
  LOSSKIT_CUDA_TRY(cudaGetLastError());
  return cudaDeviceSynchronize();
}

}  // namespace cuda
}  // namespace losskit
