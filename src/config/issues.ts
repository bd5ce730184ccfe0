import type { z } from 'zod';
import type { Problem } from '../errors/rollout-error.js';
import { suggest } from './suggest.js';
import { locate, type YamlSource } from './yaml-source.js';

type AnySchema = z.core.$ZodType;
type Def = {
  type: string;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  innerType?: AnySchema;
  options?: AnySchema[];
  discriminator?: string;
  valueType?: AnySchema;
  in?: AnySchema;
};

function defOf(schema: AnySchema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (
      (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') &&
      def.innerType
    )
      s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
}

/** Walk the schema along a data path, choosing discriminated-union members by the data's own tag. */
function schemaAt(root: AnySchema, path: PropertyKey[], data: unknown): AnySchema | null {
  let schema: AnySchema | null = unwrap(root);
  let value: unknown = data;
  for (const segment of path) {
    if (!schema) return null;
    schema = pickUnionMember(schema, value);
    const def = defOf(schema);
    if (def.type === 'object' && def.shape) schema = def.shape[String(segment)] ?? null;
    else if (def.type === 'array' && def.element) schema = def.element;
    else if (def.type === 'record' && def.valueType) schema = def.valueType;
    else return null;
    value = (value as Record<PropertyKey, unknown> | undefined)?.[segment as string];
    schema = schema ? unwrap(schema) : null;
  }
  return schema ? pickUnionMember(schema, value) : null;
}

function pickUnionMember(schema: AnySchema, value: unknown): AnySchema {
  const def = defOf(schema);
  if (def.type !== 'union' || !def.discriminator || !def.options) return schema;
  const tag = (value as Record<string, unknown> | undefined)?.[def.discriminator];
  for (const option of def.options) {
    const literal = defOf(unwrap(option)).shape?.[def.discriminator];
    const values = literal ? (defOf(literal) as Def & { values?: unknown[] }).values : undefined;
    if (values?.includes(tag)) return unwrap(option);
  }
  return schema;
}

function allowedKeys(root: AnySchema, path: PropertyKey[], data: unknown): string[] {
  const schema = schemaAt(root, path, data);
  const shape = schema ? defOf(schema).shape : undefined;
  return shape ? Object.keys(shape) : [];
}

function describePath(path: PropertyKey[]): string {
  return (
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '') || '(top level)'
  );
}

/** Turn every zod issue into a positioned, actionable problem. Never only the first one. */
export function issuesToProblems(issues: z.core.$ZodIssue[], source: YamlSource, root: AnySchema): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path;
    const where = describePath(path);
    if (issue.code === 'unrecognized_keys') {
      const known = allowedKeys(root, path, source.data);
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        const shown = preview(key).slice(1, -1);
        const pos = locate(source, path, key);
        problems.push({
          file: source.file,
          ...pos,
          message: `unknown key "${shown}" in ${where}${hint ? ` (did you mean "${hint}"?)` : ''}`,
        });
      }
      continue;
    }
    const pos = locate(source, path);
    problems.push({ file: source.file, ...pos, message: `${where}: ${describeIssue(issue, source.data)}` });
  }
  return problems;
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as string], data);
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  const value = valueAt(data, issue.path);
  switch (issue.code) {
    case 'invalid_union': {
      const note = issue as typeof issue & { discriminator?: string; options?: unknown[] };
      if (note.discriminator) {
        const options = (note.options ?? []).map(String);
        const hint = typeof value === 'string' ? suggest(value, options) : null;
        return `${value === undefined ? 'missing' : `unknown ${note.discriminator} ${preview(value)}`}; expected one of ${options.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
      }
      return issue.message;
    }
    case 'invalid_type':
      if (typeof value === 'number' && !Number.isFinite(value)) {
        return `${Number.isNaN(value) ? 'not a number (.nan)' : 'an infinite number (.inf, or too large to represent)'} is not allowed; write a finite number`;
      }
      if (issue.path.length === 0 && value !== undefined) {
        return `the file is not a rollout plan: expected a mapping of settings (version, release, phases, …), got ${describeKind(value)}`;
      }
      return value === undefined
        ? `required (${issue.expected})`
        : `expected ${issue.expected}, got ${describeValue(value)}`;
    case 'invalid_value': {
      if (value === undefined) return `required (${issue.values.map((v) => JSON.stringify(v)).join(' | ')})`;
      const values = issue.values.map((v) => JSON.stringify(v));
      const hint = typeof value === 'string' ? suggest(value, issue.values.map(String)) : null;
      return `${preview(value)} is not allowed; expected ${values.join(' | ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
    }
    case 'too_big':
      return `${preview(value)} is too large (at most ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : ''})`;
    case 'too_small':
      return issue.origin === 'array'
        ? `needs at least ${String(issue.minimum)} item(s)`
        : `${preview(value)} is too small (at least ${String(issue.minimum)})`;
    case 'invalid_format':
      return `${preview(value)} is not valid: expected ${issue.message.startsWith('Invalid') ? issue.format : issue.message}`;
    default:
      return issue.message;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'binary data (!!binary)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${preview(value)}`;
}

function describeKind(value: unknown): string {
  if (value === null) return 'an empty document';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/** A value quoted in a message: one short line, so a mistaken file's content is never echoed at length. */
export function preview(value: unknown, max = 40): string {
  const text = JSON.stringify(value) ?? String(value);
  // JSON escapes C0 controls; bidi overrides and C1 controls must not reach a terminal either.
  const safe = text.replace(
    /[\u0080-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}
