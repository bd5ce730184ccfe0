import type { FlagSpec, FlagdDocument, FlagdFlag, FlagdMetadata, JsonValue } from './types.js';
import { assertValidFlagSpecs } from './validate-spec.js';

export { FlagSpecError, PERCENT_STEP } from './validate-spec.js';
export type { FlagSpecIssue, FlagSpecIssueCode } from './validate-spec.js';

/** flagd flag-definition schema written into every document. */
export const FLAGD_SCHEMA_URL = 'https://flagd.dev/schema/v0/flags.json';

/**
 * Sum of the `fractional` weights. flagd (v2 bucketing, flagd-core >= 3) maps the 32-bit hash h to
 * bucket = (h * total) >> 32 and requires integer weights, so 100,000 gives 0.001 % steps while staying
 * far below the 2^31 - 1 limit. The scale never changes between stages: only the ratio matters for
 * who is in, but a fixed scale keeps diffs readable.
 */
export const WEIGHT_TOTAL = 100_000;

/** The bucketing algorithm the weights assume; a flagd algorithm change re-buckets everyone. */
export const BUCKETING_ALGORITHM = 'flagd-fractional-v2';

export const DEFAULT_GROUP_ATTRIBUTE = 'groups';
export const DEFAULT_BUCKET_BY = 'targetingKey';

/** Options for the document as a whole. */
export interface BuildFlagDocumentOptions {
  /** Written as `metadata.flagSetId`; flagd merges it into every flag's metadata. Default `rollout`. */
  flagSetId?: string;
}

/** Converts a validated percent to the integer weight of the new variant. */
export function toNewVariantWeight(percent: number): number {
  return Math.round((percent * WEIGHT_TOTAL) / 100);
}

/**
 * Group rule. `merge` wraps a single string in an array, so applications may pass either
 * `groups: ['internal']` or `groups: 'internal'`; `some` over a bare string makes flagd-core throw
 * (reason ERROR, the application's code default), which we do not want a typo in a context to cause.
 */
function buildGroupCondition(groupAttribute: string, groups: string[]): JsonValue {
  return { some: [{ merge: [{ var: groupAttribute }] }, { in: [{ var: '' }, groups] }] };
}

function buildTargeting(spec: FlagSpec, groups: string[]): JsonValue {
  const bucketBy = spec.bucketBy ?? DEFAULT_BUCKET_BY;
  const newWeight = spec.killSwitch ? 0 : toNewVariantWeight(spec.percent);
  // New variant FIRST: it is chosen iff floor(h * T / 2^32) < w, i.e. h / 2^32 < w / T, so the cohort
  // only grows as w grows. Flipping the order between stages would re-bucket most users.
  const fractional: JsonValue = {
    fractional: [
      { cat: [{ var: '$flagd.flagKey' }, { var: bucketBy }] },
      [spec.newVariant, newWeight],
      [spec.fallbackVariant, WEIGHT_TOTAL - newWeight],
    ],
  };
  // Without the guard every request lacking the bucketing attribute would hash the same string
  // (the flag key alone) and all of them would land on one side together.
  const chain: JsonValue[] = [{ var: bucketBy }, fractional, spec.fallbackVariant];
  if (groups.length === 0) return { if: chain };
  const groupVariant = spec.killSwitch ? spec.fallbackVariant : spec.newVariant;
  return { if: [buildGroupCondition(spec.groupAttribute ?? DEFAULT_GROUP_ATTRIBUTE, groups), groupVariant, ...chain] };
}

function buildMetadata(spec: FlagSpec, groups: string[]): FlagdMetadata {
  return {
    ...spec.metadata,
    'rollout.stage_percent': spec.percent,
    'rollout.kill_switch': spec.killSwitch,
    'rollout.new_variant': spec.newVariant,
    'rollout.fallback_variant': spec.fallbackVariant,
    'rollout.groups': groups.join(','),
    'rollout.group_attribute': spec.groupAttribute ?? DEFAULT_GROUP_ATTRIBUTE,
    'rollout.bucket_by': spec.bucketBy ?? DEFAULT_BUCKET_BY,
    'rollout.weight_total': WEIGHT_TOTAL,
    'rollout.bucketing': BUCKETING_ALGORITHM,
  };
}

function buildFlag(spec: FlagSpec): FlagdFlag {
  // Sorted and de-duplicated so that reordering groups in config is not a change.
  const groups = [...new Set(spec.groups)].sort();
  return {
    // Always ENABLED: DISABLED would serve the application's code default, not the fallback variant.
    state: 'ENABLED',
    variants: { [spec.newVariant]: spec.newVariant, [spec.fallbackVariant]: spec.fallbackVariant },
    defaultVariant: spec.fallbackVariant,
    targeting: buildTargeting(spec, groups),
    metadata: buildMetadata(spec, groups),
  };
}

/**
 * Builds the flagd document for the given flags (pure; same input → same output).
 * Throws FlagSpecError listing every invalid field of every spec.
 */
export function buildFlagDocument(input: FlagSpec[], options: BuildFlagDocumentOptions = {}): FlagdDocument {
  assertValidFlagSpecs(input);
  const flags: Record<string, FlagdFlag> = {};
  for (const spec of input) flags[spec.key] = buildFlag(spec);
  return { $schema: FLAGD_SCHEMA_URL, metadata: { flagSetId: options.flagSetId ?? 'rollout' }, flags };
}
