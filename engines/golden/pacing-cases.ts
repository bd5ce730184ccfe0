import type { GoldenCase, GoldenValue } from './types.js';

const S_CURVE_WEIGHTS = [
  0.009987, 0.021531, 0.044737, 0.086216, 0.144401, 0.193127, 0.193127, 0.144401, 0.086216, 0.044737, 0.021531,
  0.009987,
];
const TRILLION = 1_000_000_000_000;

const shares = (values: number[]): Record<string, GoldenValue> =>
  Object.fromEntries(values.map((v, i) => [`q${i}`, v / TRILLION]));

export const PACING_CASES: GoldenCase[] = [
  {
    id: 'G-P1',
    engine: 'pacing',
    title: 'Linear $40M and $100M over 12 quarters in exact cents',
    source: 'engines-domain.md §5.7 G-P1 (recomputed)',
    tolerance: 0,
    expected: {
      '40M': [...new Array<number>(4).fill(333_333_334), ...new Array<number>(8).fill(333_333_333)].join(','),
      '100M': [...new Array<number>(4).fill(833_333_334), ...new Array<number>(8).fill(833_333_333)].join(','),
    },
    measure: (e, m) => {
      const run = (fundSize: number): string =>
        e.pacing[m]({ fundSize, startYear: 2025, startQuarter: 1, investmentPeriodQuarters: 12 })
          .quarters.map((q) => q.investments)
          .join(',');
      return { '40M': run(4_000_000_000), '100M': run(10_000_000_000) };
    },
  },
  {
    id: 'G-P5',
    engine: 'pacing',
    title: 'Timeline from 2025-Q4 over 3 quarters crosses the year boundary',
    source: 'engines-domain.md §5.7 G-P5',
    tolerance: 0,
    expected: {
      keys: '2025-Q4,2026-Q1,2026-Q2',
      startDates: '2025-10-01,2026-01-01,2026-04-01',
      endDates: '2025-12-31,2026-03-31,2026-06-30',
    },
    measure: (e, m) => {
      const q = e.pacing[m]({ fundSize: 300, startYear: 2025, startQuarter: 4, investmentPeriodQuarters: 3 }).quarters;
      return {
        keys: q.map((x) => x.key).join(','),
        startDates: q.map((x) => x.startDate).join(','),
        endDates: q.map((x) => x.endDate).join(','),
      };
    },
  },
  {
    id: 'G-P3',
    engine: 'pacing',
    title: 'S-curve (k = 0.8, m = 6, 12 quarters) quarter shares',
    source: 'engines-domain.md §5.2 / §5.7 G-P3 (logistic CDF differences, recomputed to 6 decimals)',
    tolerance: 1e-6,
    expected: shares(S_CURVE_WEIGHTS.map((w) => w * TRILLION)),
    measure: (e, m) =>
      shares(
        e.pacing[m]({
          fundSize: TRILLION,
          startYear: 2025,
          startQuarter: 1,
          investmentPeriodQuarters: 12,
          curve: 's-curve',
          curveShape: 0.8,
        }).quarters.map((q) => q.investments),
      ),
  },
  {
    id: 'G-P3b',
    engine: 'pacing',
    title: 'Front-loaded geometric curve ρ = 0.85 over 12 quarters',
    source: 'engines-domain.md §5.2 (17.49%, 14.86%, 12.63%, …, 2.93%; recomputed)',
    tolerance: 5e-5,
    expected: { q0: 0.1749, q1: 0.1486, q2: 0.1263, q11: 0.0293 },
    measure: (e, m) => {
      const s = shares(
        e.pacing[m]({
          fundSize: TRILLION,
          startYear: 2025,
          startQuarter: 1,
          investmentPeriodQuarters: 12,
          curve: 'front-loaded',
          curveShape: 0.85,
        }).quarters.map((q) => q.investments),
      );
      return { q0: s.q0 ?? null, q1: s.q1 ?? null, q2: s.q2 ?? null, q11: s.q11 ?? null };
    },
  },
];
