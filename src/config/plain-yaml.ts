/**
 * A small reader for the plain subset of YAML that release plans are written in: block mappings and
 * sequences, one-line flow collections, plain, quoted and simple block scalars, comments, anchors and
 * aliases. It exists for speed alone: the yaml package's parser runs once per process, almost entirely in
 * V8's interpreter, and is most of what a cold `validate` costs.
 *
 * It never decides anything on its own. For a document it reads, the value is exactly what the yaml
 * package's `parseDocument(…).toJS()` gives (same core-schema resolution, the same object for every use of
 * an anchor), and that document has no error or warning there; for anything else — a construct outside the
 * subset, or a document that might be invalid — it answers `undefined` and the caller parses with the yaml
 * package, which then reports every problem with its position. The differential tests
 * (test/unit/config/plain-yaml.test.ts) hold it to that on every YAML file of the repository and on
 * random documents and mutations.
 */

class Bail extends Error {}
const BAIL = new Bail('outside the plain subset');

/** Anything here makes the yaml package's treatment subtle enough to leave to it. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const UNSUPPORTED_TEXT = /[\x00-\x09\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff\u2028\u2029]|^(?:---|\.\.\.|%)/m;
const MAX_ALIAS_USES = 20;

/** The core-schema resolution of a plain scalar, as the yaml package does it (yaml/dist/schema/core). */
export function resolvePlain(s: string): unknown {
  // Only these first characters can start a null, a boolean or a number; everything else is a string.
  if (s.length > 0 && !'~nNtTfF0123456789+-.'.includes(s[0]!)) return s;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s)) return s[0] === 't' || s[0] === 'T';
  if (/^0o[0-7]+$/.test(s)) return parseInt(s.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(s)) return parseInt(s, 10);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s))
    return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) return parseFloat(s);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return parseFloat(s);
  return s;
}

/** `{ value }` for a document in the subset, `undefined` for anything to leave to the yaml package. */
export function readPlainYaml(text: string, maxDepth: number): { value: unknown } | undefined {
  if (UNSUPPORTED_TEXT.test(text)) return undefined;
  if (/^\s*[[{]/.test(text)) return readJson(text, maxDepth);
  try {
    return { value: new Reader(text.split('\n'), maxDepth).document() };
  } catch (error) {
    if (error instanceof Bail) return undefined;
    throw error;
  }
}

/**
 * A JSON document (JSON is YAML): JSON.parse gives the yaml package's value, except that it keeps the last
 * of duplicate keys where yaml refuses them, so members are counted (one `:` outside strings each).
 */
function readJson(text: string, maxDepth: number): { value: unknown } | undefined {
  if (/\\u[dD][89a-fA-F]/.test(text)) return undefined; // surrogate escapes
  // Counted before parsing, without recursion: a hostile file may nest far deeper than any stack allows.
  const scan = scanJson(text, maxDepth);
  if (scan === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  let members = 0;
  let unsupported = false;
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) for (const item of v) walk(item);
    else
      for (const [k, item] of Object.entries(v)) {
        if (k === '__proto__' || k.length > 1000) unsupported = true;
        members++;
        walk(item);
      }
  };
  walk(value);
  if (unsupported || members !== scan.colons) return undefined;
  return { value };
}

/** Colons outside strings (one per member) and nesting, or null past `maxDepth` levels. */
function scanJson(text: string, maxDepth: number): { colons: number } | null {
  let colons = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 58) colons++;
    else if (c === 91 || c === 123) {
      if (++depth > maxDepth) return null;
    } else if (c === 93 || c === 125) depth--;
    else if (c === 34) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    }
  }
  return { colons };
}

class Reader {
  private li = 0;
  private readonly anchors = new Map<string, { value: unknown; uses: number }>();
  private aliasUses = 0;

  constructor(
    private readonly lines: string[],
    private readonly maxDepth: number,
  ) {}

  document(): unknown {
    const first = this.peekLine(0);
    if (first === -1 || indentOf(this.lines[first]!) !== 0) throw BAIL; // empty, or not starting at column 0
    const value = this.block(first, 0, 1);
    if (this.peekLine(this.li + 1) !== -1) throw BAIL;
    return value;
  }

  /** The index of the next line with content (not blank, not only a comment) from `from`, or -1. */
  private peekLine(from: number): number {
    for (let i = from; i < this.lines.length; i++) if (!isComment(this.lines[i]!)) return i;
    return -1;
  }

  /** The indent of the next content line after the reader's line, or -1 at the end. */
  private nextIndent(): number {
    const next = this.peekLine(this.li + 1);
    return next === -1 ? -1 : indentOf(this.lines[next]!);
  }

  /** Moves the reader to the next content line (the caller knows there is one). */
  private advance(): void {
    this.li = this.peekLine(this.li + 1);
  }

  /** A block collection whose first entry starts at (line, col). */
  private block(line: number, col: number, depth: number): unknown {
    if (depth > this.maxDepth) throw BAIL;
    this.li = line;
    return isDash(this.lines[line]!, col) ? this.sequence(col, depth) : this.mapping(col, depth);
  }

  private mapping(col: number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (;;) {
      const text = this.lines[this.li]!;
      let at = keyEnd(text, col);
      if (at === col) throw BAIL;
      const key = newKey(out, text.slice(col, at));
      if (text[at] !== ':' || (at + 1 < text.length && text[at + 1] !== ' ')) throw BAIL;
      at = skipSpaces(text, at + 1);
      out[key] = this.value(text, at, col, depth, true);
      const indent = this.nextIndent();
      if (indent < col) return out;
      this.advance();
      if (indent > col || isDash(this.lines[this.li]!, col)) throw BAIL;
    }
  }

  private sequence(col: number, depth: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const text = this.lines[this.li]!;
      out.push(this.value(text, skipSpaces(text, col + 1), col, depth, false));
      const next = this.peekLine(this.li + 1);
      const indent = next === -1 ? -1 : indentOf(this.lines[next]!);
      if (indent < col || (indent === col && !isDash(this.lines[next]!, col))) return out;
      if (indent > col) throw BAIL;
      this.li = next;
    }
  }

  /**
   * The value that starts at `at` on the current line: of a key at column `col` (`inMap`), or of a sequence
   * item whose dash is at `col`. Leaves the reader on the value's last line.
   */
  private value(text: string, at: number, col: number, depth: number, inMap: boolean): unknown {
    if (at >= text.length || text[at] === '#') return this.nested(col, depth, inMap);
    const c = text[at]!;
    if (c === '&') {
      const after = nameEnd(text, at + 1);
      const name = text.slice(at + 1, after);
      if (name === '' || (after < text.length && text[after] !== ' ')) throw BAIL;
      if (this.anchors.has(name)) throw BAIL;
      const rest = skipSpaces(text, after);
      if (rest < text.length && text[rest] !== '#' && startsKey(text, rest)) throw BAIL; // anchor of a key
      const uses = this.aliasUses;
      const value = this.value(text, rest, col, depth, inMap);
      if (this.aliasUses !== uses) throw BAIL; // aliases inside an anchor multiply; leave the count to yaml
      this.anchors.set(name, { value, uses: 0 });
      return value;
    }
    if (!inMap && startsKey(text, at)) {
      if (depth + 1 > this.maxDepth) throw BAIL;
      return this.mapping(at, depth + 1);
    }
    if (c === '|' || c === '>') return this.blockScalar(text, at, col);
    let value: unknown;
    let end: number;
    if (c === '*') [value, end] = this.alias(text, at, false);
    else if (c === '{' || c === '[') [value, end] = this.flow(text, at, depth + 1);
    else if (c === '"') [value, end] = doubleQuoted(text, at);
    else if (c === "'") [value, end] = singleQuoted(text, at);
    else [value, end] = plainInBlock(text, at);
    end = skipSpaces(text, end);
    if (end < text.length && text[end] !== '#') throw BAIL;
    if (end < text.length && text[end - 1] !== ' ') throw BAIL;
    // A more indented line after an inline value would continue a multi-line scalar (or be an error).
    if (this.nextIndent() > col) throw BAIL;
    return value;
  }

  /** The value of `key:` or `-` with nothing after it on the line: a nested block, or null. */
  private nested(col: number, depth: number, inMap: boolean): unknown {
    const line = this.peekLine(this.li + 1);
    if (line === -1) return null;
    const indent = indentOf(this.lines[line]!);
    if (indent > col) return this.block(line, indent, depth + 1);
    // `key:` followed by a sequence at the key's own column
    if (inMap && indent === col && isDash(this.lines[line]!, col)) return this.block(line, col, depth + 1);
    return null;
  }

  private alias(text: string, at: number, flow: boolean): [unknown, number] {
    const end = nameEnd(text, at + 1);
    if (end === at + 1) throw BAIL;
    if (
      end < text.length &&
      !(text[end] === ' ' || (flow && (text[end] === ',' || text[end] === ']' || text[end] === '}')))
    )
      throw BAIL;
    const anchor = this.anchors.get(text.slice(at + 1, end));
    if (!anchor || ++anchor.uses > MAX_ALIAS_USES) throw BAIL;
    this.aliasUses++;
    return [anchor.value, end];
  }

  /** `|`, `|-`, `>`, `>-` with every content line at one indentation and no blank line inside. */
  private blockScalar(text: string, at: number, col: number): string {
    const folded = text[at] === '>';
    let i = at + 1;
    const strip = text[i] === '-';
    if (strip) i++;
    if (skipSpaces(text, i) !== text.length) throw BAIL; // keep (+), explicit indentation, comments
    const first = this.li + 1;
    const indent = first < this.lines.length ? indentOf(this.lines[first]!) : -1;
    if (indent <= col || indent >= this.lines[first]!.length) throw BAIL;
    const content: string[] = [];
    let j = first;
    for (; j < this.lines.length; j++) {
      const line = this.lines[j]!;
      if (line.length === 0) break;
      const own = indentOf(line);
      if (own === line.length) throw BAIL; // a line of spaces
      if (own < indent) break;
      if (own > indent) throw BAIL; // more indented lines fold differently
      content.push(line.slice(indent));
    }
    // Blank lines may only trail the scalar (chomped), never sit inside it or run to the end of the file.
    let k = j;
    while (k < this.lines.length && this.lines[k] === '') k++;
    if (k >= this.lines.length - 1 || (k > j && indentOf(this.lines[k]!) >= indent)) throw BAIL;
    if (k > j && isComment(this.lines[k]!) && indentOf(this.lines[k]!) > col) throw BAIL;
    this.li = j - 1;
    return content.join(folded ? ' ' : '\n') + (strip ? '' : '\n');
  }

  /** A flow collection that opens and closes on this line. */
  private flow(text: string, at: number, depth: number): [unknown, number] {
    if (depth > this.maxDepth) throw BAIL;
    const close = text[at] === '{' ? '}' : ']';
    let i = skipSpaces(text, at + 1);
    if (close === '}') {
      const out: Record<string, unknown> = {};
      if (text[i] === '}') return [out, i + 1];
      for (;;) {
        const start = i;
        i = keyEnd(text, start);
        if (i === start) throw BAIL;
        const key = newKey(out, text.slice(start, i));
        if (text[i] !== ':' || text[i + 1] !== ' ') throw BAIL;
        let value: unknown;
        [value, i] = this.flowValue(text, skipSpaces(text, i + 1), depth);
        out[key] = value;
        i = skipSpaces(text, i);
        if (text[i] === '}') return [out, i + 1];
        if (text[i] !== ',') throw BAIL;
        i = skipSpaces(text, i + 1);
        if (text[i] === '}' || text[i] === ',') throw BAIL;
      }
    }
    const out: unknown[] = [];
    if (text[i] === ']') return [out, i + 1];
    for (;;) {
      let value: unknown;
      [value, i] = this.flowValue(text, i, depth);
      out.push(value);
      i = skipSpaces(text, i);
      if (text[i] === ']') return [out, i + 1];
      if (text[i] !== ',') throw BAIL;
      i = skipSpaces(text, i + 1);
      if (text[i] === ']' || text[i] === ',') throw BAIL;
    }
  }

  private flowValue(text: string, at: number, depth: number): [unknown, number] {
    const c = text[at];
    if (c === '{' || c === '[') return this.flow(text, at, depth + 1);
    if (c === '"') return doubleQuoted(text, at);
    if (c === "'") return singleQuoted(text, at);
    if (c === '*') return this.alias(text, at, true);
    return plainInFlow(text, at);
  }
}

/**
 * A key the yaml package reads as this same string and accepts once: not a number, null or boolean, not
 * `__proto__` or a merge key, at most 1,000 characters (an implicit key is limited to 1,024), not repeated.
 */
function newKey(map: Record<string, unknown>, key: string): string {
  if (key.length > 1000 || key === '__proto__' || key === '<<' || typeof resolvePlain(key) !== 'string') throw BAIL;
  if (Object.prototype.hasOwnProperty.call(map, key)) throw BAIL;
  return key;
}

/** The end of a key (letters, digits, `_`, then also `.`, `/`, `-`) starting at `at`; `at` when none. */
function keyEnd(text: string, at: number): number {
  let i = at;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const word = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
    if (!word && (i === at || !(c === 46 || c === 47 || c === 45))) break;
  }
  return i;
}

/** The end of an anchor or alias name (letters, digits, `_`, `-`) starting at `at`. */
function nameEnd(text: string, at: number): number {
  let i = at;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45)) break;
  }
  return i;
}

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  return i;
}

function isComment(line: string): boolean {
  const i = indentOf(line);
  return i === line.length || line[i] === '#';
}

function isDash(line: string, col: number): boolean {
  return line[col] === '-' && (col + 1 === line.length || line[col + 1] === ' ');
}

function skipSpaces(text: string, at: number): number {
  while (at < text.length && text.charCodeAt(at) === 32) at++;
  return at;
}

/** Whether a `key:` (a key, a colon, then a space or the end of the line) starts at `at`. */
function startsKey(text: string, at: number): boolean {
  const end = keyEnd(text, at);
  if (end === at) return false;
  return text[end] === ':' && (end + 1 === text.length || text[end + 1] === ' ');
}

/** Characters that cannot start a plain scalar (or make it something this reader leaves alone). */
const INDICATOR = new Set([
  '-',
  '?',
  ':',
  ',',
  '[',
  ']',
  '{',
  '}',
  '#',
  '&',
  '*',
  '!',
  '|',
  '>',
  "'",
  '"',
  '%',
  '@',
  '`',
]);

function plainStart(text: string, at: number, flow: boolean): void {
  const c = text[at];
  if (c === undefined || c === ' ') throw BAIL;
  if (!INDICATOR.has(c)) return;
  // "-x" is a plain scalar; "- " is an item, and in a flow collection "-," or "-]" is not plain either
  const next = text[at + 1];
  if (c !== '-' || next === undefined || next === ' ' || (flow && ',[]{}'.includes(next))) throw BAIL;
}

/** A plain scalar in block context: to the end of the line or a ` #` comment. */
function plainInBlock(text: string, at: number): [unknown, number] {
  plainStart(text, at, false);
  // Searched with indexOf, not character by character: a cold start runs this code unoptimised.
  const hash = text.indexOf(' #', at);
  const end = hash === -1 ? text.length : hash + 1;
  const colon = text.indexOf(': ', at + 1);
  // ": " before the comment, or a line that ends in ":", is a nested mapping
  if ((colon !== -1 && colon < end) || (hash === -1 && end - 1 > at && text[end - 1] === ':')) throw BAIL;
  const raw = text.slice(at, end).trimEnd();
  return [resolvePlain(raw), at + raw.length];
}

/** The first index of `c` in `text` at or after `from`, or `text.length`. */
function indexOrEnd(text: string, c: string, from: number): number {
  const i = text.indexOf(c, from);
  return i === -1 ? text.length : i;
}

/** A plain scalar inside a flow collection: up to `,`, `]`, `}` or a comment. */
function plainInFlow(text: string, at: number): [unknown, number] {
  plainStart(text, at, true);
  const stop = Math.min(indexOrEnd(text, ',', at), indexOrEnd(text, ']', at), indexOrEnd(text, '}', at));
  // a nested collection, a comment, or an implicit pair (":" before a space, a separator or the end)
  if (Math.min(indexOrEnd(text, '[', at), indexOrEnd(text, '{', at)) < stop) throw BAIL;
  if (indexOrEnd(text, ' #', at) + 1 < stop) throw BAIL;
  if (indexOrEnd(text, ': ', at) < stop || (stop > at && text[stop - 1] === ':')) throw BAIL;
  const raw = text.slice(at, stop).trimEnd();
  if (raw.length === 0) throw BAIL;
  return [resolvePlain(raw), at + raw.length];
}

const ESCAPES: Record<string, string> = {
  '\\': '\\',
  '"': '"',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  b: '\b',
  f: '\f',
};

/** A double-quoted scalar that closes on this line, with the common escapes. */
function doubleQuoted(text: string, at: number): [string, number] {
  let out = '';
  let i = at + 1;
  for (;;) {
    const next = text.indexOf('"', i);
    const slash = text.indexOf('\\', i);
    if (next === -1) throw BAIL;
    if (slash === -1 || slash > next) return [out + text.slice(i, next), next + 1];
    out += text.slice(i, slash);
    const e = text[slash + 1];
    if (e === undefined) throw BAIL;
    if (e === 'u' || e === 'x' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = text.slice(slash + 2, slash + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw BAIL;
      const code = parseInt(hex, 16);
      if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) throw BAIL;
      out += String.fromCodePoint(code);
      i = slash + 2 + len;
      continue;
    }
    const plain = ESCAPES[e];
    if (plain === undefined) throw BAIL;
    out += plain;
    i = slash + 2;
  }
}

/** A single-quoted scalar that closes on this line (`''` is one quote). */
function singleQuoted(text: string, at: number): [string, number] {
  let out = '';
  let i = at + 1;
  for (;;) {
    const next = text.indexOf("'", i);
    if (next === -1) throw BAIL;
    out += text.slice(i, next);
    if (text[next + 1] === "'") {
      out += "'";
      i = next + 2;
      continue;
    }
    return [out, next + 1];
  }
}
