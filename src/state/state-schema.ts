import { z } from 'zod';
import type { ReleaseState } from './types.js';

/*
 * The release state document as a schema, mirroring `types.ts`. Every read from a backend goes through
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

const rollbackState = z.looseObject({
  id: z.string().min(1),
  mode: z.string().min(1),
  startedAt: isoTime,
  reason: z.string(),
  steps: z.array(rollbackStep).optional(),
  completedAt: isoTime.optional(),
});

const historyEntry = z.looseObject({
  at: isoTime,
  actor: z.string(),
  action: z.string().min(1),
  reason: z.string().optional(),
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

// A document the schema accepts is a ReleaseState: this line stops compiling when types.ts and the schema drift
// apart, so the validated-then-typed read in state-document.ts stays honest.
const _isReleaseState: (parsed: z.infer<typeof releaseStateSchema>) => ReleaseState = (parsed) => parsed;
void _isReleaseState;

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
      return `${describeValue(value)} is too large (at most ${String(issue.maximum)})`;
    case 'too_small':
      return `${describeValue(value)} is too small (at least ${String(issue.minimum)})`;
    case 'custom':
      return `${describeValue(value)} is ${issue.message}`;
    default:
      return issue.message;
  }
}

/** Every problem of `value` as a release state document; an empty list means it is one. */
export function checkStateDocument(value: unknown): StateIssue[] {
  const parsed = releaseStateSchema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
    where: describePath(issue.path),
    message: describeIssue(issue, value),
  }));
}
