import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { validateText } from '../../../src/config/validate-text.js';

/**
 * Every file in test/fixtures/broken is a plan with known mistakes. Its `# expect: LINE:COL text`
 * header lines say which problems must be reported, where. All of them must come at once: schema
 * problems do not hide the cross-field ones. `# absent: text` lines name problems that must not be
 * reported (a consequence of another problem, reported as if it were news).
 */
const dir = path.resolve(import.meta.dirname, '../../fixtures/broken');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function expectations(text: string): Array<{ line: number; col: number; text: string }> {
  return [...text.matchAll(/^# expect: (\d+):(\d+) (.+)$/gm)].map((m) => ({
    line: Number(m[1]),
    col: Number(m[2]),
    text: m[3] as string,
  }));
}

describe('broken-config corpus', () => {
  it('has at least 30 broken configs, each with expectations', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const f of files) expect(expectations(readFileSync(path.join(dir, f), 'utf8')).length, f).toBeGreaterThan(0);
  });

  it.each(files)('%s reports its problems at file:line:col', async (file) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const { problems } = await validateText(file, text, dir, dir);
    const errors = problems.filter((p) => p.severity !== 'warning');
    expect(errors.length, 'the file must not validate').toBeGreaterThan(0);
    // What a command sees: the loader refuses the plan as a whole (exit 2) with the same problems.
    await expect(loadConfig({ file, cwd: dir, cacheDir: null })).rejects.toMatchObject({
      code: 'E_CONFIG',
      problems: expect.arrayContaining(errors),
    });
    for (const e of expectations(text)) {
      const match = errors.find((p) => p.message.includes(e.text));
      expect(
        match,
        `no problem mentions "${e.text}"; got:\n${errors.map((p) => `${p.line}:${p.col} ${p.message}`).join('\n')}`,
      ).toBeDefined();
      expect({ line: match?.line, col: match?.col }).toEqual({ line: e.line, col: e.col });
      expect(match?.file).toBe(file);
    }
    for (const m of text.matchAll(/^# absent: (.+)$/gm))
      expect(problems.map((p) => p.message).join('\n')).not.toContain(m[1]);
  });
});
