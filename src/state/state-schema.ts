import { z } from 'zod';
import type { ReleaseState } from './types.js';

/*
 * The release state document as a schema, checked against `types.ts` at compile time (below). Every read from a backend goes through
 * it, so a hand-edited or damaged document (percent 1000, status "exploded", a timestamp that is not one)
 * is refused with every problem at once instead of steering a release. Objects are loose: fields added
 * later by newer code are carried through untouched, and optional fields stay optional.
 */

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'not an ISO timestamp' });
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const percent = z.number().min(0).max(100);

export const stagePositionSchema = z.looseObject({ index: count, id: z.string().min(1), startedAt: isoTime });

export const flagStateSchema = z.looseObject({
  percent,
  groups: z.array(z.string()),
  killSwitch: z.boolean(),
  updatedAt: isoTime,
  file: z.string().optional(),
  files: z.array(z.string()).optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'a sha256 in hex')
    .optional(),
});

const signoff = z.looseObject({
  item: z.string().min(1),
  phase: z.string(),
  actor: z.string(),
  at: isoTime,
  reason: z.string(),
});

const intent = z.looseObject({
  id: z.string().min(1),
  kind: z.string().min(1),
  target: z.unknown(),
  startedAt: isoTime,
  actor: z.string(),
});

const rollbackStep = z.looseObject({ percent, notBefore: isoTime, done: z.boolean() });

const rollbackFrom = z.looseObject({
  phase: z.string().nullable(),
  stage: z.string().nullable(),
  percent: percent.nullable(),
  groups: z.array(z.string()),
});

const rampDownRunner = z.looseObject({
  actor: z.string(),
  pid: z.number().int().positive(),
  host: z.string(),
  startedAt: isoTime,
  heartbeatAt: isoTime,
});

const rollbackState = z.looseObject({
  id: z.string().min(1),
  mode: z.string().min(1),
  startedAt: isoTime,
  reason: z.string(),
  steps: z.array(rollbackStep).optional(),
  completedAt: isoTime.optional(),
  actor: z.string().optional(),
  from: rollbackFrom.optional(),
  runner: rampDownRunner.optional(),
});

const historyEntry = z.looseObject({
  at: isoTime,
  actor: z.string(),
  action: z.string().min(1),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
  reason: z.string().optional(),
  evidence: z.unknown().optional(),
  serial: count,
});

export const releaseStateSchema = z.looseObject({
  schemaVersion: z.literal(1),
  release: z.string().min(1),
  lineage: z.string().min(1),
  serial: count,
  configHash: z.string(),
  status: z.enum(['not-started', 'in-progress', 'completed', 'rolled-back']),
  phase: z.string().min(1).nullable(),
  phaseStartedAt: isoTime.nullable(),
  stage: stagePositionSchema.nullable(),
  flags: z.record(z.string(), flagStateSchema),
  signoffs: z.array(signoff),
  evidence: z.record(z.string(), z.unknown()),
  intent: intent.nullable(),
  rollback: rollbackState.nullable(),
  history: z.array(historyEntry),
});

// The schema and the documented types in types.ts are checked against each other in both directions, so
// neither can drift without the build failing:
// - what the schema accepts is a ReleaseState: readers get the parsed value, typed, with no cast;
// - every ReleaseState the code can build is a document the schema is shaped to accept.
const _parsedIsReleaseState: (parsed: z.output<typeof releaseStateSchema>) => ReleaseState = (parsed) => parsed;
const _releaseStateIsDocument: (state: ReleaseState) => z.input<typeof releaseStateSchema> = (state) => state;
void _parsedIsReleaseState;
void _releaseStateIsDocument;

// - every field types.ts documents, optional ones included, has a rule here (looseness would otherwise let an
//   undescribed optional field through unchecked). `Undescribed<…>` lists the fields that have none.
type Named<T> = keyof { [K in keyof T as string extends K ? never : K]: T[K] };
type Undescribed<T, Schema extends z.ZodType> = Exclude<keyof T, Named<z.output<Schema>>>;
type Rollback = NonNullable<ReleaseState['rollback']>;
const _everyFieldDescribed: [
  Undescribed<ReleaseState, typeof releaseStateSchema>,
  Undescribed<NonNullable<ReleaseState['stage']>, typeof stagePositionSchema>,
  Undescribed<ReleaseState['flags'][string], typeof flagStateSchema>,
  Undescribed<ReleaseState['signoffs'][number], typeof signoff>,
  Undescribed<NonNullable<ReleaseState['intent']>, typeof intent>,
  Undescribed<Rollback, typeof rollbackState>,
  Undescribed<NonNullable<Rollback['steps']>[number], typeof rollbackStep>,
  Undescribed<NonNullable<Rollback['from']>, typeof rollbackFrom>,
  Undescribed<NonNullable<Rollback['runner']>, typeof rampDownRunner>,
  Undescribed<ReleaseState['history'][number], typeof historyEntry>,
] extends never[]
  ? true
  : false = true;
void _everyFieldDescribed;

/** One thing wrong with a state document: where (a JSON path such as `flags["x"].percent`) and what. */
export interface StateIssue {
  path: Array<string | number>;
  where: string;
  message: string;
}

function describePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(p))) out += `.${String(p)}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out.replace(/^\./, '') || '(top level)';
}

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    data,
  );
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  const value = valueAt(data, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined
        ? `required (${issue.expected})`
        : `expected ${issue.expected}, got ${describeValue(value)}`;
    case 'invalid_value':
      return value === undefined
        ? `required (${issue.values.map((v) => JSON.stringify(v)).join(' | ')})`
        : `${describeValue(value)} is not allowed; expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}`;
    case 'too_big':
      return `${describeValue(value)} is too large (${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)})`;
    case 'too_small':
      return `${describeValue(value)} is too small (${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)})`;
    case 'custom':
      return `${describeValue(value)} is ${issue.message}`;
    default:
      return issue.message;
  }
}

/** `value` parsed as a release state document, or every problem it has (never an empty list). */
export function parseStateDocument(
  value: unknown,
): { ok: true; state: ReleaseState } | { ok: false; issues: StateIssue[] } {
  const parsed = releaseStateSchema.safeParse(value);
  if (parsed.success) return { ok: true, state: parsed.data };
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
    where: describePath(issue.path),
    message: describeIssue(issue, value),
  }));
  return { ok: false, issues };
}

/** Every problem of `value` as a release state document; an empty list means it is one. */
export function checkStateDocument(value: unknown): StateIssue[] {
  const parsed = parseStateDocument(value);
  return parsed.ok ? [] : parsed.issues;
}
