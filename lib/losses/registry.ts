/**
 * The one place loss names are registered. Lookup ignores case, '_' and '-', so the Keras
 * function name ('mean_squared_error'), the Keras class name ('MeanSquaredError'), the TF.js
 * name ('meanSquaredError') and PyTorch's module name ('MSELoss' via the alias 'mse_loss') all
 * resolve; an unknown name gets the closest registered names in its error.
 */

import { LosskitError, describeType } from '../errors';
import type { LossSpec } from './spec';
import { regressionLosses } from './regression';
import { cosineSimilarity } from './cosine';
import { binaryLosses } from './binary';
import { categoricalCrossentropy, categoricalFocalCrossentropy, categoricalHinge } from './categorical';
import { sparseCategoricalCrossentropy } from './sparse';
import { jsDivergence, klDivergence } from './divergence';
import { segmentationLosses } from './segmentation';
import { tripletMargin } from './triplet';
import { ctc } from './ctc';
import { featureMatching } from './feature-matching';
import { pairLosses } from './pairs';

export const ALL_SPECS: readonly LossSpec[] = [
  ...regressionLosses,
  cosineSimilarity,
  ...binaryLosses,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  categoricalFocalCrossentropy,
  categoricalHinge,
  klDivergence,
  jsDivergence,
  ...segmentationLosses,
  tripletMargin,
  ctc,
  featureMatching,
  ...pairLosses,
];

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, '');
}

const byNormalizedName = new Map<string, LossSpec>();
/** Losses added with defineLoss, in definition order. */
export const CUSTOM_SPECS: LossSpec[] = [];

function register(spec: LossSpec): void {
  const names = [spec.name, spec.className, ...spec.aliases];
  for (const name of names) {
    const existing = byNormalizedName.get(normalizeName(name));
    if (existing && existing !== spec) {
      throw new LosskitError('LOSSKIT_INVALID_CONFIG', `The loss name '${name}' is already taken by '${existing.name}'`, {
        argument: 'name',
        expected: 'an unused name',
        actual: name,
      });
    }
  }
  for (const name of names) byNormalizedName.set(normalizeName(name), spec);
}

for (const spec of ALL_SPECS) register(spec);

/** Registers a user-defined loss so getLoss() and config round trips find it by name. */
export function registerCustom(spec: LossSpec): void {
  register(spec);
  CUSTOM_SPECS.push(spec);
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** Up to three candidates within a few edits of `word`, closest first. */
export function closeMatches(word: string, candidates: Iterable<string>, normalize = (s: string) => s): string[] {
  const target = normalize(word);
  const limit = Math.max(2, Math.floor(target.length / 3));
  const scored: Array<[string, number]> = [];
  for (const candidate of candidates) {
    const key = normalize(candidate);
    const distance = key.startsWith(target) || target.startsWith(key) ? 1 : editDistance(target, key);
    if (distance <= limit) scored.push([candidate, distance]);
  }
  scored.sort((p, q) => p[1] - q[1]);
  return [...new Set(scored.map(([candidate]) => candidate))].slice(0, 3);
}

export function findSpec(name: unknown): LossSpec {
  if (typeof name !== 'string') {
    throw new LosskitError(
      'LOSSKIT_INVALID_TYPE',
      `Argument 'name' passed to 'getLoss' must be a string (got ${describeType(name)})`,
      { argument: 'name', expected: 'string', actual: describeType(name) },
    );
  }
  const spec = byNormalizedName.get(normalizeName(name));
  if (spec) return spec;
  const allNames = [...ALL_SPECS, ...CUSTOM_SPECS].flatMap((s) => [s.name, ...s.aliases]);
  const hints = closeMatches(name, allNames, normalizeName);
  const hint = hints.length ? ` Did you mean ${hints.map((h) => `'${h}'`).join(', ')}?` : '';
  throw new LosskitError(
    'LOSSKIT_UNKNOWN_LOSS',
    `Unknown loss '${name}'.${hint} Known losses: ${ALL_SPECS.map((s) => s.name).join(', ')}`,
    { argument: 'name', expected: ALL_SPECS.map((s) => s.name), actual: name },
  );
}
