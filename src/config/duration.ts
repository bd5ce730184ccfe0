const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `10m`, `48h`, `7d`, `1h30m`, `500ms`. Compound forms add up, largest unit first, each unit at most
 * once: exactly the forms Prometheus (2.x) accepts in a range selector, so a window that validates
 * also renders into valid PromQL.
 */
export const DURATION_PATTERN = /^(?=\d)(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export function parseDuration(text: string): number | null {
  if (!DURATION_PATTERN.test(text)) return null;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return total;
}

/** The largest units first, at most two of them: `2d 4h`, `5m 30s`, `750ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return sign + parts.join(' ');
}

const PLAN_UNIT_MS: Record<string, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};
const PLAN_RANGE =
  /^\s*(\d+(?:\.\d+)?)\s*(?:(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|w)\s*$/i;

/**
 * A plan's `expectedDuration`: a duration (`36h`, `1d12h`) or a range in the plan's words (`1-2 weeks`,
 * `2 to 3 days`, `1 week`). Returns the range in ms (min = max for a single value), or null.
 */
export function parseExpectedDuration(text: string): { minMs: number; maxMs: number } | null {
  const exact = parseDuration(text.trim());
  if (exact !== null) return exact > 0 ? { minMs: exact, maxMs: exact } : null;
  const m = PLAN_RANGE.exec(text);
  if (!m) return null;
  const word = (m[3] as string).toLowerCase();
  const unit = word.startsWith('mi') ? 'minute' : word.startsWith('h') ? 'hour' : word.startsWith('d') ? 'day' : 'week';
  const min = Number(m[1]) * (PLAN_UNIT_MS[unit] as number);
  const max = m[2] !== undefined ? Number(m[2]) * (PLAN_UNIT_MS[unit] as number) : min;
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) return null;
  return { minMs: Math.round(min), maxMs: Math.round(max) };
}
