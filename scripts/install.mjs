// The package's npm "install" script. In a user's install it does nothing when a shipped prebuild
// (prebuilds/<platform>-<arch>/) loads here; otherwise it tries a source build with cmake-js, and
// if that cannot run or fails it prints one warning line and exits 0: losskit then runs on its
// pure-JS fallback (same results, slower), so an install never fails for want of a compiler.
// npm 11 may skip this script altogether until the user approves it; that is fine, the loader
// (lib/backend/native.ts) finds the prebuild by itself. See docs/PREBUILDS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = `${process.platform}-${process.arch}`;
const FALLBACK = 'losskit will use its pure-JS fallback (same results, slower)';

function warn(message) {
  // One line: npm prints install-script output only on failure or with --foreground-scripts, and
  // the runtime LOSSKIT_FALLBACK warning repeats the reason anyway.
  console.warn(`losskit: warning: ${message.replace(/\s*\n\s*/g, ' ')}`);
}

// A source checkout: `npm install` / `npm ci` run "prepare" (npm run build) right after this,
// which builds the addon and dist/; building here too would only do it twice.
if (existsSync(path.join(root, 'lib', 'backend', 'native.ts'))) process.exit(0);

/** Runs `code` in a fresh Node.js (a bad binary must not take this script down with it). */
function probe(code, env = {}) {
  return spawnSync(process.execPath, ['-e', code], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
}

// Loads the addon the way the runtime does, but from prebuilds/ only, and calls into it.
const prebuild = probe(
  `const b = require(require.resolve('node-gyp-build', { paths: [${JSON.stringify(root)}] }))(${JSON.stringify(root)});
   if (typeof b.capabilities !== 'function') throw new Error('not the losskit addon');
   b.capabilities();`,
  { PREBUILDS_ONLY: '1' },
);
if (prebuild.status === 0) process.exit(0);

// No prebuild fits (or it does not load, e.g. an older glibc): build from source. cmake-js and
// node-addon-api are development dependencies, so a user has them only if they installed them.
const requireHere = createRequire(path.join(root, 'package.json'));
let cmakeJs;
try {
  const manifest = requireHere.resolve('cmake-js/package.json');
  cmakeJs = path.join(path.dirname(manifest), 'bin', 'cmake-js');
  requireHere.resolve('node-addon-api');
} catch {
  warn(
    `no prebuilt native addon loads on ${target} and cmake-js/node-addon-api are not installed to build one ` +
      `(npm install --save-dev cmake-js node-addon-api, a C++17 compiler and CMake, then npm rebuild losskit); ${FALLBACK}.`,
  );
  process.exit(0);
}

const buildDir = path.join(root, 'build');
const build = spawnSync(process.execPath, [cmakeJs, 'compile', '--directory', root, '--out', buildDir], {
  cwd: root,
  encoding: 'utf8',
});
const built = path.join(buildDir, 'Release', 'losskit.node');
const loads =
  build.status === 0 &&
  existsSync(built) &&
  probe(`require(${JSON.stringify(built)}).capabilities()`).status === 0;
if (loads) {
  console.log(`losskit: built the native addon from source (no prebuilt binary loads on ${target})`);
  process.exit(0);
}

// Keep the log for a bug report, and remove the half-built folder: a build/ with no working
// addon must not shadow anything or confuse a later `npm rebuild`.
const log = path.join(mkdtempSync(path.join(os.tmpdir(), 'losskit-install-')), 'build.log');
writeFileSync(log, `${build.stdout ?? ''}\n${build.stderr ?? ''}\n${build.error ? String(build.error) : ''}`);
rmSync(buildDir, { recursive: true, force: true });
const reason = (build.stderr || build.stdout || String(build.error ?? ''))
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => /error|not found|not available|cannot|failed/i.test(line))
  .at(-1)
  ?.replace(/^(ERR!|ERROR|error:?)\s*(OMG\s*)?/i, ''); // cmake-js prefixes its errors with "ERR! OMG"
warn(
  `no prebuilt native addon loads on ${target} and the source build failed` +
    `${reason ? ` (${reason.slice(0, 160)})` : ''}; ${FALLBACK}. Build log: ${log}`,
);
process.exit(0);
