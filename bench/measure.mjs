/**
 * The measurement of one process: correctness first, then warm-up and calibration, then the
 * interleaved rounds, for every selected workload, size and op.
 */

import { PROBE_LIMIT, probeNs } from './cpu-state.mjs';
import { makeData } from './inputs.mjs';
import { PytorchPeer } from './peers/pytorch.mjs';
import { tfjsCall } from './peers/tfjs.mjs';
import { summarize } from './stats.mjs';
import { DEFAULTS, LIMIT_MIN_ELEMENTS, WORKLOADS, opsOf, roundsFor, sizesOf } from './workloads.mjs';

const now = process.hrtime.bigint;

/** Every result (and one gradient element per sample) is added here and printed at the end, so
 * nothing the contenders compute is dead code. */
export const sink = { value: 0 };
const addToSink = (v) => {
  sink.value += v;
};

/** The peers' values are float32 reductions done their own way (pairwise sums, float32
 * transcendentals): checked to 1e-4 relative, or the workload's tolerance if looser. */
const PEER_RTOL = 1e-4;

// ---------------------------------------------------------------------------------------------
// Runners. Each is compiled from its own source text (new Function), so V8 keeps separate type
// feedback for every contender and workload: no runner's call site turns polymorphic because
// another contender went through the same loop. The inputs are read from a table inside the
// loop, not captured as constants, which V8 could specialize the loop on.

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

function runnerFor(c, id, op, loss, data, env) {
  const w = WORKLOADS[id];
  const { sets, grad } = data;
  if (c.kind === 'tfjs') return makeRunner('s += call(set, g);', { sets, call: tfjsCall(env.tf, w, op), g: grad });
  if (c.kind === 'limit') {
    // value: read both inputs once; valueAndGrad: out[i] = a[i] - b[i], the same traffic as a
    // value-and-gradient call (two reads, one write of the gradient).
    const kind = op === 'value' ? 'read' : 'read2write1';
    return makeRunner('s += mb(kind, set.yTrue, set.yPred, out);', { sets, mb: env.binding.memoryBandwidth, kind, out: op === 'value' ? null : grad });
  }
  if (w.structured) {
    // Named inputs; the plain loop gets the set and the gradient arrays (one per input).
    if (c.kind === 'plain') return makeRunner(`s += fn(set${op === 'value' ? '' : ', g'});`, { sets, fn: w.plain[op], g: data.grads });
    if (op === 'value') return makeRunner('s += loss.value(set.inputs);', { sets, loss });
    // Every gradient into a reused buffer: `out` for the first input, `outs` for the others.
    const outs = Object.fromEntries(w.gradNames.slice(1).map((name) => [name, new Float32Array(grad.length)]));
    const options = { out: grad, outs };
    return makeRunner('s += loss.valueAndGrad(set.inputs, options).value;', { sets, loss, options });
  }
  if (c.kind === 'plain') {
    const fn = w.plain[op];
    // The extra arguments (Huber's delta) are passed as variables, like the arrays, not inlined.
    const extra = Object.fromEntries(w.plain.extra.map((v, i) => [`extra${i}`, v]));
    const args = ['set.yTrue', 'set.yPred', ...(op === 'value' ? [] : ['g']), ...Object.keys(extra)];
    return makeRunner(`s += fn(${args.join(', ')});`, { sets, fn, g: grad, ...extra });
  }
  if (op === 'value') return makeRunner('s += loss.value(set.yT, set.yP);', { sets, loss });
  const options = { out: grad };
  return makeRunner('s += loss.valueAndGrad(set.yT, set.yP, undefined, options).value;', { sets, loss, options });
}

/** A sampler for an in-process runner: prepare (outside the timed region), time `reps` calls. */
function inProcessSampler(prepare, run, data) {
  return (reps) => {
    prepare();
    const t0 = now();
    const s = run(reps);
    const t1 = now();
    addToSink(s + data.grad[reps % data.grad.length]);
    return Number(t1 - t0);
  };
}

/** A contender whose single call takes longer than this is dropped from the row (with its time
 * as the reason): a PyTorch pool on an oversubscribed machine can take tens of seconds a call,
 * and eleven rounds of that would hold the whole run. */
const MAX_CALL_MS = 6000;

/** Warms a sampler up (at least warmupMs and two timed runs, doubling the repeat count while a
 * run is shorter than a quarter of the target), then grows the repeat count until the fastest of
 * three warm runs lasts at least targetMs. Returns that repeat count, or {skip: ms} when one call
 * takes longer than MAX_CALL_MS. */
function calibrate(sample, opts) {
  const target = opts.targetMs * 1e6;
  let reps = 1;
  let spent = 0;
  let last = 0;
  for (let runs = 1; ; runs++) {
    const dt = sample(reps);
    if (reps === 1 && dt > MAX_CALL_MS * 1e6) return { skip: dt / 1e6 };
    spent += dt;
    last = dt;
    if (runs >= 2 && spent >= opts.warmupMs * 1e6 && dt >= target / 4) break;
    if (dt < target / 4) reps *= 2;
  }
  // One call already lasts twice the target (16M elements, a slow contender): nothing to size,
  // and one more call would cost up to seconds.
  if (reps === 1 && last >= 2 * target) return reps;
  // Size from the fastest of up to three runs: a run slowed down by another process would
  // otherwise make the samples shorter than the target once the machine is quiet again.
  for (let tries = 0; tries < 8; tries++) {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      best = Math.min(best, sample(reps));
      if (best >= 2 * target) break; // long runs: one is enough
    }
    if (best >= target) break;
    reps = Math.max(reps + 1, Math.ceil((reps * target * 1.2) / Math.max(best, 1)));
  }
  return reps;
}

// ---------------------------------------------------------------------------------------------
// Correctness: every contender against the reference (the plain loop; the JS fallback for ctc),
// value and gradient, on every input set, before any timing. `callers`: [{c, call(set, into)}],
// `into` the gradient array(s) the call must fill; returns the value.

function checkStructured(id, op, data, callers, fail) {
  const { size, sets, grads, gradsRef } = data;
  const w = WORKLOADS[id];
  const { rtol, describe, gradNames } = w;
  const reference = w.baseline === 'js' ? 'the JS fallback' : 'the plain loop';
  const where = `${id} ${op} ${size.label}`;
  const checks = {};
  const refValues = [];
  const refCaller = callers.find((x) => x.c.id === w.baseline);
  for (const { c } of callers) {
    checks[c.id] = c.id === w.baseline
      ? { sets: sets.length, reference: true }
      : { sets: sets.length, maxValueRelErr: 0, maxGradRelErr: op === 'value' ? null : 0 };
  }
  for (const set of sets) {
    const ref = refCaller ? refCaller.call(set, gradsRef) : op === 'value' ? w.plain.value(set) : w.plain.valueAndGrad(set, gradsRef);
    if (!Number.isFinite(ref)) fail(`${where}: ${reference} gave ${ref}`);
    refValues.push(ref);
    const gradMax = {};
    if (op !== 'value') {
      for (const name of gradNames) {
        let m = 0;
        for (const v of gradsRef[name]) m = Math.max(m, Math.abs(v));
        gradMax[name] = m;
      }
    }
    for (const { c, call } of callers) {
      if (c.id === w.baseline) continue;
      for (const name of gradNames) grads[name].fill(NaN);
      const v = call(set, grads);
      const relErr = Math.abs(v - ref) / Math.abs(ref);
      if (!(relErr <= rtol)) {
        fail(`${where}: ${c.label} value ${v} differs from ${reference}'s ${ref} ` +
          `(relative error ${relErr.toExponential(2)} > ${rtol}); refusing to time wrong code`);
      }
      const check = checks[c.id];
      check.maxValueRelErr = Math.max(check.maxValueRelErr, relErr);
      if (op === 'value') continue;
      // Elementwise, every gradient: within rtol of the reference element, plus an absolute floor
      // of rtol * 1e-3 * max|that gradient| (posteriors ~0 in CTC; a - p and a - n terms that
      // nearly cancel in the triplet's anchor gradient).
      for (const name of gradNames) {
        const g = grads[name];
        const gRef = gradsRef[name];
        const floor = rtol * 1e-3 * gradMax[name];
        for (let i = 0; i < g.length; i++) {
          const err = Math.abs(g[i] - gRef[i]);
          if (!(err <= rtol * Math.abs(gRef[i]) + floor)) {
            fail(`${where}: ${c.label} gradient of ${name} [${i}] = ${g[i]} differs from ${reference}'s ` +
              `${gRef[i]} (${describe(set, name, i)}; ${(g[i] / gRef[i]).toPrecision(6)} times it); refusing to time wrong code`);
          }
          check.maxGradRelErr = Math.max(check.maxGradRelErr, err / (Math.abs(gRef[i]) || gradMax[name] || 1));
        }
      }
    }
  }
  for (const name of gradNames) grads[name].fill(0);
  return { checks, refValues };
}

function checkOneD(id, op, data, callers, fail) {
  const { size, sets, grad, gradRef } = data;
  const w = WORKLOADS[id];
  const { plain, describe } = w;
  const where = `${id} ${op} ${size.label}`;
  const checks = {};
  const refValues = [];
  for (const { c } of callers) checks[c.id] = { sets: sets.length, maxValueRelErr: 0, maxGradRelErr: op === 'value' ? null : 0 };
  for (const set of sets) {
    const { yTrue, yPred } = set;
    const ref = op === 'value'
      ? plain.value(yTrue, yPred, ...plain.extra)
      : plain.valueAndGrad(yTrue, yPred, gradRef, ...plain.extra);
    if (!Number.isFinite(ref)) fail(`${where}: plain loop gave ${ref}`);
    refValues.push(ref);
    let gradMax = 0;
    if (op !== 'value') for (let i = 0; i < yPred.length; i++) gradMax = Math.max(gradMax, Math.abs(gradRef[i]));
    for (const { c, call, rtol } of callers) {
      grad.fill(NaN);
      const v = call(set, grad);
      const relErr = Math.abs(v - ref) / Math.abs(ref);
      if (!(relErr <= rtol)) {
        fail(`${where}: ${c.label} value ${v} differs from the plain loop's ${ref} ` +
          `(relative error ${relErr.toExponential(2)} > ${rtol}); refusing to time wrong code`);
      }
      const check = checks[c.id];
      check.maxValueRelErr = Math.max(check.maxValueRelErr, relErr);
      if (op === 'value') continue;
      // Elementwise: within rtol of the reference element, plus an absolute floor of
      // rtol * 1e-3 * max|grad| for elements that are ~0 (sigmoid(x) - y, softmax - 1 at the
      // label: float32 cancellation).
      const floor = rtol * 1e-3 * gradMax;
      for (let i = 0; i < yPred.length; i++) {
        const err = Math.abs(grad[i] - gradRef[i]);
        if (!(err <= rtol * Math.abs(gradRef[i]) + floor)) {
          fail(`${where}: ${c.label} grad[${i}] = ${grad[i]} differs from the plain loop's ` +
            `${gradRef[i]} (${describe(set, i)}; ${(grad[i] / gradRef[i]).toPrecision(6)} times it); ` +
            `refusing to time wrong code`);
        }
        check.maxGradRelErr = Math.max(check.maxGradRelErr, err / (Math.abs(gradRef[i]) || gradMax));
      }
    }
  }
  grad.fill(0);
  return { checks, refValues };
}

/** What each checkable contender's call is, for the correctness check. */
function callersFor(active, id, op, loss, env) {
  const w = WORKLOADS[id];
  const callers = [];
  for (const c of active) {
    if (c.kind === 'losskit') {
      const call = w.structured
        ? (set, into) => {
          c.prepare();
          if (op === 'value') return loss.value(set.inputs);
          const first = into[w.gradNames[0]];
          const r = loss.valueAndGrad(set.inputs, { out: first });
          if (r.grad.data !== first) throw new Error(`${id}: the gradient was not written into options.out`);
          for (const name of w.gradNames.slice(1)) into[name].set(r.grads[name].data);
          return r.value;
        }
        : (set, into) => {
          c.prepare();
          return op === 'value' ? loss.value(set.yT, set.yP) : loss.valueAndGrad(set.yT, set.yP, undefined, { out: into }).value;
        };
      callers.push({ c, call, rtol: w.rtol });
    } else if (c.kind === 'tfjs') {
      callers.push({ c, call: tfjsCall(env.tf, w, op), rtol: Math.max(w.rtol, PEER_RTOL) });
    }
  }
  return callers;
}

// ---------------------------------------------------------------------------------------------
// The inputs as the PyTorch peer receives them: every set, per input name.

function peerInputs(id, data) {
  const w = WORKLOADS[id];
  const { sets } = data;
  if (id === 'ctc') return { inputs: { logProbs: sets.map((s) => s.logProbs), targets: sets.map((s) => s.targets) }, dims: sets[0].dims };
  if (id === 'triplet') return { inputs: Object.fromEntries(['anchor', 'positive', 'negative'].map((k) => [k, sets.map((s) => s[k])])), dims: sets[0].dims };
  const dims = id === 'scce' ? { rows: data.size.shape[0], C: data.size.shape[1] } : null;
  return { inputs: { yTrue: sets.map((s) => s.yTrue), yPred: sets.map((s) => s.yPred) }, dims, params: w.pytorch };
}

// ---------------------------------------------------------------------------------------------
// The run of one process

/** Small inputs of workload `id`, for touching every backend before anything is timed. */
function touchInputs(id) {
  if (WORKLOADS[id].structured) {
    const { inputs, out } = WORKLOADS[id].touch();
    return { yT: inputs, yP: null, g: out, structured: true };
  }
  if (id === 'scce') {
    return {
      yT: { data: new Int32Array([0, 3, 7, 15]), shape: [4] },
      yP: { data: new Float32Array(64).map((_, i) => (i % 7) - 3), shape: [4, 16] },
      g: new Float32Array(64),
    };
  }
  const t = new Float32Array(64).map((_, i) => i % 2);
  const p = new Float32Array(64).map((_, i) => (i % 5) - 2);
  return { yT: { data: t, shape: [64] }, yP: { data: p, shape: [64] }, g: new Float32Array(64) };
}

/** Why contender `c` does not take part in the row (workload `w`, `size`), or null if it does. */
function appliesTo(c, w, size) {
  if (w.onlyContenders && !w.onlyContenders.includes(c.id)) return 'not part of this section';
  if (c.kind === 'plain' && !w.plain) return w.noPlain;
  if (c.kind === 'limit') {
    if (!w.oneD || w.perCall) return 'the bandwidth limit is timed for the 1-D workloads only';
    if (size.n < LIMIT_MIN_ELEMENTS) return `small arrays (the limit is timed from ${LIMIT_MIN_ELEMENTS} elements)`;
  }
  if (c.kind === 'tfjs') {
    if (!w.tfjs) return 'TensorFlow.js has no such loss';
    if (size.n > (w.tfjsMaxElements ?? Infinity)) return `skipped above ${w.tfjsMaxElements} elements (seconds a call on the cpu backend)`;
  }
  if (c.kind === 'pytorch' && !w.pytorch) return 'not run in PyTorch';
  return null;
}

/**
 * Measures every selected size and op of the workloads `ids` in this process.
 * env: { lk, binding, opts, contenders, tf, pytorch: {python} | {reason}, progress, fail }
 */
export function measure(ids, env) {
  const { lk, opts, contenders, progress, fail } = env;
  const results = [];
  const losses = Object.fromEntries(ids.map((id) => [id, lk.getLoss(WORKLOADS[id].lossName, WORKLOADS[id].options)]));
  let peer = null;
  const pytorchNeeded = contenders.some((c) => c.kind === 'pytorch' && c.available) && ids.some((id) => WORKLOADS[id].pytorch);

  // The JS fallback runs every elementwise loss through one shared loop, and lib/ has call sites
  // shared by all backends: touch each selected loss, op and backend once before anything is
  // timed, so every measurement sees the same type feedback whatever the order of the workloads.
  // This also finds the native backends that load but lack a loss's kernel (an addon older than
  // lib/): those columns are n/a for that loss, with the library's reason.
  // Each native call is bracketed by the math probe (cpu-state.mjs): a call after which JS math
  // runs slower than before it leaves the CPU in a bad state, and is reported by name.
  const missing = Object.fromEntries(ids.map((id) => [id, {}]));
  for (let k = 0; k < 5; k++) probeNs(addToSink); // warm the probe up
  const probeBase = probeNs(addToSink);
  const cpuState = { probeBaseNs: probeBase, calls: [], workloads: [] };
  const baselineOf = (w) => w.baseline ?? 'plain';
  for (const c of contenders.filter((x) => x.kind === 'losskit' && (x.available || ids.some((id) => baselineOf(WORKLOADS[id]) === x.id)))) {
    c.prepare();
    for (const id of ids) {
      const { yT, yP, g, structured } = touchInputs(id);
      for (const op of ['value', 'valueAndGrad']) {
        const before = probeNs(addToSink);
        try {
          if (structured) addToSink(op === 'value' ? losses[id].value(yT) : losses[id].valueAndGrad(yT, { out: g }).value);
          else addToSink(op === 'value' ? losses[id].value(yT, yP) : losses[id].valueAndGrad(yT, yP, undefined, { out: g }).value);
        } catch (e) {
          if (e?.code !== 'LOSSKIT_BACKEND_UNAVAILABLE') throw e;
          missing[id][c.id] = String(e.message).split('\n')[0];
          break;
        }
        const after = probeNs(addToSink);
        if (after > PROBE_LIMIT * before) cpuState.calls.push({ contender: c.id, loss: id, op, slowdown: after / before });
      }
    }
  }

  try {
    if (pytorchNeeded) {
      progress('  starting the PyTorch peer');
      peer = new PytorchPeer(env.pytorch.python);
    }
    const total = ids.reduce((sum, id) => sum + sizesOf(id, opts).length * opsOf(id, opts).length, 0);
    let done = 0;
    for (const id of ids) {
      const w = WORKLOADS[id];
      const baselineId = baselineOf(w);
      const loss = losses[id];
      for (const size of sizesOf(id, opts)) {
        const n = size.n;
        const rounds = roundsFor(id, size, opts);
        // Who runs in this row: selected and available (the baseline always), not excluded by
        // the workload or the size; `skipped` holds the others' reasons.
        const skipped = {};
        const active = [];
        for (const c of contenders) {
          const why = appliesTo(c, w, size) ?? (!c.available && c.id !== baselineId ? c.reason : null) ?? missing[id][c.id];
          if (why) skipped[c.id] = why;
          else active.push(c);
        }
        if (!active.some((c) => c.id === baselineId)) fail(`${id}: its baseline (${baselineId}) cannot run: ${skipped[baselineId]}`);
        let data = makeData(w, size, opts.sameInputs);
        for (const op of opsOf(id, opts)) {
          const t0 = Date.now();
          const { checks, refValues } = w.structured
            ? checkStructured(id, op, data, callersFor(active, id, op, loss, env), fail)
            : checkOneD(id, op, data, callersFor(active, id, op, loss, env), fail);
          // PyTorch: its value on every set, from the code path it is timed on, against the same
          // reference.
          if (peer && active.some((c) => c.kind === 'pytorch')) {
            const { inputs, dims, params } = peerInputs(id, data);
            const values = peer.load(id, w.pytorch.fn, op, inputs, dims, { ...(params ?? w.pytorch) });
            const rtol = Math.max(w.rtol, PEER_RTOL);
            let maxValueRelErr = 0;
            values.forEach((v, k) => {
              const relErr = Math.abs(v - refValues[k]) / Math.abs(refValues[k]);
              if (!(relErr <= rtol)) {
                fail(`${id} ${op} ${size.label}: PyTorch's value ${v} differs from the reference ${refValues[k]} ` +
                  `(relative error ${relErr.toExponential(2)} > ${rtol}); refusing to time a different computation`);
              }
              maxValueRelErr = Math.max(maxValueRelErr, relErr);
            });
            for (const c of active) if (c.kind === 'pytorch') checks[c.id] = { sets: values.length, maxValueRelErr, maxGradRelErr: null, gradient: 'not compared' };
          }
          // One timed entry per contender; the limit is two (1 thread and the whole pool), and
          // its column is the faster of the two in each round.
          const entries = [];
          for (const c of active) {
            if (c.kind === 'pytorch') {
              entries.push({ c, sample: (reps) => peer.sample(reps, c.threads) });
            } else if (c.kind === 'limit') {
              const run = runnerFor(c, id, op, loss, data, env);
              for (const t of [...new Set(c.threads)]) {
                // The best ISA (the probe runs on the selected one), then the thread cap.
                const prepare = () => {
                  lk.setBackend('native');
                  env.binding.setThreads(t === 1 ? 1 : 0);
                };
                entries.push({ c, part: `${t}T`, sample: inProcessSampler(prepare, run, data) });
              }
            } else {
              entries.push({ c, sample: inProcessSampler(c.prepare, runnerFor(c, id, op, loss, data, env), data) });
            }
          }
          for (const e of entries) {
            e.reps = calibrate(e.sample, opts);
            e.ns = [];
            e.ms = [];
            if (e.reps.skip) skipped[e.c.id] = `one call took ${(e.reps.skip / 1000).toFixed(1)} s (over ${MAX_CALL_MS / 1000} s): dropped from this row`;
          }
          // (A limit entry that is dropped takes its sibling with it: the column is their best.)
          for (let k = entries.length - 1; k >= 0; k--) if (skipped[entries[k].c.id]) entries.splice(k, 1);
          for (let round = 0; round < rounds; round++) {
            for (let k = 0; k < entries.length; k++) {
              const e = entries[(k + round) % entries.length]; // rotate who goes first
              const dt = e.sample(e.reps);
              e.ms.push(dt / 1e6);
              e.ns.push(dt / e.reps / n);
            }
          }
          if (env.binding) env.binding.setThreads(0);
          results.push({
            loss: id, lossName: w.lossName, op, n, size: size.label, key: size.key, shape: size.shape, ...(size.dims ? { dims: size.dims } : {}),
            baseline: baselineId, rounds, contenders: summarizeRow(w, op, n, entries, contenders, skipped, checks),
          });
          // Still in the state the workload started in? (Checked after the timing, not during it.)
          const probeAfter = probeNs(addToSink);
          const slowedJsMath = probeAfter > PROBE_LIMIT * probeBase ? probeAfter / probeBase : null;
          results[results.length - 1].slowedJsMath = slowedJsMath;
          if (slowedJsMath) cpuState.workloads.push({ loss: id, op, size: size.label, slowdown: slowedJsMath });
          done++;
          progress(`  [${done}/${total}] ${id} ${op} ${size.label}${rounds !== (opts.rounds ?? DEFAULTS.rounds) ? ` (${rounds} rounds)` : ''}: ` +
            `${((Date.now() - t0) / 1000).toFixed(1)} s`);
        }
        data = null;
      }
    }
  } finally {
    peer?.close();
  }
  return { results, cpuState };
}

/** Per contender of one row: its samples' statistics and its ratios to the others, each ratio
 * computed per round from the two samples of that round, then the median over rounds. */
function summarizeRow(w, op, n, entries, contenders, skipped, checks) {
  const byId = (id) => entries.find((e) => e.c.id === id && !e.part);
  const plain = byId('plain');
  const js = byId('js');
  const torch1 = byId('pytorch-1t');
  const torchN = byId('pytorch-2t');
  const limitParts = entries.filter((e) => e.c.kind === 'limit');
  const limitNs = limitParts.length ? limitParts[0].ns.map((_, r) => Math.min(...limitParts.map((e) => e.ns[r]))) : null;
  // The limit on one thread alone: what one core's loads and stores allow, the yardstick of a
  // goal stated "on one thread" (one thread cannot use the other core's share of the bandwidth).
  const limit1tNs = limitParts.find((e) => e.part === '1T')?.ns ?? null;
  const out = {};
  for (const c of contenders) {
    if (skipped[c.id]) {
      out[c.id] = { available: false, reason: skipped[c.id] };
      continue;
    }
    const e = c.kind === 'limit' ? { ns: limitNs, ms: limitParts[0].ms, reps: limitParts.map((p) => p.reps) } : byId(c.id);
    const ns = summarize(e.ns);
    const per = (ref) => summarize(e.ns.map((v, r) => ref[r] / v));
    out[c.id] = {
      available: true,
      nsPerElement: ns,
      samples: e.ns,
      repsPerSample: e.reps,
      sampleMs: summarize(e.ms),
      // Per call (the structured workloads' unit): ns per element times the elements.
      msPerCall: summarize(e.ns.map((v) => (v * n) / 1e6)),
      ...(plain ? { speedupVsPlain: per(plain.ns) } : {}),
      // The JS fallback: the baseline of ctc, and the issue's native-vs-fallback figure.
      ...(js && w.structured ? { speedupVsJs: per(js.ns) } : {}),
      ...(limitNs ? { fractionOfLimit: per(limitNs) } : {}),
      ...(limit1tNs ? { fractionOfLimit1t: per(limit1tNs) } : {}),
      ...(torch1 ? { speedupVsPytorch1t: per(torch1.ns) } : {}),
      ...(torchN ? { speedupVsPytorch2t: per(torchN.ns) } : {}),
      gbPerSecond: w.bytesPerElement[op] / ns.median,
      ...(checks[c.id] ? { check: checks[c.id] } : {}),
    };
    if (c.kind === 'limit') {
      out[c.id].kernel = op === 'value' ? 'read' : 'read2write1';
      out[c.id].byThreads = Object.fromEntries(limitParts.map((p) => [p.part, summarize(p.ns)]));
      out[c.id].roundsWonBy = Object.fromEntries(limitParts.map((p) => [p.part, p.ns.filter((v, r) => v === limitNs[r]).length]));
    }
  }
  return out;
}
