#!/usr/bin/env node
/**
 * losskit benchmark: MSE and Huber (delta 1), `value` and `valueAndGrad`, on 1-D float32 inputs
 * of 64, 4096, 262144 and 16,777,216 elements. Contenders: the native addon (AVX2 and portable
 * scalar kernels, each its own column), losskit's pure-JS fallback, and the plain `for` loop a
 * user would write by hand, which every ratio is measured against.
 *
 * Method (see bench/README.md): every contender is checked against the plain loop before it is
 * timed, warmed up, and calibrated to a repeat count that makes one sample last >= --target-ms;
 * then --rounds rounds run every contender once each, interleaved (order rotated every round), so
 * machine noise lands on all of them alike. Reported: median ns/element, the interquartile spread,
 * and the median over rounds of (plain-loop time / contender time) from the same round.
 *
 *   npm run bench                      # tables on stdout
 *   npm run bench -- --json            # JSON on stdout (tables and progress on stderr)
 *   npm run bench -- --json=out.json   # tables on stdout, JSON to out.json
 *   npm run bench -- --sizes=64,4096 --rounds=7 --target-ms=20
 */

import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Command line

const DEFAULTS = {
  sizes: [64, 4096, 262144, 16777216],
  losses: ['mse', 'huber'],
  ops: ['value', 'valueAndGrad'],
  rounds: 11,
  targetMs: 25,
  warmupMs: 60,
  rtol: 1e-5,
};

function usage() {
  return `usage: node bench/run.mjs [options]
  --json              write the results as JSON to stdout (tables go to stderr)
  --json=PATH         write the results as JSON to PATH (tables stay on stdout)
  --sizes=A,B,...     element counts (default ${DEFAULTS.sizes.join(',')}; suffixes k/M allowed: 16M = 16777216)
  --losses=mse,huber  losses to run (default both)
  --ops=value,valueAndGrad  operations to run (default both)
  --rounds=R          interleaved rounds = samples per contender (default ${DEFAULTS.rounds}, at least 3)
  --target-ms=T       minimum duration of one sample (default ${DEFAULTS.targetMs})
  --warmup-ms=W       minimum warm-up time per contender and workload (default ${DEFAULTS.warmupMs})
  --contenders=A,B    time only these (native-avx2, native-scalar, js; the plain loop always runs)
  --no-isolate        run all losses in one process (default: one child process per loss)
  --same-inputs       time every call on the same inputs (default: cycle through distinct input
                      sets of ${POOL_ELEMENTS} elements in all, so branch patterns are not learned)
  --help`;
}

function parseSize(text) {
  const m = /^(\d+)([kKmM]?)$/.exec(text.trim());
  if (!m) throw new Error(`bad size '${text}'`);
  const scale = { '': 1, k: 1024, K: 1024, m: 1024 * 1024, M: 1024 * 1024 }[m[2]];
  return Number(m[1]) * scale;
}

function parseArgs(argv) {
  const opts = { ...DEFAULTS, json: null, contenders: null, isolate: true, child: false, sameInputs: false };
  for (const arg of argv) {
    const [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const need = () => {
      if (value === undefined || value === '') throw new Error(`${key} needs a value (${key}=...)`);
      return value;
    };
    const positive = (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${key} must be a positive number (got '${v}')`);
      return n;
    };
    switch (key) {
      case '--json': opts.json = value === undefined || value === '' ? '-' : value; break;
      case '--sizes': opts.sizes = need().split(',').map(parseSize); break;
      case '--losses': opts.losses = need().split(','); break;
      case '--ops': opts.ops = need().split(','); break;
      case '--rounds': opts.rounds = Math.max(3, Math.floor(positive(need()))); break;
      case '--target-ms': opts.targetMs = positive(need()); break;
      case '--warmup-ms': opts.warmupMs = positive(need()); break;
      case '--contenders': opts.contenders = need().split(','); break;
      case '--no-isolate': opts.isolate = false; break;
      case '--same-inputs': opts.sameInputs = true; break;
      case '--child': opts.child = true; break; // internal: one loss, JSON to stdout
      case '--help': case '-h': console.log(usage()); process.exit(0); break;
      default: throw new Error(`unknown option '${arg}'\n${usage()}`);
    }
  }
  for (const l of opts.losses) if (!(l in PLAIN)) throw new Error(`unknown loss '${l}' (mse, huber)`);
  for (const o of opts.ops) if (o !== 'value' && o !== 'valueAndGrad') throw new Error(`unknown op '${o}' (value, valueAndGrad)`);
  return opts;
}

// ---------------------------------------------------------------------------------------------
// The baseline: what a user writes by hand. Accumulates in double (a JS number), returns the
// mean, and for the gradient writes d(mean)/d(yPred) into a caller-owned Float32Array.

const HUBER_DELTA = 1;

function plainMseValue(t, p) {
  const n = p.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    sum += d * d;
  }
  return sum / n;
}

function plainMseValueAndGrad(t, p, g) {
  const n = p.length;
  const scale = 2 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    sum += d * d;
    g[i] = scale * d;
  }
  return sum / n;
}

function plainHuberValue(t, p, delta) {
  const n = p.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    const a = Math.abs(d);
    sum += a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
  }
  return sum / n;
}

function plainHuberValueAndGrad(t, p, g, delta) {
  const n = p.length;
  const scale = 1 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = p[i] - t[i];
    const a = Math.abs(d);
    if (a <= delta) {
      sum += 0.5 * d * d;
      g[i] = scale * d;
    } else {
      sum += delta * (a - 0.5 * delta);
      g[i] = d > 0 ? scale * delta : -scale * delta;
    }
  }
  return sum / n;
}

const PLAIN = {
  mse: { value: plainMseValue, valueAndGrad: plainMseValueAndGrad, extra: [] },
  huber: { value: plainHuberValue, valueAndGrad: plainHuberValueAndGrad, extra: [HUBER_DELTA] },
};

const LOSS_OPTIONS = {
  mse: { reduction: 'sum_over_batch_size' },
  huber: { delta: HUBER_DELTA, reduction: 'sum_over_batch_size' },
};

// ---------------------------------------------------------------------------------------------
// Helpers

const now = process.hrtime.bigint;
let sink = 0; // every result is added here and printed at the end, so nothing is dead code

const jsonToStdout = () => OPTS.json === '-';
const out = (line = '') => (jsonToStdout() ? process.stderr : process.stdout).write(line + '\n');
const progress = (line) => process.stderr.write(line + '\n');

function fail(message) {
  process.stderr.write(`\nbench: ERROR: ${message}\n`);
  process.exit(1);
}

/** mulberry32: a small deterministic PRNG, so every run times the same numbers. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Input sets large enough together to defeat the branch predictor (see POOL_ELEMENTS). */
const POOL_ELEMENTS = 262144;

/** yTrue uniform in [-3, 3), yPred = yTrue + uniform [-2, 2): |d| > 1 (Huber's linear branch)
 * for about half the elements, in random order, as real residuals would be.
 *
 * Unless --same-inputs, sizes below POOL_ELEMENTS get ceil(POOL_ELEMENTS / n) distinct input
 * sets, and consecutive calls cycle through them. With one set, the CPU's branch predictor learns
 * the whole taken/not-taken sequence of a data-dependent branch (Huber's |d| <= delta) once it is
 * replayed a few times: on a Zen core a branchy loop then runs ~5x faster for N <= 16K than on
 * fresh data, an effect training (new predictions every step) never sees. */
function makeData(n) {
  const count = OPTS.sameInputs ? 1 : Math.max(1, Math.ceil(POOL_ELEMENTS / n));
  const next = rng(0x1055 + n);
  // One contiguous buffer per input, cut into consecutive sets: calls then walk memory in order,
  // which the hardware prefetcher streams, instead of hopping between scattered small arrays.
  const allTrue = new Float32Array(count * n);
  const allPred = new Float32Array(count * n);
  for (let i = 0; i < count * n; i++) {
    const t = 6 * next() - 3;
    allTrue[i] = t;
    allPred[i] = t + 4 * next() - 2;
  }
  const sets = [];
  for (let k = 0; k < count; k++) {
    const yTrue = count === 1 ? allTrue : allTrue.subarray(k * n, (k + 1) * n);
    const yPred = count === 1 ? allPred : allPred.subarray(k * n, (k + 1) * n);
    sets.push({ yTrue, yPred, yT: { data: yTrue, shape: [n] }, yP: { data: yPred, shape: [n] } });
  }
  return { n, sets, grad: new Float32Array(n), gradRef: new Float32Array(n) };
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function summarize(values) {
  const s = [...values].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p25: quantile(s, 0.25), p75: quantile(s, 0.75), min: s[0], max: s[s.length - 1] };
}

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

function gitDescribe() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Setup: the library, the contenders and what is available

const OPTS = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (e) {
    fail(e.message);
  }
})();

let lk;
try {
  lk = require(path.join(ROOT, 'dist/cjs/index.js'));
} catch (e) {
  fail(`cannot load losskit from dist/ (${e.message.split('\n')[0]}); run \`npm run build:ts\` first`);
}

const warnings = [];
{
  const lib = newestMtime(path.join(ROOT, 'lib'), (f) => f.endsWith('.ts'));
  const dist = newestMtime(path.join(ROOT, 'dist', 'cjs'), (f) => f.endsWith('.js'));
  if (lib.mtime > dist.mtime) {
    warnings.push(`dist/ is older than ${path.relative(ROOT, lib.file)}: run \`npm run build:ts\` to time the current lib/`);
  }
  const addon = path.join(ROOT, 'build', 'Release', 'losskit.node');
  if (fs.existsSync(addon)) {
    const src = newestMtime(path.join(ROOT, 'native'), (f) => /\.(c|cc|cpp|h|hpp)$/.test(f));
    if (src.mtime > fs.statSync(addon).mtimeMs) {
      warnings.push(`build/Release/losskit.node is older than ${path.relative(ROOT, src.file)}: run \`npm run build:native\``);
    }
  }
}

/** What 'auto' picks, found without triggering the fallback warning. */
let defaultBackend;
const addonPath = path.join(ROOT, 'build', 'Release', 'losskit.node');
const addonMtimeAtStart = fs.existsSync(addonPath) ? fs.statSync(addonPath).mtimeMs : null;
try {
  defaultBackend = lk.setBackend('native');
} catch {
  defaultBackend = lk.setBackend('js');
}
let caps = lk.capabilities();

/** The reasons a native backend is unavailable: the bullet lines of setBackend's error. */
function reasonOf(error) {
  const lines = String(error?.message ?? error).split('\n');
  const bullets = lines.filter((l) => /^\s+- /.test(l)).map((l) => l.replace(/^\s+- /, ''));
  return bullets.length ? bullets.join('; ') : lines[0];
}

const CONTENDERS = [
  { id: 'native-avx2', label: 'native-avx2', backend: 'native-avx2' },
  { id: 'native-scalar', label: 'native-scalar', backend: 'native-scalar' },
  { id: 'js', label: 'losskit js', backend: 'js' },
  { id: 'plain', label: 'plain loop', backend: null },
];
for (const c of CONTENDERS) {
  c.available = true;
  c.reason = null;
  if (!c.backend) continue;
  if (OPTS.contenders && !OPTS.contenders.includes(c.id)) {
    c.available = false;
    c.reason = 'not selected (--contenders)';
    continue;
  }
  try {
    lk.setBackend(c.backend);
  } catch (e) {
    c.available = false;
    c.reason = c.backend.startsWith('native') && caps.nativeErrors.length && !caps.nativeLoaded
      ? caps.nativeErrors.join('; ')
      : reasonOf(e);
  }
}
const ACTIVE = CONTENDERS.filter((c) => c.available);
if (OPTS.contenders) {
  const known = CONTENDERS.map((c) => c.id);
  for (const id of OPTS.contenders) if (!known.includes(id)) fail(`unknown contender '${id}' (${known.join(', ')})`);
}

// ---------------------------------------------------------------------------------------------
// Runners. Each is compiled from its own source text (new Function), so V8 keeps separate type
// feedback for every contender and workload: no runner's call site turns polymorphic because
// another contender went through the same loop.

let runnerId = 0;
function makeRunner(body, env) {
  const names = Object.keys(env);
  // k cycles through the input sets (sets.length of them) from call to call, across runs.
  const src = `let k = 0;
  const count = sets.length;
  return function bench_runner_${runnerId++}(reps) {
    let s = 0;
    for (let r = 0; r < reps; r++) {
      const set = sets[k];
      if (++k === count) k = 0;
      ${body}
    }
    return s;
  };`;
  return new Function(...names, src)(...names.map((k) => env[k]));
}

function runnerFor(contender, lossName, op, loss, data) {
  const { sets, grad } = data;
  if (!contender.backend) {
    const plain = PLAIN[lossName];
    const fn = plain[op];
    const delta = plain.extra[0];
    const args = ['set.yTrue', 'set.yPred', ...(op === 'value' ? [] : ['g']), ...(lossName === 'huber' ? ['delta'] : [])];
    return makeRunner(`s += fn(${args.join(', ')});`, { sets, fn, g: grad, delta });
  }
  if (op === 'value') return makeRunner('s += loss.value(set.yT, set.yP);', { sets, loss });
  const options = { out: grad };
  return makeRunner('s += loss.valueAndGrad(set.yT, set.yP, undefined, options).value;', { sets, loss, options });
}

/** Runs `reps` calls on `contender`'s backend and returns the nanoseconds they took. */
function timeOnce(contender, run, reps, data) {
  if (contender.backend) lk.setBackend(contender.backend);
  const t0 = now();
  const s = run(reps);
  const t1 = now();
  sink += s + data.grad[reps % data.grad.length];
  return Number(t1 - t0);
}

/** Warms `run` up (at least warmupMs and two timed runs, doubling the repeat count while a run
 * is shorter than a quarter of the target), then grows the repeat count until the fastest of
 * three warm runs lasts at least targetMs. Returns that repeat count. */
function calibrate(contender, run, data) {
  const target = OPTS.targetMs * 1e6;
  let reps = 1;
  let spent = 0;
  for (let runs = 1; ; runs++) {
    const dt = timeOnce(contender, run, reps, data);
    spent += dt;
    if (runs >= 2 && spent >= OPTS.warmupMs * 1e6 && dt >= target / 4) break;
    if (dt < target / 4) reps *= 2;
  }
  // Size from the fastest of up to three runs: a run slowed down by another process would
  // otherwise make the samples shorter than the target once the machine is quiet again.
  for (let tries = 0; tries < 8; tries++) {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      best = Math.min(best, timeOnce(contender, run, reps, data));
      if (best >= 2 * target) break; // long runs: one is enough
    }
    if (best >= target) break;
    reps = Math.max(reps + 1, Math.ceil((reps * target * 1.2) / Math.max(best, 1)));
  }
  return reps;
}

// ---------------------------------------------------------------------------------------------
// Correctness: every contender against the plain loop, value and gradient, before any timing.

function checkCorrectness(lossName, op, loss, data) {
  const { n, sets, grad, gradRef } = data;
  const plain = PLAIN[lossName];
  const checks = {};
  for (const c of ACTIVE) checks[c.id] = { sets: sets.length, maxValueRelErr: 0, maxGradRelErr: op === 'value' ? null : 0 };
  for (const { yTrue, yPred, yT, yP } of sets) {
    const ref = op === 'value'
      ? plain.value(yTrue, yPred, ...plain.extra)
      : plain.valueAndGrad(yTrue, yPred, gradRef, ...plain.extra);
    if (!Number.isFinite(ref)) fail(`${lossName} ${op} N=${n}: plain loop gave ${ref}`);
    let gradMax = 0;
    if (op !== 'value') for (let i = 0; i < n; i++) gradMax = Math.max(gradMax, Math.abs(gradRef[i]));
    for (const c of ACTIVE) {
      if (!c.backend) continue;
      lk.setBackend(c.backend);
      grad.fill(NaN);
      const v = op === 'value' ? loss.value(yT, yP) : loss.valueAndGrad(yT, yP, undefined, { out: grad }).value;
      const relErr = Math.abs(v - ref) / Math.abs(ref);
      if (!(relErr <= OPTS.rtol)) {
        fail(`${lossName} ${op} N=${n}: ${c.label} value ${v} differs from the plain loop's ${ref} ` +
          `(relative error ${relErr.toExponential(2)} > ${OPTS.rtol}); refusing to time wrong code`);
      }
      const check = checks[c.id];
      check.maxValueRelErr = Math.max(check.maxValueRelErr, relErr);
      if (op === 'value') continue;
      // Elementwise: within rtol of the reference element, plus an absolute floor of
      // rtol * 1e-3 * max|grad| for elements that are ~0.
      const floor = OPTS.rtol * 1e-3 * gradMax;
      for (let i = 0; i < n; i++) {
        const err = Math.abs(grad[i] - gradRef[i]);
        if (!(err <= OPTS.rtol * Math.abs(gradRef[i]) + floor)) {
          fail(`${lossName} ${op} N=${n}: ${c.label} grad[${i}] = ${grad[i]} differs from the plain loop's ` +
            `${gradRef[i]} (yTrue ${yTrue[i]}, yPred ${yPred[i]}; ${(grad[i] / gradRef[i]).toPrecision(6)} times it); ` +
            `refusing to time wrong code`);
        }
        check.maxGradRelErr = Math.max(check.maxGradRelErr, err / (Math.abs(gradRef[i]) || gradMax));
      }
    }
  }
  grad.fill(0);
  return checks;
}

// ---------------------------------------------------------------------------------------------
// The run

const BYTES_PER_ELEMENT = { value: 8, valueAndGrad: 12 }; // float32 reads (+ the gradient write)
const started = Date.now();

/** Measures every selected size and op for `lossNames` in this process. */
function measure(lossNames) {
  const results = [];
  const losses = Object.fromEntries(lossNames.map((l) => [l, lk.getLoss(l, LOSS_OPTIONS[l])]));

  // The JS fallback runs every elementwise loss through one shared loop, and lib/ has call sites
  // shared by all backends: touch each selected loss, op and backend once before anything is
  // timed, so every measurement sees the same type feedback whatever the order of the workloads.
  // (Different losses are kept in different processes, see `isolate` below.)
  {
    const t = new Float32Array(64).fill(0.5);
    const p = new Float32Array(64).fill(2);
    const g = new Float32Array(64);
    for (const c of ACTIVE) {
      if (!c.backend) continue;
      lk.setBackend(c.backend);
      for (const loss of Object.values(losses)) {
        sink += loss.value({ data: t, shape: [64] }, { data: p, shape: [64] });
        sink += loss.valueAndGrad({ data: t, shape: [64] }, { data: p, shape: [64] }, undefined, { out: g }).value;
      }
    }
  }

  const workloads = OPTS.sizes.length * lossNames.length * OPTS.ops.length;
  let done = 0;
  for (const n of [...OPTS.sizes].sort((a, b) => a - b)) {
    let data = makeData(n);
    for (const lossName of lossNames) {
      for (const op of OPTS.ops) {
        const t0 = Date.now();
        const loss = losses[lossName];
        const check = checkCorrectness(lossName, op, loss, data);
        const entries = ACTIVE.map((c) => ({ c, run: runnerFor(c, lossName, op, loss, data), reps: 0, ns: [], ms: [] }));
        for (const e of entries) e.reps = calibrate(e.c, e.run, data);
        for (let round = 0; round < OPTS.rounds; round++) {
          for (let k = 0; k < entries.length; k++) {
            const e = entries[(k + round) % entries.length]; // rotate who goes first
            const dt = timeOnce(e.c, e.run, e.reps, data);
            e.ms.push(dt / 1e6);
            e.ns.push(dt / e.reps / n);
          }
        }
        const plain = entries.find((e) => !e.c.backend);
        const contenders = {};
        for (const c of CONTENDERS) {
          const e = entries.find((x) => x.c === c);
          if (!e) {
            contenders[c.id] = { available: false, reason: c.reason };
            continue;
          }
          const ns = summarize(e.ns);
          contenders[c.id] = {
            available: true,
            nsPerElement: ns,
            samples: e.ns,
            repsPerSample: e.reps,
            sampleMs: summarize(e.ms),
            speedupVsPlain: summarize(e.ns.map((v, r) => plain.ns[r] / v)),
            gbPerSecond: BYTES_PER_ELEMENT[op] / ns.median,
            check: check[c.id],
          };
        }
        results.push({ loss: lossName, op, n, contenders });
        done++;
        progress(`  [${done}/${workloads}] ${lossName} ${op} N=${n}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
    data = null;
  }
  return results;
}

/** One child process per loss (unless --no-isolate): V8's type feedback for lib/'s shared code
 * then holds one loss, as in a program that trains with one loss, and no loss's numbers depend
 * on which loss ran before it. */
function isolate(lossNames) {
  const results = [];
  const seen = [];
  const passOn = process.argv.slice(2).filter((a) => !/^--(json|losses|child)(=|$)/.test(a));
  for (const lossName of lossNames) {
    progress(`${lossName}: child process`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...passOn, `--losses=${lossName}`, '--child'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 256 * 1024 * 1024,
    });
    if (child.status !== 0) fail(`the ${lossName} child process failed (${child.error?.message ?? `exit ${child.status ?? child.signal}`}); see above`);
    const reply = JSON.parse(child.stdout.toString());
    results.push(...reply.results);
    sink += reply.sink;
    seen.push(reply);
  }
  // The tables show what the children measured: take the backend state from them, and say so if
  // it was not the same in all of them (an addon rebuilt or removed during the run).
  const describe = (r) => JSON.stringify([r.defaultBackend, r.contenders.map((c) => [c.id, c.available])]);
  if (new Set(seen.map(describe)).size > 1) {
    warnings.push(`the backends available differed between the losses' processes (${seen.map((r, i) => `${lossNames[i]}: ${r.defaultBackend}`).join(', ')}); ` +
      'was the addon rebuilt during the run? Rerun.');
  }
  const first = seen[0];
  defaultBackend = first.defaultBackend;
  caps = first.caps;
  for (const c of CONTENDERS) {
    const theirs = first.contenders.find((x) => x.id === c.id);
    c.available = theirs.available;
    c.reason = theirs.reason;
  }
  return results;
}

let results;
if (OPTS.child) {
  results = measure(OPTS.losses);
  const contenders = CONTENDERS.map(({ id, available, reason }) => ({ id, available, reason }));
  process.stdout.write(JSON.stringify({ results, sink, defaultBackend, caps, contenders }));
  process.exit(0);
} else if (OPTS.isolate && OPTS.losses.length > 1) {
  results = isolate(OPTS.losses);
} else {
  results = measure(OPTS.losses);
}
{
  const addonMtimeAtEnd = fs.existsSync(addonPath) ? fs.statSync(addonPath).mtimeMs : null;
  if (addonMtimeAtEnd !== addonMtimeAtStart) {
    warnings.push('build/Release/losskit.node changed during the run (rebuilt?): the native columns may mix two builds; rerun');
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function fmtNs(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v < 1) return v.toFixed(3);
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

function fmtRatio(v) {
  if (v >= 100) return `${v.toFixed(0)}x`;
  if (v >= 10) return `${v.toFixed(1)}x`;
  return `${v.toFixed(2)}x`;
}

function cell(r) {
  if (!r.available) return ['n/a', '', ''];
  const ns = r.nsPerElement;
  const spread = ((ns.p75 - ns.p25) / 2 / ns.median) * 100;
  return [fmtNs(ns.median), `±${spread < 10 ? spread.toFixed(1) : spread.toFixed(0)}%`, fmtRatio(r.speedupVsPlain.median)];
}

function table(lossName, op) {
  const rows = results.filter((r) => r.loss === lossName && r.op === op);
  if (!rows.length) return;
  const title = `${lossName === 'mse' ? 'MSE' : `Huber (delta ${HUBER_DELTA})`}  ${op}` +
    (op === 'valueAndGrad' ? '  (gradient into a reused Float32Array)' : '');
  out(title);
  // Each contender gets three sub-columns: median ns/element, half the interquartile range as a
  // percentage of the median, and the speedup over the plain loop (>1: faster).
  const head1 = ['', ...CONTENDERS.flatMap((c) => [c.label, '', ''])];
  const head2 = ['N', ...CONTENDERS.flatMap(() => ['ns/el', '±', 'vs loop'])];
  const body = rows.map((r) => [String(r.n), ...CONTENDERS.flatMap((c) => cell(r.contenders[c.id]))]);
  const cols = head2.length;
  const width = Array.from({ length: cols }, (_, i) => Math.max(...[head2, ...body].map((row) => row[i].length)));
  // Contender labels span their three sub-columns.
  const groupWidth = (g) => width[1 + 3 * g] + width[2 + 3 * g] + width[3 + 3 * g] + 2;
  for (let g = 0; g < CONTENDERS.length; g++) {
    const extra = head1[1 + 3 * g].length - groupWidth(g);
    if (extra > 0) width[1 + 3 * g] += extra;
  }
  const sep = '   ';
  let line = head2[0].padStart(width[0]).replace(/./g, ' ');
  for (let g = 0; g < CONTENDERS.length; g++) line += sep + head1[1 + 3 * g].padEnd(groupWidth(g));
  out(line.trimEnd());
  const fmtRow = (row) => {
    let s = row[0].padStart(width[0]);
    for (let g = 0; g < CONTENDERS.length; g++) {
      s += sep + row[1 + 3 * g].padStart(width[1 + 3 * g]) + ' ' + row[2 + 3 * g].padStart(width[2 + 3 * g]) + ' ' + row[3 + 3 * g].padStart(width[3 + 3 * g]);
    }
    return s.trimEnd();
  };
  out(fmtRow(head2));
  for (const row of body) out(fmtRow(row));
  // One sentence per size for the backend users get by default (what 'auto' picks), or the
  // fastest losskit backend timed when that one is not in the table: the claim a reader wants.
  for (const r of rows) {
    const timed = CONTENDERS.filter((c) => c.backend && r.contenders[c.id].available);
    const best = timed.find((c) => c.backend === defaultBackend) ??
      timed.sort((a, b) => r.contenders[a.id].nsPerElement.median - r.contenders[b.id].nsPerElement.median)[0];
    if (!best) continue;
    const s = r.contenders[best.id].speedupVsPlain;
    const claim = s.median >= 1
      ? `${fmtRatio(s.median)} as fast as the plain loop`
      : `${fmtRatio(1 / s.median)} slower than the plain loop (${fmtRatio(s.median)})`;
    out(`  N=${r.n}: ${best.label} is ${claim}; per-round ratios ${fmtRatio(s.min)}..${fmtRatio(s.max)}`);
  }
  out();
}

const git = gitDescribe();
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const cpus = os.cpus();
const meta = {
  date: new Date(started).toISOString(),
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform} ${process.arch}`,
  cpu: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  losskit: pkg.version,
  git,
  defaultBackend,
  capabilities: caps,
  warnings,
};

out(`losskit benchmark   ${meta.date}`);
out(`node ${meta.node} (V8 ${meta.v8}), ${meta.platform}`);
out(`CPU: ${meta.cpu}, ${meta.cores} cores`);
out(`losskit ${meta.losskit}${git ? ` (git ${git.commit}${git.dirty ? ', uncommitted changes' : ''})` : ''}; default backend: ${defaultBackend}`);
out(`capabilities: native ${caps.nativeLoaded ? JSON.stringify(caps.native) : 'not loaded'}`);
for (const c of CONTENDERS) if (!c.available) out(`  ${c.label}: n/a: ${c.reason}`);
for (const w of warnings) out(`WARNING: ${w}`);
if (OPTS.rounds < 7) out(`NOTE: only ${OPTS.rounds} rounds: a quick check, not numbers to quote (the default is ${DEFAULTS.rounds})`);
out(`method: float32 1-D inputs; ${OPTS.rounds} interleaved rounds, samples >= ${OPTS.targetMs} ms; ` +
  `ns/el = median ns per element, ± = half the interquartile range;`);
out(`        vs loop = median over rounds of (plain-loop time / contender time) in the same round, >1 = faster than the loop`);
out(OPTS.sameInputs
  ? `inputs: one set per N, every call on the same data (--same-inputs: branch patterns get learned)`
  : `inputs: N < ${POOL_ELEMENTS} cycle through ceil(${POOL_ELEMENTS}/N) distinct random sets, so data-dependent branches are not learned`);
out(`values and gradients checked against the plain loop on every set (rtol ${OPTS.rtol}) before timing: all agreed`);
out();
for (const lossName of OPTS.losses) for (const op of OPTS.ops) table(lossName, op);
out(`total ${((Date.now() - started) / 1000).toFixed(1)} s; sink ${sink.toPrecision(6)}`);

if (OPTS.json) {
  const json = JSON.stringify({
    meta,
    config: {
      sizes: OPTS.sizes,
      losses: OPTS.losses,
      ops: OPTS.ops,
      rounds: OPTS.rounds,
      targetMs: OPTS.targetMs,
      warmupMs: OPTS.warmupMs,
      rtol: OPTS.rtol,
      huberDelta: HUBER_DELTA,
      dtype: 'float32',
      bytesPerElement: BYTES_PER_ELEMENT,
    },
    contenders: CONTENDERS.map(({ id, label, backend, available, reason }) => ({ id, label, backend, available, reason })),
    results,
    sink,
  }, null, 2);
  if (OPTS.json === '-') process.stdout.write(json + '\n');
  else fs.writeFileSync(path.resolve(OPTS.json), json + '\n');
}
