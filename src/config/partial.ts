import type { Document } from 'yaml';
import type { z } from 'zod';
import { PARSE_ONCE } from './schema.js';
import { yamlLib } from './yaml-lib.js';
import type { YamlSource } from './yaml-source.js';

/** The plan less the items that fail the schema, so the cross-field rules can still judge the rest. */
export interface PartialPlan<T> {
  config: T;
  /** A copy of the source whose document lacks the left-out items; its nodes keep their original positions. */
  source: YamlSource;
  /** Ids (or flag keys) of the list items left out: a rule finding about one of them is a consequence, not news. */
  leftOut: Set<string>;
}

const MAX_ROUNDS = 20;

/**
 * When the schema refuses a plan, the rules that span fields (references, ordering) would otherwise
 * wait for a second run. This removes what the schema refused (unknown keys; otherwise the innermost
 * list item holding the bad value, e.g. one stage or one gate) from a copy of the YAML document, and
 * tries again, until the rest parses. Null when nothing useful is left (a top-level field is broken).
 */
export function pruneToValid<T>(schema: z.ZodType<T>, source: YamlSource): PartialPlan<T> | null {
  const doc = source.doc.clone() as Document.Parsed;
  const leftOut = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const data: unknown = doc.toJS({ maxAliasCount: 50 });
    const result = schema.safeParse(data, PARSE_ONCE);
    if (result.success) return { config: result.data, source: { ...source, doc, data }, leftOut };
    const targets: Array<Array<string | number>> = [];
    for (const issue of result.error.issues) {
      const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) targets.push([...path, key]);
        continue;
      }
      const item = innermostListItem(path);
      if (!item) return null;
      targets.push(item);
    }
    const { isMap, isScalar } = yamlLib();
    for (const target of dedupe(targets).sort(compareDescending)) {
      const node = doc.getIn(target, true);
      const id = isMap(node) ? (node.get('id', true) ?? node.get('key', true)) : undefined;
      if (isScalar(id)) leftOut.add(String(id.value));
      if (!doc.deleteIn(target)) return null;
    }
  }
  return null;
}

function innermostListItem(path: Array<string | number>): Array<string | number> | null {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'number') return path.slice(0, i + 1);
  return null;
}

function dedupe(paths: Array<Array<string | number>>): Array<Array<string | number>> {
  const keys = new Set(paths.map((p) => JSON.stringify(p)));
  // An item whose ancestor is removed anyway needs no removal of its own.
  return [...keys]
    .map((k) => JSON.parse(k) as Array<string | number>)
    .filter((p, _, all) => !all.some((q) => q.length < p.length && q.every((s, i) => s === p[i])));
}

/** Later list items first, so removing one does not shift the index of another still to remove. */
function compareDescending(a: Array<string | number>, b: Array<string | number>): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return y - x;
    return String(y).localeCompare(String(x));
  }
  return b.length - a.length;
}
