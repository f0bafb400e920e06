/**
 * A terminal progress bar redrawn in place: label, bar, percent, count, rate and ETA. It draws
 * only when the stream is a TTY; on anything else (a pipe, a file, CI logs) it writes nothing.
 *
 * @example
 * const bar = createProgress({ total: epochs, label: 'huber' });
 * for (let e = 0; e < epochs; e++) { train(); bar.tick(1, `loss ${loss.toFixed(4)}`); }
 * bar.done();
 */

/** The part of a stream the bar uses (process.stderr and process.stdout qualify). */
export interface ProgressStream {
  /** Writes text (ANSI escapes included). */
  write(chunk: string): unknown;
  /** Whether the stream is a terminal: the bar draws only then. */
  isTTY?: boolean;
  /** Terminal width; 80 when unknown. */
  columns?: number;
}

/** Options of createProgress. */
export interface ProgressOptions {
  /** Number of ticks that make 100%. */
  total: number;
  /** Text shown before the bar. */
  label?: string;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Minimum milliseconds between redraws (the first tick and the last always draw). Default 50. */
  throttleMs?: number;
  /** Clock in milliseconds, for tests; default performance.now. */
  now?: () => number;
}

/** A progress bar from createProgress. */
export interface Progress {
  /** Advances by n (default 1); `info` is shown after the ETA (e.g. the current loss). */
  tick(n?: number, info?: string): void;
  /** Draws the final state with the elapsed time and ends the line. Later calls do nothing. */
  done(info?: string): void;
}

const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** Seconds as '4.2s', '12s', '3m05s' or '1h02m'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '--';
  if (perSecond >= 100) return perSecond.toFixed(0);
  if (perSecond >= 10) return perSecond.toFixed(1);
  return perSecond.toFixed(2);
}

function bar(fraction: number, width: number): string {
  const cells = Math.max(0, Math.min(1, fraction)) * width;
  const full = Math.floor(cells);
  const partial = full < width ? PARTIAL[Math.floor((cells - full) * 8)]! : '';
  return '█'.repeat(full) + partial + ' '.repeat(width - full - (partial ? 1 : 0));
}

const length = (text: string): number => Array.from(text).length;

/** At most `max` characters, an ellipsis marking a cut. */
function shorten(text: string, max: number): string {
  if (max <= 0) return '';
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

const SILENT: Progress = Object.freeze({ tick() {}, done() {} });

/** A progress bar on `options.stream` (default process.stderr) that draws only on a TTY; on
 * anything else it is silent. Throws a RangeError for a negative or non-finite `total`. */
export function createProgress(options: ProgressOptions): Progress {
  const { total, label = '', throttleMs = 50 } = options;
  if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) {
    throw new RangeError(`Option 'total' of 'createProgress' must be a finite number >= 0 (got ${String(total)})`);
  }
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY) return SILENT;
  const now = options.now ?? (() => performance.now());
  const start = now();
  let current = 0;
  let lastDraw = -Infinity;
  let lastInfo = '';
  let finished = false;
  /** The bar only narrows, so that changing numbers do not make it jitter. */
  let barCap = 40;

  const render = (final: boolean): string => {
    const columns = Math.max(20, stream.columns || 80); // 0 when a pty has no size
    const fraction = total === 0 ? 1 : current / total;
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? current / elapsed : NaN;
    const timing = final
      ? `in ${formatDuration(elapsed)}`
      : `ETA ${current > 0 && rate > 0 ? formatDuration((total - current) / rate) : '--'}`;
    const percent = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
    const count = `${current}/${total}`;
    const core = ` ${percent} ${count} ${formatRate(rate)} it/s ${timing}`;
    // Room goes to the bar, the numbers and the timing first; the label and the info are
    // shortened (info first) when the terminal is narrow. A wrapped line could not be redrawn.
    const room = columns - 1;
    const fixed = length(core) + 2; // the two '|'
    let head = label ? `${label} ` : '';
    let info = lastInfo ? `  ${lastInfo}` : '';
    const barWidth = Math.max(10, Math.min(barCap, room - fixed - length(head) - length(info)));
    barCap = barWidth;
    const spare = Math.max(0, room - fixed - barWidth);
    if (length(head) + length(info) > spare) {
      info = spare - length(head) > 3 ? shorten(info, spare - length(head)) : '';
      if (length(head) > spare) head = spare > 1 ? `${shorten(label, spare - 1)} ` : '';
    }
    const line = `${head}|${bar(fraction, barWidth)}|${core}${info}`;
    return Array.from(line).slice(0, room).join('');
  };

  return {
    tick(n = 1, info?: string) {
      if (finished) return;
      current = Math.min(total, current + n);
      if (info !== undefined) lastInfo = info;
      const t = now();
      if (t - lastDraw >= throttleMs || current >= total || lastDraw === -Infinity) {
        lastDraw = t;
        stream.write(`\r${render(false)}\x1b[K`);
      }
    },
    done(info?: string) {
      if (finished) return;
      finished = true;
      if (info !== undefined) lastInfo = info;
      stream.write(`\r${render(true)}\x1b[K\n`);
    },
  };
}
