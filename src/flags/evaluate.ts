import { FlagdCore } from '@openfeature/flagd-core';
import type { FlagdDocument, FlagdFlag } from './types.js';
import { DEFAULT_GROUP_ATTRIBUTE } from './flagd.js';
import { computeBucket } from './murmur3.js';
import { readRolloutShape, type RolloutShape } from './rollout-shape.js';

/** Who is asking: the same data an application puts into its OpenFeature evaluation context. */
export interface FlagEvalContext {
  targetingKey: string;
  /** Stored under the flag's group attribute (`rollout.group_attribute`, default `groups`). */
  groups?: string[];
  /** Any other top-level context attributes (e.g. a custom bucketBy attribute). */
  attrs?: Record<string, string>;
}

/**
 * Why the user got the variant. The first group applies to flags written by `rollout`;
 * the rest mirror flagd's own reasons for any other flag.
 */
export type FlagEvalReason =
  | 'group-rule'
  | 'bucket'
  | 'kill-switch'
  | 'no-bucket-key'
  | 'unexplained'
  | 'targeting-match'
  | 'static'
  | 'default'
  | 'disabled'
  | 'flag-not-found'
  | 'error';

/** Result of evaluateFlag: flagd-core's answer plus a human explanation. */
export interface FlagEvaluation {
  /** null when flagd served no variant (disabled, error, missing flag). */
  variant: string | null;
  value: unknown;
  reason: FlagEvalReason;
  detail: string;
  /** flagd's own reason (TARGETING_MATCH, DEFAULT, STATIC, DISABLED, ERROR). */
  flagdReason: string;
  /** Position of the user on the 0..100 % line, when a bucket was computed. */
  bucketPercent?: number;
}

// Types taken from flagd-core's own signatures so this module depends only on the package it imports.
type EvaluationContext = NonNullable<Parameters<FlagdCore['resolve']>[3]>;
type FlagValueType = Parameters<FlagdCore['resolve']>[0];
type Logger = NonNullable<ConstructorParameters<typeof FlagdCore>[1]>;

const silentLogger: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const cores = new WeakMap<FlagdDocument, { json: string; core: FlagdCore }>();

/** One FlagdCore per document; re-parsed when the document was mutated since the last call. */
function loadCore(doc: FlagdDocument): FlagdCore {
  const json = JSON.stringify(doc);
  const cached = cores.get(doc);
  if (cached && cached.json === json) return cached.core;
  const core = new FlagdCore(undefined, silentLogger);
  core.setConfigurations(json);
  cores.set(doc, { json, core });
  return core;
}

function toEvaluationContext(flag: FlagdFlag | undefined, ctx: FlagEvalContext): EvaluationContext {
  const attribute = flag?.metadata?.['rollout.group_attribute'];
  const groupAttribute = typeof attribute === 'string' ? attribute : DEFAULT_GROUP_ATTRIBUTE;
  const context: EvaluationContext = { ...ctx.attrs, targetingKey: ctx.targetingKey };
  if (ctx.groups !== undefined) context[groupAttribute] = ctx.groups;
  return context;
}

function valueType(flag: FlagdFlag | undefined): FlagValueType {
  const first = flag ? Object.values(flag.variants)[0] : undefined;
  if (typeof first === 'boolean') return 'boolean';
  if (typeof first === 'number') return 'number';
  return first === undefined || typeof first === 'string' ? 'string' : 'object';
}

function resolveWithCore(core: FlagdCore, doc: FlagdDocument, flagKey: string, context: EvaluationContext) {
  const flag = doc.flags[flagKey];
  // The default only comes back on errors; null marks "no value" for the caller.
  return core.resolve(valueType(flag), flagKey, null as unknown as string, context);
}

function formatPercent(value: number): string {
  return String(Number(value.toFixed(3)));
}

interface Explanation {
  variant: string;
  reason: FlagEvalReason;
  detail: string;
  bucketPercent?: number;
}

function explainBucket(shape: RolloutShape, flagKey: string, ctx: FlagEvalContext): Explanation {
  const raw = shape.bucketBy === 'targetingKey' ? ctx.targetingKey : ctx.attrs?.[shape.bucketBy];
  if (!raw) {
    return {
      variant: shape.fallbackVariant,
      reason: 'no-bucket-key',
      detail: `no "${shape.bucketBy}" in the context → ${shape.fallbackVariant}`,
    };
  }
  const bucketPercent = (computeBucket(flagKey + raw, shape.totalWeight) * 100) / shape.totalWeight;
  const share = shape.killSwitch ? shape.stagePercent : (shape.newWeight * 100) / shape.totalWeight;
  const inCohort = bucketPercent < share;
  const comparison = `bucket ${formatPercent(bucketPercent)} ${inCohort ? '<' : '≥'} ${formatPercent(share)} %`;
  if (shape.killSwitch) {
    const after = inCohort ? shape.newVariant : shape.fallbackVariant;
    const detail = `kill switch engaged → ${shape.fallbackVariant}; ${comparison}, so ${after} when it is undone`;
    return { variant: shape.fallbackVariant, reason: 'kill-switch', detail, bucketPercent };
  }
  const variant = inCohort ? shape.newVariant : shape.fallbackVariant;
  return { variant, reason: 'bucket', detail: `${comparison} → ${variant}`, bucketPercent };
}

function explainRollout(shape: RolloutShape, flagKey: string, ctx: FlagEvalContext): Explanation {
  const matched = shape.groups.filter((g) => ctx.groups?.includes(g));
  if (matched.length === 0) return explainBucket(shape, flagKey, ctx);
  const why = `member of ${matched.map((g) => `"${g}"`).join(', ')} (context attribute "${shape.groupAttribute}")`;
  if (shape.killSwitch) {
    return {
      variant: shape.fallbackVariant,
      reason: 'kill-switch',
      detail: `kill switch engaged → ${shape.fallbackVariant}; ${why}, so ${shape.newVariant} when it is undone`,
    };
  }
  return { variant: shape.newVariant, reason: 'group-rule', detail: `${why} → ${shape.newVariant}` };
}

function mapFlagdReason(reason: string | undefined, errorCode: string | undefined): FlagEvalReason {
  if (errorCode === 'FLAG_NOT_FOUND') return 'flag-not-found';
  switch (reason) {
    case 'TARGETING_MATCH':
      return 'targeting-match';
    case 'STATIC':
      return 'static';
    case 'DEFAULT':
      return 'default';
    case 'DISABLED':
      return 'disabled';
    default:
      return 'error';
  }
}

/**
 * Evaluates a flag with @openfeature/flagd-core, exactly as a Node application using the flagd
 * provider in-process would, and explains the outcome (group rule, bucket vs percent, kill switch).
 * The document is treated as a value: mutating it between calls is detected and re-parsed.
 */
export function evaluateFlag(doc: FlagdDocument, flagKey: string, ctx: FlagEvalContext): FlagEvaluation {
  const flag = doc.flags[flagKey];
  const result = resolveWithCore(loadCore(doc), doc, flagKey, toEvaluationContext(flag, ctx));
  const variant = result.variant ?? null;
  const base = { variant, value: result.value ?? undefined, flagdReason: String(result.reason ?? 'UNKNOWN') };
  const shape = flag ? readRolloutShape(flag) : null;
  if (!shape || result.reason !== 'TARGETING_MATCH' || flag?.state !== 'ENABLED') {
    const reason = mapFlagdReason(result.reason, result.errorCode);
    const detail = result.errorMessage ?? `flagd reason ${base.flagdReason}${variant ? ` → ${variant}` : ''}`;
    return { ...base, reason, detail };
  }
  const why = explainRollout(shape, flagKey, ctx);
  if (why.variant !== variant) {
    return {
      ...base,
      reason: 'unexplained',
      detail: `flagd served ${variant} but the rollout layout predicts ${why.variant} (${why.detail})`,
    };
  }
  return {
    ...base,
    reason: why.reason,
    detail: why.detail,
    ...(why.bucketPercent === undefined ? {} : { bucketPercent: why.bucketPercent }),
  };
}

/** Options for evaluateShare. */
export interface EvaluateShareOptions {
  /** Groups given to every key (default none). */
  groups?: string[];
  /** Variant to count as "new"; default the flag's `rollout.new_variant`. */
  variant?: string;
  /** Also return the keys that got the new variant. */
  collectKeys?: boolean;
}

/** How many of `keys` get each variant. */
export interface ShareResult {
  total: number;
  counts: Record<string, number>;
  newVariant: string | undefined;
  withNewVariant: number;
  /** withNewVariant / total, in percent. */
  percent: number;
  keysWithNewVariant?: string[];
}

/** Evaluates `flagKey` for every key with flagd-core and counts the variants served. */
export function evaluateShare(
  doc: FlagdDocument,
  flagKey: string,
  keys: string[],
  options: EvaluateShareOptions = {},
): ShareResult {
  const core = loadCore(doc);
  const flag = doc.flags[flagKey];
  const configured = flag?.metadata?.['rollout.new_variant'];
  const newVariant = options.variant ?? (typeof configured === 'string' ? configured : undefined);
  const counts: Record<string, number> = {};
  const collected: string[] = [];
  for (const targetingKey of keys) {
    const context = toEvaluationContext(flag, { targetingKey, ...(options.groups ? { groups: options.groups } : {}) });
    const variant = resolveWithCore(core, doc, flagKey, context).variant ?? '(none)';
    counts[variant] = (counts[variant] ?? 0) + 1;
    if (options.collectKeys && variant === newVariant) collected.push(targetingKey);
  }
  const withNewVariant = newVariant === undefined ? 0 : (counts[newVariant] ?? 0);
  const percent = keys.length === 0 ? 0 : (withNewVariant * 100) / keys.length;
  return {
    total: keys.length,
    counts,
    newVariant,
    withNewVariant,
    percent,
    ...(options.collectKeys ? { keysWithNewVariant: collected } : {}),
  };
}
