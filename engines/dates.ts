import { EngineInputError } from './errors.js';

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Parses a calendar date `YYYY-MM-DD` to a UTC day number (days since
 * 1970-01-01). Rejects impossible dates such as 2023-02-30 instead of letting
 * `Date` roll them over into March.
 */
export function parseIsoDay(value: unknown, field: string): number {
  const m = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (!m) throw new EngineInputError(field, `must be a date YYYY-MM-DD (got ${String(value)})`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || y < 1000) {
    throw new EngineInputError(field, `is not a valid calendar date (got ${value as string})`);
  }
  return ms / MS_PER_DAY;
}

/** Formats a UTC day number as `YYYY-MM-DD`. */
export function formatIsoDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
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
  const d = new Date(day * MS_PER_DAY);
  const year = d.getUTCFullYear();
  if (grouping === 'year') return String(year);
  return `${year}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}
