import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PromqlTemplateError, escapeRegex, escapeStringContent, renderQuery } from '../../../src/metrics/promql.js';

/** Go-style unquoting of a double-quoted PromQL literal's content, as Prometheus reads it. */
function unquote(content: string): string {
  let out = '';
  for (let i = 0; i < content.length; i++) {
    const ch = content[i] as string;
    if (ch !== '\\') {
      if (ch === '"') throw new Error(`unescaped quote at ${i}`);
      out += ch;
      continue;
    }
    const next = content[++i];
    if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else if (next === 't') out += '\t';
    else if (next === 'x') {
      out += String.fromCharCode(parseInt(content.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (next === '\\' || next === '"') out += next;
    else throw new Error(`unknown escape \\${next}`);
  }
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof PromqlTemplateError ? error.code : `not a PromqlTemplateError: ${String(error)}`;
  }
  return undefined;
}

describe('renderQuery: label values inside quotes', () => {
  it('substitutes plain values unchanged', () => {
    expect(renderQuery('rate(x{variant="{{variant}}"}[{{window}}])', { variant: 'reserves_v1.1', window: '5m' })).toBe(
      'rate(x{variant="reserves_v1.1"}[5m])',
    );
  });

  it('accepts spaces inside the braces', () => {
    expect(renderQuery('x{a="{{ v }}"}', { v: 'b' })).toBe('x{a="b"}');
  });

  it.each([
    ['"} or vector(1) #', 'x{a="\\"} or vector(1) #"}'],
    ['\\"} or vector(1) #', 'x{a="\\\\\\"} or vector(1) #"}'],
    ['line1\nline2', 'x{a="line1\\nline2"}'],
    ['tab\there\r', 'x{a="tab\\there\\r"}'],
    ['nul\u0000bell\u0007', 'x{a="nul\\x00bell\\x07"}'],
  ])('escapes injection attempt %j', (value, expected) => {
    expect(renderQuery('x{a="{{v}}"}', { v: value })).toBe(expected);
  });

  it('escapes only the delimiter in single-quoted strings', () => {
    expect(renderQuery("x{a='{{v}}'}", { v: `it's "quoted"` })).toBe(`x{a='it\\'s "quoted"'}`);
  });

  it('escapes regex metacharacters after =~ and !~ so values match literally', () => {
    expect(renderQuery('x{a=~"{{v}}", b!~ "{{v}}"}', { v: 'a.c|d' })).toBe(
      'x{a=~"a\\\\.c\\\\|d", b!~ "a\\\\.c\\\\|d"}',
    );
    expect(escapeRegex('.+*?()|[]{}^$\\')).toBe('\\.\\+\\*\\?\\(\\)\\|\\[\\]\\{\\}\\^\\$\\\\');
  });

  it('rejects a backtick in a raw string, where escapes do not exist', () => {
    expect(renderQuery('x{a=`{{v}}`}', { v: 'ok"\\' })).toBe('x{a=`ok"\\`}');
    expect(codeOf(() => renderQuery('x{a=`{{v}}`}', { v: 'a` or vector(1) #' }))).toBe('PROMQL_UNSAFE_VALUE');
  });

  it('keeps escapes already in the template and does not mistake an escaped quote for the end', () => {
    expect(renderQuery('x{a="pre\\"{{v}}"}', { v: '"' })).toBe('x{a="pre\\"\\""}');
  });

  it('keeps any string as exactly one literal whose value is the input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const rendered = renderQuery('m{l="{{v}}"} > 0', { v: value });
        expect(rendered.startsWith('m{l="')).toBe(true);
        expect(rendered.endsWith('"} > 0')).toBe(true);
        expect(unquote(rendered.slice('m{l="'.length, -'"} > 0'.length))).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it('escapes the same way in escapeStringContent', () => {
    expect(escapeStringContent('a"b\\c')).toBe('a\\"b\\\\c');
  });
});

describe('renderQuery: values outside quotes', () => {
  it.each(['5m', '48h', '30s', '100ms', '1d', '2w', '1y', '0s', '1h30m', '2w3d', '1m500ms'])(
    'accepts duration %s (as Prometheus 2.42 does)',
    (window) => {
      expect(renderQuery('rate(x[{{window}}])', { window })).toBe(`rate(x[${window}])`);
    },
  );

  it.each([
    '5 m',
    '5m] or vector(1) #',
    '30m1h',
    '1m1m',
    '99999999999999999999d',
    '300y',
    '-5m',
    '5M',
    'm',
    '5',
    '',
    'stable',
    '5m\n',
    '${window}',
  ])('rejects %j with PROMQL_UNSAFE_VALUE', (window) => {
    expect(codeOf(() => renderQuery('rate(x[{{window}}])', { window }))).toBe('PROMQL_UNSAFE_VALUE');
  });

  it('rejects an unquoted label value (the template must quote it)', () => {
    expect(codeOf(() => renderQuery('x{variant={{variant}}}', { variant: 'stable' }))).toBe('PROMQL_UNSAFE_VALUE');
  });

  it('treats placeholders after a # comment as outside quotes', () => {
    expect(codeOf(() => renderQuery('x # "{{v}}"', { v: 'abc' }))).toBe('PROMQL_UNSAFE_VALUE');
  });
});

describe('renderQuery: template errors', () => {
  it('names a missing variable', () => {
    try {
      renderQuery('x{a="{{variant}}"}', {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PromqlTemplateError);
      expect((error as PromqlTemplateError).code).toBe('PROMQL_MISSING_VARIABLE');
      expect((error as PromqlTemplateError).variable).toBe('variant');
    }
  });

  it('does not read inherited properties as variables', () => {
    expect(codeOf(() => renderQuery('x[{{toString}}]', {}))).toBe('PROMQL_MISSING_VARIABLE');
  });

  it.each(['x{a="{{ bad-name }}"}', 'x{a="{{v"}', 'x[{{}}]'])('rejects malformed placeholder in %s', (template) => {
    expect(codeOf(() => renderQuery(template, { v: '1m' }))).toBe('PROMQL_BAD_TEMPLATE');
  });

  it('rejects an unterminated string', () => {
    expect(codeOf(() => renderQuery('x{a="{{v}}}', { v: 'b' }))).toBe('PROMQL_BAD_TEMPLATE');
  });
});
