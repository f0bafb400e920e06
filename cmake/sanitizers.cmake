# Sanitizer builds of the addon (issue 8): ASan + UBSan, for `npm run test:sanitize`.
#   npx cmake-js compile --out build-asan --CDLOSSKIT_SANITIZE=ON
# ON means "address,undefined"; any other non-OFF value is taken as the -fsanitize= list itself
# (e.g. --CDLOSSKIT_SANITIZE=undefined). UBSan findings abort (-fno-sanitize-recover), so a test
# run fails on the first one rather than printing and carrying on.
#
# The addon is loaded into a node binary that is not built with ASan, so the runtime must come
# first: LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)"
# (scripts/test-sanitize.sh does this). GCC and Clang only; elsewhere the option is ignored.
set(LOSSKIT_SANITIZE OFF CACHE STRING "Build the addon with sanitizers: OFF, ON (address,undefined) or a -fsanitize= list")

if(LOSSKIT_SANITIZE AND NOT LOSSKIT_SANITIZE STREQUAL "OFF")
  if(LOSSKIT_SANITIZE STREQUAL "ON" OR LOSSKIT_SANITIZE STREQUAL "1" OR LOSSKIT_SANITIZE STREQUAL "TRUE")
    set(LOSSKIT_SANITIZERS "address,undefined")
  else()
    set(LOSSKIT_SANITIZERS "${LOSSKIT_SANITIZE}")
  endif()
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    set(LOSSKIT_SANITIZE_FLAGS
      -fsanitize=${LOSSKIT_SANITIZERS}
      -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined
      -g
      # -O1 (after the build type's -O3, so it wins): the AVX2 and AVX-512 kernel files took
      # ~13 CPU-minutes each to compile instrumented at -O3; the intrinsics stay as written.
      -O1)
    # Every target of this project (the kernels' object library and the addon), compile and
    # link. add_compile_options/add_link_options apply to targets defined after this include.
    add_compile_options(${LOSSKIT_SANITIZE_FLAGS})
    add_link_options(-fsanitize=${LOSSKIT_SANITIZERS})
    add_compile_definitions(LOSSKIT_SANITIZE=1)
    message(STATUS "losskit: sanitizers ${LOSSKIT_SANITIZERS} (preload the runtime to load the addon into node)")
  else()
    message(STATUS "losskit: LOSSKIT_SANITIZE=${LOSSKIT_SANITIZE} ignored: sanitizers need GCC or Clang (compiler is ${CMAKE_CXX_COMPILER_ID})")
  endif()
endif()
