/**
 * Is `text` already the canonical JSON of the value it parses to? Accepts a strict subset, enough for
 * what `createAuditEntry` stores: objects with keys in strictly increasing code-unit order, arrays,
 * strings with nothing to escape, numbers written as JSON.stringify writes them (not -0), true,
 * false, null, and no whitespace. For every text it accepts, `canonicalJson(JSON.parse(text)) === text`: the same members
 * in the same order, strings and integers written back unchanged. Anything else (floats, escapes,
 * unsorted keys, whitespace) returns false and the caller canonicalises the parsed value instead.
 */
export function isCanonicalJsonText(text: string): boolean {
  const end = scanValue(text, 0, 0);
  return end === text.length;
}

const MAX_DEPTH = 64;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index after the value starting at `i`, or -1 when it is not in the accepted subset. */
function scanValue(t: string, i: number, depth: number): number {
  const c = t.charCodeAt(i);
  if (c === QUOTE) return scanString(t, i);
  if (c === 0x7b) return depth < MAX_DEPTH ? scanObject(t, i, depth + 1) : -1; // {
  if (c === 0x5b) return depth < MAX_DEPTH ? scanArray(t, i, depth + 1) : -1; // [
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return scanNumber(t, i);
  if (t.startsWith('true', i) || t.startsWith('null', i)) return i + 4;
  return t.startsWith('false', i) ? i + 5 : -1;
}

function scanString(t: string, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH || c < 0x20 || (c >= 0xd800 && c <= 0xdfff && !isPairAt(t, j))) return -1;
    if (c >= 0xd800 && c <= 0xdbff) j++; // the low half of a pair
  }
  return -1;
}

/** A surrogate is fine only as the high half of a well-formed pair (JSON.stringify escapes lone ones). */
function isPairAt(t: string, j: number): boolean {
  const c = t.charCodeAt(j);
  const d = t.charCodeAt(j + 1);
  return c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff;
}

function scanInteger(t: string, i: number): number {
  let j = i;
  if (t.charCodeAt(j) === 0x2d) j++;
  const first = j;
  while (j < t.length && t.charCodeAt(j) >= 0x30 && t.charCodeAt(j) <= 0x39) j++;
  const digits = j - first;
  if (digits === 0 || digits > 15) return -1;
  if (t.charCodeAt(first) === 0x30 && (digits > 1 || first > i)) return -1; // leading zero, or -0
  const next = t.charCodeAt(j);
  if (next === 0x2e || next === 0x65 || next === 0x45) return -1; // . e E: floats take the slow path
  return j;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A JSON number written as JSON.stringify writes its value: `String(Number(text)) === text` (the
 * same correctly rounded conversion JSON.parse uses), so 0.041 passes and 1e21 (written 1e+21),
 * 1.50 and -0 do not.
 */
function scanNumber(t: string, i: number): number {
  const integerEnd = scanInteger(t, i);
  if (integerEnd !== -1) return integerEnd;
  NUMBER.lastIndex = i;
  if (!NUMBER.test(t)) return -1;
  const text = t.slice(i, NUMBER.lastIndex);
  const value = Number(text);
  return Number.isFinite(value) && !Object.is(value, -0) && String(value) === text ? NUMBER.lastIndex : -1;
}

function scanArray(t: string, i: number, depth: number): number {
  let j = i + 1;
  if (t.charCodeAt(j) === 0x5d) return j + 1;
  for (;;) {
    j = scanValue(t, j, depth);
    if (j === -1) return -1;
    const c = t.charCodeAt(j);
    if (c === 0x5d) return j + 1;
    if (c !== 0x2c) return -1;
    j++;
  }
}

function scanObject(t: string, i: number, depth: number): number {
  let j = i + 1;
  if (t.charCodeAt(j) === 0x7d) return j + 1;
  let previousStart = -1;
  let previousEnd = -1;
  for (;;) {
    if (t.charCodeAt(j) !== QUOTE) return -1;
    const keyEnd = scanString(t, j);
    if (keyEnd === -1 || t.charCodeAt(keyEnd) !== 0x3a) return -1;
    if (previousStart !== -1 && !isBefore(t, previousStart, previousEnd, j + 1, keyEnd - 1)) return -1;
    previousStart = j + 1;
    previousEnd = keyEnd - 1;
    j = scanValue(t, keyEnd + 1, depth);
    if (j === -1) return -1;
    const c = t.charCodeAt(j);
    if (c === 0x7d) return j + 1;
    if (c !== 0x2c) return -1;
    j++;
  }
}

/** t[a, aEnd) < t[b, bEnd) in code-unit order (what `<` on the two keys would say), without slicing. */
function isBefore(t: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  for (; a < aEnd && b < bEnd; a++, b++) {
    const x = t.charCodeAt(a);
    const y = t.charCodeAt(b);
    if (x !== y) return x < y;
  }
  return aEnd - a < bEnd - b; // a prefix sorts first; equal keys are not "before"
}
