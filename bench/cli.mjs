/** The command line of bench/run.mjs. */

import { POOL_ELEMENTS } from './inputs.mjs';
import { fmtCount } from './stats.mjs';
import { DEFAULTS, HEAVY_ROUNDS, ONE_D, WORKLOADS, workloadId } from './workloads.mjs';

/** Contender ids --contenders accepts (the native ISA columns are named native-<isa>). */
export const CONTENDER_IDS = ['losskit', 'native-1t', 'native-2t', 'native-<isa>', 'js', 'plain', 'limit', 'tfjs', 'pytorch-1t', 'pytorch-2t'];

export function usage() {
  const heavy = Object.entries(WORKLOADS).filter(([, w]) => w.heavyFrom && !w.perCall).map(([id, w]) => `${id} from ${fmtCount(w.heavyFrom)}`).join(', ');
  return `usage: node bench/run.mjs [options]
  --json              write the results as JSON to stdout (tables go to stderr)
  --json=PATH         write the results as JSON to PATH (tables stay on stdout)
  --markdown          also print a compact summary table (Markdown) for the README
  --losses=A,B,...    workloads to run: ${Object.keys(WORKLOADS).join(', ')} (default all; the full loss names work too)
  --sizes=A,B,...     element counts of the 1-D workloads (${ONE_D.join(', ')}; default per workload:
                      ${ONE_D.map((id) => `${id} ${WORKLOADS[id].defaultSizes.map(fmtCount).join(',')}`).join('; ')};
                      suffixes k/M allowed: 16M = 16777216)
  --shapes=RxC,...    logits shapes of scce (default ${WORKLOADS.scce.defaultShapes.map((s) => s.join('x')).join(',')}; k/M allowed)
  --ctc-shapes=TxBxCxS,...  shapes of ctc (default ${WORKLOADS.ctc.defaultShapes.map((s) => s.join('x')).join(',')})
  --triplet-shapes=BxD,...  shapes of triplet (default ${WORKLOADS.triplet.defaultShapes.map((s) => s.join('x')).join(',')})
  --ops=value,valueAndGrad  operations to run (default: both; scce, ctc, triplet valueAndGrad only)
  --rounds=R          interleaved rounds = samples per contender, for every workload (default
                      ${DEFAULTS.rounds}, and ${HEAVY_ROUNDS} for ${heavy}; at least 3)
  --target-ms=T       minimum duration of one sample (default ${DEFAULTS.targetMs})
  --warmup-ms=W       minimum warm-up time per contender and workload (default ${DEFAULTS.warmupMs})
  --contenders=A,B    time only these: ${CONTENDER_IDS.join(', ')} (default all available;
                      the plain loop always runs, and so does js for ctc, whose baseline it is)
  --no-isolate        run all losses in one process (default: one child process per loss)
  --same-inputs       time every call on the same inputs (default: cycle through distinct input
                      sets of ${POOL_ELEMENTS} elements in all, so branch patterns are not learned)
  --help`;
}

function parseCount(text) {
  const m = /^(\d+)([kKmM]?)$/.exec(text.trim());
  if (!m) throw new Error(`bad size '${text}'`);
  const scale = { '': 1, k: 1024, K: 1024, m: 1024 * 1024, M: 1024 * 1024 }[m[2]];
  const n = Number(m[1]) * scale;
  if (n < 1) throw new Error(`bad size '${text}' (must be at least 1)`);
  return n;
}

function parseShape(text, dims = 2, expected = 'ROWSxCLASSES, e.g. 256x32000') {
  const parts = text.trim().split(/[x×*]/);
  if (parts.length !== dims) throw new Error(`bad shape '${text}' (expected ${expected})`);
  return parts.map(parseCount);
}

export function parseArgs(argv) {
  const opts = {
    ...DEFAULTS, rounds: null, sizes: null, shapes: null, ctcShapes: null, tripletShapes: null, losses: Object.keys(WORKLOADS), ops: null,
    json: null, markdown: false, contenders: null, isolate: true, child: false, sameInputs: false,
  };
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
      case '--markdown': opts.markdown = true; break;
      case '--sizes': opts.sizes = need().split(',').map(parseCount); break;
      case '--shapes': opts.shapes = need().split(',').map((t) => parseShape(t)); break;
      case '--ctc-shapes': opts.ctcShapes = need().split(',').map((t) => parseShape(t, 4, 'TxBxCxS, e.g. 100x32x28x30')); break;
      case '--triplet-shapes': opts.tripletShapes = need().split(',').map((t) => parseShape(t, 2, 'BxD, e.g. 4096x512')); break;
      case '--losses': opts.losses = need().split(',').map(workloadId); break;
      case '--ops': opts.ops = need().split(','); break;
      case '--rounds': opts.rounds = Math.max(3, Math.floor(positive(need()))); break;
      case '--target-ms': opts.targetMs = positive(need()); break;
      case '--warmup-ms': opts.warmupMs = positive(need()); break;
      case '--contenders': opts.contenders = need().split(',').map((s) => s.trim().toLowerCase()); break;
      case '--no-isolate': opts.isolate = false; break;
      case '--same-inputs': opts.sameInputs = true; break;
      case '--child': opts.child = true; break; // internal: one loss, JSON to stdout
      case '--help': case '-h': console.log(usage()); process.exit(0); break;
      default: throw new Error(`unknown option '${arg}'\n${usage()}`);
    }
  }
  opts.losses = [...new Set(opts.losses)];
  for (const o of opts.ops ?? []) if (o !== 'value' && o !== 'valueAndGrad') throw new Error(`unknown op '${o}' (value, valueAndGrad)`);
  return opts;
}
