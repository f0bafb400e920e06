// Run-time choice of the kernels' instruction set. The choice is process-global (it depends
// only on the CPU), read with one atomic load per kernel call; an async call captures the
// table when it is queued.
#pragma once

#include "kernel_table.h"

namespace losskit {

enum class Isa { kScalar, kAvx2, kAvx512 };

const char* isaName(Isa isa);

// This CPU and OS can run the AVX2 + FMA kernels, and this binary contains them.
bool avx2Available();

// This CPU and OS can run the AVX-512 (F, DQ, BW, VL) + FMA kernels, and this binary contains
// them.
bool avx512Available();

// Whether `isa` can run here (scalar always can).
bool isaAvailable(Isa isa);

// The CPU reports AVX512_VBMI2 (CPUID leaf 7 ECX bit 6): a core that runs 512-bit FP code
// without a heavy clock penalty (Ice Lake and later Intel, Zen 4 and later AMD).
bool avx512Vbmi2Reported();

// avx512 is the default here: it can run and the CPU reports AVX512_VBMI2.
bool avx512ByDefault();

// The default instruction set here: avx512 where avx512ByDefault(), else avx2 when it can run,
// else scalar (see dispatch.cpp for the measurements behind the rule).
Isa bestIsa();

// The table of `isa`; precondition: isaAvailable(isa).
const KernelTable& kernelsFor(Isa isa);

// The currently selected table (bestIsa() until selectIsa is called).
const KernelTable& activeKernels();
Isa activeIsa();

// Selects `isa` for every later call; precondition: isaAvailable(isa).
void selectIsa(Isa isa);

}  // namespace losskit
