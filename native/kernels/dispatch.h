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

// The default instruction set here: avx2 when it can run, else scalar. AVX-512 is opt-in
// (selectIsa / LOSSKIT_ISA=avx512): see dispatch.cpp for the measurements behind the rule.
Isa bestIsa();

// The table of `isa`; precondition: isaAvailable(isa).
const KernelTable& kernelsFor(Isa isa);

// The currently selected table (bestIsa() until selectIsa is called).
const KernelTable& activeKernels();
Isa activeIsa();

// Selects `isa` for every later call; precondition: isaAvailable(isa).
void selectIsa(Isa isa);

}  // namespace losskit
