/**
 * LossHistory: the losses of a training run, per step and per epoch, with callbacks.
 *
 * @example
 * const history = new LossHistory({ onEpochEnd: (e) => console.log(e.epoch, e.train, e.validation) });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for (const batch of batches) history.recordStep(loss.valueAndGrad(batch.y, model(batch.x)).value);
 *   history.endEpoch({ validation: loss.value(yVal, model(xVal)) });
 * }
 * plotLosses(history); // an SVG of train vs validation per epoch
 */

/** One finished epoch. Epochs are numbered from 1. */
export interface EpochRecord {
  /** The epoch's number, from 1. */
  epoch: number;
  /** The mean of the losses recorded by `recordStep` during the epoch. */
  train: number;
  /** The validation loss given to `endEpoch`, when one was given. */
  validation?: number;
}

/** What `onStep` listeners receive. `step` counts from 1 over the whole run. */
export interface StepEvent {
  /** The step's number over the whole run, from 1. */
  step: number;
  /** The epoch the step belongs to (the one not yet ended), from 1. */
  epoch: number;
  /** The loss recorded for the step. */
  loss: number;
}

/** Called after each `recordStep`. */
export type StepListener = (event: StepEvent, history: LossHistory) => void;
/** Called after each `endEpoch` with the epoch's record. */
export type EpochListener = (record: EpochRecord, history: LossHistory) => void;

/** Options of `new LossHistory()`: listeners for steps and epochs. */
export interface LossHistoryOptions {
  /** Called after each recorded step. */
  onStep?: StepListener;
  /** Called after each ended epoch. */
  onEpochEnd?: EpochListener;
}

/** The plain-data form of a history (`toJSON`); `plotLosses` accepts it as well. */
export interface LossHistoryJSON {
  /** Every recorded step loss, in order. */
  steps: number[];
  /** One record per ended epoch. */
  epochs: EpochRecord[];
}

interface Listeners {
  step: StepListener[];
  epochEnd: EpochListener[];
}

function checkLoss(value: unknown, argument: string, method: string): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Argument '${argument}' passed to 'LossHistory.${method}' must be a number (got ${value === null ? 'null' : typeof value})`);
  }
}

export class LossHistory {
  readonly #steps: number[] = [];
  readonly #epochs: EpochRecord[] = [];
  /** Index in #steps of the current epoch's first step. */
  #epochStart = 0;
  readonly #listeners: Listeners = { step: [], epochEnd: [] };

  constructor(options: LossHistoryOptions = {}) {
    if (options.onStep) this.#listeners.step.push(options.onStep);
    if (options.onEpochEnd) this.#listeners.epochEnd.push(options.onEpochEnd);
  }

  /**
   * Registers a listener: 'step' after each `recordStep`, 'epochEnd' after each `endEpoch`.
   * Returns a function that removes it. Listeners run synchronously, in registration order;
   * an exception thrown by one propagates to the caller of recordStep / endEpoch.
   */
  on(event: 'step', listener: StepListener): () => void;
  on(event: 'epochEnd', listener: EpochListener): () => void;
  on(event: 'step' | 'epochEnd', listener: StepListener | EpochListener): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError(`Argument 'listener' passed to 'LossHistory.on' must be a function (got ${typeof listener})`);
    }
    if (event !== 'step' && event !== 'epochEnd') {
      throw new TypeError(`Argument 'event' passed to 'LossHistory.on' must be 'step' or 'epochEnd' (got ${String(event)})`);
    }
    const list: unknown[] = event === 'step' ? this.#listeners.step : this.#listeners.epochEnd;
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Records one training step's loss (NaN and infinities are kept: they are what happened). */
  recordStep(loss: number): void {
    checkLoss(loss, 'loss', 'recordStep');
    this.#steps.push(loss);
    const event: StepEvent = { step: this.#steps.length, epoch: this.#epochs.length + 1, loss };
    for (const listener of [...this.#listeners.step]) listener(event, this);
  }

  /**
   * Ends the current epoch: its train loss is the mean of the steps recorded since the previous
   * `endEpoch`. Throws when no step was recorded in it. Returns the new record.
   */
  endEpoch(options: { validation?: number } = {}): EpochRecord {
    const { validation } = options;
    if (validation !== undefined) checkLoss(validation, 'validation', 'endEpoch');
    const count = this.#steps.length - this.#epochStart;
    if (count === 0) {
      throw new Error(`LossHistory.endEpoch: no step recorded in epoch ${this.#epochs.length + 1} (call recordStep first)`);
    }
    let sum = 0;
    for (let i = this.#epochStart; i < this.#steps.length; i++) sum += this.#steps[i]!;
    const record: EpochRecord = { epoch: this.#epochs.length + 1, train: sum / count };
    if (validation !== undefined) record.validation = validation;
    this.#epochs.push(record);
    this.#epochStart = this.#steps.length;
    for (const listener of [...this.#listeners.epochEnd]) listener({ ...record }, this);
    return { ...record };
  }

  /** Every step's loss, in order (a copy). */
  get steps(): number[] {
    return [...this.#steps];
  }

  /** Every finished epoch (copies). */
  get epochs(): EpochRecord[] {
    return this.#epochs.map((e) => ({ ...e }));
  }

  /** The last finished epoch, if any. */
  get lastEpoch(): EpochRecord | undefined {
    const last = this.#epochs[this.#epochs.length - 1];
    return last && { ...last };
  }

  /** Steps recorded in the current, unfinished epoch. */
  get pendingSteps(): number {
    return this.#steps.length - this.#epochStart;
  }

  /** The history as plain data (steps and epoch records), for JSON.stringify and plotLosses. */
  toJSON(): LossHistoryJSON {
    return { steps: this.steps, epochs: this.epochs };
  }
}
