// The portable kernels: the shared templates instantiated for float and double in their own
// namespace (losskit::isa_scalar), so no inline function here can be merged with a copy
// compiled for AVX2. Runs on any CPU; the reference the AVX2 path is tested against.
#define LOSSKIT_ISA_NAMESPACE isa_scalar

#include "../../simd/scalar.h"

namespace losskit {
namespace isa_scalar {
using VecF32 = float;
using VecF64 = double;
constexpr const char* kIsaName = "scalar";
inline void leaveVectorCode() {}
}  // namespace isa_scalar
}  // namespace losskit

#include "../isa_table.h"
