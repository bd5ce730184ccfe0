/**
 * What the simulated application counted, per simulated minute and per variant: plain numeric arrays,
 * no per-request objects. Minute `k` holds the traffic of the interval ((k − 1) min, k min] since the
 * epoch, so a window (t − w, t] is the minutes ⌊(t − w) / 1 min⌋ + 1 … ⌊t / 1 min⌋, exactly what
 * `increase(x[w])` over counters scraped once a minute would see.
 */

export const COUNTER_NAMES = [
  'requests',
  'errors',
  'wizardStarted',
  'wizardCompleted',
  'fundAttempts',
  'fundSuccess',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

/** Latency histogram: buckets of 5 ms up to 3 s, then +Inf (like `le` buckets of a Prometheus histogram). */
export const LATENCY_BUCKET_MS = 5;
export const LATENCY_FINITE_BUCKETS = 600;

export const MINUTE_MS = 60_000;

/** One variant's counts for one minute. `latency[i]` counts requests in (5i, 5(i+1)] ms; the last slot is +Inf. */
export interface ArmMinute {
  counts: Float64Array;
  latency: Uint32Array;
}

/** Sums over a window; `seen` is false when the variant served no request in it (no series). */
export interface WindowSum {
  value: number;
  seen: boolean;
}

export interface TrafficLedger {
  /** The record of `variant` for minute `minute`, created on first use. */
  arm(minute: number, variant: string): ArmMinute;
  /** A counter summed over (atMs − windowMs, atMs]; `variant` null sums every variant. */
  sum(counter: CounterName, variant: string | null, atMs: number, windowMs: number): WindowSum;
  /** The latency histogram over the window, or null when no request was served in it. */
  histogram(variant: string | null, atMs: number, windowMs: number): Uint32Array | null;
  /** Every request counted so far, per variant. */
  totals(): Record<string, number>;
}

export function counterIndex(name: CounterName): number {
  return COUNTER_NAMES.indexOf(name);
}

/** The minutes a window covers: (atMs − windowMs, atMs]. */
export function windowMinutes(atMs: number, windowMs: number): { first: number; last: number } {
  return { first: Math.floor((atMs - windowMs) / MINUTE_MS) + 1, last: Math.floor(atMs / MINUTE_MS) };
}

export function createTrafficLedger(): TrafficLedger {
  const minutes = new Map<number, Map<string, ArmMinute>>();
  const requests = counterIndex('requests');
  const arms = (minute: number, variant: string | null): ArmMinute[] => {
    const byVariant = minutes.get(minute);
    if (!byVariant) return [];
    if (variant === null) return [...byVariant.values()];
    const one = byVariant.get(variant);
    return one ? [one] : [];
  };
  const each = (variant: string | null, atMs: number, windowMs: number, visit: (a: ArmMinute) => void) => {
    const { first, last } = windowMinutes(atMs, windowMs);
    for (let m = first; m <= last; m++) for (const a of arms(m, variant)) visit(a);
  };
  return {
    arm(minute, variant) {
      let byVariant = minutes.get(minute);
      if (!byVariant) minutes.set(minute, (byVariant = new Map()));
      let a = byVariant.get(variant);
      if (!a)
        byVariant.set(
          variant,
          (a = {
            counts: new Float64Array(COUNTER_NAMES.length),
            latency: new Uint32Array(LATENCY_FINITE_BUCKETS + 1),
          }),
        );
      return a;
    },
    sum(counter, variant, atMs, windowMs) {
      const i = counterIndex(counter);
      let value = 0;
      let seen = false;
      each(variant, atMs, windowMs, (a) => {
        value += a.counts[i] as number;
        if ((a.counts[requests] as number) > 0) seen = true;
      });
      return { value, seen };
    },
    histogram(variant, atMs, windowMs) {
      const out = new Uint32Array(LATENCY_FINITE_BUCKETS + 1);
      let total = 0;
      each(variant, atMs, windowMs, (a) => {
        for (let b = 0; b < out.length; b++) out[b] = (out[b] as number) + (a.latency[b] as number);
        total += a.counts[requests] as number;
      });
      return total > 0 ? out : null;
    },
    totals() {
      const out: Record<string, number> = {};
      for (const byVariant of minutes.values())
        for (const [v, a] of byVariant) out[v] = (out[v] ?? 0) + (a.counts[requests] as number);
      return out;
    },
  };
}

/** The histogram slot of a latency in milliseconds. */
export function latencyBucket(ms: number): number {
  const b = Math.ceil(ms / LATENCY_BUCKET_MS) - 1;
  return b < 0 ? 0 : b >= LATENCY_FINITE_BUCKETS ? LATENCY_FINITE_BUCKETS : b;
}

/**
 * `histogram_quantile(q, …)` as Prometheus computes it: find the bucket holding rank q·n and
 * interpolate linearly inside it (from 0 for the first bucket); a rank in +Inf answers the largest
 * finite bound. Returns milliseconds; NaN for an empty histogram.
 */
export function computeHistogramQuantile(q: number, buckets: Uint32Array): number {
  let total = 0;
  for (const c of buckets) total += c;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let cumulative = 0;
  for (let b = 0; b < LATENCY_FINITE_BUCKETS; b++) {
    const count = buckets[b] as number;
    if (cumulative + count >= rank && count > 0) {
      const lower = b * LATENCY_BUCKET_MS;
      return lower + ((rank - cumulative) / count) * LATENCY_BUCKET_MS;
    }
    cumulative += count;
  }
  return LATENCY_FINITE_BUCKETS * LATENCY_BUCKET_MS;
}
