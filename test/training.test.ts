// The training-loop tools: LossHistory (epoch means, callbacks, JSON), plotLosses (a well-formed
// SVG with one curve per series, legend, nice ticks, decades on a log scale), sparkline and
// asciiChart shapes, and the progress bar (silent off a TTY, drawing in place on one).
import { describe, expect, it, vi } from 'vitest';
import {
  LossHistory,
  asciiChart,
  createProgress,
  plotLosses,
  sparkline,
  type EpochRecord,
  type ProgressStream,
  type StepEvent,
} from '../lib/training/index';

function historyOf(epochs: { steps: number[]; validation?: number }[]): LossHistory {
  const history = new LossHistory();
  for (const { steps, validation } of epochs) {
    for (const s of steps) history.recordStep(s);
    history.endEpoch(validation === undefined ? {} : { validation });
  }
  return history;
}

/** A decaying pair of curves over `n` epochs, 4 steps each. */
function decaying(n: number, scale = 2): LossHistory {
  return historyOf(
    Array.from({ length: n }, (_, e) => ({
      steps: [0, 1, 2, 3].map((s) => scale * Math.exp(-(e + s / 4) / 6) + 0.05),
      validation: scale * 1.1 * Math.exp(-e / 7) + 0.08,
    })),
  );
}

describe('LossHistory', () => {
  it('averages each epoch over its steps and keeps the validation loss', () => {
    const history = historyOf([
      { steps: [1, 2, 3], validation: 2.5 },
      { steps: [0.5, 1.5] },
      { steps: [0.25], validation: 0.75 },
    ]);
    expect(history.steps).toEqual([1, 2, 3, 0.5, 1.5, 0.25]);
    expect(history.epochs).toEqual([
      { epoch: 1, train: 2, validation: 2.5 },
      { epoch: 2, train: 1 },
      { epoch: 3, train: 0.25, validation: 0.75 },
    ]);
    expect('validation' in history.epochs[1]!).toBe(false);
    expect(history.lastEpoch).toEqual({ epoch: 3, train: 0.25, validation: 0.75 });
  });

  it('returns copies, so callers cannot rewrite the record', () => {
    const history = historyOf([{ steps: [1, 3], validation: 2 }]);
    history.steps.push(99);
    history.epochs[0]!.train = 99;
    expect(history.steps).toEqual([1, 3]);
    expect(history.epochs[0]!.train).toBe(2);
  });

  it('counts pending steps; refuses an epoch without steps and non-number losses', () => {
    const history = new LossHistory();
    expect(history.lastEpoch).toBeUndefined();
    expect(() => history.endEpoch()).toThrow(/no step recorded in epoch 1/);
    history.recordStep(1);
    history.recordStep(2);
    expect(history.pendingSteps).toBe(2);
    history.endEpoch();
    expect(history.pendingSteps).toBe(0);
    expect(() => history.endEpoch()).toThrow(/epoch 2/);
    expect(() => history.recordStep('1' as unknown as number)).toThrow(TypeError);
    expect(() => history.endEpoch({ validation: null as unknown as number })).toThrow(TypeError);
  });

  it('keeps NaN and infinite losses (a diverging run is still a record)', () => {
    const history = historyOf([{ steps: [1, NaN] }, { steps: [Infinity], validation: NaN }]);
    expect(history.epochs[0]!.train).toBeNaN();
    expect(history.epochs[1]!.train).toBe(Infinity);
    expect(history.epochs[1]!.validation).toBeNaN();
  });

  it('calls onStep and onEpochEnd from the constructor and from on(), in order, until removed', () => {
    const calls: string[] = [];
    const steps: StepEvent[] = [];
    const ends: EpochRecord[] = [];
    const history = new LossHistory({
      onStep: (e, h) => {
        steps.push(e);
        calls.push(`ctor step ${e.step}`);
        expect(h).toBe(history);
      },
      onEpochEnd: (r, h) => {
        ends.push(r);
        calls.push(`ctor end ${r.epoch}`);
        expect(h.epochs).toHaveLength(r.epoch);
      },
    });
    const offStep = history.on('step', (e) => calls.push(`on step ${e.step}`));
    const offEnd = history.on('epochEnd', (r) => calls.push(`on end ${r.epoch}`));
    history.recordStep(4);
    history.recordStep(2);
    history.endEpoch({ validation: 3.5 });
    offStep();
    offEnd();
    offEnd(); // removing twice is harmless
    history.recordStep(1);
    history.endEpoch();
    expect(steps).toEqual([
      { step: 1, epoch: 1, loss: 4 },
      { step: 2, epoch: 1, loss: 2 },
      { step: 3, epoch: 2, loss: 1 },
    ]);
    expect(ends).toEqual([
      { epoch: 1, train: 3, validation: 3.5 },
      { epoch: 2, train: 1 },
    ]);
    expect(calls).toEqual(['ctor step 1', 'on step 1', 'ctor step 2', 'on step 2', 'ctor end 1', 'on end 1', 'ctor step 3', 'ctor end 2']);
  });

  it('lets listener errors reach the caller and rejects bad registrations', () => {
    const history = new LossHistory();
    history.on('step', () => {
      throw new Error('stop training');
    });
    expect(() => history.recordStep(1)).toThrow('stop training');
    expect(history.steps).toEqual([1]);
    expect(() => history.on('batch' as 'step', () => {})).toThrow(/'step' or 'epochEnd'/);
    expect(() => history.on('step', 1 as unknown as () => void)).toThrow(TypeError);
  });

  it('serialises to JSON and the JSON plots like the history', () => {
    const history = decaying(5);
    const json = JSON.parse(JSON.stringify(history));
    expect(json).toEqual({ steps: history.steps, epochs: history.epochs });
    expect(plotLosses(json, { title: 't' })).toBe(plotLosses(history, { title: 't' }));
  });
});

// ---------------------------------------------------------------------------------------------

/** Tags balance: every opening tag is closed in order (self-closing tags stand alone). */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const [, close, name, , selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (selfClosing) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

function tickLabels(svg: string, axis: 'x' | 'y'): string[] {
  return [...svg.matchAll(new RegExp(`<text class="tick-label ${axis}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]!);
}

function polylines(svg: string): { className: string; attrs: string; points: [number, number][] }[] {
  return [...svg.matchAll(/<polyline class="series ([a-z]+)"([^>]*)points="([^"]*)"\/>/g)].map((m) => ({
    className: m[1]!,
    attrs: m[2]!,
    points: m[3]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]),
  }));
}

describe('plotLosses', () => {
  const history = decaying(30);

  it('is a complete, well-formed SVG document with a title', () => {
    const svg = plotLosses(history, { title: 'Huber & <friends>' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(balanced(svg)).toBe(true);
    expect(svg).toContain('Huber &amp; &lt;friends&gt;');
    expect(svg).not.toContain('<friends>');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    expect(svg).toMatch(/width="640" height="400" viewBox="0 0 640 400"/);
  });

  it('draws one polyline per series, distinct colours, validation dashed, with a legend', () => {
    const svg = plotLosses(history, { width: 800, height: 500 });
    const lines = polylines(svg);
    expect(lines.map((l) => l.className)).toEqual(['train', 'validation']);
    expect(lines[0]!.points).toHaveLength(30);
    expect(lines[1]!.points).toHaveLength(30);
    const colour = (attrs: string) => /stroke="(#[0-9a-f]{6})"/.exec(attrs)?.[1];
    expect(colour(lines[0]!.attrs)).toBeTruthy();
    expect(colour(lines[0]!.attrs)).not.toBe(colour(lines[1]!.attrs));
    expect(lines[0]!.attrs).not.toContain('stroke-dasharray');
    expect(lines[1]!.attrs).toContain('stroke-dasharray');
    const legend = /<g class="legend">([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
    expect([...legend.matchAll(/<text class="legend-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1])).toEqual(['train', 'validation']);
    expect(legend).toContain('stroke-dasharray');
    // Every point lies inside the drawing.
    for (const [x, y] of lines.flatMap((l) => l.points)) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(800);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(500);
    }
    // Lower loss is drawn higher up: the decaying train curve's y grows.
    const ys = lines[0]!.points.map((p) => p[1]);
    expect(ys[ys.length - 1]!).toBeGreaterThan(ys[0]!);
  });

  it('labels both axes with round, evenly spaced ticks that cover the data, and titles them', () => {
    const svg = plotLosses(history);
    const y = tickLabels(svg, 'y').map(Number);
    const x = tickLabels(svg, 'x').map(Number);
    expect(y.length).toBeGreaterThanOrEqual(3);
    expect(x.length).toBeGreaterThanOrEqual(3);
    for (const ticks of [x, y]) {
      const step = ticks[1]! - ticks[0]!;
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
      ticks.forEach((t, i) => {
        expect(t).toBeCloseTo(ticks[0]! + i * step, 9);
        expect(Math.abs(t / step - Math.round(t / step))).toBeLessThan(1e-9);
      });
    }
    x.forEach((t) => expect(Number.isInteger(t)).toBe(true));
    const values = history.epochs.flatMap((e) => [e.train, e.validation!]);
    expect(y[0]!).toBeLessThanOrEqual(Math.min(...values));
    expect(y[y.length - 1]!).toBeGreaterThanOrEqual(Math.max(...values));
    expect(x[0]!).toBeLessThanOrEqual(1);
    expect(x[x.length - 1]!).toBeGreaterThanOrEqual(30);
    expect(svg).toMatch(/<text class="axis-title x"[^>]*>epoch<\/text>/);
    expect(svg).toMatch(/<text class="axis-title y"[^>]*>loss<\/text>/);
    expect(plotLosses(history, { xLabel: 'pass', yLabel: 'huber' })).toMatch(/>pass<\/text>[\s\S]*>huber<\/text>/);
  });

  it('puts log-scale ticks at powers of 10 covering the data, and leaves out values <= 0', () => {
    const wide = historyOf(
      Array.from({ length: 40 }, (_, e) => ({ steps: [500 * 10 ** (-e / 8)], validation: e === 3 ? 0 : 800 * 10 ** (-e / 9) })),
    );
    const svg = plotLosses(wide, { logScale: true });
    expect(balanced(svg)).toBe(true);
    const labels = tickLabels(svg, 'y');
    const ticks = labels.map(Number);
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    for (const t of ticks) {
      expect(Number.isFinite(t)).toBe(true);
      expect(Math.abs(Math.log10(t) - Math.round(Math.log10(t)))).toBeLessThan(1e-9);
    }
    const positive = wide.epochs.flatMap((e) => [e.train, e.validation!]).filter((v) => v > 0);
    expect(ticks[0]!).toBeLessThanOrEqual(Math.min(...positive));
    expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(Math.max(...positive));
    expect(labels).toContain('1');
    expect(labels).toContain('0.001');
    expect(svg).toMatch(/>loss \(log scale\)<\/text>/);
    const [train, validation] = polylines(svg);
    expect(train!.points).toHaveLength(40);
    expect(validation!.points).toHaveLength(39); // the 0 has no place on a log axis
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('writes decades far from 1 as 1eN and spreads labels when there are many decades', () => {
    const tiny = historyOf(Array.from({ length: 10 }, (_, e) => ({ steps: [10 ** (-2 * e)] })));
    const labels = tickLabels(plotLosses(tiny, { logScale: true }), 'y');
    expect(labels.length).toBeLessThanOrEqual(10);
    expect(labels).toContain('1e-18');
    for (const t of labels.map(Number)) expect(Math.abs(Math.log10(t) - Math.round(Math.log10(t)))).toBeLessThan(1e-9);
  });

  it('handles a train-only history, a single epoch, constant losses and no epochs', () => {
    const trainOnly = plotLosses(historyOf([{ steps: [3] }, { steps: [2] }, { steps: [1.5] }]));
    expect(polylines(trainOnly).map((l) => l.className)).toEqual(['train']);
    expect(trainOnly).toContain('>train</text>');
    expect(trainOnly).not.toContain('>validation</text>');

    for (const svg of [
      plotLosses(historyOf([{ steps: [0.7], validation: 0.9 }])),
      plotLosses(historyOf([{ steps: [2] }, { steps: [2] }]), { logScale: true }),
      plotLosses(historyOf([{ steps: [0.5] }, { steps: [0.5] }])),
    ]) {
      expect(balanced(svg)).toBe(true);
      expect(svg).not.toMatch(/NaN|Infinity/);
      expect(polylines(svg).length).toBeGreaterThanOrEqual(1);
      expect(svg).toContain('<circle'); // few points get markers, so one point is visible
      expect(tickLabels(svg, 'y').length).toBeGreaterThanOrEqual(2);
    }

    const empty = plotLosses(new LossHistory(), { title: 'nothing yet' });
    expect(balanced(empty)).toBe(true);
    expect(polylines(empty)).toHaveLength(0);
    expect(empty).toContain('no epochs recorded');
    expect(empty).not.toMatch(/NaN|Infinity/);
  });

  it('rejects a non-history and bad sizes', () => {
    expect(() => plotLosses({} as never)).toThrow(TypeError);
    expect(() => plotLosses(history, { width: 10 })).toThrow(RangeError);
    expect(() => plotLosses(history, { height: Number.NaN })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------

describe('sparkline', () => {
  it('maps the smallest value to ▁ and the largest to █, one character per value', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 1, 3])).toBe('█▁▅');
    expect(sparkline(new Float64Array([2, 2, 2]))).toBe('▄▄▄');
    expect(sparkline([1, NaN, 3])).toBe('▁ █');
    expect(sparkline([])).toBe('');
    const rising = sparkline(Array.from({ length: 50 }, (_, i) => Math.sqrt(i)));
    expect([...rising]).toHaveLength(50);
    const levels = [...rising].map((c) => '▁▂▃▄▅▆▇█'.indexOf(c));
    levels.slice(1).forEach((l, i) => expect(l).toBeGreaterThanOrEqual(levels[i]!));
  });
});

describe('asciiChart', () => {
  const plotted = (line: string) => line.slice(line.indexOf('┤') + 1);

  it('draws `height` rows of `width` columns, labelled from the maximum down to the minimum', () => {
    const values = Array.from({ length: 100 }, (_, i) => 3 * Math.exp(-i / 20) + 0.5);
    const chart = asciiChart(values, { height: 8, width: 40 });
    const lines = chart.split('\n');
    expect(lines).toHaveLength(8);
    for (const line of lines) expect([...plotted(line)]).toHaveLength(40);
    const labels = lines.map((l) => Number(l.slice(0, l.indexOf('┤'))));
    expect(labels[0]!).toBeGreaterThan(labels[7]!);
    labels.slice(1).forEach((l, i) => expect(l).toBeLessThan(labels[i]!));
    // Bucket means of a decaying curve: starts in the top row, ends in the bottom one.
    expect(plotted(lines[0]!)[0]).not.toBe(' ');
    expect(plotted(lines[7]!).trimEnd().endsWith('─')).toBe(true);
    expect(chart).toMatch(/[╮╰│]/);
  });

  it('draws one mark per column, joined by vertical runs', () => {
    const chart = asciiChart([1, 3, 2, 5, 1, 1, 4], { height: 5 });
    expect(chart).toBe(
      ['5.0 ┤   ╭╮  ', '4.0 ┤   ││ ╭', '3.0 ┤ ╭╮││ │', '2.0 ┤ │╰╯│ │', '1.0 ┤─╯  ╰─╯'].join('\n'),
    );
  });

  it('interpolates short series, leaves gaps for non-finite values, and centres constant ones', () => {
    const wide = asciiChart([0, 1], { height: 3, width: 9 }).split('\n');
    expect(wide.every((l) => [...plotted(l)].length === 9)).toBe(true);
    const gap = asciiChart([1, 2, NaN, 3], { height: 3 }).split('\n');
    expect(gap.map((l) => plotted(l)[2])).toEqual([' ', ' ', ' ']);
    const flat = asciiChart([2, 2, 2], { height: 5 }).split('\n');
    expect(plotted(flat[2]!)).toBe('───');
    expect(asciiChart([])).toBe('');
    expect(() => asciiChart([1, 2], { height: 1 })).toThrow(RangeError);
    expect(() => asciiChart([1, 2], { width: 0 })).toThrow(RangeError);
  });

  it('defaults to 10 rows and one column per value (at most 80)', () => {
    expect(asciiChart([1, 2, 3]).split('\n')).toHaveLength(10);
    expect([...plotted(asciiChart(Array.from({ length: 200 }, (_, i) => i)).split('\n')[0]!)]).toHaveLength(80);
  });
});

// ---------------------------------------------------------------------------------------------

function fakeStream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  const stream: ProgressStream = { isTTY, columns, write: vi.fn((chunk: string) => writes.push(chunk)) };
  return { stream, writes };
}

/** What the terminal shows for one redraw: without the carriage return and erase-line codes. */
const visible = (chunk: string) => chunk.replace(/^\r/, '').replace(/\x1b\[K/g, '').replace(/\n$/, '');

describe('createProgress', () => {
  it('is completely silent when the stream is not a TTY', () => {
    for (const isTTY of [false, undefined]) {
      const { stream } = fakeStream(isTTY as boolean);
      const bar = createProgress({ total: 5, label: 'quiet', stream });
      for (let i = 0; i < 5; i++) bar.tick(1, 'loss 1');
      bar.done();
      expect(stream.write).not.toHaveBeenCalled();
    }
  });

  it('redraws in place on a TTY with percent, count, rate, ETA and info, and ends the line on done', () => {
    const { stream, writes } = fakeStream(true, 100);
    let now = 0;
    const bar = createProgress({ total: 10, label: 'huber', stream, throttleMs: 0, now: () => now });
    now = 1000;
    bar.tick(1, 'loss 0.5');
    now = 2000;
    bar.tick(1);
    expect(writes).toHaveLength(2);
    for (const w of writes) {
      expect(w.startsWith('\r')).toBe(true);
      expect(w.endsWith('\x1b[K')).toBe(true);
    }
    const second = visible(writes[1]!);
    expect(second).toMatch(/^huber \|/);
    expect(second).toContain(' 20% 2/10');
    expect(second).toContain('1.00 it/s');
    expect(second).toContain('ETA 8.0s');
    expect(second).toContain('loss 0.5'); // the last info stays until replaced
    const fill = /\|([^|]*)\|/.exec(second)![1]!;
    expect(fill.startsWith('█')).toBe(true);
    expect([...fill.trimEnd()].length).toBeLessThan([...fill].length);

    now = 5000;
    bar.tick(8, 'loss 0.1');
    expect(visible(writes[2]!)).toContain('100% 10/10');
    bar.done();
    const last = writes[writes.length - 1]!;
    expect(last.endsWith('\n')).toBe(true);
    expect(visible(last)).toMatch(/100% 10\/10 .* in 5\.0s {2}loss 0\.1$/);
    const count = writes.length;
    bar.tick();
    bar.done();
    expect(writes).toHaveLength(count);
  });

  it('throttles redraws but always draws the first and the final tick, never wider than the terminal', () => {
    const { stream, writes } = fakeStream(true, 40);
    const bar = createProgress({ total: 100, label: 'a rather long label for a bar', stream, throttleMs: 1000, now: () => 0 });
    for (let i = 0; i < 100; i++) bar.tick(1, 'some long information about the loss');
    expect(writes).toHaveLength(2);
    expect(visible(writes[1]!)).toContain('100%');
    for (const w of writes) expect([...visible(w)].length).toBeLessThanOrEqual(39);
  });

  it('treats total 0 as complete and rejects a bad total', () => {
    const { stream, writes } = fakeStream(true);
    const bar = createProgress({ total: 0, stream, now: () => 0 });
    bar.done();
    expect(visible(writes[0]!)).toContain('100% 0/0');
    expect(() => createProgress({ total: -1, stream })).toThrow(RangeError);
    expect(() => createProgress({ total: Number.NaN, stream })).toThrow(RangeError);
  });
});
