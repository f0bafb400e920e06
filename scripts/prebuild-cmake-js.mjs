#!/usr/bin/env node
// prebuildify only knows node-gyp; scripts/prebuild.mjs points its --node-gyp at this file,
// which takes node-gyp's arguments and runs cmake-js instead.
//
// prebuildify calls:  <this> rebuild --target=<node> --devdir=<cache> --arch=<arch> --release|--debug
// in its cwd (scripts/prebuild.mjs makes that build-prebuild/<platform>-<arch>/), and then takes
// the .node it finds in <cwd>/build/Release (or Debug), strips it and moves it to
// prebuilds/<platform>-<arch>/. Building in that staging folder keeps the development build in
// build/ (and its CMake cache, which may hold other options) out of the release binary.
//
// --target and --devdir are ignored: the addon is Node-API only and cmake-js takes the headers
// from the node-api-headers package (package.json binary.napi_versions), so nothing is
// downloaded and one binary serves every Node.js version with Node-API 8.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const command = args[0] === 'rebuild' ? 'rebuild' : 'compile';
const arch = option('arch') ?? os.arch();
const debug = args.includes('--debug');

// Node.js arch names to GNU triples' CPU part, for cmake/toolchain-<cpu>-linux-gnu.cmake.
const GNU_CPU = { arm64: 'aarch64', x64: 'x86_64', arm: 'arm', ia32: 'i686', riscv64: 'riscv64', ppc64: 'powerpc64le', s390x: 's390x' };

const cmakeJs = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
const cmakeArgs = [
  cmakeJs,
  command,
  '--directory', root,
  // cmake-js puts the addon in <out>/Release: exactly where prebuildify looks for it.
  '--out', path.join(process.cwd(), 'build'),
  '--arch', arch,
  '--parallel', String(os.availableParallelism()),
  // The prebuild is the CPU addon alone (prebuildify takes one .node); the optional CUDA addon
  // (docs/CUDA.md) is built from source where a CUDA toolkit is installed.
  '--CDLOSSKIT_CUDA=OFF',
];
if (debug) cmakeArgs.push('--debug');

if (arch !== os.arch()) {
  if (process.platform !== 'linux') {
    console.error(`prebuild: cross-compiling to ${arch} is only set up for Linux hosts`);
    process.exit(1);
  }
  const toolchain = path.join(root, 'cmake', `toolchain-${GNU_CPU[arch] ?? arch}-linux-gnu.cmake`);
  if (!existsSync(toolchain)) {
    console.error(`prebuild: no CMake toolchain file for ${arch} (expected ${path.relative(root, toolchain)})`);
    process.exit(1);
  }
  cmakeArgs.push(`--CDCMAKE_TOOLCHAIN_FILE=${toolchain}`);
}

const result = spawnSync(process.execPath, cmakeArgs, { stdio: 'inherit' });
process.exit(result.status ?? 1);
