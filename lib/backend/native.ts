/**
 * Finding and loading the native addon. node-gyp-build looks in build/Release, then build/Debug,
 * then prebuilds/<platform>-<arch>/ (PREBUILDS_ONLY=1 skips the local builds, to test what
 * ships). LOSSKIT_ADDON_PATH=<file.node> loads that file instead and nothing else (relative to
 * the working directory): the sanitizer build in build-asan/ (npm run test:sanitize) runs the
 * test suites that way. Every failure is kept with the fix for it, so the fallback warning can say why the
 * native path is off and what to do, as sharp's loader does.
 */

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import nodeGypBuild from 'node-gyp-build';
import type { Isa, NativeBinding } from './binding';

export interface NativeLoad {
  binding: NativeBinding | null;
  /** Why the addon is not in use, each with what would fix it. Empty when it loaded. */
  errors: string[];
}

/** The package root: the nearest folder above this file whose package.json is losskit's. */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (manifest.name === 'losskit') return dir;
    } catch {
      // no package.json here; keep walking up
    }
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..', '..');
  }
}

function explain(error: unknown, override?: string): string {
  const message = (error instanceof Error ? error.message : String(error)).trim().split('\n')[0] ?? '';
  if (override) {
    return `LOSSKIT_ADDON_PATH=${override} could not be loaded (${message}); point it at a built losskit.node or unset it`;
  }
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ERR_DLOPEN_DISABLED' || process.execArgv.includes('--no-addons')) {
    return `Node.js runs with --no-addons, so native addons cannot load (${message}); drop the flag to use the native kernels`;
  }
  if (message.startsWith('No native build was found')) {
    return (
      `${message}: no prebuilt binary ships for ${process.platform}-${process.arch} and there is no local build; ` +
      'in a source checkout, `npm run build:native` builds one (needs CMake and a C++17 compiler)'
    );
  }
  return `the native addon failed to load (${message}); in a source checkout, rebuild it with \`npm run build:native\``;
}

/** Loads the addon and applies LOSSKIT_ISA; never throws. */
export function loadNative(
  isa: string | undefined = process.env.LOSSKIT_ISA,
  addonPath: string | undefined = process.env.LOSSKIT_ADDON_PATH,
): NativeLoad {
  let binding: NativeBinding;
  try {
    binding = (addonPath ? createRequire(__filename)(path.resolve(addonPath)) : nodeGypBuild(packageRoot())) as NativeBinding;
  } catch (error) {
    return { binding: null, errors: [explain(error, addonPath)] };
  }
  if (isa !== undefined && isa !== '') {
    try {
      binding.setIsa(isa as Isa | 'auto');
    } catch (error) {
      return {
        binding: null,
        errors: [`LOSSKIT_ISA=${isa} cannot be used: ${(error as Error).message}; unset it or set LOSSKIT_ISA=scalar`],
      };
    }
  }
  return { binding, errors: [] };
}
