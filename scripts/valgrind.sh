#!/usr/bin/env bash
# npm run test:valgrind [-- <ISA>...]   (default ISAs: avx2 scalar avx512)
#
# Runs scripts/valgrind.driver.mjs (every registered loss, float32 and float64, a few sizes,
# value and valueAndGrad, sync, into `out`, reduction 'none', weighted, and async) on the
# native addon in build/Release under valgrind memcheck, once per ISA (LOSSKIT_ISA), and fails
#  - on any memcheck error (invalid reads/writes, uses of uninitialised values, bad frees:
#    --error-exitcode=1); node itself runs clean under memcheck, so no suppressions are needed;
#  - on any block definitely lost whose allocation stack passes through losskit.node (the leak
#    check runs at exit; node's and V8's own exit-time leftovers are not counted);
#  - when the results differ from the same driver run without valgrind, which would mean a result
#    depended on uninitialised memory: bit for bit on the portable kernels (hash of every value
#    and gradient); on avx2 per result (the value, the sum and the absolute sum of the gradient,
#    within 1e-6 relative), because valgrind's emulation of some AVX2 instruction turns a -0 into
#    +0 (categorical_focal_crossentropy with one class: the CPU gives a gradient of -0, valgrind
#    +0), so the hashes differ; the sums agree exactly (measured).
# Valgrind (3.19 here) does not emulate AVX-512: under it the CPU reports no AVX-512, and the
# avx512 run says so and is skipped (the ASan build covers those kernels: npm run test:sanitize).
# --smc-check=all-non-file: V8 writes and patches machine code at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "test:valgrind: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
[ -f build/Release/losskit.node ] || { echo "test:valgrind: build the addon first (npm run build)" >&2; exit 1; }
unset LOSSKIT_BACKEND LOSSKIT_ADDON_PATH
isas=("$@")
[ ${#isas[@]} -gt 0 ] || isas=(avx2 scalar avx512)
logdir=$(mktemp -d "${TMPDIR:-/tmp}/losskit-valgrind.XXXXXX")
started=$(date +%s)
status=0
for isa in "${isas[@]}"; do
  t0=$(date +%s)
  plain=$(LOSSKIT_ISA=$isa node scripts/valgrind.driver.mjs)
  log="$logdir/$isa.log"
  set +e
  under=$(LOSSKIT_ISA=$isa valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=none --smc-check=all-non-file --num-callers=40 --log-file="$log" \
    node scripts/valgrind.driver.mjs)
  rc=$?
  set -e
  errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
  # Loss records are blocks of lines from "definitely lost" to the next blank record line.
  ours=$(awk '/definitely lost in loss record/ {rec=1; buf=""} rec {buf=buf $0 "\n"} rec && /^==[0-9]+== $/ {if (buf ~ /losskit\.node/) n++; rec=0} END {print n+0}' "$log")
  verdict=ok
  if [ $rc -ne 0 ] || [ "${errors:-1}" != 0 ]; then verdict="FAILED: memcheck errors (rc $rc, ${errors:-?} errors)"; fi
  if [ "$ours" != 0 ]; then verdict="FAILED: $ours definitely-lost records through losskit.node"; fi
  if [ "$verdict" != ok ]; then
    :
  elif [[ "$under" == *'"skipped"'* ]]; then
    verdict="skipped"
  elif ! compare=$(PLAIN="$plain" UNDER="$under" EXACT=$([ "$isa" = scalar ] && echo 1 || echo 0) node -e '
      const a = JSON.parse(process.env.PLAIN), b = JSON.parse(process.env.UNDER);
      if (a.calls !== b.calls || a.summary.length !== b.summary.length) { console.log("different calls"); process.exit(1); }
      if (process.env.EXACT === "1") { if (a.hash !== b.hash) { console.log("hashes differ"); process.exit(1); } console.log("bitwise equal"); process.exit(0); }
      let worst = 0;
      a.summary.forEach((s, i) => s.forEach((x, k) => {
        const y = b.summary[i][k];
        const d = Object.is(x, y) ? 0 : Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-30);
        worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
      }));
      console.log(`${a.hash === b.hash ? "bitwise equal" : "max relative difference " + worst.toExponential(2)}`);
      process.exit(worst <= 1e-6 ? 0 : 1);'); then
    verdict="FAILED: results differ under valgrind ($compare)"
  else
    verdict="ok, $compare"
  fi
  [[ "$verdict" != FAILED* ]] || status=1
  echo "test:valgrind: LOSSKIT_ISA=$isa: $(echo "$under" | cut -c1-60)...: $verdict ($(( $(date +%s) - t0 )) s; log $log)"
done
echo "test:valgrind: exit $status after $(( $(date +%s) - started )) s"
exit $status
