/**
 * Loss configuration: defaults, validation, and the JSON form that getConfig() returns and
 * getLoss() accepts back. Options are camelCase; Keras' snake_case spellings ('label_smoothing')
 * are accepted and normalised.
 */

import { LosskitError, describeType } from './errors';
import { standardizeReduction, type Reduction } from './reduce';
import { closeMatches, findSpec } from './losses/registry';
import type { LossSpec } from './losses/spec';

/** The serialisable configuration of a loss: its canonical name, reduction and options. */
export interface LossConfig {
  /** The canonical loss name, e.g. 'huber'. */
  name: string;
  /** The resolved reduction. */
  reduction: Reduction;
  [option: string]: unknown;
}

/** Options a caller may pass; every key is optional. */
export interface LossOptions {
  /** 'sum_over_batch_size' (default; alias 'mean'), 'sum', 'none' or 'weighted_mean' (alias
   * 'mean_with_sample_weight'); null means the default. */
  reduction?: Reduction | 'mean_with_sample_weight' | null;
  /** Ignored when it names the same loss; lets a getConfig() result be passed back. */
  name?: string;
  [option: string]: unknown;
}

const camelCase = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function resolveConfig(spec: LossSpec, options: unknown): LossConfig {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new LosskitError(
      'LOSSKIT_INVALID_CONFIG',
      `The options of '${spec.name}' must be an object (got ${describeType(options)})`,
      { argument: 'config', expected: 'object', actual: describeType(options) },
    );
  }
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((options ?? {}) as Record<string, unknown>)) {
    given[camelCase(key)] = value;
  }
  if (given.name !== undefined && findSpec(given.name) !== spec) {
    throw new LosskitError(
      'LOSSKIT_INVALID_CONFIG',
      `Option 'name' names another loss ('${String(given.name)}') than '${spec.name}'`,
      { argument: 'name', expected: spec.name, actual: given.name },
    );
  }
  const config: LossConfig = { name: spec.name, reduction: standardizeReduction(given.reduction, spec.name) };
  const known = ['name', 'reduction', ...Object.keys(spec.options)];
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const hints = closeMatches(key, known);
    throw new LosskitError(
      'LOSSKIT_INVALID_CONFIG',
      `Unknown option '${key}' for '${spec.name}'.` +
        (hints.length ? ` Did you mean ${hints.map((h) => `'${h}'`).join(', ')}?` : '') +
        ` Its options: ${known.filter((k) => k !== 'name').join(', ')}`,
      { argument: key, expected: known, actual: key },
    );
  }
  for (const [option, optionSpec] of Object.entries(spec.options)) {
    const value = given[option] === undefined ? optionSpec.default : given[option];
    config[option] = optionSpec.validate(value, option, spec.name);
  }
  spec.checkConfig?.(config);
  return config;
}
