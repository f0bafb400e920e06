/**
 * Loss curves as text: a self-contained SVG (`plotLosses`) for files and reports, and a
 * sparkline and a line chart in Unicode for terminals. Pure string output, no dependencies.
 */

/** Anything with per-epoch records: a LossHistory, or its toJSON() form. */
export interface EpochSeriesSource {
  /** One record per epoch, in order. */
  readonly epochs: readonly {
    /** The epoch's number (the x axis). */
    epoch: number;
    /** The epoch's training loss. */
    train: number;
    /** The epoch's validation loss, when there is one. */
    validation?: number;
  }[];
}

/** Options of plotLosses. */
export interface PlotOptions {
  /** Logarithmic loss axis, ticks at powers of 10 (values <= 0 are left out). Default false. */
  logScale?: boolean;
  /** Drawn above the plot and used as the SVG's <title>. */
  title?: string;
  /** Pixels; default 640 x 400 (at least 200 x 150). */
  width?: number;
  /** Pixels; default 400 (at least 150). */
  height?: number;
  /** Axis titles; default 'epoch' and 'loss' ('loss (log scale)' with logScale). */
  xLabel?: string;
  /** The loss axis' title; default 'loss' ('loss (log scale)' with logScale). */
  yLabel?: string;
}

interface Series {
  name: string;
  className: string;
  color: string;
  dash?: string;
  points: [number, number][];
}

const SERIES_STYLE = {
  train: { color: '#1f77b4' },
  validation: { color: '#e6550d', dash: '7 4' },
} as const;

const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

/** Min and max without spreading (Math.min(...a) overflows the stack on long series). */
function extent(values: readonly number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/**
 * At most about 2 * `buckets` points: each bucket of consecutive points keeps its lowest and
 * highest (in their order), so spikes survive and a long run does not make a huge file.
 */
function decimate(points: [number, number][], buckets: number): [number, number][] {
  if (points.length <= 2 * buckets) return points;
  const kept: [number, number][] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * points.length) / buckets);
    const end = Math.floor(((b + 1) * points.length) / buckets);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (points[i]![1] < points[lo]![1]) lo = i;
      if (points[i]![1] > points[hi]![1]) hi = i;
    }
    for (const i of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) kept.push(points[i]!);
  }
  return kept;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Coordinates to 2 decimals, without trailing zeros. */
function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** A 1, 2 or 5 times a power of ten near range / target. */
function niceStep(range: number, target: number): number {
  const raw = range / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const nice = normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10;
  return nice * magnitude;
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** A label for a linear tick whose spacing is `step`. */
function formatLinear(value: number, step: number): string {
  if (value === 0) return '0';
  const magnitude = Math.max(Math.abs(value), step);
  if (magnitude >= 1e6 || step < 1e-4) {
    const digits = Math.max(0, Math.floor(Math.log10(Math.abs(value))) - Math.floor(Math.log10(step) + 1e-9));
    return value.toExponential(Math.min(digits, 6)).replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  return value.toFixed(decimalsOf(step));
}

/** 10^exponent written out ('0.01', '1000') for small exponents, '1e-5' / '1e6' beyond. */
function formatDecade(exponent: number): string {
  if (exponent >= 0 && exponent <= 4) return '1' + '0'.repeat(exponent);
  if (exponent < 0 && exponent >= -3) return '0.' + '0'.repeat(-exponent - 1) + '1';
  return `1e${exponent}`;
}

interface Axis {
  lo: number;
  hi: number;
  /** Labelled ticks, in data units. */
  ticks: { value: number; label: string }[];
  /** Unlabelled minor ticks (log scale). */
  minor: number[];
  /** Data value to a 0..1 position along the axis. */
  position(v: number): number;
}

/** Nice round bounds and ticks covering [min, max]; `integer` keeps steps >= 1 (epochs). */
function linearAxis(min: number, max: number, target: number, integer: boolean): Axis {
  if (min === max) {
    const pad = integer ? 1 : Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  let step = niceStep(max - min, target);
  if (integer) step = Math.max(1, Math.round(step));
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const count = Math.round((hi - lo) / step);
  const decimals = decimalsOf(step);
  const ticks = [];
  for (let i = 0; i <= count; i++) {
    const value = Number((lo + i * step).toFixed(Math.min(decimals, 100)));
    ticks.push({ value, label: formatLinear(value, step) });
  }
  return { lo, hi, ticks, minor: [], position: (v) => (v - lo) / (hi - lo) };
}

/** Decades covering [min, max] (both > 0), a labelled tick at each (or every k-th). */
function logAxis(min: number, max: number): Axis {
  const e0 = Math.floor(Math.log10(min) + 1e-9);
  let e1 = Math.ceil(Math.log10(max) - 1e-9);
  if (e1 <= e0) e1 = e0 + 1;
  const every = Math.ceil((e1 - e0) / 8);
  const ticks = [];
  const minor = [];
  for (let e = e0; e <= e1; e++) {
    if ((e - e0) % every === 0 || e === e1) ticks.push({ value: 10 ** e, label: formatDecade(e) });
    if (e < e1 && e1 - e0 <= 4) for (let m = 2; m <= 9; m++) minor.push(m * 10 ** e);
  }
  const lo = 10 ** e0;
  const hi = 10 ** e1;
  return {
    lo,
    hi,
    ticks,
    minor,
    position: (v) => (Math.log10(v) - e0) / (e1 - e0),
  };
}

function checkSize(value: unknown, name: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new RangeError(`Option '${name}' of 'plotLosses' must be a finite number >= ${min} (got ${String(value)})`);
  }
  return value;
}

/**
 * An SVG (a complete, self-contained document) of the train and validation loss per epoch:
 * train solid blue, validation dashed orange, with tick labels at round values (decades on a
 * log scale), axis titles, a legend and an optional title. Non-finite losses (and, on a log
 * scale, losses <= 0) are left out of the curves.
 */
export function plotLosses(history: EpochSeriesSource, options: PlotOptions = {}): string {
  if (typeof history !== 'object' || history === null || !Array.isArray(history.epochs)) {
    throw new TypeError("Argument 'history' passed to 'plotLosses' must be a LossHistory or an object with an 'epochs' array");
  }
  const width = checkSize(options.width, 'width', 200, 640);
  const height = checkSize(options.height, 'height', 150, 400);
  const logScale = options.logScale === true;
  const title = options.title ?? '';
  const xLabel = options.xLabel ?? 'epoch';
  const yLabel = options.yLabel ?? (logScale ? 'loss (log scale)' : 'loss');

  const usable = (v: number | undefined): v is number =>
    typeof v === 'number' && Number.isFinite(v) && (!logScale || v > 0);
  const series: Series[] = [];
  const hasValidation = history.epochs.some((e) => e.validation !== undefined);
  for (const key of hasValidation ? (['train', 'validation'] as const) : (['train'] as const)) {
    const points: [number, number][] = [];
    for (const record of history.epochs) {
      const v = record[key];
      if (usable(v) && Number.isFinite(record.epoch)) points.push([record.epoch, v]);
    }
    series.push({ name: key, className: `series ${key}`, ...SERIES_STYLE[key], points });
  }
  const all = series.flatMap((s) => s.points);
  const empty = all.length === 0;

  const top = title ? 44 : 20;
  const bottom = 52;
  const plotH = height - top - bottom;
  const [xMin, xMax] = extent(all.map((p) => p[0]));
  const [yMin, yMax] = extent(all.map((p) => p[1]));
  const yAxis = empty
    ? logScale
      ? logAxis(0.1, 1)
      : linearAxis(0, 1, 5, false)
    : logScale
      ? logAxis(yMin, yMax)
      : linearAxis(yMin, yMax, Math.max(2, plotH / 60), false);
  // Room for the longest y label (about 7 px a character at 12 px) beside the axis title, and
  // for half of the last x label past the right end of the axis.
  const left = Math.max(64, 36 + Math.ceil(7 * Math.max(...yAxis.ticks.map((t) => t.label.length))));
  const right = 32;
  const plotW = width - left - right;
  const xAxis = empty ? linearAxis(0, 1, 5, true) : linearAxis(xMin, xMax, Math.max(2, plotW / 80), true);
  const X = (v: number) => left + xAxis.position(v) * plotW;
  const Y = (v: number) => top + (1 - yAxis.position(v)) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="${escapeXml(FONT)}" font-size="12" role="img">`,
  );
  out.push(`<title>${escapeXml(title || 'Loss per epoch')}</title>`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  if (title) {
    out.push(`<text class="title" x="${px(left + plotW / 2)}" y="26" text-anchor="middle" font-size="15" font-weight="600" fill="#222">${escapeXml(title)}</text>`);
  }

  // Grid and ticks.
  out.push('<g class="grid" stroke="#e8e8e8" stroke-width="1">');
  for (const v of yAxis.minor) out.push(`<line x1="${left}" x2="${px(left + plotW)}" y1="${px(Y(v))}" y2="${px(Y(v))}" stroke="#f4f4f4"/>`);
  for (const t of yAxis.ticks) out.push(`<line x1="${left}" x2="${px(left + plotW)}" y1="${px(Y(t.value))}" y2="${px(Y(t.value))}"/>`);
  for (const t of xAxis.ticks) out.push(`<line x1="${px(X(t.value))}" x2="${px(X(t.value))}" y1="${top}" y2="${px(top + plotH)}"/>`);
  out.push('</g>');
  out.push(`<g class="axes" stroke="#444" stroke-width="1">`);
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${px(top + plotH)}"/>`);
  out.push(`<line x1="${left}" x2="${px(left + plotW)}" y1="${px(top + plotH)}" y2="${px(top + plotH)}"/>`);
  for (const v of yAxis.minor) out.push(`<line x1="${left - 3}" x2="${left}" y1="${px(Y(v))}" y2="${px(Y(v))}"/>`);
  for (const t of yAxis.ticks) out.push(`<line x1="${left - 6}" x2="${left}" y1="${px(Y(t.value))}" y2="${px(Y(t.value))}"/>`);
  for (const t of xAxis.ticks) out.push(`<line x1="${px(X(t.value))}" x2="${px(X(t.value))}" y1="${px(top + plotH)}" y2="${px(top + plotH + 6)}"/>`);
  out.push('</g>');
  out.push('<g class="tick-labels" fill="#333">');
  for (const t of yAxis.ticks) {
    out.push(`<text class="tick-label y" x="${left - 9}" y="${px(Y(t.value))}" dy="0.32em" text-anchor="end">${escapeXml(t.label)}</text>`);
  }
  for (const t of xAxis.ticks) {
    out.push(`<text class="tick-label x" x="${px(X(t.value))}" y="${px(top + plotH + 20)}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  out.push('</g>');
  out.push(`<text class="axis-title x" x="${px(left + plotW / 2)}" y="${height - 12}" text-anchor="middle" font-size="13" fill="#222">${escapeXml(xLabel)}</text>`);
  out.push(
    `<text class="axis-title y" transform="translate(18 ${px(top + plotH / 2)}) rotate(-90)" text-anchor="middle" font-size="13" fill="#222">${escapeXml(yLabel)}</text>`,
  );

  if (empty) {
    const note = history.epochs.length === 0 ? 'no epochs recorded' : 'no finite losses to plot';
    out.push(`<text class="no-data" x="${px(left + plotW / 2)}" y="${px(top + plotH / 2)}" text-anchor="middle" fill="#888">${note}</text>`);
  }

  // Curves (and markers when there are few points).
  for (const s of series) {
    if (s.points.length === 0) continue;
    const points = decimate(s.points, Math.ceil(plotW)).map(([x, y]) => `${px(X(x))},${px(Y(y))}`).join(' ');
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<polyline class="${s.className}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${dash} points="${points}"/>`);
    if (s.points.length <= 25) {
      out.push(`<g class="markers ${s.name}" fill="${s.color}">`);
      for (const [x, y] of s.points) out.push(`<circle cx="${px(X(x))}" cy="${px(Y(y))}" r="2.5"/>`);
      out.push('</g>');
    }
  }

  // Legend, top right inside the plot area.
  const entries = series.filter((s) => s.points.length > 0 || !empty);
  if (entries.length > 0) {
    const boxW = 112;
    const boxH = 10 + entries.length * 18;
    const bx = left + plotW - boxW - 8;
    const by = top + 8;
    out.push(`<g class="legend">`);
    out.push(`<rect x="${px(bx)}" y="${px(by)}" width="${boxW}" height="${boxH}" rx="3" fill="#ffffff" fill-opacity="0.85" stroke="#bbb"/>`);
    entries.forEach((s, i) => {
      const cy = by + 14 + i * 18;
      const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
      out.push(`<line x1="${px(bx + 8)}" x2="${px(bx + 38)}" y1="${px(cy)}" y2="${px(cy)}" stroke="${s.color}" stroke-width="2"${dash}/>`);
      out.push(`<text class="legend-label" x="${px(bx + 46)}" y="${px(cy)}" dy="0.32em" fill="#222">${s.name}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * One character per value, ▁ (the smallest) to █ (the largest); all-equal values give ▄ and
 * non-finite values a space.
 */
export function sparkline(values: ArrayLike<number>): string {
  const finite = Array.from(values).filter((v) => Number.isFinite(v));
  if (finite.length === 0) return ' '.repeat(values.length);
  const [min, max] = extent(finite);
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) line += ' ';
    else if (max === min) line += BARS[3];
    else line += BARS[Math.round(((v - min) / (max - min)) * (BARS.length - 1))];
  }
  return line;
}

/** Options of asciiChart. */
export interface AsciiChartOptions {
  /** Rows of the plot; default 10 (at least 2). */
  height?: number;
  /** Columns of the plot, labels excluded; default the number of values, at most 80. Longer
   * series are averaged into buckets, shorter ones interpolated. */
  width?: number;
}

/** Bucket means (downsampling) or linear interpolation (upsampling) to `columns` points. */
function resample(values: number[], columns: number): number[] {
  const n = values.length;
  if (n === columns) return values.slice();
  const out: number[] = [];
  if (n > columns) {
    for (let c = 0; c < columns; c++) {
      const start = Math.floor((c * n) / columns);
      const end = Math.max(start + 1, Math.floor(((c + 1) * n) / columns));
      let sum = 0;
      let count = 0;
      for (let i = start; i < end; i++) {
        const v = values[i]!;
        if (Number.isFinite(v)) {
          sum += v;
          count++;
        }
      }
      out.push(count > 0 ? sum / count : NaN);
    }
    return out;
  }
  for (let c = 0; c < columns; c++) {
    if (n === 1 || columns === 1) {
      out.push(values[0]!);
      continue;
    }
    const t = (c * (n - 1)) / (columns - 1);
    const i = Math.min(Math.floor(t), n - 2);
    const f = t - i;
    out.push(values[i]! * (1 - f) + values[i + 1]! * f);
  }
  return out;
}

function formatRowLabel(value: number, rowStep: number): string {
  const magnitude = Math.max(Math.abs(value), rowStep);
  if (magnitude >= 1e6 || (magnitude > 0 && magnitude < 1e-3)) return value.toExponential(2);
  const decimals = Math.min(8, Math.max(0, Math.ceil(-Math.log10(rowStep)) + 1));
  return value.toFixed(decimals);
}

/**
 * A line chart drawn with box-drawing characters, `height` rows of `width` columns, each row
 * labelled on the left with its value: lines joined by '\n' (no trailing newline). Non-finite
 * values leave a gap; an empty series gives ''.
 */
export function asciiChart(values: ArrayLike<number>, options: AsciiChartOptions = {}): string {
  const height = options.height ?? 10;
  if (!Number.isInteger(height) || height < 2) {
    throw new RangeError(`Option 'height' of 'asciiChart' must be an integer >= 2 (got ${String(options.height)})`);
  }
  const series = Array.from(values);
  if (series.length === 0) return '';
  const width = options.width ?? Math.min(series.length, 80);
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`Option 'width' of 'asciiChart' must be an integer >= 1 (got ${String(options.width)})`);
  }
  const points = resample(series, width);
  const finite = points.filter((v) => Number.isFinite(v));
  let [min, max] = finite.length > 0 ? extent(finite) : [0, 1];
  if (min === max) {
    const pad = Math.abs(min) * 0.5 || 1;
    min -= pad;
    max += pad;
  }
  const rowStep = (max - min) / (height - 1);
  const level = (v: number): number | null =>
    Number.isFinite(v) ? Math.round((v - min) / rowStep) : null;

  // grid[level][column], level 0 at the bottom.
  const grid = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  const put = (l: number, c: number, ch: string) => {
    grid[l]![c] = ch;
  };
  let previous: number | null = null;
  for (let c = 0; c < width; c++) {
    const l = level(points[c]!);
    if (l !== null) {
      if (previous === null || previous === l) put(l, c, '─');
      else if (l > previous) {
        put(previous, c, '╯');
        for (let k = previous + 1; k < l; k++) put(k, c, '│');
        put(l, c, '╭');
      } else {
        put(previous, c, '╮');
        for (let k = l + 1; k < previous; k++) put(k, c, '│');
        put(l, c, '╰');
      }
    }
    previous = l;
  }
  const labels = grid.map((_, l) => formatRowLabel(min + l * rowStep, rowStep));
  const labelWidth = Math.max(...labels.map((s) => s.length));
  const lines: string[] = [];
  for (let l = height - 1; l >= 0; l--) {
    lines.push(`${labels[l]!.padStart(labelWidth)} ┤${grid[l]!.join('')}`);
  }
  return lines.join('\n');
}
