// The README's example runs as written (first ```js block), from the package root as a user
// would run it after `npm install losskit`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

it('the README example runs and prints the documented value', () => {
  const root = path.resolve(__dirname, '..');
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example, 'README has a ```js example').toBeTruthy();
  const run = spawnSync(process.execPath, ['-e', example!], { cwd: root, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const [first] = run.stdout.trim().split('\n');
  expect(Number(first)).toBeCloseTo(0.0225, 7);
  expect(run.stdout).toMatch(/native-avx512|native-avx2|native-scalar|js/);
});
