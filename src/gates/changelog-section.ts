/**
 * A release section of a Keep a Changelog file: a level-2 heading naming the version
 * (`## [2.1.0] - 2026-05-04`, `## v2.1.0`, `## [v2.1.0]`) with at least one entry under it.
 * A mention of the version elsewhere (an `[Unreleased]` note, a link reference, prose) is not one.
 */
export type ReleaseSectionResult =
  | { found: true; line: number; heading: string; entries: number }
  | { found: false; reason: 'no-heading' | 'empty'; line?: number; detail: string };

/** `## [2.1.0] …` or `## 2.1.0 …`: the version is the bracketed text or the first word. */
const HEADING = /^##\s+(?:\[([^\]\s]+)\]|(\S+))(?:\s.*)?$/;

/** `v2.1.0` and `2.1.0` name the same version; nothing else is loosened (2.1.0 is not 2.1.0-rc.1). */
function normaliseVersion(version: string): string {
  return version.trim().replace(/^v(?=\d)/, '');
}

export function findReleaseSection(text: string, version: string): ReleaseSectionResult {
  const want = normaliseVersion(version);
  const lines = text.split(/\r?\n/);
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const m = HEADING.exec(line);
    if (!m || normaliseVersion(m[1] ?? m[2] ?? '') !== want) continue;
    const entries = countEntries(lines, i + 1);
    if (entries === 0)
      return {
        found: false,
        reason: 'empty',
        line: i + 1,
        detail: `line ${i + 1}: the ${version} section has no entries`,
      };
    return { found: true, line: i + 1, heading: line.trim(), entries };
  }
  return {
    found: false,
    reason: 'no-heading',
    detail: `no "## [${want}]" release section (a mention under [Unreleased] is not a release)`,
  };
}

/** List items up to the next level-1 or level-2 heading. */
function countEntries(lines: readonly string[], from: number): number {
  let entries = 0;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^#{1,2}\s/.test(line)) break;
    if (/^\s*[-*+]\s+\S/.test(line)) entries += 1;
  }
  return entries;
}
