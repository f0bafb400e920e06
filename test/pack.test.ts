// The published package as a user gets it: `npm pack`, then an install of that tarball into a
// fresh project with install scripts off (npm 11 skips them until approved) and no compiler or
// CMake reachable. The addon must then load from the shipped prebuild (there is no build/ to
// load from) and compute fixture cases like the reference; with the prebuild gone, the install
// script must leave a working package on the JS fallback, exit 0 and say so in one line.
// Linux x64/arm64 only (the platforms prebuilds are made for here). docs/PREBUILDS.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAllClose, expectClose } from './helpers/assert-close';
import { decodeNumber, loadCases, type FixtureCase, type FixtureTensor } from './helpers/fixtures';

const root = path.resolve(__dirname, '..');
const target = `${process.platform}-${process.arch}`;
const prebuildFolder = path.join(root, 'prebuilds', target);
const supported = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64');

// Cases for the installed package: a weighted regression loss (arithmetic kernels) and 128
// elements of BCE from logits (exp/log kernels), scalar value and gradient each.
const CASES: FixtureCase[] = [
  ...loadCases('regression').filter((c) => c.id === 'huber/basic-7'),
  ...loadCases('classification').filter((c) => c.id === 'binary_crossentropy/logits-5'),
];

const hasPrebuild = () => readdirSync(prebuildFolder, { withFileTypes: true }).some((e) => e.name.endsWith('.node'));
const tryHasPrebuild = () => existsSync(prebuildFolder) && hasPrebuild();

let work = '';
let project = '';
let installed = '';
let tarballFiles: string[] = [];
/** An environment whose PATH is a folder holding only `node` and `npm`. */
let bareEnv: NodeJS.ProcessEnv = {};

function bare(command: string, args: string[], extra: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, { cwd: project, env: { ...bareEnv, ...extra }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', error: result.error };
}

/** Runs every case in a child Node.js inside the fresh project: backend, loaded .node files, results. */
function runCases(extraEnv: NodeJS.ProcessEnv = {}, forceNative = false) {
  const script = path.join(project, 'probe.cjs'); // require('losskit') resolves from here
  writeFileSync(
    script,
    `const lk = require('losskit');
     ${forceNative ? "lk.setBackend('native'); // every size on the addon (auto sends tiny inputs to JS)" : ''}
     const cases = JSON.parse(require('fs').readFileSync(${JSON.stringify(path.join(work, 'cases.json'))}, 'utf8'));
     const num = (x) => (typeof x === 'number' ? x : Number(x));
     const tensor = (t) => t && { data: Float64Array.from(t.data.map(num)), shape: t.shape };
     const results = cases.map((c) => {
       const { reduction, ...options } = c.config;
       const r = lk.getLoss(c.loss, { ...options, reduction }).valueAndGrad({
         yTrue: tensor(c.yTrue), yPred: tensor(c.yPred), sampleWeight: c.sampleWeight ? tensor(c.sampleWeight) : undefined,
       });
       return { id: c.id, value: r.value, grad: Array.from(r.grad.data) };
     });
     const caps = lk.capabilities();
     console.log(JSON.stringify({
       backend: caps.backend, nativeLoaded: caps.nativeLoaded, nativeErrors: caps.nativeErrors,
       addons: Object.keys(require.cache).filter((f) => f.endsWith('.node')),
       results,
     }));`,
  );
  writeFileSync(path.join(work, 'cases.json'), JSON.stringify(CASES));
  const run = bare('node', [script], extraEnv);
  expect(run.status, run.stderr).toBe(0);
  return { ...JSON.parse(run.stdout) as {
    backend: string;
    nativeLoaded: boolean;
    nativeErrors: string[];
    addons: string[];
    results: { id: string; value: number; grad: number[] }[];
  }, stderr: run.stderr };
}

function expectReference(results: { id: string; value: number; grad: number[] }[]) {
  expect(results.map((r) => r.id)).toEqual(CASES.map((c) => c.id));
  results.forEach((r, i) => {
    const c = CASES[i]!;
    expectClose(r.value, decodeNumber(c.expected.value as number), c.rtol, c.atol, `${c.id} value`);
    expectAllClose(r.grad, (c.expected.grad as FixtureTensor).data.map(decodeNumber), c.rtol, c.atol, `${c.id} grad`);
  });
}

describe.skipIf(!supported)('the packed package, installed without scripts or a compiler', () => {
  beforeAll(() => {
    expect(CASES.length, 'fixture cases missing').toBe(2);
    expect(existsSync(path.join(root, 'dist/cjs/index.js')), 'dist/ missing: npm run build').toBe(true);
    // CI starts from a clean clone (prebuilds/ is gitignored): make the prebuild, as a release does.
    if (!tryHasPrebuild()) execFileSync('npm', ['run', 'prebuilds'], { cwd: root, stdio: 'pipe', timeout: 900_000 });
    expect(hasPrebuild(), `npm run prebuilds made nothing in ${prebuildFolder}`).toBe(true);

    work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'losskit-pack-')));
    // --ignore-scripts: pack dist/ as built (by npm ci's prepare); running prepare here would
    // rewrite dist/ under the test files running alongside this one.
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }),
    ) as { filename: string; files: { path: string }[] }[];
    tarballFiles = packed[0]!.files.map((f) => f.path);
    const tarball = path.join(work, packed[0]!.filename);

    // PATH = a folder with node and npm only: no g++, cc, cmake, make, ninja, git.
    const bin = path.join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const npmCli = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
    symlinkSync(existsSync(npmCli) ? npmCli : realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim()), path.join(bin, 'npm'));
    const { LOSSKIT_BACKEND, LOSSKIT_ISA, NODE_PATH, PREBUILDS_ONLY, LOSSKIT_PREBUILD, ...inherited } = process.env;
    void [LOSSKIT_BACKEND, LOSSKIT_ISA, NODE_PATH, PREBUILDS_ONLY, LOSSKIT_PREBUILD];
    bareEnv = { ...inherited, PATH: bin, CC: '/bin/false', CXX: '/bin/false', npm_config_update_notifier: 'false' };

    // The fresh project. Its one runtime dependency, node-gyp-build, is installed from this
    // checkout's copy, so nothing needs the network or the npm cache; --install-links copies it
    // (and the tarball) as a registry install would.
    project = path.join(work, 'project');
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({
        name: 'losskit-pack-test',
        private: true,
        dependencies: { losskit: `file:${tarball}`, 'node-gyp-build': `file:${path.join(root, 'node_modules', 'node-gyp-build')}` },
      }),
    );
    const install = bare('npm', ['install', '--ignore-scripts', '--offline', '--install-links', '--no-audit', '--no-fund']);
    expect(install.status, `npm install of the tarball failed:\n${install.stderr}`).toBe(0);
    installed = path.join(project, 'node_modules', 'losskit');
  }, 900_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the prebuild, dist/, the native sources and the install script, and nothing else', () => {
    const top = new Set(tarballFiles.map((f) => f.split('/')[0]));
    expect([...top].sort()).toEqual(['CMakeLists.txt', 'LICENSE', 'README.md', 'cmake', 'dist', 'native', 'package.json', 'prebuilds', 'scripts']);
    expect(tarballFiles).toContain(`prebuilds/${target}/losskit.napi.glibc.node`);
    for (const file of ['dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.mjs', 'dist/esm/index.d.mts', 'native/addon/addon.cpp', 'scripts/install.mjs']) {
      expect(tarballFiles).toContain(file);
    }
    expect(tarballFiles.filter((f) => f.startsWith('scripts/'))).toEqual(['scripts/install.mjs']);
    expect(tarballFiles.filter((f) => /^(build|test|bench|lib|demo|node_modules)\//.test(f) || f.startsWith('native/tools/'))).toEqual([]);
    // dist/'s source maps point at lib/*.ts, which does not ship
    expect(tarballFiles.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('really has no compiler or CMake on PATH', () => {
    for (const tool of ['g++', 'c++', 'cc', 'gcc', 'clang++', 'cmake', 'make', 'ninja']) {
      const probe = bare(tool, ['--version']);
      expect(probe.error, `${tool} is reachable`).toBeDefined();
      expect((probe.error as NodeJS.ErrnoException).code).toBe('ENOENT');
    }
    // and through a shell, as cmake-js would look for cmake
    expect(bare('/bin/sh', ['-c', 'command -v g++ || command -v cmake || command -v c++']).status).not.toBe(0);
    expect(bare('node', ['--version']).status).toBe(0);
  });

  it('loads the addon from the shipped prebuild and matches the reference', () => {
    expect(existsSync(path.join(installed, 'build')), 'the installed package has a build/ folder').toBe(false);
    expect(existsSync(path.join(installed, 'lib')), 'TypeScript sources were installed').toBe(false);
    const run = runCases({}, true);
    expect(run.nativeErrors).toEqual([]);
    expect(run.nativeLoaded).toBe(true);
    expect(run.backend).toMatch(/^native-/);
    expect(run.addons).toEqual([path.join(installed, 'prebuilds', target, 'losskit.napi.glibc.node')]);
    expect(run.stderr).not.toMatch(/LOSSKIT_FALLBACK/);
    expectReference(run.results);
  });

  it('prefers the prebuild to a build/ folder, and uses build/ when the prebuild does not load', () => {
    // node-gyp-build alone would take build/Release first: a broken file there (a stale or
    // half-written build) would push the package onto the JS fallback.
    const prebuild = path.join(installed, 'prebuilds', target, 'losskit.napi.glibc.node');
    const release = path.join(installed, 'build', 'Release');
    mkdirSync(release, { recursive: true });
    writeFileSync(path.join(release, 'losskit.node'), 'not an ELF file');
    try {
      const shadowed = runCases({}, true);
      expect(shadowed.nativeErrors).toEqual([]);
      expect(shadowed.addons).toEqual([prebuild]);

      // The other way round (a prebuild that cannot load here, e.g. too old a glibc, and a
      // source build made by the install script): build/ is used.
      copyFileSync(prebuild, path.join(release, 'losskit.node'));
      const saved = path.join(work, 'prebuild.saved');
      renameSync(prebuild, saved);
      writeFileSync(prebuild, 'not an ELF file');
      try {
        const fallback = runCases({}, true);
        expect(fallback.nativeErrors).toEqual([]);
        expect(fallback.addons).toEqual([path.join(release, 'losskit.node')]);
        expectReference(fallback.results);
      } finally {
        renameSync(saved, prebuild);
      }
    } finally {
      rmSync(path.join(installed, 'build'), { recursive: true, force: true });
    }
  });

  it('with scripts on, the install script keeps the prebuild (silently, no build/)', () => {
    const script = bare('node', [path.join(installed, 'scripts', 'install.mjs')]);
    expect(script.status, script.stderr).toBe(0);
    expect(script.stdout + script.stderr).toBe('');
    expect(existsSync(path.join(installed, 'build'))).toBe(false);
  });

  describe('without a prebuild for this platform', () => {
    beforeAll(() => {
      rmSync(path.join(installed, 'prebuilds'), { recursive: true, force: true });
    });

    it('the install script warns in one line and exits 0 when it has no cmake-js', () => {
      const script = bare('node', [path.join(installed, 'scripts', 'install.mjs')]);
      expect(script.status, script.stderr).toBe(0);
      const lines = (script.stdout + script.stderr).trim().split('\n');
      expect(lines, lines.join('\n')).toHaveLength(1);
      expect(lines[0]).toMatch(/^losskit: warning: no prebuilt native addon loads on .*cmake-js.*pure-JS fallback/);
    });

    it('the install script warns in one line and exits 0 when the source build fails (no CMake)', () => {
      // cmake-js and node-addon-api resolvable (as if the user had installed them), but no cmake
      // or compiler on PATH: the build is attempted and fails.
      const script = bare('node', [path.join(installed, 'scripts', 'install.mjs')], { NODE_PATH: path.join(root, 'node_modules') });
      expect(script.status, script.stderr).toBe(0);
      const lines = (script.stdout + script.stderr).trim().split('\n');
      expect(lines, lines.join('\n')).toHaveLength(1);
      expect(lines[0]).toMatch(/^losskit: warning: no prebuilt native addon loads on .* source build failed.*pure-JS fallback.*Build log: /);
      expect(existsSync(path.join(installed, 'build')), 'the failed build left build/ behind').toBe(false);
    }, 60_000);

    it('the package then works on the JS fallback, with one LOSSKIT_FALLBACK warning', () => {
      const run = runCases();
      expect(run.backend).toBe('js');
      expect(run.nativeLoaded).toBe(false);
      expect(run.addons).toEqual([]);
      expect(run.stderr.match(/\[LOSSKIT_FALLBACK\]/g)).toHaveLength(1);
      expectReference(run.results);
    });
  });
});
