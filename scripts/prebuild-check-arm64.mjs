// Checks the cross-compiled prebuilds/linux-arm64 addon without an arm64 Node.js:
//   1. readelf: an AArch64 shared object that exports the Node-API entry point and needs only
//      the C/C++ runtime (prints the newest glibc symbol version it needs);
//   2. if qemu-aarch64 runs here (apt-get install qemu-user): the portable kernels the addon is
//      built from, compiled for aarch64 with the same flags into a small harness, run under
//      qemu, must print exactly the bits the same harness prints on this x86-64 host (scalar
//      kernels there too), and MSE / MAE must match their closed forms.
// Usage: npm run prebuilds:arm64 && node scripts/prebuild-check-arm64.mjs   (docs/PREBUILDS.md)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const folder = path.join(root, 'prebuilds', 'linux-arm64');
let failed = false;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed = true;
};
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', ...opts });

const files = (() => {
  try {
    return readdirSync(folder).filter((f) => f.endsWith('.node'));
  } catch {
    return [];
  }
})();
if (files.length !== 1) {
  console.error(`expected one .node in ${path.relative(root, folder)} (run npm run prebuilds:arm64 first)`);
  process.exit(1);
}
const addon = path.join(folder, files[0]);

// 1. The ELF file itself.
const header = run('readelf', ['-h', addon]).stdout;
check(/Machine:\s+AArch64/.test(header), `${path.relative(root, addon)}: ELF machine AArch64`);
check(/Type:\s+DYN/.test(header), 'a shared object');
const needed = [...run('readelf', ['-d', addon]).stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(.+?)\]/g)].map((m) => m[1]);
const runtimeLibs = new Set(['libstdc++.so.6', 'libm.so.6', 'libgcc_s.so.1', 'libc.so.6', 'libpthread.so.0', 'ld-linux-aarch64.so.1']);
check(needed.length > 0 && needed.every((lib) => runtimeLibs.has(lib)), `needs only the C/C++ runtime: ${needed.join(', ')}`);
const symbols = run('readelf', ['--dyn-syms', '-W', addon]).stdout;
check(/\bnapi_register_module_v1\b/.test(symbols), 'exports napi_register_module_v1');
check(!/\.symtab/.test(run('readelf', ['-S', '-W', addon]).stdout), 'stripped (no .symtab)');
const glibc = [...new Set(symbols.match(/GLIBC_[0-9.]+/g) ?? [])].sort((a, b) =>
  a.slice(6).localeCompare(b.slice(6), undefined, { numeric: true }),
);
console.log(`     newest glibc symbol version needed: ${glibc.at(-1) ?? 'none'}`);

// 2. The kernels under qemu.
if (run('qemu-aarch64', ['--version']).status !== 0) {
  console.log('skip qemu-aarch64 not found: kernel harness not run (apt-get install qemu-user)');
  process.exit(failed ? 1 : 0);
}
const HARNESS = String.raw`
#include "dispatch.h"
#include <cmath>
#include <cstdio>
using namespace losskit;
template <class T>
void run(const char* type, double (*const* table)(const ElementwiseCall<T>&)) {
  // Arbitrary values (some outside BCE/hinge label domains): the check is bit equality across
  // architectures, plus the closed forms of MSE and MAE.
  const T yt[9] = {0, 1, 0.5, -2, 3, 1e-3, 7, -0.25, 0.75};
  const T yp[9] = {0.1, 0.8, 0.5, -1, 2.5, 2e-3, 6, 0.5, 0.125};
  struct Case { const char* name; int id; double params[5]; } cases[] = {
    {"mse", kKernelMeanSquaredError, {0}}, {"mae", kKernelMeanAbsoluteError, {0}},
    {"huber", kKernelHuber, {0.5}}, {"log_cosh", kKernelLogCosh, {0}},
    {"bce_logits", kKernelBinaryCrossentropy, {1, 0.1}}, {"hinge", kKernelHinge, {1}},
  };
  // Three rows of three: a row's loss is the mean over its last axis, the kernel returns the
  // sum of the row losses, so the closed forms are the sums over all elements / 3.
  double mse = 0, mae = 0;
  for (int i = 0; i < 9; ++i) {
    mse += (double(yp[i]) - double(yt[i])) * (double(yp[i]) - double(yt[i]));
    mae += std::fabs(double(yp[i]) - double(yt[i]));
  }
  for (const Case& c : cases) {
    T grad[9];
    ElementwiseCall<T> call{yt, yp, nullptr, c.params, 9, 3, nullptr, nullptr, grad, 1.0};
    const double value = table[c.id](call);
    std::printf("%s %s %.17g =%a", type, c.name, value, value);
    for (T g : grad) std::printf(" %a", double(g));
    std::printf("\n");
    if (c.id == kKernelMeanSquaredError) std::printf("closed-form %s mse %.3g\n", type, std::fabs(value - mse / 3) / (mse / 3));
    if (c.id == kKernelMeanAbsoluteError) std::printf("closed-form %s mae %.3g\n", type, std::fabs(value - mae / 3) / (mae / 3));
  }
}
int main() {
  const KernelTable& t = kernelsFor(Isa::kScalar);
  run<float>("f32", t.elementwiseF32);
  run<double>("f64", t.elementwiseF64);
}
`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'losskit-arm64-'));
writeFileSync(path.join(dir, 'harness.cpp'), HARNESS);
// The flags CMakeLists.txt gives the kernels (LOSSKIT_CXX_OPTIONS), scalar kernels only.
const flags = ['-std=c++17', '-O3', '-DNDEBUG', '-ffp-contract=off', '-fno-math-errno', '-pthread',
  '-DLOSSKIT_HAVE_AVX2_KERNELS=0', '-DLOSSKIT_HAVE_AVX512_KERNELS=0', `-I${path.join(root, 'native', 'kernels')}`];
const sources = ['harness.cpp', ...['dispatch.cpp', 'thread_pool.cpp', 'scalar/kernels.cpp'].map((f) => path.join(root, 'native', 'kernels', f))];
const outputs = {};
for (const [name, cxx, runner] of [
  ['x86-64', 'g++', []],
  ['aarch64', 'aarch64-linux-gnu-g++', ['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu']],
]) {
  const exe = path.join(dir, `harness-${name}`);
  const compiled = run(cxx, [...flags, ...sources, '-o', exe], { cwd: dir });
  if (compiled.status !== 0) {
    check(false, `compile the kernel harness with ${cxx}: ${compiled.stderr.split('\n')[0]}`);
    process.exit(1);
  }
  const ran = runner.length ? run(runner[0], [...runner.slice(1), exe]) : run(exe, []);
  check(ran.status === 0, `harness runs on ${name}${runner.length ? ' (qemu-aarch64)' : ''}`);
  outputs[name] = ran.stdout;
}
const lines = outputs.aarch64.trim().split('\n');
console.log(lines.filter((l) => !l.startsWith('closed-form')).map((l) => `     ${l.split(' =')[0]}`).join('\n'));
check(outputs.aarch64 === outputs['x86-64'], `aarch64 scalar kernels print the same bits as x86-64 (${lines.length} lines: 6 losses x value + 9 gradients, f32 and f64)`);
for (const line of lines.filter((l) => l.startsWith('closed-form'))) {
  const [, type, loss, rel] = line.split(' ');
  check(Number(rel) < (type === 'f32' ? 1e-6 : 1e-14), `${type} ${loss} sum matches the closed form (relative error ${rel})`);
}
process.exit(failed ? 1 : 0);
