// The package as users load it: require and import of the built dist/ through the package's
// "exports", the JS fallback when no addon can load (node --no-addons), backend forcing by
// environment, and the published typings compiled by tsc.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NATIVE_ERRORS, NATIVE_LOADED } from './helpers/backends';

const root = path.resolve(__dirname, '..');

function node(args: string[], env: Record<string, string> = {}) {
  const { LOSSKIT_BACKEND, LOSSKIT_ISA, ...inherited } = process.env;
  void LOSSKIT_BACKEND;
  void LOSSKIT_ISA;
  const result = spawnSync(process.execPath, args, { cwd: root, env: { ...inherited, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

const PROBE = `
  const { value, grad } = lk.getLoss('huber', { delta: 0.5 }).valueAndGrad([[0, 1], [2, 3]], { data: new Float32Array([0.1, 1.9, 2, 2.2]), shape: [2, 2] });
  console.log(JSON.stringify({ backend: lk.backend(), value, grad: Array.from(grad.data) }));`;

describe('the built package', () => {
  it('has been built (npm install runs the build)', () => {
    expect(existsSync(path.join(root, 'dist/cjs/index.js')), 'dist/cjs missing: run `npm run build:ts`').toBe(true);
    expect(existsSync(path.join(root, 'dist/esm/index.mjs')), 'dist/esm missing: run `npm run build:ts`').toBe(true);
  });

  it('loads with require and with import, sharing one module instance', () => {
    const cjs = node(['-e', `const lk = require('losskit');${PROBE}`]);
    expect(cjs.status, cjs.stderr).toBe(0);
    const esm = node([
      '--input-type=module',
      '-e',
      `import * as lk from 'losskit'; import { createRequire } from 'node:module';
       if (lk.getLoss !== createRequire(process.cwd() + '/')('losskit').getLoss) throw new Error('two instances');${PROBE}`,
    ]);
    expect(esm.status, esm.stderr).toBe(0);
    expect(JSON.parse(esm.stdout)).toEqual(JSON.parse(cjs.stdout));
  });

  it('falls back to JS with a LOSSKIT_FALLBACK warning when addons cannot load, with the same numbers', () => {
    const fallback = node(['--no-addons', '-e', `const lk = require('losskit');${PROBE}`]);
    expect(fallback.status, fallback.stderr).toBe(0);
    const result = JSON.parse(fallback.stdout);
    expect(result.backend).toBe('js');
    expect(fallback.stderr).toMatch(/\[LOSSKIT_FALLBACK\].*pure-JS fallback/);
    expect(fallback.stderr).toMatch(/--no-addons|No native build/);
    const reference = JSON.parse(node(['-e', `const lk = require('losskit');${PROBE}`]).stdout);
    expect(result.value).toBeCloseTo(reference.value, 6);
    result.grad.forEach((g: number, i: number) => expect(g).toBeCloseTo(reference.grad[i], 6));
  });

  it('LOSSKIT_BACKEND=js is silent; LOSSKIT_BACKEND=native fails loudly when it cannot load', () => {
    const js = node(['-e', `const lk = require('losskit');${PROBE}`], { LOSSKIT_BACKEND: 'js' });
    expect(JSON.parse(js.stdout).backend).toBe('js');
    expect(js.stderr).not.toMatch(/LOSSKIT_FALLBACK/);
    const forced = node(['--no-addons', '-e', `const lk = require('losskit');${PROBE}`], { LOSSKIT_BACKEND: 'native' });
    expect(forced.status).not.toBe(0);
    expect(forced.stderr).toMatch(/LOSSKIT_BACKEND_UNAVAILABLE|'native' backend was requested/);
  });

  it.skipIf(!NATIVE_LOADED)('LOSSKIT_ISA=scalar selects the portable native kernels', () => {
    const scalar = node(['-e', `const lk = require('losskit');${PROBE}`], { LOSSKIT_ISA: 'scalar' });
    expect(scalar.status, scalar.stderr).toBe(0);
    expect(JSON.parse(scalar.stdout).backend).toBe('native-scalar');
  });

  it('the published typings compile for ESM and CommonJS consumers', () => {
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', path.join(root, 'test/types/tsconfig.json')], { encoding: 'utf8' })).not.toThrow();
  }, 60_000);
});

// A development checkout builds the addon on `npm install`; if it did not, the native half of
// every parity suite would silently skip. LOSSKIT_BACKEND=js (npm run test:js) opts out.
it.skipIf(process.env.LOSSKIT_BACKEND === 'js')('the native addon is built and loads', () => {
  expect(NATIVE_LOADED, `native addon did not load: ${NATIVE_ERRORS.join('; ')}`).toBe(true);
});
