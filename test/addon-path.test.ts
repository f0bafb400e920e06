// LOSSKIT_ADDON_PATH (lib/backend/native.ts): loads the addon from that file and nowhere else
// (npm run test:sanitize points it at build-asan/). In child processes: the loader runs once per
// process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { NATIVE_LOADED } from './helpers/backends';

const entry = path.resolve(__dirname, '../dist/cjs/index.js');
const probe = `const lk = require(${JSON.stringify(entry)}); const c = lk.capabilities(); console.log(JSON.stringify({ loaded: c.nativeLoaded, backend: c.backend, errors: c.nativeErrors }));`;

function capabilitiesWith(addonPath: string) {
  const result = spawnSync(process.execPath, ['-e', probe], {
    encoding: 'utf8',
    env: { ...process.env, LOSSKIT_BACKEND: undefined, LOSSKIT_ADDON_PATH: addonPath },
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { loaded: boolean; backend: string; errors: string[] };
}

it.skipIf(!NATIVE_LOADED)('loads the addon from LOSSKIT_ADDON_PATH', () => {
  const built = process.env.LOSSKIT_ADDON_PATH ?? path.resolve(__dirname, '../build/Release/losskit.node');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losskit-addon-'));
  try {
    const copy = path.join(dir, 'copy.node');
    fs.copyFileSync(built, copy);
    const caps = capabilitiesWith(copy);
    expect(caps.loaded).toBe(true);
    expect(caps.backend).toMatch(/^native-/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('a LOSSKIT_ADDON_PATH that does not load falls back to JS, naming the variable, with no other search', () => {
  const caps = capabilitiesWith(path.join(os.tmpdir(), 'losskit-no-such-addon.node'));
  expect(caps.loaded).toBe(false);
  expect(caps.backend).toBe('js');
  expect(caps.errors).toHaveLength(1);
  expect(caps.errors[0]).toMatch(/^LOSSKIT_ADDON_PATH=.*losskit-no-such-addon\.node could not be loaded/);
});
