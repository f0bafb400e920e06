/**
 * Finding and loading the native addon. node-gyp-build looks in build/Release, then build/Debug,
 * then prebuilds/<platform>-<arch>/ (PREBUILDS_ONLY=1 skips the local builds, to test what
 * ships). That order is kept in a source checkout, where build/ is what the developer just
 * compiled. An installed package (no TypeScript sources next to dist/) tries the prebuild it
 * shipped with first, and build/ only when that does not load: build/ there exists only if the
 * install script built from source (no prebuild fits) or someone ran a build by hand, and the
 * shipped, tested binary should not lose to a stale one (docs/PREBUILDS.md).
 * LOSSKIT_ADDON_PATH=<file.node> loads that file instead and nothing else (relative to the working
 * directory): the sanitizer build in build-asan/ (npm run test:sanitize) runs the test suites that
 * way. Every failure is kept with the fix for it, so the fallback warning can say why the native
 * path is off and what to do, as sharp's loader does.
 */

import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import nodeGypBuild from 'node-gyp-build';
import type { Isa, NativeBinding } from './binding';
import { packageRoot } from './package-root';

export interface NativeLoad {
  binding: NativeBinding | null;
  /** Why the addon is not in use, each with what would fix it. Empty when it loaded. */
  errors: string[];
}

/** A source checkout has the TypeScript sources; the published package ships dist/ only. */
function isSourceCheckout(root: string): boolean {
  return fs.existsSync(path.join(root, 'lib', 'backend', 'native.ts'));
}

interface Tuple {
  name: string;
}
interface Tags {
  file: string;
}
/** node-gyp-build's own matching rules, which it exports (undocumented, "for unit tests"). */
interface NodeGypBuildRules {
  parseTuple(name: string): Tuple | undefined;
  matchTuple(platform: string, arch: string): (tuple: Tuple | undefined) => tuple is Tuple;
  compareTuples(a: Tuple, b: Tuple): number;
  parseTags(file: string): Tags | undefined;
  matchTags(runtime: string, abi: string): (tags: Tags | undefined) => tags is Tags;
  compareTags(runtime: string): (a: Tags, b: Tags) => number;
}

function readdir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The file under prebuilds/ that node-gyp-build would load here (same rules), if any. */
function prebuildFor(root: string): string | undefined {
  const rules = nodeGypBuild as unknown as Partial<NodeGypBuildRules>;
  if (typeof rules.parseTuple !== 'function' || typeof rules.parseTags !== 'function') return undefined;
  const r = rules as NodeGypBuildRules;
  const platform = process.env.npm_config_platform || os.platform();
  const arch = process.env.npm_config_arch || os.arch();
  const runtime = process.versions.electron ? 'electron' : process.versions.nw ? 'node-webkit' : 'node';
  const tuple = readdir(path.join(root, 'prebuilds'))
    .map(r.parseTuple)
    .filter(r.matchTuple(platform, arch))
    .sort(r.compareTuples)[0];
  if (!tuple) return undefined;
  const folder = path.join(root, 'prebuilds', tuple.name);
  const winner = readdir(folder)
    .map(r.parseTags)
    .filter(r.matchTags(runtime, process.versions.modules))
    .sort(r.compareTags(runtime))[0];
  return winner ? path.join(folder, winner.file) : undefined;
}

/** Installed package: the shipped prebuild first (see the top of this file), then node-gyp-build's
 * order. LOSSKIT_PREBUILD (node-gyp-build's own override of the folder) and PREBUILDS_ONLY are
 * left to node-gyp-build. */
function loadAddon(root: string): NativeBinding {
  let prebuildError: unknown;
  if (!isSourceCheckout(root) && !process.env.LOSSKIT_PREBUILD && !process.env.PREBUILDS_ONLY) {
    const prebuild = prebuildFor(root);
    if (prebuild) {
      try {
        return createRequire(path.join(root, 'package.json'))(prebuild) as NativeBinding;
      } catch (error) {
        prebuildError = error; // a source build in build/ may still load
      }
    }
  }
  try {
    return nodeGypBuild(root) as NativeBinding;
  } catch (error) {
    throw prebuildError ?? error;
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
    binding = addonPath ? (createRequire(__filename)(path.resolve(addonPath)) as NativeBinding) : loadAddon(packageRoot());
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
