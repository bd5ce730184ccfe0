import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findReleaseSection } from '../../../src/gates/changelog-section.js';
import { runGate } from '../../../src/gates/run-gate.js';
import { gateContext } from './context.js';

const UNRELEASED_ONLY = `# Changelog

## [Unreleased]

### Added
- Reserves v1.1 behind the flag; ships in v2.1.0.

## [2.0.0] - 2026-01-10
- Pacing curves.

[2.1.0]: https://example.invalid/compare/v2.0.0...v2.1.0
`;

describe('findReleaseSection', () => {
  it('finds Keep a Changelog release headings with or without brackets, v prefix and date', () => {
    for (const heading of [
      '## [2.1.0] - 2026-05-04',
      '## [v2.1.0]',
      '## v2.1.0',
      '## 2.1.0 – 2026-05-04',
      '## [2.1.0] v2.1.0',
    ]) {
      const r = findReleaseSection(
        `# Changelog\n\n${heading}\n\n### Changed\n- one\n* two\n\n## [2.0.0]\n- old\n`,
        'v2.1.0',
      );
      expect(r, heading).toEqual({ found: true, line: 3, heading, entries: 2 });
    }
  });

  it('does not accept an [Unreleased] mention, a link reference, prose or a code block', () => {
    expect(findReleaseSection(UNRELEASED_ONLY, 'v2.1.0')).toMatchObject({ found: false, reason: 'no-heading' });
    expect(findReleaseSection('Release v2.1.0 is coming.\n```\n## [2.1.0]\n- x\n```\n', 'v2.1.0')).toMatchObject({
      found: false,
      reason: 'no-heading',
    });
  });

  it('does not take a neighbouring version for this one', () => {
    for (const heading of ['## [2.1.0-rc.1]', '## [12.1.0]', '## [2.1.01]', '### [2.1.0]']) {
      expect(findReleaseSection(`${heading}\n- x\n`, '2.1.0'), heading).toMatchObject({
        found: false,
        reason: 'no-heading',
      });
    }
  });

  it('a plan cannot combine releaseSection with contains or matches, nor leave all three out', async () => {
    const { validateText } = await import('../../../src/config/validate-text.js');
    const plan = (gate: string): string =>
      `version: 1\nrelease: v1\nphases:\n  - id: P\n    title: t\n    gates:\n      - { id: cl, kind: file, path: CHANGELOG.md${gate} }\n`;
    const errors = async (gate: string) =>
      (await validateText('rollout.yaml', plan(gate), '/', '/')).problems
        .filter((p) => p.severity !== 'warning')
        .map((p) => p.message);
    expect(await errors(', releaseSection: "{{release}}"')).toEqual([]);
    expect(await errors(', releaseSection: v1, contains: v1')).toEqual([
      'file gate "cl": releaseSection is a check of its own; use a second gate for contains or matches',
    ]);
    expect(await errors('')).toEqual(['file gate "cl" needs contains, matches or releaseSection']);
  });

  it('refuses a release heading with no entries before the next release', () => {
    expect(findReleaseSection('## [2.1.0] - 2026-05-04\n\n### Added\n\n## [2.0.0]\n- old\n', '2.1.0')).toEqual({
      found: false,
      reason: 'empty',
      line: 1,
      detail: 'line 1: the 2.1.0 section has no entries',
    });
  });
});

describe('file gate with releaseSection', () => {
  it('fails on a CHANGELOG that mentions the release only under [Unreleased], passes once it has the section', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-changelog-'));
    const ctx = gateContext({ planDir: dir });
    const gate = { id: 'changelog', kind: 'file', path: 'CHANGELOG.md', releaseSection: '{{release}}' } as const;
    await writeFile(path.join(dir, 'CHANGELOG.md'), UNRELEASED_ONLY);
    const before = await runGate(gate, ctx);
    expect(before).toMatchObject({
      verdict: 'fail',
      reason: 'no-match',
      evidence: { expected: 'a release section for v2.1.0' },
    });
    expect(before.summary).toBe(
      'CHANGELOG.md: no "## [2.1.0]" release section (a mention under [Unreleased] is not a release)',
    );
    await writeFile(
      path.join(dir, 'CHANGELOG.md'),
      UNRELEASED_ONLY.replace('## [Unreleased]', '## [Unreleased]\n\n## [2.1.0] - 2026-05-04'),
    );
    const after = await runGate(gate, ctx);
    expect(after).toMatchObject({ verdict: 'pass', summary: 'CHANGELOG.md:5: ## [2.1.0] - 2026-05-04 (1 entry)' });
  });
});
