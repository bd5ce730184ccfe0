import { REFINEMENTS, type RefinementName } from './refinements.js';

/**
 * The plan schema as data. Building the zod schema of rollout.yaml costs about a third of `node -e 0`
 * (several hundred schema objects), and a cold `validate` pays it before reading a line. The same
 * schema written down as a table (schema-table.generated.ts, produced from schema.ts by
 * `npm run schema-table`) loads in a fraction of that, and `matchTable` walks it with zod's own
 * rules for the constructs the plan uses. It only ever answers "valid, and this is the parsed
 * value": anything else, or anything it is not certain to read as zod would, goes to zod, which
 * also writes every error message. test/unit/config/schema-table.test.ts holds the table to
 * schema.ts and the walk to zod's results.
 */

export type Check =
  | { c: 'regex'; source: string; flags: string }
  | { c: 'min_length'; min: number }
  | { c: 'greater_than'; value: number; inclusive: boolean }
  | { c: 'less_than'; value: number; inclusive: boolean }
  | { c: 'safeint' }
  | { c: 'refine'; name: RefinementName; args: number[] };

/** How an object reads a key the input lacks: zod's `optin` / `optout` of the key's schema. */
export type Presence = 'required' | 'optional' | 'defaulted' | 'defaulted-optional' | 'optional-in';

type Literal = string | number | boolean | null;
export type TableNode = { checks?: Check[] } & (
  | { t: 'string' | 'number' | 'boolean' | 'unknown' | 'never' }
  | { t: 'literal' | 'enum'; values: Literal[] }
  | { t: 'object'; shape: [key: string, node: number, presence: Presence][]; rest: 'strict' | 'strip' | 'loose' }
  | { t: 'array'; element: number }
  | { t: 'record'; key: number; value: number }
  | { t: 'union'; options: number[] }
  | { t: 'tagged'; key: string; options: [tag: Literal, node: number][] }
  | { t: 'optional'; inner: number; innerDefaulted: boolean }
  | { t: 'nullable'; inner: number }
  | { t: 'default'; inner: number; value: unknown }
);

export interface SchemaTable {
  roots: Record<string, number>;
  nodes: TableNode[];
}

/** The input does not match (zod would report issues). */
const NO: unique symbol = Symbol('no match');
/** The walk cannot vouch for zod's answer on this input: zod decides. */
class Undecided extends Error {}

/**
 * The value zod's `safeParse` returns for `value` against the table's root `root`, or null when the value
 * is invalid or the walk leaves the decision to zod. Never a value zod would not return.
 */
export function matchTable(table: SchemaTable, root: string, value: unknown): { data: unknown } | null {
  const id = table.roots[root];
  if (id === undefined) throw new Error(`the schema table has no root "${root}"`);
  try {
    const data = run(table, id, value);
    return data === NO ? null : { data };
  } catch (error) {
    if (error instanceof Undecided) return null;
    throw error;
  }
}

function run(table: SchemaTable, id: number, value: unknown): unknown {
  const node = table.nodes[id];
  if (node === undefined) throw new Error(`the schema table has no node ${id}`);
  const out = parse(table, node, value);
  if (out === NO || !node.checks) return out;
  for (let i = 0; i < node.checks.length; i++) if (!passes(node.checks[i]!, out)) return NO;
  return out;
}

function parse(table: SchemaTable, node: TableNode, v: unknown): unknown {
  switch (node.t) {
    case 'string':
      return typeof v === 'string' ? v : NO;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? v : NO;
    case 'boolean':
      return typeof v === 'boolean' ? v : NO;
    case 'unknown':
      return v;
    case 'never':
      return NO;
    case 'literal':
    case 'enum':
      return node.values.includes(v as Literal) ? v : NO;
    case 'optional':
      if (v === undefined) return node.innerDefaulted ? run(table, node.inner, v) : undefined;
      return run(table, node.inner, v);
    case 'nullable':
      return v === null ? null : run(table, node.inner, v);
    case 'default': {
      if (v === undefined) return copy(node.value);
      const out = run(table, node.inner, v);
      return out === undefined ? copy(node.value) : out;
    }
    case 'array': {
      if (!Array.isArray(v)) return NO;
      const out: unknown[] = new Array<unknown>(v.length);
      for (let i = 0; i < v.length; i++) {
        const item = run(table, node.element, v[i]);
        if (item === NO) return NO;
        out[i] = item;
      }
      return out;
    }
    case 'object': {
      const keys = plainKeys(v);
      if (!keys) return NO;
      const input = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      // Index loops, not destructuring iterators: this runs once per process, in V8's interpreter.
      let present = 0;
      for (let i = 0; i < node.shape.length; i++) {
        const entry = node.shape[i]!;
        const key = entry[0];
        const child = entry[1];
        // Shape keys are never Object.prototype names (schema-table-build.ts), so `in` means an own key.
        if (!(key in input)) {
          if (!absent(table, out, key, child, entry[2])) return NO;
          continue;
        }
        present++;
        const item = run(table, child, input[key]);
        if (item === NO) return NO;
        out[key] = item;
      }
      if (present < keys.length) {
        if (node.rest === 'strict') return NO;
        if (node.rest === 'loose')
          for (const key of keys) if (!node.shape.some((entry) => entry[0] === key)) out[key] = input[key];
      }
      return out;
    }
    case 'record': {
      const keys = plainKeys(v);
      if (!keys) return NO;
      const input = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        const k = run(table, node.key, key);
        if (k === NO) return NO;
        if (k !== key) throw new Undecided();
        const item = run(table, node.value, input[key]);
        if (item === NO) return NO;
        out[key] = item;
      }
      return out;
    }
    case 'union':
      // The first option that accepts the value gives the result, as in zod.
      for (let i = 0; i < node.options.length; i++) {
        const out = run(table, node.options[i]!, v);
        if (out !== NO) return out;
      }
      return NO;
    case 'tagged': {
      if (!plainKeys(v)) return NO;
      const tag = (v as Record<string, unknown>)[node.key];
      for (let i = 0; i < node.options.length; i++) {
        const option = node.options[i]!;
        if (option[0] === tag) return run(table, option[1], v);
      }
      return NO;
    }
  }
}

/** A key the input lacks, read as zod's `handlePropertyResult` reads it. False: the object does not match. */
function absent(table: SchemaTable, out: Record<string, unknown>, key: string, child: number, p: Presence): boolean {
  if (p === 'optional') return true;
  if (p === 'required') return false;
  const value = run(table, child, undefined);
  const optionalOut = p === 'defaulted-optional';
  if (value === NO) return optionalOut;
  if (value === undefined) {
    if (p === 'defaulted') out[key] = undefined;
    return true;
  }
  out[key] = value;
  return true;
}

function passes(check: Check, v: unknown): boolean {
  switch (check.c) {
    case 'regex':
      return typeof v === 'string' && regexOf(check).test(v);
    case 'min_length':
      // zod runs a length check only on a value with a length; strings count code points.
      if (v === null || v === undefined || (v as { length?: unknown }).length === undefined) return true;
      return (typeof v === 'string' ? codePoints(v) : (v as { length: number }).length) >= check.min;
    case 'greater_than':
      return check.inclusive ? (v as number) >= check.value : (v as number) > check.value;
    case 'less_than':
      return check.inclusive ? (v as number) <= check.value : (v as number) < check.value;
    case 'safeint':
      return Number.isSafeInteger(v);
    case 'refine':
      return Boolean(refineOf(check)(v as string));
  }
}

const regexes = new WeakMap<Check, RegExp>();
function regexOf(check: Extract<Check, { c: 'regex' }>): RegExp {
  let re = regexes.get(check);
  if (!re) {
    re = new RegExp(check.source, check.flags);
    regexes.set(check, re);
  }
  re.lastIndex = 0;
  return re;
}

const refinements = new WeakMap<Check, (text: string) => boolean>();
function refineOf(check: Extract<Check, { c: 'refine' }>): (text: string) => boolean {
  let fn = refinements.get(check);
  if (!fn) {
    const make = REFINEMENTS[check.name] as ((...args: number[]) => (text: string) => boolean) | undefined;
    if (!make) throw new Error(`the schema table names an unknown check "${check.name}"`);
    fn = make(...check.args);
    refinements.set(check, fn);
  }
  return fn;
}

/** zod's count of a string's length: a surrogate pair is one code point. */
function codePoints(s: string): number {
  let count = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
}

/**
 * The keys of an object as the plan's readers make it (a plain prototype, ordinary keys), or null for a
 * value that is not an object (zod's isObject: arrays are not). zod treats a key such as `__proto__` or
 * `constructor`, and other prototypes, in ways of its own: zod decides those.
 */
function plainKeys(v: unknown): string[] | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw new Undecided();
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) if (keys[i]! in Object.prototype) throw new Undecided();
  if (Object.getOwnPropertySymbols(v).length > 0) throw new Undecided();
  return keys;
}

/** A default is handed out fresh each time, so no two plans share one object. */
function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, copy(item)]));
  return v;
}
