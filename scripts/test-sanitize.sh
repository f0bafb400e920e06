#!/usr/bin/env bash
# npm run test:sanitize [-- <vitest args / test files>]
#
# Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/
# (cmake/sanitizers.cmake) and runs the test suites on it: LOSSKIT_ADDON_PATH points the loader
# (lib/backend/native.ts) at build-asan/Release/losskit.node, in the test processes and in the
# child processes and worker threads they start. node itself is not instrumented, so the ASan
# runtime is preloaded. Leak detection is off: V8 and node leave memory allocated at exit by
# design, and LSan cannot tell it from ours; the soak test (npm run soak) covers growth instead.
# Any ASan report or UBSan finding aborts the process, which fails the test that hit it.
#
# Default test files: every suite except packaging.test.ts and pack.test.ts (they load the built
# or packed package's own addon, which LOSSKIT_ADDON_PATH would replace). Pass test files to run
# only those. Measured on the 2-core development machine, otherwise idle: 10 min to build (the
# AVX2 and AVX-512 kernel files, instrumented, dominate), 2.7 min of tests.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

out=build-asan
npx cmake-js compile --out "$out" --CDLOSSKIT_SANITIZE=ON --CDLOSSKIT_CUDA=OFF
# dist/ is what child processes and worker threads load; keep it current.
npm run --silent build:ts

addon="$PWD/$out/Release/losskit.node"
symbols=$(nm -D "$addon")
if ! grep -q '__asan_init' <<<"$symbols"; then
  echo "test:sanitize: $addon is not an ASan build" >&2
  exit 1
fi
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$out/CMakeCache.txt")
runtime() { "${cxx:-c++}" -print-file-name="$1"; }
export LD_PRELOAD="$(runtime libasan.so) $(runtime libubsan.so)"
export LOSSKIT_ADDON_PATH="$addon"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
unset LOSSKIT_BACKEND

# The sanitized addon must be the one in use, or the run would silently test something else.
node -e '
  const lk = require("./dist/cjs/index.js");
  const caps = lk.capabilities();
  if (!caps.nativeLoaded) { console.error("test:sanitize: the ASan addon did not load:", caps.nativeErrors); process.exit(1); }
  console.log(`test:sanitize: ${process.env.LOSSKIT_ADDON_PATH} loaded (${caps.backend}; ISAs avx2=${caps.native.avx2} avx512=${caps.native.avx512})`);
'

if [ $# -eq 0 ]; then
  mapfile -t files < <(ls test/*.test.ts | grep -v -E '/(packaging|pack)\.test\.ts$')
  set -- "${files[@]}"
fi
# Forks, not threads: each test file in its own process, so an ASan abort names its file and
# the preloaded runtime is set up before anything else in that process. Instrumented kernels run
# 2-4x slower, hence the longer per-test time limit (the results are checked as in npm test).
status=0
npx vitest run --pool=forks --testTimeout=120000 --hookTimeout=120000 "$@" || status=$?
echo "test:sanitize: exit $status after $(( $(date +%s) - started )) s (build included)"
exit $status
