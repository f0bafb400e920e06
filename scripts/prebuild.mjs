// npm run prebuilds           -> prebuilds/linux-x64/losskit.napi.glibc.node (the host's platform-arch)
// npm run prebuilds:arm64     -> prebuilds/linux-arm64/losskit.napi.glibc.node, cross-compiled with
//                                Debian's g++-aarch64-linux-gnu (cmake/toolchain-aarch64-linux-gnu.cmake)
//
// prebuildify names, strips and places the binary; it only knows node-gyp, so its node-gyp is
// scripts/prebuild-cmake-js.mjs, which runs a clean cmake-js build in build-prebuild/<platform>-<arch>/
// (not build/: the development build and its CMake cache stay as they are). See docs/PREBUILDS.md.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const prebuildify = require('prebuildify');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const archIndex = argv.indexOf('--arch');
const arch = archIndex >= 0 ? argv[archIndex + 1] : os.arch();
const platform = os.platform();
const cross = arch !== os.arch();

const GNU_CPU = { arm64: 'aarch64' };
// GNU strip only reads its own target's ELF files, so a cross build needs the cross strip.
const stripBin = cross ? `${GNU_CPU[arch] ?? arch}-linux-gnu-strip` : 'strip';
// Only Linux needs binutils here: macOS's strip has no --version, Windows builds are not stripped.
const strip = platform !== 'win32';
if (platform === 'linux' && spawnSync(stripBin, ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error(
    `prebuild: ${stripBin} not found` +
      (cross ? ` (Debian/Ubuntu: apt-get install g++-${GNU_CPU[arch] ?? arch}-linux-gnu)` : ' (binutils)'),
  );
  process.exit(1);
}

// prebuildify spawns its node-gyp directly (no shell), so the script must be executable even in
// a checkout that lost the mode bit (core.fileMode=false, a copied tree).
const shim = path.join(root, 'scripts', 'prebuild-cmake-js.mjs');
chmodSync(shim, 0o755);

const stage = path.join(root, 'build-prebuild', `${platform}-${arch}`);
mkdirSync(stage, { recursive: true });

const started = Date.now();
prebuildify(
  {
    cwd: stage, // prebuildify runs the build here and takes <stage>/build/Release/*.node
    out: root, // ... and moves it to <root>/prebuilds/<platform>-<arch>/
    // prebuildify 6 names a Node-API build <name>.node, untagged; node-gyp-build reads a `napi`
    // tag (a file that serves every Node.js ABI), so the name carries it: losskit.napi.glibc.node.
    name: 'losskit.napi',
    napi: true,
    // One Node-API build serves every Node.js version; the target is only passed through to the
    // build script, which ignores it.
    targets: [process.versions.node],
    arch,
    platform,
    strip,
    stripBin,
    // The file name says glibc, so node-gyp-build on musl (Alpine) skips it instead of failing
    // to dlopen it, and takes the JS fallback (or a source build) there.
    tagLibc: true,
    nodeGyp: shim,
  },
  (error) => {
    if (error) {
      console.error(`prebuild: ${error.message}`);
      process.exit(1);
    }
    const folder = path.join(root, 'prebuilds', `${platform}-${arch}`);
    for (const file of readdirSync(folder)) {
      const size = statSync(path.join(folder, file)).size;
      console.log(`prebuild: ${path.relative(root, path.join(folder, file))} (${(size / 1024).toFixed(0)} KiB, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  },
);
