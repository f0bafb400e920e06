/**
 * How many threads a large native call may spread over. The addon keeps one process-wide
 * pool (min(cores, 8) threads, or LOSSKIT_THREADS at load); setThreads lowers what a call
 * uses, as torch.set_num_threads does, e.g. to leave cores to other work. Results are the same
 * bits for any count: every pooled kernel sums in an order fixed by the shapes alone.
 */

import { nativeBinding } from './backend';
import { LosskitError } from './errors';

/**
 * Caps the threads a large native call uses (the calling thread included) at `threads`, an
 * integer >= 1, or 0 for the whole pool. Never more than the pool holds (LOSSKIT_THREADS sets
 * its size before the first large call). Returns the threads a call uses from now on: 1 when
 * the native addon is not loaded (the JS fallback is single-threaded).
 */
export function setThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 0 || threads > 1024) {
    throw new LosskitError(
      'LOSSKIT_INVALID_CONFIG',
      `setThreads: 'threads' must be an integer from 0 (the whole pool) to 1024 (got ${String(threads)})`,
      { argument: 'threads', expected: 'integer in [0, 1024]', actual: threads },
    );
  }
  const binding = nativeBinding();
  return binding ? binding.setThreads(threads) : 1;
}

/** The threads a large native call uses now (1 on the JS fallback). */
export function threads(): number {
  const binding = nativeBinding();
  return binding ? binding.capabilities().threads : 1;
}
