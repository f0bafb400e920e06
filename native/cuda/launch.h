// The host interface of the CUDA kernels (kernels.cu), used by the Node-API glue (addon.cpp).
// Plain structs of device pointers: every pointer named "device" points to GPU memory valid
// for the stated length; the glue has checked every length and dtype. Each launch returns the
// first CUDA error it met (cudaSuccess otherwise) and never leaks the temporaries it allocates.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

namespace losskit {
namespace cuda {

enum Dtype : int { kFloat32 = 0, kFloat64 = 1, kInt32 = 2 };

// Elementwise losses (kernel ids 0-14 of native/kernels/kernel_table.h): binding.ts's contract.
struct ElementwiseLaunch {
  int kernel;
  Dtype dtype;
  const void* yTrue;            // device, n
  const void* yPred;            // device, n
  const void* aux;              // device, n, or null (kernels that take none)
  const double* params;         // host, the kernel's parameter count
  size_t n;
  size_t rowLength;             // > 0, divides n
  const double* sampleWeight;   // device, n / rowLength, or null
  double* perSample;            // device, n / rowLength, or null: receives w_i l_i
  void* grad;                   // device, n, or null
  double gradScale;
};

// Row-wise softmax cross-entropies over [rows, classCount].
struct CategoricalLaunch {
  bool fromLogits;
  double labelSmoothing;
  Dtype dtype;
  const void* yTrue;            // device, rows * classCount
  const void* yPred;            // device, rows * classCount
  size_t rows;
  size_t classCount;
  const double* classWeight;    // device, classCount, or null
  const double* sampleWeight;   // device, rows, or null
  double* perSample;            // device, rows, or null
  void* grad;                   // device, rows * classCount, or null
  double gradScale;
};

struct SparseLaunch {
  bool fromLogits;
  Dtype dtype;
  const int* labels;            // device, rows; each in [0, classCount) or ignoreClass
  const void* yPred;            // device, rows * classCount
  size_t rows;
  size_t classCount;
  bool hasIgnoreClass;
  int ignoreClass;
  const double* sampleWeight;   // device, rows, or null
  double* perSample;            // device, rows, or null
  void* grad;                   // device, rows * classCount, or null
  double gradScale;
};

// Whether the elementwise kernel id has a CUDA implementation, its parameter count, and
// whether it requires `aux`.
bool elementwiseKernelInfo(int kernel, int* paramCount, bool* needsAux);

// Each returns sum_i w_i l_i into *total (host), computed in the fixed order of
// ordered_reduce.cuh, after the kernels finished (the call synchronises the device).
cudaError_t runElementwise(const ElementwiseLaunch& call, double* total);
cudaError_t runCategorical(const CategoricalLaunch& call, double* total);
cudaError_t runSparse(const SparseLaunch& call, double* total);

// Test hook (no GPU needed): evaluates the elementwise functor `kernel` on the host through the
// same device helpers (device_scalar.cuh), per element: values[i] = f, grad[i] = f'. Host
// pointers; a is read only by kernels that take aux. False for an unknown kernel.
bool hostEvalElementwise(int kernel, Dtype dtype, const double* params, const void* y, const void* x, const void* a,
                         size_t n, double* values, void* grad);

// Sum of a device array of doubles in the fixed order (tests compare it with orderedSumHost).
cudaError_t runOrderedSum(const double* values, size_t n, double* total);

// Whether every element of a device array is 0 or 1 (hinge's label detection, lib/losses/binary.ts).
cudaError_t runAllZeroOrOne(Dtype dtype, const void* values, size_t n, bool* result);

// Benchmark helpers: dst = src over `bytes` (a multiple of 16, 16-byte aligned), `repeats`
// times, timed with CUDA events: milliseconds per copy. And a uniform fill in [lo, hi).
cudaError_t runTimedCopy(const void* src, void* dst, size_t bytes, int repeats, float* msPerCopy);
cudaError_t runFillUniform(Dtype dtype, void* data, size_t n, double lo, double hi, unsigned long long seed);

}  // namespace cuda
}  // namespace losskit
