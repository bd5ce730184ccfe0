import { EngineInputError } from './errors.js';

const MS_PER_DAY = 86_400_000;

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil); integer-only, fast. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function readDigits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Parses a calendar date `YYYY-MM-DD` to a UTC day number (days since
 * 1970-01-01). Rejects impossible dates such as 2023-02-30 instead of letting
 * `Date` roll them over into March. Hand-rolled because engines parse
 * thousands of dates per call and `Date` dominated the profile.
 */
export function parseIsoDay(value: unknown, field: string): number {
  if (typeof value !== 'string' || value.length !== 10 || value[4] !== '-' || value[7] !== '-') {
    throw new EngineInputError(field, `must be a date YYYY-MM-DD (got ${String(value)})`);
  }
  const [y, m, d] = [readDigits(value, 0, 4), readDigits(value, 5, 7), readDigits(value, 8, 10)];
  if (y < 0 || m < 0 || d < 0) throw new EngineInputError(field, `must be a date YYYY-MM-DD (got ${value})`);
  if (y < 1000 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    throw new EngineInputError(field, `is not a valid calendar date (got ${value})`);
  }
  return daysFromCivil(y, m, d);
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Calendar year, month (1–12) and day of a UTC day number (H. Hinnant's civil_from_days). */
export function civilFromDays(day: number): { y: number; m: number; d: number } {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d: doy - Math.floor((153 * mp + 2) / 5) + 1 };
}

/** Formats a UTC day number as `YYYY-MM-DD` (years 1000–9999). */
export function formatIsoDay(day: number): string {
  const { y, m, d } = civilFromDays(day);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** A calendar quarter derived from integer arithmetic (never by adding months to a Date). */
export interface QuarterSlot {
  /** `2025-Q4` */
  key: string;
  year: number;
  quarter: 1 | 2 | 3 | 4;
  /** First day, `YYYY-MM-DD`. */
  startDate: string;
  /** Last day, `YYYY-MM-DD`. */
  endDate: string;
}

/** The quarter `offset` quarters after (year, quarter). */
export function quarterAt(startYear: number, startQuarter: number, offset: number): QuarterSlot {
  const abs = startYear * 4 + (startQuarter - 1) + offset;
  const year = Math.floor(abs / 4);
  const quarter = ((abs % 4) + 1) as 1 | 2 | 3 | 4;
  const firstMonth = 3 * (quarter - 1);
  const start = Date.UTC(year, firstMonth, 1) / MS_PER_DAY;
  const end = Date.UTC(year, firstMonth + 3, 1) / MS_PER_DAY - 1;
  return { key: `${year}-Q${quarter}`, year, quarter, startDate: formatIsoDay(start), endDate: formatIsoDay(end) };
}

/** Cohort keys from a day number: `2021` or `2021-Q3`. */
export function periodKey(day: number, grouping: 'year' | 'quarter'): string {
  const { y, m } = civilFromDays(day);
  return grouping === 'year' ? String(y) : `${y}-Q${Math.floor((m - 1) / 3) + 1}`;
}
