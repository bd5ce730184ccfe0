/**
 * Rendering PromQL templates from `rollout.yaml` (`{{variant}}`, `{{window}}`) without letting a
 * value change the query's structure (reliability.md §5.2). A placeholder's position decides the rule:
 * - inside a "…" or '…' string: the value is escaped as string-literal content (and, after `=~`/`!~`,
 *   as a literal regular expression too, so `a.b` matches only `a.b`);
 * - inside a `…` raw string: no escapes exist, so a value with a backtick is rejected;
 * - anywhere else: the value must be a duration Prometheus parses (`5m`, `48h`, `1h30m`); anything else is rejected.
 */

/** A template could not be rendered safely. `code` is stable; tests and the CLI key on it. */
export class PromqlTemplateError extends Error {
  constructor(
    readonly code: 'PROMQL_MISSING_VARIABLE' | 'PROMQL_UNSAFE_VALUE' | 'PROMQL_BAD_TEMPLATE',
    message: string,
    readonly variable?: string,
  ) {
    super(message);
    this.name = 'PromqlTemplateError';
  }
}

/**
 * A PromQL duration as Prometheus 2.x parses it (`model.ParseDuration`): one or more units, largest
 * first, each at most once (`5m`, `1h30m`, `2w3d`); `30m1h` and `1m1m` are syntax errors there.
 */
export const DURATION_PATTERN = /^(?=\d)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

const UNIT_MS: Record<string, number> = {
  y: 31_536_000_000,
  w: 604_800_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
/** Prometheus keeps durations as int64 nanoseconds; a longer one is "duration out of range". */
const MAX_PROMQL_MS = Number(2n ** 63n / 1_000_000n);

/** True when `value` is a duration Prometheus accepts (syntax and range). */
export function isPromqlDuration(value: string): boolean {
  if (!DURATION_PATTERN.test(value)) return false;
  let ms = 0;
  for (const m of value.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) ms += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return ms < MAX_PROMQL_MS;
}

const PLACEHOLDER = /^\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/;
const RE2_META = /[\\.+*?()|[\]{}^$]/g;

type Context = { in: 'code' } | { in: 'string'; quote: '"' | "'" | '`'; regex: boolean } | { in: 'comment' };

/** Renders `template`, substituting each `{{name}}` from `vars` by the rules above. */
export function renderQuery(template: string, vars: Readonly<Record<string, string>>): string {
  let out = '';
  let ctx: Context = { in: 'code' };
  for (let i = 0; i < template.length;) {
    const placeholder = template.startsWith('{{', i) ? PLACEHOLDER.exec(template.slice(i)) : null;
    if (placeholder) {
      const name = placeholder[1] as string;
      out += substitute(name, vars, ctx);
      i += placeholder[0].length;
      continue;
    }
    if (template.startsWith('{{', i)) {
      throw new PromqlTemplateError(
        'PROMQL_BAD_TEMPLATE',
        `malformed placeholder at offset ${i}: ${template.slice(i, i + 20)}`,
      );
    }
    const ch = template[i] as string;
    if (ctx.in === 'string' && ch === '\\' && ctx.quote !== '`') {
      out += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    ctx = nextContext(ctx, ch, out);
    out += ch;
    i += 1;
  }
  if (ctx.in === 'string')
    throw new PromqlTemplateError('PROMQL_BAD_TEMPLATE', 'unterminated string literal in template');
  return out;
}

/** Escapes `value` as the content of a PromQL string delimited by `quote` (Go escapes; only the delimiter). */
export function escapeStringContent(value: string, quote: '"' | "'" = '"'): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** Escapes RE2 metacharacters (Go's regexp.QuoteMeta set) so a value matches only itself. */
export function escapeRegex(value: string): string {
  return value.replace(RE2_META, (m) => `\\${m}`);
}

/** Checks a value used outside quotes; returns it or throws PROMQL_UNSAFE_VALUE. */
export function assertDuration(value: string, name = 'value'): string {
  if (!isPromqlDuration(value)) {
    throw new PromqlTemplateError(
      'PROMQL_UNSAFE_VALUE',
      `{{${name}}} is used outside quotes, so it must be a duration like 5m, 48h or 1h30m (got ${JSON.stringify(value.slice(0, 40))}); quote it in the template if it is a label value`,
      name,
    );
  }
  return value;
}

function substitute(name: string, vars: Readonly<Record<string, string>>, ctx: Context): string {
  if (!Object.prototype.hasOwnProperty.call(vars, name)) {
    throw new PromqlTemplateError('PROMQL_MISSING_VARIABLE', `template uses {{${name}}} but no value was given`, name);
  }
  const value = vars[name] as string;
  if (ctx.in !== 'string') return assertDuration(value, name);
  if (ctx.quote === '`') {
    if (value.includes('`')) {
      throw new PromqlTemplateError(
        'PROMQL_UNSAFE_VALUE',
        `{{${name}}} sits in a raw \`string\` and its value contains a backtick`,
        name,
      );
    }
    return ctx.regex ? escapeRegex(value) : value;
  }
  return escapeStringContent(ctx.regex ? escapeRegex(value) : value, ctx.quote);
}

function nextContext(ctx: Context, ch: string, before: string): Context {
  if (ctx.in === 'comment') return ch === '\n' ? { in: 'code' } : ctx;
  if (ctx.in === 'string') return ch === ctx.quote ? { in: 'code' } : ctx;
  if (ch === '#') return { in: 'comment' };
  if (ch === '"' || ch === "'" || ch === '`')
    return { in: 'string', quote: ch, regex: /[=!]~\s*$/.test(before.slice(-64)) };
  return ctx;
}

const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/**
 * A cheap structural check of rendered PromQL: brackets balance outside strings and comments and
 * every string ends. Not a parser; it catches the template typos that only Prometheus would report.
 */
export function findPromqlSyntaxProblem(query: string): string | null {
  const open: Array<{ ch: string; at: number }> = [];
  let ctx: Context = { in: 'code' };
  for (let i = 0; i < query.length; i++) {
    const ch = query[i] as string;
    if (ctx.in === 'string' && ch === '\\' && ctx.quote !== '`') {
      i += 1;
      continue;
    }
    if (ctx.in === 'code') {
      if (ch === '(' || ch === '[' || ch === '{') open.push({ ch, at: i });
      else if (ch in CLOSERS) {
        const top = open.pop();
        if (!top || top.ch !== CLOSERS[ch]) return `unbalanced "${ch}" at offset ${i}`;
      }
    }
    ctx = nextContext(ctx, ch, query.slice(Math.max(0, i - 64), i));
  }
  if (ctx.in === 'string') return 'unterminated string literal';
  const last = open.pop();
  return last ? `"${last.ch}" at offset ${last.at} is never closed` : null;
}
