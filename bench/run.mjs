#!/usr/bin/env node
/**
 * losskit benchmark: `npm run bench` prints one table per workload and op, timing in the same
 * interleaved rounds the default backend (`losskit`), the best native ISA on one thread and on
 * the whole pool, the other native ISAs, the JS fallback, the plain loop a user writes by hand,
 * TensorFlow.js and PyTorch when present, and, for the large 1-D arrays, the memory-bandwidth
 * limit measured on the same arrays. Under each table, the Performance issue's goals as PASS /
 * MISS lines computed from the same run. See bench/README.md.
 *
 * Files: workloads.mjs (losses, sizes, references), inputs.mjs (data), plain-loops.mjs (the
 * baseline), contenders.mjs (who runs), measure.mjs (check, calibrate, rounds), goals.mjs,
 * report.mjs, cpu-state.mjs, peers/ (PyTorch, TensorFlow.js).
 *
 *   npm run bench                      # tables on stdout
 *   npm run bench -- --json            # JSON on stdout (tables and progress on stderr)
 *   npm run bench -- --json=out.json   # tables on stdout, JSON to out.json
 *   npm run bench -- --markdown        # plus the README's summary table
 *   npm run bench -- --losses=bce,scce --rounds=3 --target-ms=5
 */

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './cli.mjs';
import { buildContenders } from './contenders.mjs';
import { measure, sink } from './measure.mjs';
import { findPytorch } from './peers/pytorch.mjs';
import { loadTfjs } from './peers/tfjs.mjs';
import { printHeader, printMarkdown, printTable } from './report.mjs';
import { DEFAULTS, WORKLOADS, sizesOf } from './workloads.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function fail(message) {
  process.stderr.write(`\nbench: ERROR: ${message}\n`);
  process.exit(1);
}

const OPTS = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (e) {
    fail(e.message);
  }
})();

const out = (line = '') => (OPTS.json === '-' ? process.stderr : process.stdout).write(line + '\n');
const progress = (line) => process.stderr.write(line + '\n');
const started = Date.now();
const loadAtStart = os.loadavg()[0];

// ---------------------------------------------------------------------------------------------
// Setup: the library, the raw addon, the peers, the contenders

let lk;
try {
  lk = require(path.join(ROOT, 'dist/cjs/index.js'));
} catch (e) {
  fail(`cannot load losskit from dist/ (${e.message.split('\n')[0]}); run \`npm run build:ts\` first`);
}
// The raw addon, for the memory-bandwidth kernels (the same module instance lib/ loads).
let binding = null;
try {
  binding = require('node-gyp-build')(ROOT);
} catch {
  // no addon: the native columns and the limit are n/a, with lib/'s reasons
}

const warnings = [];
function newestMtime(dir, filter) {
  let newest = 0;
  let newestFile = null;
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (filter(e.name)) {
        const m = fs.statSync(p).mtimeMs;
        if (m > newest) [newest, newestFile] = [m, p];
      }
    }
  };
  walk(dir);
  return { mtime: newest, file: newestFile };
}
const addonPath = path.join(ROOT, 'build', 'Release', 'losskit.node');
const addonMtimeAtStart = fs.existsSync(addonPath) ? fs.statSync(addonPath).mtimeMs : null;
if (!OPTS.child) {
  const lib = newestMtime(path.join(ROOT, 'lib'), (f) => f.endsWith('.ts'));
  const dist = newestMtime(path.join(ROOT, 'dist', 'cjs'), (f) => f.endsWith('.js'));
  if (lib.mtime > dist.mtime) warnings.push(`dist/ is older than ${path.relative(ROOT, lib.file)}: run \`npm run build:ts\` to time the current lib/`);
  if (addonMtimeAtStart !== null) {
    const src = newestMtime(path.join(ROOT, 'native'), (f) => /\.(c|cc|cpp|h|hpp)$/.test(f));
    if (src.mtime > addonMtimeAtStart) warnings.push(`build/Release/losskit.node is older than ${path.relative(ROOT, src.file)}: run \`npm run build:native\``);
  }
}

const wanted = (kind) => !OPTS.contenders || OPTS.contenders.some((id) => id.startsWith(kind));
const usesPeer = (field) => OPTS.losses.some((id) => WORKLOADS[id][field]);
// The peers: looked up once in the parent, and handed to the children (the Python probe takes
// a second or two).
const pytorch = OPTS.child && process.env.LOSSKIT_BENCH_PYTORCH
  ? JSON.parse(process.env.LOSSKIT_BENCH_PYTORCH)
  : wanted('pytorch') && usesPeer('pytorch') ? findPytorch() : { reason: wanted('pytorch') ? 'no selected workload runs in PyTorch' : 'not selected (--contenders)' };
const tfjs = wanted('tfjs') && usesPeer('tfjs') ? await loadTfjs(ROOT) : { reason: wanted('tfjs') ? 'no selected workload runs in TensorFlow.js' : 'not selected (--contenders)' };

const cores = os.availableParallelism?.() ?? os.cpus().length;
let built;
try {
  built = buildContenders(lk, binding, OPTS, { tfjs, pytorch }, cores);
} catch (e) {
  fail(e.message);
}
const { contenders } = built;
let defaultBackend = (() => {
  lk.setBackend('auto');
  return lk.backend();
})();

// ---------------------------------------------------------------------------------------------
// The run: one child process per loss (unless --no-isolate). losskit's JS fallback evaluates
// every elementwise loss through one shared loop; once it has seen two losses V8 stops inlining
// the per-element function, so each loss is measured in a process of its own, as in a program
// that trains with one loss.

const env = { lk, binding, opts: OPTS, contenders, tf: tfjs.tf, pytorch, progress, fail };

function isolate(lossNames) {
  const results = [];
  const cpuStates = [];
  const seen = [];
  const passOn = process.argv.slice(2).filter((a) => !/^--(json|markdown|losses|child)(=|$)/.test(a));
  for (const lossName of lossNames) {
    progress(`${lossName}: child process`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...passOn, `--losses=${lossName}`, '--child'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, LOSSKIT_BENCH_PYTORCH: JSON.stringify(pytorch) },
    });
    if (child.status !== 0) fail(`the ${lossName} child process failed (${child.error?.message ?? `exit ${child.status ?? child.signal}`}); see above`);
    const reply = JSON.parse(child.stdout.toString());
    results.push(...reply.results);
    cpuStates.push(reply.cpuState);
    sink.value += reply.sink;
    seen.push(reply);
  }
  // (The peers' columns differ by loss by design: only the backends are compared.)
  const describe = (r) => JSON.stringify([r.defaultBackend, r.contenders.filter((c) => !/^(tfjs|pytorch)/.test(c.id)).map((c) => [c.id, c.available])]);
  if (new Set(seen.map(describe)).size > 1) {
    warnings.push(`the backends available differed between the losses' processes (${seen.map((r, i) => `${lossNames[i]}: ${r.defaultBackend}`).join(', ')}); ` +
      'was the addon rebuilt during the run? Rerun.');
  }
  defaultBackend = seen[0].defaultBackend;
  return { results, cpuStates };
}

let results;
let cpuStates;
if (OPTS.child) {
  const { results: mine, cpuState } = measure(OPTS.losses, env);
  const summary = contenders.map(({ id, available, reason }) => ({ id, available, reason }));
  // Exit once the reply is out: stdout to a pipe is written asynchronously, and an immediate
  // process.exit can cut it short when the parent reads slowly.
  const reply = JSON.stringify({ results: mine, cpuState, sink: sink.value, defaultBackend, contenders: summary });
  await new Promise((resolve) => process.stdout.write(reply, resolve));
  process.exit(0);
} else if (OPTS.isolate && OPTS.losses.length > 1) {
  ({ results, cpuStates } = isolate(OPTS.losses));
} else {
  const measured = measure(OPTS.losses, env);
  results = measured.results;
  cpuStates = [measured.cpuState];
}

// Native calls that slowed the JS math after them (cpu-state.mjs), and the workloads that ended
// in that state: their JS columns (plain loop included) were timed slowed down.
{
  const calls = new Map();
  for (const s of cpuStates) for (const c of s.calls) {
    const key = `${contenders.find((x) => x.id === c.contender).label} ${WORKLOADS[c.loss].lossName} ${c.op}`;
    calls.set(key, Math.max(calls.get(key) ?? 0, c.slowdown));
  }
  const slowed = results.filter((r) => r.slowedJsMath);
  if (calls.size || slowed.length) {
    const culprits = [...calls].map(([key, f]) => `${key} (${f.toFixed(1)}x)`).join(', ');
    warnings.push((calls.size
      ? `after ${culprits}, JS math (Math.exp, Math.log1p) in the same thread runs slower until another native kernel runs: ` +
        'the kernel leaves the CPU in a bad state (e.g. AVX code returning without vzeroupper; an addon bug, not noise). '
      : 'JS math (Math.exp, Math.log1p) ran slower after some workloads than at the start of their process. ') +
      (slowed.length ? 'The tables marked "JS MATH SLOWED" ended in that state: their JS columns are slower than they should be' : 'No timed workload ended in that state'));
  }
  const addonMtimeAtEnd = fs.existsSync(addonPath) ? fs.statSync(addonPath).mtimeMs : null;
  if (addonMtimeAtEnd !== addonMtimeAtStart) warnings.push('build/Release/losskit.node changed during the run (rebuilt?): the native columns may mix two builds; rerun');
}

// ---------------------------------------------------------------------------------------------
// Report

function gitDescribe() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

const caps = lk.capabilities();
const meta = {
  date: new Date(started).toISOString(),
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform} ${process.arch}`,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  // The vector extensions the CPU reports (Linux), next to the ISA the addon picked.
  cpuFlags: (() => {
    try {
      const flags = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1].trim().split(/\s+/) ?? [];
      return ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl'].filter((f) => flags.includes(f));
    } catch {
      return [];
    }
  })(),
  cores,
  // 1-minute load averages: other processes on the machine take cores from the thread pool.
  loadAverage: { start: loadAtStart, end: os.loadavg()[0] },
  losskit: JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
  git: gitDescribe(),
  defaultBackend,
  isa: built.bestIsa,
  poolThreads: built.poolThreads,
  capabilities: caps,
  pytorch: pytorch.torch ? { torch: pytorch.torch, numpy: pytorch.numpy, python: pytorch.python } : { reason: pytorch.reason },
  tfjs: tfjs.version ? { version: tfjs.version, backend: 'cpu' } : { reason: tfjs.reason },
  durationSeconds: (Date.now() - started) / 1000,
  warnings,
};

printHeader(out, meta, contenders, OPTS, results);
const goals = [];
for (const id of OPTS.losses) {
  for (const op of ['value', 'valueAndGrad']) {
    const rows = results.filter((r) => r.loss === id && r.op === op);
    if (rows.length) goals.push(...printTable(out, id, op, rows, contenders, OPTS.rounds ?? DEFAULTS.rounds).map((g) => ({ loss: id, op, ...g })));
  }
}
const tally = (ok) => goals.filter((g) => g.ok === ok).length;
out(`goals: ${tally(true)} PASS, ${tally(false)} MISS, ${tally(null)} not checkable in this run`);
out(`total ${meta.durationSeconds.toFixed(1)} s; sink ${sink.value.toPrecision(6)}`);
if (OPTS.markdown) {
  out();
  printMarkdown(out, meta, results, contenders);
}

if (OPTS.json) {
  const json = JSON.stringify({
    meta,
    config: {
      losses: OPTS.losses,
      workloads: Object.fromEntries(OPTS.losses.map((id) => {
        const w = WORKLOADS[id];
        return [id, {
          loss: w.lossName,
          options: w.options,
          sizes: sizesOf(id, OPTS).map((s) => (s.dims ? Object.values(s.dims) : s.shape)), // ctc [T, B, C, S], triplet [B, D]
          rtol: w.rtol,
          baseline: w.baseline ?? 'plain',
          bytesPerElement: w.bytesPerElement,
          pytorchReference: w.pytorchReference ?? null,
        }];
      })),
      rounds: OPTS.rounds ?? DEFAULTS.rounds,
      targetMs: OPTS.targetMs,
      warmupMs: OPTS.warmupMs,
      dtype: 'float32',
    },
    contenders: contenders.map(({ id, label, kind, backend, isa, threads, available, reason }) => ({ id, label, kind, backend, isa, threads, available, reason })),
    goals: goals.map(({ loss, op, ok, text }) => ({ loss, op, pass: ok, text: text.trim() })),
    cpuState: cpuStates,
    results,
    sink: sink.value,
  }, null, 2);
  if (OPTS.json === '-') process.stdout.write(json + '\n');
  else fs.writeFileSync(path.resolve(OPTS.json), json + '\n');
}
