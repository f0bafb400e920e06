# Cross-compiling the addon for linux-arm64 on an x86-64 Debian/Ubuntu host with the distro's
# GNU toolchain (apt-get install g++-aarch64-linux-gnu). Used by `npm run prebuild:arm64`
# (scripts/prebuild-cmake-js.mjs passes it as CMAKE_TOOLCHAIN_FILE); see docs/PREBUILDS.md.
#
# CMAKE_SYSTEM_PROCESSOR is what CMakeLists.txt falls back to for LOSSKIT_TARGET_ARCH when
# cmake-js passes no NODE_ARCH; either way the target is not x86, so only the portable
# (scalar) kernels are built.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(LOSSKIT_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${LOSSKIT_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${LOSSKIT_CROSS_TRIPLE}-g++)
set(CMAKE_STRIP ${LOSSKIT_CROSS_TRIPLE}-strip)

# Libraries and headers (pthread for Threads::Threads) come from the cross sysroot only; programs
# (node, which CMakeLists runs to locate node-addon-api) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${LOSSKIT_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
