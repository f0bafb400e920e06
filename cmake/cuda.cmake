# Optional CUDA kernels (issue 9): a second addon, build/Release/losskit_cuda.node, that lib/cuda
# loads lazily, only when a caller asks for the GPU. The CPU addon never links against it, so a
# machine without a toolkit, a driver or a GPU builds and runs exactly as before.
#
#   LOSSKIT_CUDA=AUTO (default)  build it when a CUDA toolkit is found, skip it quietly otherwise
#   LOSSKIT_CUDA=ON              build it; configuring fails without a toolkit
#   LOSSKIT_CUDA=OFF             never build it (e.g. `npx cmake-js compile --CDLOSSKIT_CUDA=OFF`)
#
# Static CUDA runtime (cudart_static): the .node needs no libcudart.so at load time, and the
# runtime dlopen()s the driver (libcuda.so.1) on the first CUDA call, so the addon also loads on
# a machine with no driver; cudaGetDeviceCount then returns an error code, which lib/cuda turns
# into the reason `cuda.available()` is false.
#
# Included from CMakeLists.txt after the CPU target is defined; it only adds its own target.

set(LOSSKIT_CUDA "AUTO" CACHE STRING "Build the optional CUDA addon: AUTO, ON or OFF")
set_property(CACHE LOSSKIT_CUDA PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${LOSSKIT_CUDA}" _losskit_cuda_mode)
if(NOT _losskit_cuda_mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
  message(FATAL_ERROR "LOSSKIT_CUDA must be AUTO, ON or OFF (got '${LOSSKIT_CUDA}')")
endif()
if(_losskit_cuda_mode MATCHES "^(TRUE|YES|1)$")
  set(_losskit_cuda_mode ON)
elseif(_losskit_cuda_mode MATCHES "^(FALSE|NO|0)$")
  set(_losskit_cuda_mode OFF)
endif()

set(LOSSKIT_CUDA_BUILT OFF)
if(_losskit_cuda_mode STREQUAL "OFF")
  message(STATUS "losskit: CUDA addon OFF (LOSSKIT_CUDA=OFF)")
  return()
endif()

# nvcc is often installed outside PATH (/usr/local/cuda/bin); check_language only looks at
# CMAKE_CUDA_COMPILER / CUDACXX / PATH (and CMake's system prefixes such as /usr/local/bin), so
# point it at the usual toolkit locations when those lack it.
set(LOSSKIT_CUDA_SEARCH_PATHS "/usr/local/cuda/bin;/opt/cuda/bin" CACHE STRING
    "Where to look for nvcc when it is not on PATH (LOSSKIT_CUDA=AUTO or ON)")
if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
  find_program(LOSSKIT_NVCC nvcc HINTS ENV CUDA_PATH ENV CUDA_HOME PATH_SUFFIXES bin
               PATHS ${LOSSKIT_CUDA_SEARCH_PATHS})
  if(LOSSKIT_NVCC)
    set(CMAKE_CUDA_COMPILER "${LOSSKIT_NVCC}" CACHE FILEPATH "CUDA compiler")
  endif()
endif()

# SASS for Ampere (sm_80) and Hopper (sm_90), PTX for compute_90 so later GPUs JIT it. Set
# before enable_language so CMake does not probe the compiler's default architecture list.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 80-real 90-real 90-virtual)
endif()

include(CheckLanguage)
check_language(CUDA)
if(NOT CMAKE_CUDA_COMPILER)
  if(_losskit_cuda_mode STREQUAL "ON")
    message(FATAL_ERROR "LOSSKIT_CUDA=ON but no CUDA toolkit (nvcc) was found; install one, set "
                        "CUDACXX=/path/to/nvcc, or configure with LOSSKIT_CUDA=AUTO or OFF")
  endif()
  message(STATUS "losskit: CUDA addon skipped (no CUDA toolkit found; LOSSKIT_CUDA=AUTO)")
  return()
endif()

enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)
message(STATUS "losskit: CUDA addon ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, "
               "architectures ${CMAKE_CUDA_ARCHITECTURES})")

set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)

add_library(losskit_cuda SHARED
  native/cuda/addon.cpp
  native/cuda/kernels.cu
  ${CMAKE_JS_SRC})
set_target_properties(losskit_cuda PROPERTIES
  PREFIX "" SUFFIX ".node"
  CUDA_RUNTIME_LIBRARY Static
  CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}"
  CUDA_SEPARABLE_COMPILATION OFF)
target_include_directories(losskit_cuda SYSTEM PRIVATE ${CMAKE_JS_INC} ${NODE_ADDON_API_DIR}
                           ${CUDAToolkit_INCLUDE_DIRS})
target_compile_definitions(losskit_cuda PRIVATE
  NAPI_CPP_EXCEPTIONS
  NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED
  NODE_ADDON_API_ENABLE_TYPE_CHECK_ON_AS
  NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS)
# -fmad=false: a * b + c stays two roundings, as on the portable CPU path (-ffp-contract=off),
# so the GPU differs from the scalar kernels only by the math library's last-ulp differences.
# The losses are memory-bound; the FMA would buy nothing measurable.
target_compile_options(losskit_cuda PRIVATE
  $<$<COMPILE_LANGUAGE:CXX>:${LOSSKIT_CXX_OPTIONS}>
  $<$<COMPILE_LANGUAGE:CUDA>:-fmad=false --Werror=all-warnings -Xcompiler=-Wall,-Wextra>)
target_link_libraries(losskit_cuda PRIVATE CUDA::cudart_static ${CMAKE_JS_LIB})
set(LOSSKIT_CUDA_BUILT ON)
