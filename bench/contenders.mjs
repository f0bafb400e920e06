/**
 * The contenders, built from what this machine and build offer (capabilities(), the raw
 * binding, the optional peers), never from a fixed list of ISAs:
 *
 *   losskit      the default backend as a user gets it: setBackend('auto'), the whole pool
 *   native 1T    the best native ISA, setThreads(1)
 *   native NT    the best native ISA, setThreads(0) (the whole pool: N = poolThreads)
 *   native-<isa> every other ISA the addon can run (portable scalar, ...), one thread
 *   js           setBackend('js'): losskit's pure-JS fallback
 *   plain loop   the loop a user writes by hand (bench/plain-loops.mjs)
 *   tfjs         TensorFlow.js, cpu backend (bench/peers/tfjs.mjs)
 *   pytorch 1T / NT   PyTorch in a Python process (bench/peers/pytorch.*)
 *   limit        the memory-bandwidth limit: the addon's memoryBandwidth kernels over the same
 *                arrays, best of 1 and N threads (1-D workloads, large arrays)
 *
 * Each losskit contender has `prepare()`, which puts the process-wide backend, ISA and thread
 * cap in its state outside the timed region.
 */

/** The reasons a native backend is unavailable: the bullet lines of setBackend's error. */
function reasonOf(error) {
  const lines = String(error?.message ?? error).split('\n');
  const bullets = lines.filter((l) => /^\s+- /.test(l)).map((l) => l.replace(/^\s+- /, ''));
  return bullets.length ? bullets.join('; ') : lines[0];
}

/** The ISAs setBackend('native-<isa>') takes; capabilities() reports each as a boolean. */
const ISAS = ['avx512', 'avx2', 'scalar'];

/** ISA names the addon reports as boolean capabilities (avx2: true, avx512: false, ...); other
 * boolean fields (vbmi2, avx512Default) are not ISAs. */
function reportedIsas(nativeCaps) {
  return Object.entries(nativeCaps ?? {}).filter(([k, v]) => typeof v === 'boolean' && ISAS.includes(k)).map(([k, v]) => ({ isa: k, runs: v }));
}

/**
 * @param lk        losskit (dist/cjs)
 * @param binding   the raw addon (node-gyp-build), or null
 * @param opts      the parsed command line
 * @param peers     { tfjs: {tf, version} | {reason}, pytorch: {python, torch} | {reason} }
 * @param cores     hardware threads
 */
export function buildContenders(lk, binding, opts, peers, cores) {
  let nativeCaps = null;
  let nativeReason = null;
  try {
    lk.setBackend('native');
    nativeCaps = lk.capabilities().native;
  } catch (e) {
    nativeReason = lk.capabilities().nativeErrors.join('; ') || reasonOf(e);
  }
  const bestIsa = nativeCaps?.isa ?? null;
  const pool = nativeCaps?.poolThreads ?? 1;
  const setThreads = (n) => {
    if (nativeCaps) lk.setThreads(n);
  };

  const list = [];
  const add = (c) => list.push({ available: true, reason: null, ...c });
  add({
    id: 'losskit', label: 'losskit', kind: 'losskit', backend: 'auto',
    prepare() {
      lk.setBackend('auto');
      setThreads(0);
    },
  });
  const native = (id, label, threads) => ({
    id, label, kind: 'losskit', backend: 'native', isa: bestIsa, threads,
    ...(nativeCaps ? {} : { available: false, reason: nativeReason }),
    prepare() {
      lk.setBackend('native');
      setThreads(threads);
    },
  });
  add(native('native-1t', 'native 1T', 1));
  add({
    ...native('native-2t', nativeCaps && pool >= 2 ? `native ${pool}T` : 'native pool', 0),
    ...(nativeCaps && pool < 2 ? { available: false, reason: `the native pool holds one thread (LOSSKIT_THREADS or a one-core machine)` } : {}),
  });
  // Every other ISA the addon reports, one thread each: what the CPU dispatch buys.
  for (const { isa, runs } of [{ isa: 'scalar', runs: true }, ...reportedIsas(nativeCaps)]) {
    if (isa === bestIsa || list.some((c) => c.id === `native-${isa}`)) continue;
    add({
      id: `native-${isa}`, label: `${isa} 1T`, kind: 'losskit', backend: `native-${isa}`, isa, threads: 1,
      ...(runs ? {} : { available: false, reason: `this CPU or build cannot run the ${isa} kernels (capabilities().native.${isa} is false)` }),
      ...(nativeCaps ? {} : { available: false, reason: nativeReason }),
      prepare() {
        // setBackend knows the ISAs lib/ was written for; a newer addon's ISA is set on the
        // binding directly (the ISA is the addon's process-wide state either way).
        try {
          lk.setBackend(`native-${isa}`);
        } catch (e) {
          if (e?.code !== 'LOSSKIT_INVALID_CONFIG') throw e;
          lk.setBackend('native');
          binding.setIsa(isa);
        }
        setThreads(1);
      },
    });
  }
  add({ id: 'js', label: 'js', kind: 'losskit', backend: 'js', prepare: () => lk.setBackend('js') });
  add({ id: 'plain', label: 'plain loop', kind: 'plain', prepare() {} });
  add({
    id: 'tfjs', label: 'tfjs', kind: 'tfjs', prepare() {},
    ...(peers.tfjs.tf ? { version: peers.tfjs.version } : { available: false, reason: peers.tfjs.reason }),
  });
  const torchThreads = nativeCaps ? pool : Math.min(cores, 8);
  for (const [id, threads] of [['pytorch-1t', 1], ['pytorch-2t', torchThreads]]) {
    add({
      id, label: `pytorch ${threads}T`, kind: 'pytorch', threads, prepare() {},
      ...(peers.pytorch.python ? {} : { available: false, reason: peers.pytorch.reason }),
      ...(id === 'pytorch-2t' && threads < 2 ? { available: false, reason: 'one thread only on this machine' } : {}),
    });
  }
  add({
    id: 'limit', label: 'limit', kind: 'limit', threads: [1, pool], prepare() {},
    ...(typeof binding?.memoryBandwidth === 'function'
      ? {}
      : { available: false, reason: binding ? 'this addon has no memoryBandwidth entry (older build)' : `the native addon is not loaded (${nativeReason})` }),
  });

  // Check the ISA columns can be switched to now, so an ISA the CPU lacks is n/a, not a crash.
  for (const c of list) {
    if (!c.available || c.kind !== 'losskit') continue;
    try {
      c.prepare();
    } catch (e) {
      c.available = false;
      c.reason = reasonOf(e);
    }
  }
  if (opts.contenders) {
    const known = list.map((c) => c.id);
    for (const id of opts.contenders) if (!known.includes(id)) throw new Error(`unknown contender '${id}' (${known.join(', ')})`);
    for (const c of list) {
      if (c.available && c.id !== 'plain' && !opts.contenders.includes(c.id)) {
        c.available = false;
        c.reason = 'not selected (--contenders)';
      }
    }
  }
  lk.setBackend('auto');
  setThreads(0);
  return { contenders: list, bestIsa, poolThreads: pool, nativeCaps };
}
