// `npm run docs` builds the API reference with typedoc (tools/typedoc, its own lockfile: typedoc
// 0.28 needs TypeScript <= 6.0, the project builds with 7). typedoc.json treats warnings as errors
// (missing doc comments on exported API, broken {@link}s, referenced types not exported), so this
// test keeps the doc comments complete. It needs tools/typedoc/node_modules, which `npm run docs`
// installs (npm ci, registry access); without it the test is skipped, and says why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const typedoc = path.join(root, 'tools', 'typedoc', 'node_modules', 'typedoc', 'bin', 'typedoc');
const installed = existsSync(typedoc);
const name = installed
  ? 'typedoc validates the doc comments of lib/index.ts and lib/tfjs.ts with no warning'
  : 'typedoc doc-comment check (skipped: tools/typedoc/node_modules is absent; run `npm run docs` once to install it)';

it.skipIf(!installed)(name, () => {
  const result = spawnSync(process.execPath, [typedoc, '--options', 'typedoc.json', '--emit', 'none'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const output = `${result.stdout}${result.stderr}`;
  expect(output).not.toMatch(/\[warning\]|\[error\]/);
  expect(result.status, output).toBe(0);
}, 180_000);
