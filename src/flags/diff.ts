import { describeFlagMeanings, formatFlagMeaning, type FlagMeaningChange } from './semantic-diff.js';
import type { FlagdDocument, JsonValue } from './types.js';

/** Name used in FlagChange.flag for fields outside `flags` ($schema, flag-set metadata). */
export const DOCUMENT_SCOPE = '(document)';

/** One changed leaf: `before`/`after` are undefined when the field is absent on that side. */
export interface FlagChange {
  /** Flag key, or DOCUMENT_SCOPE. */
  flag: string;
  /** Path inside the flag, e.g. `targeting.if[3].fractional[1][1]`; `(flag)` when the whole flag is added or removed. */
  field: string;
  before: JsonValue | undefined;
  after: JsonValue | undefined;
}

/** Every difference between two documents, in a stable order. Empty `changes` means identical. */
export interface FlagDiff {
  changes: FlagChange[];
  /** The same change by meaning (percent, groups, kill switch) for flags in rollout's layout. */
  meanings?: FlagMeaningChange[];
}

type Json = JsonValue | undefined;

function isObject(v: Json): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function joinKey(path: string, key: string): string {
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return segment.startsWith('[') ? segment : key;
  return segment.startsWith('[') ? `${path}${segment}` : `${path}.${segment}`;
}

function unionKeys(a: object, b: object): string[] {
  const keys = Object.keys(a);
  for (const k of Object.keys(b)) if (!(k in a)) keys.push(k);
  return keys;
}

function diffValues(
  before: Json,
  after: Json,
  path: string,
  emit: (field: string, before: Json, after: Json) => void,
): void {
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++)
      diffValues(before[i], after[i], `${path}[${i}]`, emit);
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const key of unionKeys(before, after)) diffValues(before[key], after[key], joinKey(path, key), emit);
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) emit(path, before, after);
}

/**
 * Exact diff of two flag documents (`before` null = no file yet): every changed leaf, per flag.
 * Used by `--dry-run` and for the audit log, so it lists values, never a summary.
 */
export function diffDocuments(before: FlagdDocument | null, after: FlagdDocument): FlagDiff {
  const changes: FlagChange[] = [];
  const push = (flag: string) => (field: string, b: Json, a: Json) =>
    changes.push({ flag, field, before: b, after: a });
  const { flags: beforeFlags = {}, ...beforeTop } = before ?? { flags: {} };
  const { flags: afterFlags, ...afterTop } = after;
  diffValues(beforeTop, afterTop, '', push(DOCUMENT_SCOPE));
  for (const key of unionKeys(beforeFlags, afterFlags)) {
    const b = beforeFlags[key] as unknown as JsonValue | undefined;
    const a = afterFlags[key] as unknown as JsonValue | undefined;
    if (b === undefined || a === undefined) push(key)('(flag)', b, a);
    else diffValues(b, a, '', push(key));
  }
  return { changes, meanings: changes.length ? describeFlagMeanings(before, after) : [] };
}

function show(value: Json): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

/**
 * For people: a rollout flag's change by meaning (`flag: 5 % → 25 %; groups +beta_users`), other
 * changes one line each as `flag  field: before → after`. Empty string when there is no change.
 */
export function formatFlagDiff(diff: FlagDiff): string {
  const explained = new Set((diff.meanings ?? []).map((m) => m.flag));
  const rest = diff.changes
    .filter((c) => !explained.has(c.flag))
    .map((c) => `${c.flag}  ${c.field}: ${show(c.before)} → ${show(c.after)}`);
  return [...(diff.meanings ?? []).map(formatFlagMeaning), ...rest].join('\n');
}
