/**
 * The printed report: the header (machine, build, peers, method), one table per workload and
 * op with its goal lines, and the compact Markdown summary for the README.
 */

import { goalsFor, referenceNotes } from './goals.mjs';
import { fmtCount, fmtNs, fmtPercent, fmtRatio, spreadPercent } from './stats.mjs';
import { DEFAULTS, HEAVY_ROUNDS, WORKLOADS } from './workloads.mjs';

/** The unit a workload's time column is in, and the value of a contender's cell in it. */
function unitOf(w) {
  if (w.perCall) return { name: 'ns/call', of: (c) => c.msPerCall, scale: 1e6 };
  if (w.structured) return { name: 'ms/call', of: (c) => c.msPerCall, scale: 1 };
  return { name: w.oneD ? 'ns/el' : 'ns/logit', of: (c) => c.nsPerElement, scale: 1 };
}

/** Lays out rows of cells: the first column right-aligned, the others right-aligned too. */
function layout(rows, widths) {
  return rows.map((row) => row.map((cell, i) => cell.padStart(widths[i])).join('  ').trimEnd());
}

/** One table: the time block, then the ratio blocks, the notes and the goal lines. Returns the
 * goal lines' verdicts. */
export function printTable(out, id, op, rows, contenders, defaultRounds) {
  const w = WORKLOADS[id];
  const unit = unitOf(w);
  const shown = contenders.filter((c) => rows.some((r) => r.contenders[c.id]?.available));
  const mark = (r) => (r.rounds !== defaultRounds ? '*' : '');
  const sizeLabel = (r) => (w.oneD ? String(r.n) : r.size) + mark(r);
  const head = [w.perCall || w.oneD ? 'N' : w.structured ? w.shapeHead : 'rows x C', ...shown.map((c) => c.label)];
  const timeRows = rows.map((r) => [sizeLabel(r), ...shown.map((c) => {
    const x = r.contenders[c.id];
    if (!x?.available) return '-';
    const s = unit.of(x);
    const spread = spreadPercent(s);
    return `${fmtNs(s.median * unit.scale)} ±${spread < 9.5 ? spread.toFixed(1) : spread.toFixed(0)}%`;
  })]);
  const ratioRows = (field, fmt, skip = () => false) => rows.map((r) => [sizeLabel(r), ...shown.map((c) => {
    const x = r.contenders[c.id];
    return x?.available && x[field] && !skip(c) ? fmt(x[field].median) : '-';
  })]);
  const baselineIsJs = w.baseline === 'js';
  const blocks = [
    { title: null, rows: timeRows },
    {
      title: baselineIsJs
        ? 'speedup vs the JS fallback (its time / this time, per round; median)'
        : 'speedup vs the plain loop (its time / this time, per round; median)',
      rows: ratioRows(baselineIsJs ? 'speedupVsJs' : 'speedupVsPlain', fmtRatio),
    },
  ];
  if (rows.some((r) => r.contenders.limit?.available)) {
    blocks.push({
      title: `fraction of the ${op === 'value' ? 'read' : 'read-2-write-1'} limit (limit time / this time, per round; median)`,
      rows: ratioRows('fractionOfLimit', fmtPercent, (c) => c.kind === 'limit').filter((r) => r.slice(1).some((x) => x !== '-')),
    });
  }
  if (rows.some((r) => r.contenders['pytorch-1t']?.available)) {
    blocks.push({
      title: 'speedup vs PyTorch 1T (its time / this time, per round; median)',
      rows: ratioRows('speedupVsPytorch1t', fmtRatio, (c) => c.id === 'pytorch-1t'),
    });
  }
  const widths = head.map((_, i) => Math.max(...[head, ...blocks.flatMap((b) => b.rows)].map((row) => row[i].length)));
  const title = `${w.title}  ${op}  (${unit.name}: median over the rounds; ± half the interquartile range)` +
    (op === 'valueAndGrad' && !w.perCall ? '; gradient into a reused Float32Array' : '');
  out(title);
  const slowed = rows.filter((r) => r.slowedJsMath);
  if (slowed.length) {
    out(`  JS MATH SLOWED after ${slowed.map((r) => r.size).join(', ')}: JS columns and ratios not to be quoted (see the WARNING)`);
  }
  for (const line of layout([head], widths)) out(line);
  for (const b of blocks) {
    if (b.title) out(`  ${b.title}`);
    for (const line of layout(b.rows, widths)) out(line);
  }
  // Columns missing from this table although they exist on this machine: why.
  const why = new Map();
  for (const c of contenders) {
    if (!c.available && c.id !== w.baseline) continue;
    for (const r of rows) {
      const x = r.contenders[c.id];
      if (x && !x.available && x.reason !== 'not part of this section' && !(c.kind === 'limit' && !w.oneD)) {
        const key = `${c.label}: ${x.reason}`;
        why.set(key, [...(why.get(key) ?? []), r.size]);
      }
    }
  }
  for (const [text, sizes] of why) out(`  - ${text}${sizes.length < rows.length ? ` (${sizes.join(', ')})` : ''}`);
  const limitRows = rows.filter((r) => r.contenders.limit?.available);
  if (limitRows.length) {
    const won = limitRows.map((r) => `${w.oneD ? r.n : r.size}: ${Object.entries(r.contenders.limit.roundsWonBy).map(([t, k]) => `${t} ${k}`).join(', ')}`).join('; ');
    const medians = limitRows.map((r) => `${w.oneD ? r.n : r.size}: ${Object.entries(r.contenders.limit.byThreads).map(([t, s]) => `${t} ${fmtNs(s.median)}`).join(', ')}`).join('; ');
    out(`  limit: the addon's memoryBandwidth('${op === 'value' ? 'read' : 'read2write1'}') over the same arrays, the faster of 1 thread and the pool in each round`);
    out(`         rounds won by each (${won}); medians in ns/el (${medians})`);
  }
  // A pool slower than one thread means the threads fought for busy cores: say so (one line per
  // column), since ratios against that column then measure the machine's load, not the library.
  for (const [one, many] of [['native-1t', 'native-2t'], ['pytorch-1t', 'pytorch-2t']]) {
    const hit = rows.map((r) => {
      const a = r.contenders[one];
      const b = r.contenders[many];
      return a?.available && b?.available ? { r, slower: b.nsPerElement.median / a.nsPerElement.median } : null;
    }).filter((x) => x && x.slower > 2);
    if (!hit.length) continue;
    const lo = Math.min(...hit.map((x) => x.slower));
    const hi = Math.max(...hit.map((x) => x.slower));
    out(`  note: ${contenders.find((c) => c.id === many).label} ran ${fmtRatio(lo)}${hi > lo ? `-${fmtRatio(hi)}` : ''} slower than one thread ` +
      `(${hit.map((x) => sizeLabel(x.r)).join(', ')}): its threads waited for busy cores; ratios against it describe the machine's load, not the library`);
  }
  const goals = goalsFor(id, op, rows);
  for (const g of goals) out(g.text);
  for (const line of referenceNotes(id, op, rows)) out(line);
  out();
  return goals;
}

/** The header: machine, build, contenders, peers, method. */
export function printHeader(out, meta, contenders, opts, results) {
  out(`losskit benchmark   ${meta.date}`);
  out(`machine: ${meta.cpu}${meta.cpuFlags.length ? ` (${meta.cpuFlags.join(', ')})` : ''}, ${meta.cores} hardware threads, ${meta.platform}; node ${meta.node} (V8 ${meta.v8})`);
  out(`load average ${meta.loadAverage.start.toFixed(2)} at the start, ${meta.loadAverage.end.toFixed(2)} at the end`);
  out(`losskit ${meta.losskit}${meta.git ? ` (git ${meta.git.commit}${meta.git.dirty ? ', uncommitted changes' : ''})` : ''}; default backend ${meta.defaultBackend}; ` +
    (meta.isa ? `native ISA ${meta.isa}; native pool ${meta.poolThreads} threads` : 'native addon not loaded'));
  out(`peers: PyTorch ${meta.pytorch.torch ? `${meta.pytorch.torch} (${meta.pytorch.python})` : `n/a: ${meta.pytorch.reason}`}; ` +
    `TensorFlow.js ${meta.tfjs.version ? `${meta.tfjs.version} (cpu backend)` : `n/a: ${meta.tfjs.reason}`}`);
  for (const c of contenders) if (!c.available) out(`  ${c.label}: n/a: ${c.reason}`);
  for (const w of meta.warnings) out(`WARNING: ${w}`);
  const roundsAll = opts.rounds ?? DEFAULTS.rounds;
  if (opts.rounds !== null && opts.rounds < 7) out(`NOTE: only ${opts.rounds} rounds: a quick check, not numbers to quote`);
  const reduced = results.filter((r) => r.rounds !== roundsAll);
  if (reduced.length) {
    const why = [...new Set(reduced.map((r) => WORKLOADS[r.loss].heavyNote).filter(Boolean))].join('; ');
    out(`NOTE: rows marked * ran ${HEAVY_ROUNDS} rounds, not ${roundsAll}: ${why}`);
  }
  out(`method: float32 inputs; correctness checked before timing (values and gradients against the plain loop, ctc against the JS fallback;`);
  out(`        PyTorch: values only); warm-up, then samples of >= ${opts.targetMs} ms in ${roundsAll} interleaved rounds, every contender once a round in`);
  out(`        rotated order (PyTorch between the JS samples, over two blocking pipes); ratios per round, medians reported`);
  const label = (id) => contenders.find((c) => c.id === id)?.label ?? id;
  out(`contenders: losskit = setBackend('auto') with the whole pool; ${label('native-1t')} / ${label('native-2t')} = best ISA with setThreads(1) / setThreads(0);`);
  out(`        <isa> 1T = another native ISA; js = setBackend('js'); tfjs = @tensorflow/tfjs cpu backend; pytorch = F.* with autograd`);
  out(`        (torch.set_num_threads); limit = memoryBandwidth read / read-2-write-1 kernels on the same arrays (1-D, N >= 262144)`);
  out(opts.sameInputs
    ? 'inputs: one set per size, every call on the same data (--same-inputs: branch patterns get learned)'
    : 'inputs: sizes below 262144 cycle through ceil(262144/N) distinct random sets, so data-dependent branches are not learned');
  out();
}

/** The compact summary for the README: per workload and op, the smallest and largest 1-D sizes
 * and every other shape. */
export function printMarkdown(out, meta, results, contenders) {
  const label = (id) => contenders.find((c) => c.id === id)?.label ?? id;
  const cols = ['losskit', 'native-1t', 'native-2t', 'js', 'plain'];
  out(`Measured ${meta.date.slice(0, 10)} on ${meta.cpu}${meta.cpuFlags.length ? ` (${meta.cpuFlags.join(', ')})` : ''}, ${meta.cores} threads, load average ${meta.loadAverage.start.toFixed(1)}-${meta.loadAverage.end.toFixed(1)}, node ${meta.node}, losskit ${meta.losskit} (${meta.isa ?? 'js'}), \`npm run bench\`.`);
  out('Times are medians: ns per element (scce: per logit; ctc, triplet: ms per call; overhead: ns per call).');
  out();
  out(`| workload | op | size | ${cols.map(label).join(' | ')} | losskit vs loop | vs limit / PyTorch |`);
  out(`|---|---|---|${cols.map(() => '---:').join('|')}|---:|---|`);
  const byTable = new Map();
  for (const r of results) byTable.set(`${r.loss} ${r.op}`, [...(byTable.get(`${r.loss} ${r.op}`) ?? []), r]);
  for (const rows of byTable.values()) {
    const w = WORKLOADS[rows[0].loss];
    const pick = w.oneD && !w.perCall && rows.length > 2 ? [rows[0], rows[rows.length - 1]] : rows;
    const unit = unitOf(w);
    for (const r of pick) {
      const cells = cols.map((id) => {
        const x = r.contenders[id];
        return x?.available ? fmtNs(unit.of(x).median * unit.scale) : '-';
      });
      const lk = r.contenders.losskit;
      const vs = lk?.available ? (lk.speedupVsPlain ? fmtRatio(lk.speedupVsPlain.median) : lk.speedupVsJs ? `${fmtRatio(lk.speedupVsJs.median)} (vs js)` : '-') : '-';
      out(`| ${w.perCall ? 'overhead' : r.loss} | ${r.op} | ${w.oneD ? `N=${fmtCount(r.n)}` : r.size} | ${cells.join(' | ')} | ${vs} | ${limitOrTorch(w, r)} |`);
    }
  }
  out();
}

/** The last column: the fraction of the bandwidth limit (1-D, large), else the ratio to PyTorch
 * (measured, or the issue's reference figure, said so). */
function limitOrTorch(w, r) {
  const lk = r.contenders.losskit;
  if (!lk?.available) return '-';
  if (lk.fractionOfLimit) return `${fmtPercent(lk.fractionOfLimit.median)} of the ${r.op === 'value' ? 'read' : 'r2w1'} limit`;
  const n1 = r.contenders['native-1t'];
  if (n1?.speedupVsPytorch1t) return `1T: ${fmtRatio(n1.speedupVsPytorch1t.median)} PyTorch 1T`;
  const ref = w.pytorchReference?.[r.op]?.[r.key];
  if (ref && n1?.available) {
    const mine = w.structured ? n1.msPerCall.median : n1.nsPerElement.median;
    return `1T: ${fmtRatio(ref / mine)} PyTorch ref.`;
  }
  return '-';
}

