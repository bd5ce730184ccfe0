import { parseIsoDay } from '../dates.js';

/** Why an IRR is not reported. */
export type IrrUndefinedReason =
  | 'insufficient-flows' // fewer than two non-zero flows
  | 'no-sign-change' // only investments or only proceeds: no rate balances them
  | 'zero-duration' // every flow on one day
  | 'young-cohort' // under one year: GIPS forbids annualizing
  | 'multiple-roots' // several rates zero the NPV; none is "the" IRR
  | 'no-root-in-bounds'; // no root between −99.99 % and the search ceiling

/** An IRR, or the reason there is none. Never a guessed number. */
export type IrrResult =
  | { defined: true; value: number; method: 'newton' | 'bisection' | 'closed-form'; iterations: number }
  | { defined: false; reason: IrrUndefinedReason };

/** A cash flow on a UTC day number; negative = paid in, positive = received. */
export interface DayFlow {
  day: number;
  amount: number;
}

const DAYS_PER_YEAR = 365; // ACT/365F, as Excel and LibreOffice XIRR
const X_MIN = -30; // x = ln(1 + r); e^-30 − 1 ≈ −1 + 1e-13
const X_MAX = 30;
const GRID_X_MIN = Math.log(1e-4); // r = −99.99 %
const GRID_X_MAX = Math.log(101); // r = 10 000 %
// 256 cells of 0.054 in ln(1 + r): two roots closer than ~5.5 % in (1 + r) can hide in one cell.
const GRID_STEPS = 256;

interface Prepared {
  t: number[];
  a: number[];
  tMax: number;
  scale: number;
}

/** XIRR of `{date: 'YYYY-MM-DD', amount}` flows (dates in any order). */
export function computeXirr(flows: ReadonlyArray<{ date: string; amount: number }>): IrrResult {
  return solveXirr(flows.map((f, i) => ({ day: parseIsoDay(f.date, `flows[${i}].date`), amount: f.amount })));
}

/**
 * Safeguarded XIRR: Σ a_i (1+r)^−t_i = 0 with t_i = (d_i − d_0)/365.
 * One sign change (after netting same-day flows) means exactly one root:
 * Newton from 0.1, then bisection on ln(1+r) if Newton fails. Several sign
 * changes: scan a grid and answer only when exactly one root is bracketed.
 */
export function solveXirr(flows: readonly DayFlow[]): IrrResult {
  const netted = netByDay(flows);
  if (netted.length < 2)
    return {
      defined: false,
      reason: netted.length === 0 && flows.length >= 2 ? 'no-sign-change' : 'insufficient-flows',
    };
  const changes = countSignChanges(netted.map((f) => f.amount));
  if (changes === 0) return { defined: false, reason: 'no-sign-change' };
  const p = prepare(netted);
  if (p.tMax === 0) return { defined: false, reason: 'zero-duration' };
  if (changes === 1) {
    return solveByNewton(p) ?? bisect(p, X_MIN, X_MAX) ?? { defined: false, reason: 'no-root-in-bounds' };
  }
  return solveByGrid(p);
}

function netByDay(flows: readonly DayFlow[]): DayFlow[] {
  const byDay = new Map<number, number>();
  for (const f of flows) if (f.amount !== 0) byDay.set(f.day, (byDay.get(f.day) ?? 0) + f.amount);
  return [...byDay.entries()]
    .filter(([, a]) => a !== 0)
    .sort((x, y) => x[0] - y[0])
    .map(([day, amount]) => ({ day, amount }));
}

function countSignChanges(amounts: readonly number[]): number {
  let changes = 0;
  for (let i = 1; i < amounts.length; i++)
    if (Math.sign(amounts[i] as number) !== Math.sign(amounts[i - 1] as number)) changes++;
  return changes;
}

function prepare(flows: readonly DayFlow[]): Prepared {
  const d0 = (flows[0] as DayFlow).day;
  const t = flows.map((f) => (f.day - d0) / DAYS_PER_YEAR);
  const a = flows.map((f) => f.amount);
  return { t, a, tMax: t[t.length - 1] as number, scale: a.reduce((s, v) => s + Math.abs(v), 0) };
}

/**
 * NPV at r = e^x − 1, multiplied by the positive factor e^−M (M = largest
 * exponent) so no term overflows; the sign and the roots are unchanged.
 */
function scaledNpv(p: Prepared, x: number): number {
  const shift = x < 0 ? -x * p.tMax : 0;
  let s = 0;
  for (let i = 0; i < p.a.length; i++) s += (p.a[i] as number) * Math.exp(-x * (p.t[i] as number) - shift);
  return s;
}

function solveByNewton(p: Prepared): IrrResult | null {
  let r = 0.1;
  for (let iter = 1; iter <= 50; iter++) {
    let f = 0;
    let df = 0;
    for (let i = 0; i < p.a.length; i++) {
      const ti = p.t[i] as number;
      const v = (p.a[i] as number) * (1 + r) ** -ti;
      f += v;
      df += (-ti * v) / (1 + r);
    }
    if (!Number.isFinite(f) || !Number.isFinite(df) || df === 0) return null;
    const next = r - f / df;
    if (!Number.isFinite(next) || next <= -1) return null;
    if (Math.abs(next - r) <= 1e-12 * Math.max(1, Math.abs(next))) {
      return isRoot(p, next) ? { defined: true, value: next, method: 'newton', iterations: iter } : null;
    }
    r = next;
  }
  return null;
}

function isRoot(p: Prepared, r: number): boolean {
  let f = 0;
  for (let i = 0; i < p.a.length; i++) f += (p.a[i] as number) * (1 + r) ** -(p.t[i] as number);
  return Number.isFinite(f) && Math.abs(f) <= 1e-9 * p.scale;
}

function bisect(p: Prepared, lo: number, hi: number): IrrResult | null {
  let fLo = scaledNpv(p, lo);
  const fHi = scaledNpv(p, hi);
  if (fLo === 0) return { defined: true, value: Math.expm1(lo), method: 'bisection', iterations: 0 };
  if (fHi === 0) return { defined: true, value: Math.expm1(hi), method: 'bisection', iterations: 0 };
  if (Math.sign(fLo) === Math.sign(fHi)) return null;
  let iter = 0;
  while (hi - lo > 1e-15 * Math.max(1, Math.abs(lo)) && iter < 200) {
    iter++;
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    const fMid = scaledNpv(p, mid);
    if (fMid === 0) return { defined: true, value: Math.expm1(mid), method: 'bisection', iterations: iter };
    if (Math.sign(fMid) === Math.sign(fLo)) {
      lo = mid;
      fLo = fMid;
    } else {
      hi = mid;
    }
  }
  return { defined: true, value: Math.expm1((lo + hi) / 2), method: 'bisection', iterations: iter };
}

function solveByGrid(p: Prepared): IrrResult {
  const brackets: Array<[number, number]> = [];
  const values = scanScaledNpv(p);
  for (let k = 1; k <= GRID_STEPS; k++) {
    // An exact zero on a grid point counts as positive so that it is bracketed once, not twice.
    if (Math.sign(values[k - 1] || Number.MIN_VALUE) !== Math.sign(values[k] || Number.MIN_VALUE))
      brackets.push([gridX(k - 1), gridX(k)]);
  }
  if (brackets.length === 0) return { defined: false, reason: 'no-root-in-bounds' };
  if (brackets.length > 1) return { defined: false, reason: 'multiple-roots' };
  const [lo, hi] = brackets[0] as [number, number];
  return bisect(p, lo, hi) ?? { defined: false, reason: 'no-root-in-bounds' };
}

const gridX = (k: number): number => GRID_X_MIN + ((GRID_X_MAX - GRID_X_MIN) * k) / GRID_STEPS;

/**
 * scaledNpv at every grid point. Each term's exponent is piecewise linear in
 * x (slope tMax − t_i below 0, −t_i above), so consecutive terms differ by a
 * constant factor: one multiplication per term and step instead of an exp.
 * Terms are recomputed exactly every 32 steps and when x crosses 0 so that
 * rounding cannot drift.
 */
function scanScaledNpv(p: Prepared): Float64Array {
  const n = p.a.length;
  const h = (GRID_X_MAX - GRID_X_MIN) / GRID_STEPS;
  const terms = new Float64Array(n);
  const factors = new Float64Array(n);
  const values = new Float64Array(GRID_STEPS + 1);
  let reset = true;
  let negativeSide = gridX(0) < 0;
  for (let k = 0; k <= GRID_STEPS; k++) {
    const x = gridX(k);
    if (x < 0 !== negativeSide) {
      negativeSide = x < 0;
      reset = true;
    }
    if (reset || k % 32 === 0) {
      const shift = x < 0 ? -x * p.tMax : 0;
      for (let i = 0; i < n; i++) {
        const t = p.t[i] as number;
        terms[i] = (p.a[i] as number) * Math.exp(-x * t - shift);
        factors[i] = Math.exp(h * (x < 0 ? p.tMax - t : -t));
      }
      reset = false;
    } else {
      for (let i = 0; i < n; i++) terms[i] = (terms[i] as number) * (factors[i] as number);
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += terms[i] as number;
    values[k] = sum;
  }
  return values;
}
