import { describe, expect, it } from 'vitest';
import { findDeepNesting } from '../../../src/config/yaml-depth.js';
import { parseYamlSource } from '../../../src/config/yaml-source.js';

/** The pre-parse depth scan must stop hostile nesting and never flag what real plans contain. */
describe('findDeepNesting', () => {
  it.each([
    ['brackets inside plain scalars', `q: ${'rate(x[5m])'.repeat(100)}\n`],
    ['brackets inside quoted strings', `q: "${'['.repeat(200)}"\nr: '${'{'.repeat(200)}'\n`],
    ['brackets in comments', `a: 1 # ${'['.repeat(200)}\n`],
    [
      'a block scalar with ever deeper lines',
      `q: |\n${Array.from({ length: 80 }, (_, i) => `${' '.repeat(i + 2)}x`).join('\n')}\nb: 1\n`,
    ],
    ['a flow list spread over lines', `a: [\n  1,\n  [2, 3],\n  {b: [4]}\n]\n`],
  ])('does not flag %s', (_name, text) => {
    expect(findDeepNesting(text, 32, 64)).toBeNull();
  });

  it.each([
    ['flow lists', `a: ${'['.repeat(100)}${']'.repeat(100)}\n`, { line: 1, col: 35 }],
    ['compact sequences', `a:\n  ${'- '.repeat(100)}x\n`, { line: 2, col: 65 }],
    [
      'indented mappings',
      Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n',
      { line: 33, col: 33 },
    ],
  ])('flags nesting of %s where it passes 32 levels', (_name, text, at) => {
    expect(findDeepNesting(text, 32, 64)).toEqual(at);
  });

  it('the loader reports the same position as a problem, before parsing', () => {
    const { problems } = parseYamlSource('deep.yaml', `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    expect(problems).toEqual([{ file: 'deep.yaml', line: 1, col: 35, message: 'nesting deeper than 32 levels' }]);
  });
});
