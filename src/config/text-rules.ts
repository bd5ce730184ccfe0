import { findUnsafeCharacter } from '../output/escape.js';

type Path = (string | number)[];

/** Fields that may span lines (PromQL, descriptions, regular expressions, argv items); the rest are one line. */
const MULTILINE_KEYS = new Set([
  'description',
  'query',
  'events',
  'total',
  'contains',
  'matches',
  'bodyMatches',
  'run',
]);

/**
 * Control characters (ESC, NUL, other C0/C1) and bidi overrides have no place in a plan: names,
 * ids, titles and labels are printed to terminals and written into YAML comments. Multi-line
 * fields may hold newlines and tabs, nothing else.
 */
export function checkPlanText(data: unknown, report: (path: Path, message: string) => void): void {
  walk(data, [], false, report);
}

function walk(value: unknown, path: Path, multiline: boolean, report: (path: Path, message: string) => void): void {
  if (typeof value === 'string') {
    const bad = findUnsafeCharacter(value, { multiline });
    if (bad)
      report(
        path,
        `contains the control character ${bad.shown} at position ${bad.index + 1}${multiline ? '' : ' (this field is one line of plain text)'}; remove it`,
      );
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, [...path, i], multiline, report));
    return;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const bad = findUnsafeCharacter(key);
      if (bad) report(path, `a key contains the control character ${bad.shown}; remove it`);
      walk(item, [...path, key], MULTILINE_KEYS.has(key), report);
    }
  }
}
