import { refinementOf } from './refinements.js';
import type { Check, Presence, SchemaTable, TableNode } from './schema-table.js';

/**
 * Writes zod schemas down as a schema table (schema-table.ts). Run by `npm run schema-table`, which
 * regenerates schema-table.generated.ts, and by the test that keeps that file equal to schema.ts.
 * It reads zod's schema definitions (`_zod.def`) and refuses any construct, check or option it does
 * not know how zod parses, so a change to the schema that the walk cannot follow fails here, at build
 * time, instead of being read differently at run time.
 */

interface ZodNode {
  _zod: {
    def: ZodDef;
    traits: Set<string>;
    optin?: string;
    optout?: string;
    values?: Set<unknown>;
    propValues?: Record<string, Set<unknown>>;
  };
}
interface ZodDef {
  type: string;
  checks?: ZodNode[];
  check?: string;
  coerce?: boolean;
  shape?: Record<string, ZodNode>;
  catchall?: ZodNode;
  element?: ZodNode;
  keyType?: ZodNode;
  valueType?: ZodNode;
  options?: ZodNode[];
  discriminator?: string;
  unionFallback?: boolean;
  inclusive?: boolean;
  innerType?: ZodNode;
  defaultValue?: unknown;
  values?: unknown[];
  mode?: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  value?: unknown;
  fn?: unknown;
  when?: unknown;
}

const LENGTH_CHECKED = new Set(['string', 'array']);

export function buildSchemaTable(roots: Record<string, unknown>): SchemaTable {
  const nodes: TableNode[] = [];
  const byKey = new Map<string, number>();
  const byInstance = new Map<ZodNode, number>();

  const add = (node: TableNode): number => {
    const key = JSON.stringify(node);
    let id = byKey.get(key);
    if (id === undefined) {
      id = nodes.length;
      nodes.push(node);
      byKey.set(key, id);
    }
    return id;
  };

  const visit = (schema: ZodNode, where: string): number => {
    const seen = byInstance.get(schema);
    if (seen !== undefined) return seen;
    const node = describe(schema, where);
    const id = add(node);
    byInstance.set(schema, id);
    return id;
  };

  const describe = (schema: ZodNode, where: string): TableNode => {
    const def = schema._zod.def;
    const fail = (what: string): never => {
      throw new Error(`schema table: ${where}: ${what}; teach src/config/schema-table.ts and schema-table-build.ts`);
    };
    if (def.coerce) fail('coercion is not supported');
    const checks = checksOf(schema, where, fail);
    const withChecks = (node: TableNode): TableNode => (checks.length ? { ...node, checks } : node);
    switch (def.type) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'unknown':
      case 'never':
        return withChecks({ t: def.type });
      case 'literal':
        return withChecks({ t: 'literal', values: literals(def.values ?? [], fail) });
      case 'enum':
        return withChecks({ t: 'enum', values: literals([...(schema._zod.values ?? [])], fail) });
      case 'array':
        return withChecks({ t: 'array', element: visit(need(def.element, 'element', fail), `${where}[]`) });
      case 'object': {
        const shape: [string, number, Presence][] = [];
        for (const [key, child] of Object.entries(def.shape ?? {})) {
          if (key in Object.prototype) fail(`the key "${key}" is a name zod treats specially`);
          shape.push([key, visit(child, `${where}.${key}`), presence(child, fail)]);
        }
        const rest = !def.catchall
          ? 'strip'
          : def.catchall._zod.def.type === 'never'
            ? 'strict'
            : def.catchall._zod.def.type === 'unknown'
              ? 'loose'
              : fail(`a catchall of type ${def.catchall._zod.def.type} is not supported`);
        return withChecks({ t: 'object', shape, rest });
      }
      case 'record': {
        const keyType = need(def.keyType, 'keyType', fail);
        if (keyType._zod.def.type !== 'string' || keyType._zod.values) fail('only string keys are supported');
        if (def.mode === 'loose') fail('loose records are not supported');
        const key = visit(keyType, `${where}{key}`);
        const value = visit(need(def.valueType, 'valueType', fail), `${where}{}`);
        return withChecks({ t: 'record', key, value });
      }
      case 'union': {
        const options = need(def.options, 'options', fail);
        if (def.discriminator !== undefined) {
          if (def.unionFallback) fail('a discriminated union with fallback is not supported');
          const tag = def.discriminator;
          const tagged: [string | number | boolean | null, number][] = [];
          options.forEach((option, i) => {
            const values = option._zod.propValues?.[tag];
            if (!values?.size) fail(`option ${i} has no values for "${tag}"`);
            for (const value of literals([...(values ?? [])], fail)) {
              if (tagged.some(([v]) => v === value)) fail(`two options share "${tag}" = ${JSON.stringify(value)}`);
              tagged.push([value, visit(option, `${where}<${tag}=${String(value)}>`)]);
            }
          });
          return withChecks({ t: 'tagged', key: tag, options: tagged });
        }
        if (def.inclusive === false) fail('exclusive unions are not supported');
        return withChecks({ t: 'union', options: options.map((o, i) => visit(o, `${where}|${i}`)) });
      }
      case 'optional': {
        if (schema._zod.traits.has('$ZodExactOptional')) fail('exact optionals are not supported');
        const inner = need(def.innerType, 'innerType', fail);
        return withChecks({
          t: 'optional',
          inner: visit(inner, where),
          innerDefaulted: inner._zod.optin === 'defaulted',
        });
      }
      case 'nullable':
        return withChecks({ t: 'nullable', inner: visit(need(def.innerType, 'innerType', fail), where) });
      case 'default': {
        const value = def.defaultValue;
        const json: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
        if (!sameJson(value, json)) fail('a default must be plain data');
        return withChecks({ t: 'default', inner: visit(need(def.innerType, 'innerType', fail), where), value: json });
      }
      default:
        return fail(`the schema type "${def.type}" is not supported`);
    }
  };

  const table: SchemaTable = { roots: {}, nodes };
  for (const [name, schema] of Object.entries(roots)) table.roots[name] = visit(schema as ZodNode, name);
  return table;
}

function checksOf(schema: ZodNode, where: string, fail: (what: string) => never): Check[] {
  const def = schema._zod.def;
  const all = [...(def.check !== undefined && def.type !== 'custom' ? [schema] : []), ...(def.checks ?? [])];
  return all.map((check): Check => {
    const c = check._zod.def;
    const on = (...types: string[]) => {
      if (!types.includes(def.type)) fail(`a ${c.check} check on a ${def.type} is not supported`);
    };
    if (c.when !== undefined && c.check !== 'min_length') fail(`a conditional ${c.check} check is not supported`);
    switch (c.check) {
      case 'string_format':
        on('string');
        if (c.format !== 'regex' || !c.pattern) fail(`the string format "${c.format}" is not supported`);
        return { c: 'regex', source: c.pattern.source, flags: c.pattern.flags };
      case 'min_length':
        if (!LENGTH_CHECKED.has(def.type)) on(...LENGTH_CHECKED);
        return { c: 'min_length', min: need(c.minimum, 'minimum', fail) };
      case 'greater_than':
      case 'less_than':
        on('number');
        if (typeof c.value !== 'number') fail(`a ${c.check} bound that is not a number`);
        return { c: c.check, value: c.value, inclusive: Boolean(c.inclusive) };
      case 'number_format':
        on('number');
        if (c.format !== 'safeint') fail(`the number format "${c.format}" is not supported`);
        return { c: 'safeint' };
      case 'custom': {
        on('string');
        const ref = refinementOf(c.fn);
        if (!ref) fail('a refine() whose function is not made by refinement() (src/config/refinements.ts)');
        return { c: 'refine', name: ref.name, args: ref.args };
      }
      default:
        return fail(`the check "${c.check}" is not supported`);
    }
  });
}

function presence(child: ZodNode, fail: (what: string) => never): Presence {
  const { optin, optout } = child._zod;
  if (optin === undefined) return 'required';
  if (optin === 'optional') return optout === 'optional' ? 'optional' : 'optional-in';
  if (optin === 'defaulted') return optout === 'optional' ? 'defaulted-optional' : 'defaulted';
  return fail(`the optin "${optin}" is not supported`);
}

function literals(values: unknown[], fail: (what: string) => never): (string | number | boolean | null)[] {
  return values.map((v) =>
    v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
      ? v
      : fail(`the literal ${String(v)} is not supported`),
  );
}

function need<T>(value: T | undefined, what: string, fail: (what: string) => never): T {
  return value === undefined ? fail(`no ${what}`) : value;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (a !== null && typeof a === 'object') {
    if (Object.getPrototypeOf(a) !== Object.prototype || b === null || typeof b !== 'object' || Array.isArray(b))
      return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k, i) => k === kb[i] && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return Object.is(a, b);
}
