import type { QueryOutcome } from '../metrics/types.js';
import { estimateDispersion, type DispersionEstimate, type IntervalCounts } from '../stats/index.js';
import type { Collected } from './collect.js';
import { describeError, describeImpossible } from './evidence.js';

/** The overdispersion factor of a ratio metric's window, or why it is 1 (binomial) this time. */
export type DispersionReading = DispersionEstimate & { note: string | null };

export const BINOMIAL = (note: string): DispersionReading => ({ factor: 1, estimate: null, degreesOfFreedom: 0, note });

/** Values of a range query's one series by timestamp; an events query without series is zero events. */
function readByTime(o: QueryOutcome, emptyIsZero: boolean): Map<number, number> | string {
  if (o.kind === 'empty') return emptyIsZero ? new Map() : 'the total query returned no series';
  if (o.kind === 'nan') return 'every value was NaN';
  if (o.kind !== 'ok') return describeError(o);
  if (o.series.length !== 1) return `${o.series.length} series where one was expected`;
  const values = new Map<number, number>();
  for (const { t, v } of o.series[0]?.values ?? []) {
    if (Number.isNaN(v)) continue;
    const impossible = describeImpossible(v, 'non-negative');
    if (impossible) return impossible;
    values.set(t, v);
  }
  return values;
}

function readArm(arm: { events: QueryOutcome; total: QueryOutcome }): IntervalCounts[] | string {
  const events = readByTime(arm.events, true);
  const total = readByTime(arm.total, false);
  if (typeof events === 'string') return `events: ${events}`;
  if (typeof total === 'string') return `total: ${total}`;
  return [...total.entries()].map(([t, n]) => {
    // increase() extrapolates: whole requests, and never more events than requests.
    const whole = Math.max(0, Math.round(n));
    return { total: whole, events: Math.min(whole, Math.max(0, Math.round(events.get(t) ?? 0))) };
  });
}

/**
 * φ from the per-interval counts of the baseline arm: how clustered this traffic is when nothing
 * changed. The canary's own intervals are read (a broken query there is reported) but not pooled
 * in: a regression that starts mid-window, or arrives in bursts, makes the canary's counts vary
 * more than binomial, and widening the test by that excess would let the regression hide itself.
 * When they cannot be read (an older recording, a
 * query error) the test stays binomial and the note says why: the counts over the window are still
 * judged, so a missing estimate never blocks or passes anything by itself.
 */
export function readDispersion(intervals: Extract<Collected, { kind: 'ratio' }>['intervals']): DispersionReading {
  if (!intervals) return BINOMIAL('dispersion not estimated: no per-interval counts');
  const baseline = readArm(intervals.baseline);
  const canary = readArm(intervals.canary);
  if (typeof baseline === 'string') return BINOMIAL(`dispersion not estimated: baseline intervals ${baseline}`);
  if (typeof canary === 'string') return BINOMIAL(`dispersion not estimated: canary intervals ${canary}`);
  const estimate = estimateDispersion([baseline]);
  return {
    ...estimate,
    note: estimate.estimate === null ? 'dispersion not estimated: too few intervals with events' : null,
  };
}
