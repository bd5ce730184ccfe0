/** A threshold as written in `expect:` (`< 0.01`, `>= 0.95`, `== 1`). */
export interface Comparison {
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  value: number;
  text: string;
}

const PATTERN = /^\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$/;

/** Parses a comparison; null when it is not one (config rules reject those before a gate runs). */
export function parseComparison(text: string): Comparison | null {
  const m = PATTERN.exec(text);
  if (!m) return null;
  return { op: m[1] as Comparison['op'], value: Number(m[2]), text: `${m[1]} ${m[2]}` };
}

/** NaN and missing values never satisfy a comparison, not even `!=`. */
export function isSatisfied(value: number, c: Comparison): boolean {
  if (Number.isNaN(value)) return false;
  switch (c.op) {
    case '<':
      return value < c.value;
    case '<=':
      return value <= c.value;
    case '>':
      return value > c.value;
    case '>=':
      return value >= c.value;
    case '==':
      return value === c.value;
    case '!=':
      return value !== c.value;
  }
}

/** A number as a person reads it in a CI log: up to 6 significant digits, no float noise. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}
