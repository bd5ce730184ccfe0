import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { STARTER_BUDGET, STARTER_PLAN } from '../../../src/commands/init.js';
import { refinement } from '../../../src/config/refinements.js';
import { config, PARSE_ONCE, perfBudget } from '../../../src/config/schema.js';
import { matchTable, type SchemaTable } from '../../../src/config/schema-table.js';
import { buildSchemaTable } from '../../../src/config/schema-table-build.js';
import { SCHEMA_TABLE } from '../../../src/config/schema-table.generated.js';
import { parseYamlSource } from '../../../src/config/yaml-source.js';
import { DEMO_PLAN_YAML } from '../../../src/demo/plan.js';
import { REPO_ROOT } from '../../helpers/cli.js';

/**
 * `validate` takes a plan the schema table accepts without asking zod (src/config/schema-table.ts). The
 * table may decline a valid plan (zod then decides), but whenever it answers, zod must accept the same
 * value and return deep-equal data with the same key order; and it must never accept what zod refuses.
 */

/** Keys zod treats specially and the table leaves to zod: the one reason a valid value may be declined. */
function hasSpecialKey(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(hasSpecialKey);
  return Object.keys(v).some((k) => k in Object.prototype) || Object.values(v).some(hasSpecialKey);
}

/** The table against zod on one value; returns whether the table answered. */
function agree(table: SchemaTable, root: string, schema: z.ZodType, data: unknown): boolean {
  const reference = schema.safeParse(data, PARSE_ONCE);
  const fast = matchTable(table, root, data);
  if (fast) {
    expect(reference.success).toBe(true);
    expect(fast.data).toStrictEqual(reference.data);
    expect(JSON.stringify(fast.data)).toBe(JSON.stringify(reference.data));
  } else if (reference.success) {
    // Declining a valid value is allowed only for the keys the table leaves to zod.
    expect(hasSpecialKey(data)).toBe(true);
  }
  return fast !== null;
}

function dataOf(name: string, text: string): unknown {
  const { source } = parseYamlSource(name, text);
  return source ? source.data : undefined;
}

const tracked = execFileSync('git', ['ls-files', '*.yaml', '*.yml'], { cwd: REPO_ROOT, encoding: 'utf8' })
  .trim()
  .split('\n')
  .filter((f) => !f.startsWith('.github/') && !f.includes('docker-compose'));
const plans = [
  ['rollout.yaml (repository)', readFileSync(path.join(REPO_ROOT, 'rollout.yaml'), 'utf8')],
  ['init starter', STARTER_PLAN],
  ['demo plan', DEMO_PLAN_YAML],
  ...tracked.map((f) => [f, readFileSync(path.join(REPO_ROOT, f), 'utf8')]),
]
  .map(([name, text]) => [name, dataOf(name!, text!)] as const)
  .filter(([, data]) => data !== null && typeof data === 'object' && 'phases' in data);

describe('the generated schema table', () => {
  it('is schema.ts written down (run `npm run schema-table` after changing the schema)', () => {
    expect(SCHEMA_TABLE).toEqual(buildSchemaTable({ config, perfBudget }));
  });

  it('accepts the repository plan, the init starter, the demo plan and their budgets as zod does', () => {
    for (const name of ['rollout.yaml (repository)', 'init starter', 'demo plan']) {
      const data = plans.find(([n]) => n === name)?.[1];
      expect(agree(SCHEMA_TABLE, 'config', config, data), name).toBe(true);
    }
    for (const text of [readFileSync(path.join(REPO_ROOT, '.perf-budget.json'), 'utf8'), STARTER_BUDGET])
      expect(agree(SCHEMA_TABLE, 'perfBudget', perfBudget, JSON.parse(text))).toBe(true);
  });

  it.each(plans.map(([name, data]) => [name, data]))('%s: the same answer as zod', (_name, data) => {
    agree(SCHEMA_TABLE, 'config', config, data);
  });

  it('gives zod’s answer on up to three changes to the repository plan, the init starter or the demo plan', () => {
    const bases = ['rollout.yaml (repository)', 'init starter', 'demo plan'].map((name) => {
      const data = plans.find(([n]) => n === name)![1];
      const paths: (string | number)[][] = [];
      const collect = (v: unknown, at: (string | number)[]): void => {
        paths.push(at);
        if (Array.isArray(v)) v.forEach((item, i) => collect(item, [...at, i]));
        else if (v !== null && typeof v === 'object')
          for (const [k, item] of Object.entries(v)) collect(item, [...at, k]);
      };
      collect(data, []);
      return { data, paths };
    });
    const odd = fc.constantFrom<unknown>(
      NaN,
      Infinity,
      -Infinity,
      -1,
      0,
      -0,
      0.5,
      1.5,
      2 ** 53,
      101,
      '',
      ' ',
      'x',
      '😀',
      '0s',
      '1h30m',
      '30m1h',
      '99999d',
      'baseline * 1.5',
      '< 0.01',
      'internal',
      'canary',
      null,
      true,
      false,
      [],
      [1],
      {},
      { kind: 'command' },
      { kind: 'manual', id: 'x' },
    );
    const change = fc.oneof(
      fc.record({ op: fc.constant('set' as const), at: fc.nat(), v: odd }),
      // A value from elsewhere in the plan: well-formed pieces in new places (a gate of another kind, …).
      fc.record({ op: fc.constant('copy' as const), at: fc.nat(), from: fc.nat() }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({
        op: fc.constant('add' as const),
        at: fc.nat(),
        k: fc.constantFrom('extra', 'constructor', '__proto__', 'toString'),
      }),
    );
    type Tree = Record<string | number, unknown>;
    const find = (root: unknown, at: (string | number)[]): unknown => {
      let v = root;
      for (const key of at) {
        if (v === null || typeof v !== 'object') return undefined;
        v = (v as Tree)[key];
      }
      return v;
    };
    const answered = { yes: 0, no: 0 };
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.array(change, { minLength: 1, maxLength: 3 }), (b, changes) => {
        const { data: original, paths } = bases[b]!;
        const data = structuredClone(original) as Tree;
        for (const c of changes) {
          const at = paths[c.at % paths.length]!;
          const parent = find(data, at.slice(0, -1));
          const last = at[at.length - 1];
          const target = find(data, at);
          if (parent === null || typeof parent !== 'object') continue;
          const p = parent as Tree;
          if (c.op === 'set' && last !== undefined) p[last] = c.v;
          else if (c.op === 'copy' && last !== undefined)
            p[last] = structuredClone(find(original, paths[c.from % paths.length]!));
          else if (c.op === 'delete' && last !== undefined) {
            if (Array.isArray(p)) p.splice(last as number, 1);
            else delete p[last];
          } else if (c.op === 'add' && target !== null && typeof target === 'object' && !Array.isArray(target))
            // An own key even for __proto__, as a plan reader produces it.
            Object.defineProperty(target, c.k, { value: 1, enumerable: true, writable: true, configurable: true });
        }
        answered[agree(SCHEMA_TABLE, 'config', config, data) ? 'yes' : 'no']++;
      }),
      { numRuns: 3000, seed: 20261207 },
    );
    // Both outcomes were exercised: the changes make valid and invalid plans.
    expect(answered.yes).toBeGreaterThan(200);
    expect(answered.no).toBeGreaterThan(200);
  });

  it('reads budgets as zod does, extra keys kept', () => {
    for (const data of [
      { hotPaths: { 'a.b': 1 }, p95Max: 400, extra: { nested: [1] } },
      { hotPaths: { x: 0 } },
      { hotPaths: { x: -1 } },
      { errorRateMax: 100.5 },
      { errorRateMax: 100 },
      { p95Max: NaN },
      { hotPaths: [] },
      {},
      [],
      null,
    ])
      agree(SCHEMA_TABLE, 'perfBudget', perfBudget, data);
  });
});

/** A table of one schema, checked against zod on every input. */
function sameAsZod(schema: z.ZodType, inputs: unknown[]): boolean[] {
  const table = buildSchemaTable({ root: schema });
  return inputs.map((input) => agree(table, 'root', schema, input));
}

describe('the walk follows zod', () => {
  it('takes the first union option that accepts, as zod does', () => {
    const schema = z.union([z.strictObject({ a: z.number().default(1) }), z.strictObject({ b: z.string() })]);
    expect(sameAsZod(schema, [{}, { b: 'x' }, { a: 2 }, { a: 'x' }, { c: 1 }, 'x'])).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('reads a discriminated union by its tag', () => {
    const schema = z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('a'), n: z.number() }),
      z.strictObject({ kind: z.literal(['b', 'c']), s: z.string().optional() }),
    ]);
    expect(sameAsZod(schema, [{ kind: 'a', n: 1 }, { kind: 'c' }, { kind: 'a' }, { kind: 'd' }, {}, []])).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('fills defaults, leaves optional keys out, and hands every default out fresh', () => {
    const schema = z.strictObject({
      list: z.array(z.string()).default([]),
      nested: z.strictObject({ x: z.number().default(3) }).default({ x: 3 }),
      maybe: z.string().optional(),
      defaultedOptional: z.string().default('d').optional(),
    });
    expect(sameAsZod(schema, [{}, { maybe: 'm', list: ['a'] }, { nested: {} }, { maybe: null }])).toEqual([
      true,
      true,
      true,
      false,
    ]);
    const table = buildSchemaTable({ root: schema });
    const first = matchTable(table, 'root', {})?.data as { list: string[] };
    first.list.push('changed');
    expect((matchTable(table, 'root', {})?.data as { list: string[] }).list).toEqual([]);
  });

  it('counts a string’s length in code points, bounds numbers, and requires safe integers', () => {
    expect(sameAsZod(z.string().min(2), ['😀', '😀😀', 'ab', 'a', '\ud83d'])).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
    expect(
      sameAsZod(z.number().int().positive().max(10), [1, 10, 0, 11, 1.5, NaN, Infinity, 2 ** 53, -0, '1']),
    ).toEqual([true, true, false, false, false, false, false, false, false, false]);
    expect(sameAsZod(z.number().gt(0).lt(1), [0, 1, 0.5, -0])).toEqual([false, false, true, false]);
  });

  it('runs the named refinements and regexes', () => {
    const schema = z
      .string()
      .regex(/^\d+[smhd]$/)
      .refine(refinement('durationWithin', 1000, 60_000));
    expect(sameAsZod(schema, ['1s', '60s', '61s', '1m', '1h', 'x', '999ms', 5])).toEqual([
      true,
      true,
      false,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('refuses unknown keys of a strict object, drops them from a plain one, keeps them in a loose one', () => {
    const input = { a: 1, b: 2 };
    expect(sameAsZod(z.strictObject({ a: z.number() }), [input])).toEqual([false]);
    expect(sameAsZod(z.object({ a: z.number() }), [input])).toEqual([true]);
    expect(sameAsZod(z.looseObject({ a: z.number() }), [input])).toEqual([true]);
  });

  it('leaves keys zod treats specially and objects with another prototype to zod', () => {
    const schema = z.record(z.string(), z.number());
    const withProto = JSON.parse('{"__proto__": 1}') as unknown;
    expect(sameAsZod(schema, [withProto, { constructor: 1 }, new Map(), Object.create(null)])).toEqual([
      false,
      false,
      false,
      true,
    ]);
  });

  it('refuses, at build time, what it cannot read as zod does', () => {
    const cases: [string, z.ZodType][] = [
      ['email', z.string().email()],
      ['transform', z.string().transform((s) => s.length)],
      ['coerce', z.coerce.number()],
      ['anonymous refine', z.string().refine((s) => s.length > 1)],
      ['lazy', z.lazy(() => z.string())],
      ['max length', z.string().max(3)],
      ['enum-keyed record', z.record(z.enum(['a', 'b']), z.number())],
      ['catchall', z.object({}).catchall(z.string())],
    ];
    for (const [name, schema] of cases)
      expect(() => buildSchemaTable({ root: schema }), name).toThrow(/schema table: root/);
  });
});
