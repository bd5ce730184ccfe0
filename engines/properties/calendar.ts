/**
 * The golden calendar the pacing properties compare quarters against. It is written from the
 * Gregorian quarter boundaries directly (they never depend on leap years), not from
 * `dates.ts`, so a bug in the engines' own date arithmetic cannot hide behind a shared helper.
 */
const QUARTER_BOUNDS: ReadonlyArray<readonly [string, string]> = [
  ['01-01', '03-31'],
  ['04-01', '06-30'],
  ['07-01', '09-30'],
  ['10-01', '12-31'],
];

export interface CalendarQuarter {
  key: string;
  startDate: string;
  endDate: string;
}

/** The calendar quarter `offset` quarters after (year, quarter 1–4). */
export function calendarQuarter(year: number, quarter: number, offset: number): CalendarQuarter {
  let y = year;
  let q = quarter + offset;
  y += Math.floor((q - 1) / 4);
  q = ((q - 1) % 4) + 1;
  const [first, last] = QUARTER_BOUNDS[q - 1] ?? ['?', '?'];
  const yyyy = String(y).padStart(4, '0');
  return { key: `${yyyy}-Q${q}`, startDate: `${yyyy}-${first}`, endDate: `${yyyy}-${last}` };
}
