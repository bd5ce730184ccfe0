import type { FlagSpec } from './types.js';

/** Smallest percentage step a spec may use; see WEIGHT_TOTAL in flagd.ts. */
export const PERCENT_STEP = 0.001;

/** Machine-readable reason a FlagSpec was rejected. Tests assert these, not the wording. */
export type FlagSpecIssueCode =
  | 'FLAG_KEY_EMPTY'
  | 'FLAG_KEY_DUPLICATE'
  | 'VARIANT_EMPTY'
  | 'VARIANTS_IDENTICAL'
  | 'PERCENT_INVALID'
  | 'PERCENT_OUT_OF_RANGE'
  | 'PERCENT_TOO_PRECISE'
  | 'GROUP_INVALID'
  | 'KILL_SWITCH_INVALID'
  | 'ATTRIBUTE_INVALID'
  | 'METADATA_RESERVED'
  | 'METADATA_INVALID';

/** One problem with one field of one spec. */
export interface FlagSpecIssue {
  code: FlagSpecIssueCode;
  /** Index of the spec in the input array. */
  index: number;
  key: string;
  field: string;
  message: string;
}

/** Thrown by buildFlagDocument with every problem found, not just the first. */
export class FlagSpecError extends Error {
  readonly code = 'FLAG_SPEC_INVALID';
  constructor(readonly issues: FlagSpecIssue[]) {
    super(`invalid flag spec: ${issues.map((i) => `${i.key || `#${i.index}`}.${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'FlagSpecError';
  }
}

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

function checkPercent(percent: unknown, add: (code: FlagSpecIssueCode, field: string, message: string) => void): void {
  if (typeof percent !== 'number' || !Number.isFinite(percent)) {
    add('PERCENT_INVALID', 'percent', `must be a finite number, got ${String(percent)}`);
  } else if (percent < 0 || percent > 100) {
    add('PERCENT_OUT_OF_RANGE', 'percent', `must be between 0 and 100, got ${percent}`);
  } else {
    // Weights are integers (flagd rejects fractional weights), so the percent must land on the weight grid.
    const steps = percent / PERCENT_STEP;
    if (Math.abs(steps - Math.round(steps)) > 1e-6) {
      add('PERCENT_TOO_PRECISE', 'percent', `must be a multiple of ${PERCENT_STEP}, got ${percent}`);
    }
  }
}

function checkOne(spec: FlagSpec, add: (code: FlagSpecIssueCode, field: string, message: string) => void): void {
  if (isBlank(spec.key)) add('FLAG_KEY_EMPTY', 'key', 'must be a non-empty string');
  if (isBlank(spec.newVariant)) add('VARIANT_EMPTY', 'newVariant', 'must be a non-empty string');
  if (isBlank(spec.fallbackVariant)) add('VARIANT_EMPTY', 'fallbackVariant', 'must be a non-empty string');
  if (!isBlank(spec.newVariant) && spec.newVariant === spec.fallbackVariant) {
    add('VARIANTS_IDENTICAL', 'fallbackVariant', `must differ from newVariant (both "${spec.newVariant}")`);
  }
  checkPercent(spec.percent, add);
  if (!Array.isArray(spec.groups)) add('GROUP_INVALID', 'groups', 'must be an array of strings');
  else {
    // Commas are the separator of the flat `rollout.groups` metadata value.
    spec.groups.forEach((g, i) => {
      if (isBlank(g) || g.includes(','))
        add('GROUP_INVALID', `groups[${i}]`, 'must be a non-empty string without commas');
    });
  }
  for (const field of ['groupAttribute', 'bucketBy'] as const) {
    const value = spec[field];
    // "" would make {"var": ""} return the whole context; "$flagd.*" is flagd's own namespace; a dot
    // makes JsonLogic read a nested attribute, which the flat FlagEvalContext cannot express.
    if (value !== undefined && (isBlank(value) || value.startsWith('$flagd') || value.includes('.'))) {
      add(
        'ATTRIBUTE_INVALID',
        field,
        `must be a non-empty top-level context attribute name (no dots, not $flagd), got "${value}"`,
      );
    }
  }
  if (typeof spec.killSwitch !== 'boolean') add('KILL_SWITCH_INVALID', 'killSwitch', 'must be a boolean');
  for (const [k, v] of Object.entries(spec.metadata ?? {})) {
    if (k.startsWith('rollout.'))
      add('METADATA_RESERVED', `metadata.${k}`, 'keys starting with "rollout." are written by rollout itself');
    const ok = typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok)
      add('METADATA_INVALID', `metadata.${k}`, 'flagd metadata values must be a string, a finite number or a boolean');
  }
}

/** Throws FlagSpecError listing every problem in `specs`; returns normally when all are valid. */
export function assertValidFlagSpecs(specs: readonly FlagSpec[]): void {
  const issues: FlagSpecIssue[] = [];
  const seen = new Set<string>();
  specs.forEach((spec, index) => {
    const add = (code: FlagSpecIssueCode, field: string, message: string): void => {
      issues.push({ code, index, key: typeof spec.key === 'string' ? spec.key : '', field, message });
    };
    checkOne(spec, add);
    if (typeof spec.key === 'string' && spec.key !== '') {
      if (seen.has(spec.key)) add('FLAG_KEY_DUPLICATE', 'key', `flag "${spec.key}" appears more than once`);
      seen.add(spec.key);
    }
  });
  if (issues.length > 0) throw new FlagSpecError(issues);
}
