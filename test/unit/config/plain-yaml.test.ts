import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScalar, parseDocument, stringify } from 'yaml';
import { readPlainYaml, resolvePlain } from '../../../src/config/plain-yaml.js';
import { parseYamlSource } from '../../../src/config/yaml-source.js';
import { DEMO_PLAN_YAML } from '../../../src/demo/plan.js';

/**
 * readPlainYaml is only a faster way to the yaml package's value: whenever it answers, the yaml package
 * (with the options the plan loader uses) must find no error and no warning and give a deep-strictly equal
 * value (-0, NaN and the object used for an alias included). Any difference is a defect of the reader.
 */
const root = path.resolve(import.meta.dirname, '../../..');

function yamlPackage(text: string): { valid: boolean; value: unknown } {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true, customTags: [] });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return { valid: false, value: undefined };
  try {
    return { valid: true, value: doc.toJS({ maxAliasCount: 50 }) };
  } catch {
    return { valid: false, value: undefined };
  }
}

/** Whether the reader agrees with the yaml package: it may decline, but never differ. */
function agrees(text: string): { read: boolean; ok: boolean } {
  const fast = readPlainYaml(text, 16);
  if (!fast) return { read: false, ok: true };
  const reference = yamlPackage(text);
  return { read: true, ok: reference.valid && isDeepStrictEqual(fast.value, reference.value) };
}

const repositoryFiles = execFileSync('git', ['ls-files', '*.yaml', '*.yml', '*.json'], { cwd: root, encoding: 'utf8' })
  .trim()
  .split('\n')
  .filter((f) => !f.endsWith('package-lock.json'));

describe('readPlainYaml against the yaml package', () => {
  it('every YAML and JSON file of the repository: read identically or left to the yaml package', () => {
    const misread: string[] = [];
    let read = 0;
    for (const file of repositoryFiles) {
      const result = agrees(readFileSync(path.join(root, file), 'utf8'));
      if (!result.ok) misread.push(file);
      if (result.read) read++;
    }
    expect(misread).toEqual([]);
    expect(repositoryFiles.length).toBeGreaterThan(50);
    // Most files are in the subset; if this drops, the cold path lost its speed-up for them.
    expect(read / repositoryFiles.length).toBeGreaterThan(0.7);
  });

  it('reads the repository plan, the demo plan, the starter plan and the budget file itself (the speed-up is real)', () => {
    const starter = /const STARTER_PLAN = `([\s\S]*?)`;/.exec(
      readFileSync(path.join(root, 'src/commands/init.ts'), 'utf8'),
    )?.[1];
    expect(starter).toBeDefined();
    for (const text of [
      readFileSync(path.join(root, 'rollout.yaml'), 'utf8'),
      readFileSync(path.join(root, '.perf-budget.json'), 'utf8'),
      DEMO_PLAN_YAML,
      starter!.replace(/\\`/g, '`').replace(/\\\$/g, '$'),
    ]) {
      expect(agrees(text)).toEqual({ read: true, ok: true });
    }
  });

  it('the same object for every use of an anchor, as the yaml package gives', () => {
    const fast = readPlainYaml('a: &x { k: [1, 2] }\nb: *x\nc:\n  - *x\n', 16)!.value as Record<string, unknown>;
    expect(fast.b).toBe(fast.a);
    expect((fast.c as unknown[])[0]).toBe(fast.a);
  });

  it.each([
    [
      'core-schema scalars',
      'a: [~, null, Null, NULL, true, False, TRUE, 0o17, 0x1F, -0, +12, 007, 1e3, .5, 1., -.inf, .NaN, 1_000, yes, on, 2026-12-07]',
    ],
    ['plain scalars with indicators inside', 'a: http://x:9090/path?q=1#frag\nb: a-b:c\nc: "x # y"\nd: -e\ne: 50%\n'],
    ['comments everywhere', '# top\na: 1 # one\n# between\nb:\n  # inside\n  - 2 # two\n'],
    ['a sequence at its key’s column', 'a:\n- 1\n- 2\nb: 3\n'],
    ['compact mappings in a sequence', 'a:\n  - id: x\n    n: 1\n  -   id: y\n      n: 2\n'],
    ['block scalars', 'a: >-\n  one\n  two\nb: |\n  x\n  y\n\nc: |-\n  z\nd: end\n'],
    ['quoted scalars', `a: "tab\\tquote\\" slash\\/ \\u00e9 \\x41"\nb: 'it''s'\nc: ''\nd: ""\n`],
    ['empty values', 'a:\nb: ~\nc: []\nd: {}\n'],
    ['keys that are not strings', 'a: 1\n1: one\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a tab', 'a:\t1\n'],
    ['a merge key', 'a: &x { k: 1 }\nb:\n  <<: *x\n'],
    ['an alias before its anchor', 'a: *x\nb: &x 1\n'],
    ['a second document', 'a: 1\n---\nb: 2\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a nested mapping on one line', 'a: b: c\n'],
    ['an over-indented key', 'a: 1\n  b: 2\n'],
    ['a flow collection over lines', 'a: [1,\n  2]\n'],
    ['JSON with a duplicate key', '{ "a": 1, "a": 2 }'],
    ['JSON', '{\n  "a": [1, 2.5, -0, 1e400, "x:y"],\n  "b": { "c": null }\n}\n'],
    ['__proto__', '__proto__: { polluted: 1 }\n'],
    ['a lone surrogate escape', 'a: "\\ud800"\n'],
    ['folded lines with trailing spaces', 'a: >\n  one  \n  two\nb: 1\n'],
    ['a block scalar at the end of the file', 'a: |\n  x\n'],
    ['a less indented comment after a block scalar', 'a:\n  b: |\n    x\n  # c\n  d: 1\n'],
  ])('%s: read identically or declined', (_name, text) => {
    expect(agrees(text).ok).toBe(true);
  });

  it('resolves plain scalars exactly as the yaml package’s core schema', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.stringMatching(/^[-+.0-9eEoxa-fA-F_]{1,8}$/),
          fc.constantFrom(
            '~',
            'null',
            'Null',
            'NULL',
            'nULL',
            'true',
            'True',
            'TRUE',
            'tRUE',
            '.inf',
            '-.Inf',
            '.NaN',
            '.nan',
            '.NAN',
          ),
          fc.string({ maxLength: 6 }),
        ),
        (s) => {
          const doc = parseDocument(`x: ${s}\n`);
          const node = doc.get('x', true);
          // only where the yaml package also reads the whole string as one plain scalar
          if (doc.errors.length > 0 || !isScalar(node) || node.type !== 'PLAIN' || node.source !== s) return;
          expect(isDeepStrictEqual(resolvePlain(s), node.toJSON())).toBe(true);
        },
      ),
      { numRuns: 2000, seed: 20261207 },
    );
  });

  it('random documents written by the yaml package in many styles: read identically or declined', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_./-]{0,8}$/);
    const scalar = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^[a-z0-9 .:#'"\\-]{0,12}$/),
      fc.integer(),
      fc.double({ noDefaultInfinity: false }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 4 }),
      map: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    })).map;
    let read = 0;
    fc.assert(
      fc.property(
        value,
        fc.record({
          flowLevel: fc.constantFrom(-1, 0, 1, 2, 3),
          indentSeq: fc.boolean(),
          defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
          indent: fc.constantFrom(2, 4),
        }),
        (doc, options) => {
          const flowLevel = options.flowLevel;
          const text = stringify(doc, {
            indentSeq: options.indentSeq,
            indent: options.indent,
            defaultStringType: options.defaultStringType as 'PLAIN',
            ...(flowLevel >= 0 ? { collectionStyle: 'block' as const } : {}),
            lineWidth: 0,
          });
          const result = agrees(text);
          if (result.read) read++;
          expect(result.ok, text).toBe(true);
        },
      ),
      { numRuns: 1500, seed: 20261207 },
    );
    expect(read).toBeGreaterThan(300);
  });

  it('mutations of real plans (a character, a line, an indent changed): never read differently', () => {
    const sources = [readFileSync(path.join(root, 'rollout.yaml'), 'utf8'), DEMO_PLAN_YAML];
    const pieces = sources.map((s) => s.split('\n'));
    const inserts = [
      ':',
      ': ',
      '- ',
      '#',
      ' #',
      '&a ',
      '*a',
      '!',
      '|',
      '>',
      "'",
      '"',
      '{',
      '}',
      '[',
      ']',
      ',',
      '\n',
      ' ',
      '  ',
      '\\',
      '\t',
      '0',
      '-',
      '?',
      '~',
    ];
    fc.assert(
      fc.property(
        fc.nat(pieces.length - 1),
        fc.nat(400),
        fc.integer({ min: 10, max: 50 }),
        fc.array(
          fc.record({
            kind: fc.constantFrom('insert', 'delete', 'indent', 'duplicate'),
            at: fc.nat(5000),
            text: fc.constantFrom(...inserts),
            n: fc.integer({ min: -3, max: 3 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        (which, start, length, edits) => {
          const lines = pieces[which]!;
          const from = start % Math.max(1, lines.length - length);
          let window = lines.slice(from, from + length);
          const base = Math.min(...window.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
          window = window.map((l) => l.slice(Math.min(base, /^ */.exec(l)![0].length)));
          let text = window.join('\n') + '\n';
          for (const e of edits) {
            const at = e.at % Math.max(1, text.length);
            if (e.kind === 'insert') text = text.slice(0, at) + e.text + text.slice(at);
            else if (e.kind === 'delete') text = text.slice(0, at) + text.slice(at + Math.abs(e.n) + 1);
            else {
              const ls = text.split('\n');
              const i = at % ls.length;
              if (e.kind === 'indent') ls[i] = e.n >= 0 ? ' '.repeat(e.n) + ls[i] : ls[i]!.replace(/^ {1,3}/, '');
              else ls.splice(i, 0, ls[i]!);
              text = ls.join('\n');
            }
          }
          expect(agrees(text).ok, text).toBe(true);
        },
      ),
      { numRuns: 3000, seed: 20261207 },
    );
  });
});

describe('parseYamlSource on the plain path', () => {
  it.each([
    ['a JSON array', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['a JSON object', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
    ['a flow sequence in YAML', 'a: ' + '['.repeat(100_000) + ']'.repeat(100_000) + '\n'],
  ])('%s nested 100,000 deep: declined without recursing, then refused with the nesting problem', (_name, text) => {
    expect(readPlainYaml(text, 16)).toBeUndefined();
    const { source, problems } = parseYamlSource('state.json', text);
    expect(source).toBeNull();
    expect(problems[0]?.message).toMatch(/nesting deeper than 32 levels/);
  });

  it('a plan the reader reads reports a schema position exactly where the yaml package puts it', () => {
    const text = 'version: 1\nphases:\n  - id: P0\n    title: x\n    gates:\n      - { id: g, kind: nope }\n';
    const { source } = parseYamlSource('p.yaml', text);
    expect(source).not.toBeNull();
    // positions come from the yaml package, parsed on first use
    expect(source!.lines.linePos(text.indexOf('{ id: g'))).toEqual({ line: 6, col: 9 });
    expect(source!.doc.errors).toEqual([]);
  });

  it('a file outside the subset still gets every yaml problem with its position', () => {
    const { source, problems } = parseYamlSource('p.yaml', 'a: 1\na: 2\nb: [1,\n');
    expect(source).toBeNull();
    expect(problems.map((p) => `${p.line}:${p.col}`)).toContain('2:1');
  });
});
