import type { Document, LineCounter, Node } from 'yaml';
import type { Problem } from '../errors/rollout-error.js';
import { readPlainYaml } from './plain-yaml.js';
import { MAX_PLAN_BYTES } from './read-plan.js';
import { yamlLib } from './yaml-lib.js';
import { findDeepNesting } from './yaml-depth.js';

/** Limits that keep a hostile or broken file from exhausting memory or time. */
export const YAML_LIMITS = { maxBytes: MAX_PLAN_BYTES, maxAliasCount: 50, maxDepth: 32 } as const;

const PLAIN_MAX_DEPTH = YAML_LIMITS.maxDepth / 2;

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  data: unknown;
}

export type Path = ReadonlyArray<string | number | symbol | PropertyKey>;

/**
 * Parse YAML (or JSON, which is YAML) keeping positions; every syntax problem is returned, not thrown.
 * `positions: true` is for a caller that reads the document's nodes at once: the plain reader is skipped.
 */
export function parseYamlSource(
  file: string,
  text: string,
  options: { positions?: boolean } = {},
): { source: YamlSource | null; problems: Problem[] } {
  const problems: Problem[] = [];
  if (Buffer.byteLength(text, 'utf8') > YAML_LIMITS.maxBytes) {
    problems.push({ file, line: 1, col: 1, message: `file is larger than ${YAML_LIMITS.maxBytes} bytes` });
    return { source: null, problems };
  }
  // Most plans are in the plain subset that readPlainYaml reads: the same value, several times faster in a
  // cold process. Positions are needed only to report a problem, so the full parse waits until then. The
  // reader stops at half the depth limit, far below anything the nesting estimate below would refuse.
  const plain = options.positions ? undefined : readPlainYaml(text, PLAIN_MAX_DEPTH);
  if (plain) return { source: deferredSource(file, text, plain.value), problems };
  // The parser recurses per level (and a long run of `- - - …` makes it build huge regular
  // expressions, which can abort the process), so deep nesting is refused before parsing.
  const deep = findDeepNesting(text, YAML_LIMITS.maxDepth, YAML_LIMITS.maxDepth * 2);
  if (deep) {
    problems.push({
      file,
      line: deep.line,
      col: deep.col,
      message: `nesting deeper than ${YAML_LIMITS.maxDepth} levels`,
    });
    return { source: null, problems };
  }
  let parsed: { doc: Document.Parsed; lines: LineCounter };
  try {
    parsed = parseWithPositions(text);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    problems.push({ file, line: 1, col: 1, message: `nesting deeper than ${YAML_LIMITS.maxDepth} levels` });
    return { source: null, problems };
  }
  const { doc, lines } = parsed;
  const at = (offset: number) => lines.linePos(offset);
  for (const e of doc.errors) {
    const pos = at(e.pos[0]);
    problems.push({ file, line: pos.line, col: pos.col, message: describeYamlError(e.code, e.message) });
    // A second document makes every later error noise.
    if (e.code === 'MULTIPLE_DOCS') break;
  }
  for (const w of doc.warnings) {
    // Unknown tags are only warnings in the yaml library; a release plan must not depend on them.
    const pos = at(w.pos[0]);
    problems.push({ file, line: pos.line, col: pos.col, message: describeYamlError(w.code, w.message) });
  }
  if (problems.length > 0) return { source: null, problems };
  const tooDeep = findTooDeep(doc.contents, 0);
  if (tooDeep) {
    const pos = at(tooDeep.range?.[0] ?? 0);
    problems.push({
      file,
      line: pos.line,
      col: pos.col,
      message: `nesting deeper than ${YAML_LIMITS.maxDepth} levels`,
    });
    return { source: null, problems };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'cannot read the document';
    const aliases = /alias count/i.test(message)
      ? `more than ${YAML_LIMITS.maxAliasCount} aliases (*name) would be expanded; write the values out instead`
      : message.slice(0, 200);
    problems.push({ file, line: 1, col: 1, message: aliases });
    return { source: null, problems };
  }
  return { source: { file, doc, lines, data }, problems };
}

function parseWithPositions(text: string): { doc: Document.Parsed; lines: LineCounter } {
  const { LineCounter, parseDocument } = yamlLib();
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    customTags: [],
  });
  return { doc, lines };
}

/** A source read by readPlainYaml: the yaml package parses it (without a problem) the first time a position is asked. */
function deferredSource(file: string, text: string, data: unknown): YamlSource {
  let parsed: { doc: Document.Parsed; lines: LineCounter } | undefined;
  const positions = () => (parsed ??= parseWithPositions(text));
  return {
    file,
    data,
    get doc() {
      return positions().doc;
    },
    get lines() {
      return positions().lines;
    },
  };
}

function describeYamlError(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  if (code === 'DUPLICATE_KEY') return 'duplicate key: each key may appear once in a mapping';
  if (code === 'TAG_RESOLVE_FAILED') return `unknown tag: ${first.replace(/^.*?tag:?\s*/i, '').slice(0, 60)}`;
  if (code === 'MULTIPLE_DOCS')
    return 'a second YAML document starts here (after "---"); a plan is one document: remove the separator or split the file';
  if (code === 'RESOURCE_EXHAUSTION') return `nesting deeper than ${YAML_LIMITS.maxDepth} levels, or too many aliases`;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function findTooDeep(node: Node | null, depth: number): Node | null {
  const { isMap, isPair, isSeq } = yamlLib();
  if (!node) return null;
  if (depth > YAML_LIMITS.maxDepth) return node;
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items) {
      const child = isPair(item) ? (item.value as Node | null) : (item as Node);
      const found = findTooDeep(child, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

/** The position of the node at `path`, or of its nearest existing ancestor; `key` points at a map key. */
export function locate(source: YamlSource, path: Path, key?: string): { line: number; col: number } {
  const { isMap, isScalar, isSeq } = yamlLib();
  let node: unknown = source.doc.contents;
  let best: unknown = node;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      node = pair.value ?? pair.key;
      best = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!node) break;
      best = node;
    } else {
      break;
    }
  }
  if (key !== undefined && isMap(best)) {
    const pair = best.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (pair && isScalar(pair.key)) best = pair.key;
  }
  const offset = (best as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  return source.lines.linePos(offset);
}
