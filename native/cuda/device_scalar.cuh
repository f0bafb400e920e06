// The scalar helpers of native/simd/scalar.h (same names, same semantics) for CUDA device code,
// so the loss functors of native/kernels/regression.h and binary.h compile unchanged for the
// GPU: the CUDA kernels run the CPU formulas themselves (clipping constants, stable forms, NaN
// policy), not a copy that could drift. Differences from the portable CPU path: the math
// library (CUDA's expf/logf/log1pf, within 1-2 ulp of glibc's) and nothing else, since the
// build disables FMA contraction (-fmad=false, cmake/cuda.cmake) as the CPU build does.
//
// Everything is __host__ __device__ so the functors' constructors, which run on the host
// (params are decoded once per call, then the functor is passed to the kernel by value), and
// their eval(), which runs on the device, see one set of definitions.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#define LOSSKIT_ISA_NAMESPACE isa_cuda
#endif

#include <cuda_runtime.h>
#include <math.h>

#include <cstddef>
#include <cstdint>

// The kernel headers mark their helpers LOSSKIT_INLINE; on the GPU that must also make them
// callable from device code.
#ifndef LOSSKIT_INLINE
#define LOSSKIT_INLINE __host__ __device__ __forceinline__
#endif

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// mask ? a : b. On the GPU a ternary on registers compiles to a predicated select (selp), not
// a branch, so the bit-pattern blend of scalar.h is not needed; the result is the same value.
LOSSKIT_INLINE float select(bool mask, float a, float b) { return mask ? a : b; }
LOSSKIT_INLINE double select(bool mask, double a, double b) { return mask ? a : b; }

LOSSKIT_INLINE bool isNan(float x) { return x != x; }
LOSSKIT_INLINE bool isNan(double x) { return x != x; }

LOSSKIT_INLINE float abs(float x) { return ::fabsf(x); }
LOSSKIT_INLINE double abs(double x) { return ::fabs(x); }

LOSSKIT_INLINE float copysign(float mag, float sign) { return ::copysignf(mag, sign); }
LOSSKIT_INLINE double copysign(double mag, double sign) { return ::copysign(mag, sign); }

// ±1 for nonzero x, +0 for ±0, NaN for NaN (scalar.h).
LOSSKIT_INLINE float sign(float x) { return select((x > 0.0f) | (x < 0.0f), ::copysignf(1.0f, x), x + 0.0f); }
LOSSKIT_INLINE double sign(double x) { return select((x > 0.0) | (x < 0.0), ::copysign(1.0, x), x + 0.0); }

// max(x, lo) for a bound that is never NaN; a NaN x propagates (scalar.h).
LOSSKIT_INLINE float clampMin(float x, float lo) { return lo > x ? lo : x; }
LOSSKIT_INLINE double clampMin(double x, double lo) { return lo > x ? lo : x; }

// NaN-propagating max/min (not fmaxf/fminf, which drop a NaN operand).
LOSSKIT_INLINE float max(float a, float b) { return a != a ? a : (a > b ? a : b); }
LOSSKIT_INLINE double max(double a, double b) { return a != a ? a : (a > b ? a : b); }
LOSSKIT_INLINE float min(float a, float b) { return a != a ? a : (a < b ? a : b); }
LOSSKIT_INLINE double min(double a, double b) { return a != a ? a : (a < b ? a : b); }

// Unfused, as on the portable CPU path: two roundings (-fmad=false keeps nvcc from fusing).
LOSSKIT_INLINE float mulAdd(float a, float b, float c) { return a * b + c; }
LOSSKIT_INLINE double mulAdd(double a, double b, double c) { return a * b + c; }

LOSSKIT_INLINE float sqrt(float x) { return ::sqrtf(x); }
LOSSKIT_INLINE double sqrt(double x) { return ::sqrt(x); }
LOSSKIT_INLINE float exp(float x) { return ::expf(x); }
LOSSKIT_INLINE double exp(double x) { return ::exp(x); }
LOSSKIT_INLINE float log(float x) { return ::logf(x); }
LOSSKIT_INLINE double log(double x) { return ::log(x); }
LOSSKIT_INLINE float log1p(float x) { return ::log1pf(x); }
LOSSKIT_INLINE double log1p(double x) { return ::log1p(x); }
// The domain-restricted forms the vector paths specialise; here the full functions, as on the
// portable CPU path.
// The float form is e^-|x| for any x, as on the CPU (simd/scalar.h): binary.h passes float32
// logits to it as they are.
LOSSKIT_INLINE float expNonPositive(float x) { return ::expf(-::fabsf(x)); }
LOSSKIT_INLINE double expNonPositive(double x) { return ::exp(x); }
LOSSKIT_INLINE float log1pUnit(float x) { return ::log1pf(x); }
LOSSKIT_INLINE double log1pUnit(double x) { return ::log1p(x); }
LOSSKIT_INLINE float logPositive(float x) { return ::logf(x); }
LOSSKIT_INLINE double logPositive(double x) { return ::log(x); }
LOSSKIT_INLINE float log1pNegative(float x) { return ::log1pf(x); }
LOSSKIT_INLINE double log1pNegative(double x) { return ::log1p(x); }
LOSSKIT_INLINE float log1pNonNegative(float x) { return ::log1pf(x); }
LOSSKIT_INLINE double log1pNonNegative(double x) { return ::log1p(x); }

// x's sign bit set ? a : b (scalar.h); signbit() reads the bit, NaN payloads included.
LOSSKIT_INLINE float selectSignBit(float x, float a, float b) { return signbit(x) ? a : b; }
LOSSKIT_INLINE double selectSignBit(double x, double a, double b) { return signbit(x) ? a : b; }

// The functors name their scalar type through VecTraits<V>::Scalar (regression.h's ScalarOf).
template <class V>
struct VecTraits;
template <>
struct VecTraits<float> {
  using Scalar = float;
};
template <>
struct VecTraits<double> {
  using Scalar = double;
};

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
