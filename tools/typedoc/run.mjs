#!/usr/bin/env node
// `npm run docs`: installs this tool package (typedoc 0.28 + TypeScript 6.0, pinned by
// tools/typedoc/package-lock.json) when it is missing or out of date, then runs typedoc with the
// repository's typedoc.json (API reference of lib/index.ts and lib/tfjs.ts into docs/api/).
// typedoc lives here, not in the root devDependencies, because typedoc 0.28 supports TypeScript
// <= 6.0 while the project builds with TypeScript 7 (npm reports ERESOLVE at the root).
// Extra arguments go to typedoc, e.g. `npm run docs -- --out /tmp/api`.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const toolDir = dirname(fileURLToPath(import.meta.url));
const root = join(toolDir, '..', '..');
const lockfile = join(toolDir, 'package-lock.json');
const installed = join(toolDir, 'node_modules', '.package-lock.json');

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lockfile).mtimeMs) {
  console.error('losskit docs: installing tools/typedoc (npm ci)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(npm, ['--prefix', toolDir, 'ci', '--no-audit', '--no-fund'], { cwd: root, shell: process.platform === 'win32' });
}

const typedoc = join(toolDir, 'node_modules', 'typedoc', 'bin', 'typedoc');
run(process.execPath, [typedoc, '--options', join(root, 'typedoc.json'), ...process.argv.slice(2)], { cwd: root });
