/**
 * Terminal-safe text. Release names, actors, reasons and lock holders come from files, the
 * environment and other people's command lines; printed raw, an ESC sequence recolours or rewrites
 * the terminal, a newline forges a line of output or leaves a YAML comment, and a bidi override
 * reorders what the reader sees. Every such character is shown as a visible escape instead.
 */

// C0 controls, DEL, C1 controls, bidi marks/embeddings/overrides/isolates, line/paragraph separators,
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_INLINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e', '\u0000': '\\0' };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.codePointAt(0) as number;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Escapes every control and bidi character except newline and tab (multi-line human output). */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Escapes every control and bidi character, newline and tab included: a value that must stay on one line. */
export function escapeInline(text: string): string {
  return text.replace(UNSAFE_INLINE, visible);
}

/** The first character `escapeInline` (or, with `multiline`, `escapeControl`) would escape, or null. */
export function findUnsafeCharacter(
  text: string,
  opts: { multiline?: boolean } = {},
): { index: number; shown: string } | null {
  const pattern = new RegExp((opts.multiline ? UNSAFE : UNSAFE_INLINE).source);
  const match = pattern.exec(text);
  return match ? { index: match.index, shown: visible(match[0]) } : null;
}

/** Makes JSON text terminal-safe without changing its value: JSON.stringify leaves C1 and bidi raw. */
export function escapeJsonText(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
}

/** Keys whose values are one-line identities (who, why, what): escaped inline wherever they are printed. */
const INLINE_KEYS = new Set(['actor', 'reason', 'holder', 'release', 'by', 'user', 'host', 'operation', 'signoff']);

/**
 * Escapes, in place, the one-line identity values (`actor`, `reason`, …) of a command's result before
 * its human rendering reads them, so a newline in an actor cannot forge a line. Other strings keep
 * their newlines; the whole rendered text is then passed through `escapeControl`.
 */
export function escapeIdentitiesInPlace(value: unknown, seen = new WeakSet<object>()): void {
  if (!value || typeof value !== 'object' || seen.has(value) || value instanceof Date) return;
  seen.add(value);
  if (Object.isFrozen(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) escapeIdentitiesInPlace(item, seen);
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return;
  const record = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(record)) {
    if (typeof item === 'string' && INLINE_KEYS.has(key)) {
      const escaped = escapeInline(item);
      if (escaped !== item) {
        try {
          record[key] = escaped;
        } catch {
          // a read-only property: the final escapeControl pass still neutralises escape sequences
        }
      }
    } else escapeIdentitiesInPlace(item, seen);
  }
}
