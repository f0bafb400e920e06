/**
 * The PyTorch peer, seen from run.mjs: finds a Python with torch, starts bench/peers/pytorch.py
 * once per process, hands it the inputs as raw files and asks it for samples one at a time.
 *
 * Requests and replies go through two named pipes opened in blocking mode, so run.mjs can wait
 * for a reply synchronously: a PyTorch sample then takes its turn in the same interleaved round
 * as the JavaScript contenders (the Node thread sleeps in read() while PyTorch runs, and Python
 * sleeps in read() while Node runs). Optional: absent Python or torch gives a one-line reason.
 */

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pytorch.py');

/** The interpreter LOSSKIT_BENCH_PYTHON names, or else the usual names in turn (a pyenv shim's
 * python3 may lack the system's torch, hence /usr/bin/python3 as well). */
function candidates() {
  const chosen = process.env.LOSSKIT_BENCH_PYTHON;
  return chosen ? [chosen] : ['python3', '/usr/bin/python3', 'python'];
}

/** {python, torch, numpy} of the first interpreter that imports torch and numpy, or {reason}. */
export function findPytorch() {
  const tried = [];
  for (const python of [...new Set(candidates())]) {
    const probe = spawnSync(python, ['-c', 'import json, numpy, torch; print(json.dumps([torch.__version__, numpy.__version__]))'], {
      encoding: 'utf8', timeout: 60000,
    });
    if (probe.status === 0) {
      const [torch, numpy] = JSON.parse(probe.stdout.trim().split('\n').pop());
      return { python, torch, numpy };
    }
    const why = probe.error ? 'not found' : (probe.stderr.trim().split('\n').pop() || `exit ${probe.status}`);
    tried.push(`${python}: ${why}`);
  }
  return { reason: `no Python with torch and numpy (${tried.join('; ')})${process.env.LOSSKIT_BENCH_PYTHON ? '' : '; LOSSKIT_BENCH_PYTHON names one'}` };
}

export class PytorchPeer {
  constructor(python) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'losskit-bench-torch-'));
    const requests = path.join(this.dir, 'requests');
    const replies = path.join(this.dir, 'replies');
    execFileSync('mkfifo', [requests, replies]);
    // OpenMP threads spin after each parallel region by default; on a 2-core machine that spin
    // steals the core the next (interleaved) contender runs on, so the peer's threads sleep
    // instead, unless the caller chose a policy.
    const env = { OMP_WAIT_POLICY: 'PASSIVE', ...process.env };
    this.child = spawn(python, [SCRIPT, '--fifo', requests, replies], { stdio: ['ignore', 'ignore', 'inherit'], env });
    // Same order as the script opens them (requests, then replies): neither side can block on
    // a pipe the other has not reached.
    this.requestFd = fs.openSync(requests, 'w');
    this.replyFd = fs.openSync(replies, 'r');
    this.pending = '';
    this.info = this.request({ cmd: 'hello' });
  }

  /** Sends one request and waits for its reply; throws the peer's error. */
  request(message) {
    fs.writeSync(this.requestFd, JSON.stringify(message) + '\n');
    const chunk = Buffer.alloc(65536);
    while (!this.pending.includes('\n')) {
      const got = fs.readSync(this.replyFd, chunk, 0, chunk.length, null);
      if (got === 0) throw new Error('the PyTorch peer exited (see its error above)');
      this.pending += chunk.toString('utf8', 0, got);
    }
    const end = this.pending.indexOf('\n');
    const reply = JSON.parse(this.pending.slice(0, end));
    this.pending = this.pending.slice(end + 1);
    if (reply.error) throw new Error(`PyTorch peer: ${reply.error}`);
    return reply;
  }

  /** Writes the input sets as raw files, has the peer load them for `op`, deletes the files and
   * returns the peer's loss value on every set. `inputs`: {name: [typed array per set]}. */
  load(workloadId, fn, op, inputs, dims, params) {
    const specs = {};
    for (const [name, perSet] of Object.entries(inputs)) {
      const file = path.join(this.dir, `${name}.raw`);
      const fd = fs.openSync(file, 'w');
      for (const array of perSet) fs.writeSync(fd, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      fs.closeSync(fd);
      const dtype = perSet[0] instanceof Int32Array ? 'int32' : 'float32';
      specs[name] = { path: file, dtype, shape: [perSet.length, ...inputShape(name, perSet[0], dims)] };
    }
    try {
      return this.request({ cmd: 'load', workload: workloadId, fn, op, sets: Object.values(inputs)[0].length, inputs: specs, dims, params }).values;
    } finally {
      for (const spec of Object.values(specs)) fs.rmSync(spec.path, { force: true });
    }
  }

  /** Times `reps` calls on `threads` threads; returns nanoseconds. */
  sample(reps, threads) {
    return this.request({ cmd: 'sample', reps, threads }).ns;
  }

  close() {
    try {
      this.request({ cmd: 'quit' });
    } catch {
      // already gone
    }
    fs.closeSync(this.requestFd);
    fs.closeSync(this.replyFd);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The shape of one set of input `name`, from the workload's dims. */
function inputShape(name, array, dims) {
  if (!dims) return [array.length];
  if (dims.rows) return name === 'yTrue' ? [dims.rows] : [dims.rows, dims.C];
  if ('T' in dims) return name === 'logProbs' ? [dims.T, dims.B, dims.C] : [dims.B, dims.S];
  return [dims.B, dims.D];
}
