/** Training-loop tools: loss history with callbacks, SVG and terminal plots, a progress bar. */
export { LossHistory } from './history';
export type { EpochRecord, StepEvent, StepListener, EpochListener, LossHistoryOptions, LossHistoryJSON } from './history';
export { plotLosses, sparkline, asciiChart } from './plot';
export type { PlotOptions, AsciiChartOptions, EpochSeriesSource } from './plot';
export { createProgress } from './progress';
export type { Progress, ProgressOptions, ProgressStream } from './progress';
