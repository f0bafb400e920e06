/**
 * The Performance issue's goals, each checked from the rows of this run (never asserted):
 * a PASS or MISS line under the table it belongs to, or n/a with the reason it cannot be
 * checked here (a column that did not run).
 */

import { fmtNs, fmtPercent, fmtRatio } from './stats.mjs';
import { PYTORCH_REFERENCE, WORKLOADS } from './workloads.mjs';

const BIG = 16777216;

/** Median of a per-round statistic, or null. */
const med = (s) => (s ? s.median : null);

function verdict(ok) {
  return ok === null ? 'n/a ' : ok ? 'PASS' : 'MISS';
}

/** The goal lines for the rows of one table (workload `id`, `op`). */
export function goalsFor(id, op, rows) {
  const lines = [];
  const w = WORKLOADS[id];
  const row = (key) => rows.find((r) => r.key === String(key));
  const cell = (r, cid) => (r?.contenders[cid]?.available ? r.contenders[cid] : null);

  // Memory-bound losses at 16M: the default backend against the bandwidth limit.
  if (['mse', 'mae', 'huber'].includes(id) && row(BIG)) {
    const r = row(BIG);
    const limitName = op === 'value' ? 'read' : 'read-2-write-1';
    const c = cell(r, 'losskit');
    const f = med(c?.fractionOfLimit);
    lines.push(goalLine(f === null ? null : f >= 0.8,
      `${op} at 16M >= 80% of the ${limitName} limit`,
      f === null ? whyNot(r, ['losskit', 'limit']) : `losskit runs at ${fmtPercent(f)} of it (${fmtNs(c.nsPerElement.median)} vs ${fmtNs(r.contenders.limit.nsPerElement.median)} ns/el)`));
  }
  // BCE from logits, value and gradient at 16M on one thread: within 2.5x the r2w1 limit on one
  // thread, the limit's one-thread entry. That is the issue's yardstick: its table gives this
  // workload's limit as 0.36 ns/el, what that entry measures here (0.35-0.41), and "about 10x
  // PyTorch" (14.4 ns) fits 2.5 x 0.36 = 0.9. The limit column is faster (0.22-0.30: both cores,
  // streaming stores), below what one thread's ordinary stores allow (0.54 for a plain C loop):
  // the line gives that ratio too, not judged.
  if (id === 'bce' && op === 'valueAndGrad' && row(BIG)) {
    const r = row(BIG);
    const c = cell(r, 'native-1t');
    const f1 = med(c?.fractionOfLimit1t);
    const f = med(c?.fractionOfLimit);
    lines.push(goalLine(f1 === null ? null : 1 / f1 <= 2.5,
      'valueAndGrad at 16M on one thread within 2.5x the read-2-write-1 limit on one thread',
      f1 === null ? whyNot(r, ['native-1t', 'limit']) :
        `native 1T takes ${fmtRatio(1 / f1)} the time of the limit's one-thread entry` +
        (f === null ? '' : ` (${fmtRatio(1 / f)} that of the limit column, both cores)`)));
  }
  // Versus PyTorch: measured in this run when the peer ran, else the issue's reference figure.
  const vsTorch = (r, cid, threads, goalText, unitRef, fromRef) => {
    const c = cell(r, cid);
    const measured = med(c?.[threads === 1 ? 'speedupVsPytorch1t' : 'speedupVsPytorch2t']);
    if (measured !== null) {
      const torchThreads = threads === 1 ? 'one thread' : 'the same threads';
      // A PyTorch pool far slower than its one thread measured the machine's load (see the
      // note under the table): the verdict stands, flagged.
      const one = r.contenders['pytorch-1t'];
      const many = r.contenders['pytorch-2t'];
      const collapsed = threads > 1 && one?.available && many?.available && many.nsPerElement.median > 2 * one.nsPerElement.median;
      lines.push(goalLine(measured >= 2, goalText, `${labelOf(cid)} is ${fmtRatio(measured)} as fast as PyTorch on ${torchThreads} (per-round median, this run)` +
        (collapsed ? `; PyTorch's pool ran ${fmtRatio(many.nsPerElement.median / one.nsPerElement.median)} slower than its one thread here (oversubscribed machine): not a fair comparison` : '')));
      return;
    }
    if (fromRef && c) {
      const { mine, ratio } = fromRef(c);
      lines.push(goalLine(ratio >= 2, goalText, `${labelOf(cid)} takes ${mine} vs ${unitRef}: ${fmtRatio(ratio)} as fast (${PYTORCH_REFERENCE}; no PyTorch in this run)`));
      return;
    }
    lines.push(goalLine(null, goalText, whyNot(r, [cid, threads === 1 ? 'pytorch-1t' : 'pytorch-2t'])));
  };
  if (id === 'scce' && op === 'valueAndGrad' && row('4096x1000')) {
    const ref = w.pytorchReference.valueAndGrad['4096x1000'];
    vsTorch(row('4096x1000'), 'native-1t', 1, 'valueAndGrad [4096, 1000] >= 2x faster than PyTorch on one thread',
      `${ref} ns/logit`, (c) => ({ mine: `${fmtNs(c.nsPerElement.median)} ns/logit`, ratio: ref / c.nsPerElement.median }));
  }
  if (id === 'ctc' && op === 'valueAndGrad' && row('100x32x28x30')) {
    const r = row('100x32x28x30');
    const ref = w.pytorchReference.valueAndGrad['100x32x28x30'];
    vsTorch(r, 'native-1t', 1, 'valueAndGrad T=100 B=32 C=28 S=30 >= 2x faster than PyTorch, one thread',
      `${ref} ms/call`, (c) => ({ mine: `${fmtNs(c.msPerCall.median)} ms/call`, ratio: ref / c.msPerCall.median }));
    if (r.contenders['native-2t']?.available || r.contenders['pytorch-2t']?.available) {
      vsTorch(r, 'native-2t', 2, `the same at ${r.contenders['native-2t']?.available ? 'the pool\'s' : 'two'} threads`, null, null);
    }
  }
  // Small calls: a whole `value` call at N = 64 within 4x the plain loop, and never slower than
  // the loop from N = 4096 up (the default backend).
  if (w.oneD && !w.perCall && op === 'value') {
    const r64 = row(64);
    if (r64) {
      const s = med(cell(r64, 'losskit')?.speedupVsPlain);
      lines.push(goalLine(s === null ? null : s >= 0.25, 'value at N=64 within 4x the plain loop',
        s === null ? whyNot(r64, ['losskit']) : `losskit takes ${fmtRatio(1 / s)} the loop's time`));
    }
    const large = rows.filter((r) => r.n >= 4096 && cell(r, 'losskit')?.speedupVsPlain);
    if (large.length) {
      const worst = large.reduce((a, b) => (a.contenders.losskit.speedupVsPlain.median <= b.contenders.losskit.speedupVsPlain.median ? a : b));
      const s = worst.contenders.losskit.speedupVsPlain.median;
      lines.push(goalLine(s >= 1, 'value never slower than the plain loop for N >= 4096',
        `losskit's lowest median ratio is ${fmtRatio(s)} (${worst.size}) over ${large.map((r) => r.size).join(', ')}`));
    }
  }
  return lines;
}

/** Reference-only comparisons (no goal): the issue's PyTorch figures for MSE and BCE at 16M,
 * printed when PyTorch itself did not run. */
export function referenceNotes(id, op, rows) {
  const w = WORKLOADS[id];
  const refs = w.pytorchReference?.[op];
  if (!refs || id === 'scce' || id === 'ctc') return [];
  const lines = [];
  for (const [key, ns] of Object.entries(refs)) {
    const r = rows.find((x) => x.key === key);
    const c = r?.contenders.losskit;
    if (!c?.available || r.contenders['pytorch-1t']?.available) continue;
    lines.push(`  info  ${r.size}: losskit ${fmtNs(c.nsPerElement.median)} ns/el vs ${ns} ns/el, ${fmtRatio(ns / c.nsPerElement.median)} as fast (${PYTORCH_REFERENCE}; no PyTorch in this run)`);
  }
  return lines;
}

const LABELS = { losskit: 'losskit', 'native-1t': 'native 1T', 'native-2t': 'native (pool)' };
const labelOf = (id) => LABELS[id] ?? id;

function goalLine(ok, goal, detail) {
  return { ok, text: `  ${verdict(ok)}  goal: ${goal}: ${detail}` };
}

function whyNot(r, ids) {
  const missing = ids.filter((cid) => !r.contenders[cid]?.available);
  return `not checkable here (${missing.map((cid) => `${cid}: ${r.contenders[cid]?.reason ?? 'not run'}`).join('; ')})`;
}
