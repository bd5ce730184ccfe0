import { counterSeries, histogramSeries, type OpenMetricsSeries } from './prometheus.js';

/** How one arm (a flag variant) behaves, minute by minute. Rates may depend on the minute index. */
export interface ArmTraffic {
  requestsPerMinute: number;
  errorRate: number | ((minute: number) => number);
  /** Seconds; the latency histogram gets `latencySamplesPerMinute` observations around this value. */
  latencySeconds?: number | ((minute: number) => number);
  /**
   * Observations per minute (default 20). `0` keeps the histogram's series present but flat (every
   * bucket increment zero), so `histogram_quantile` over the window answers NaN rather than nothing.
   */
  latencySamplesPerMinute?: number;
  wizardStartsPerMinute?: number;
  completionRate?: number;
  fundSetupsPerMinute?: number;
  fundSetupSuccessRate?: number;
}

function at(v: number | ((m: number) => number), minute: number): number {
  return typeof v === 'number' ? v : v(minute);
}

/**
 * The series the repository plan's canary metrics read (http_requests_total, the latency histogram,
 * wizard and fund-setup counters), per variant, one sample a minute for `minutes` up to `end`.
 * Counts are exact (no randomness): errors per minute = round(requests × rate).
 */
export function canarySeries(opts: {
  end: number;
  minutes: number;
  arms: Record<string, ArmTraffic>;
}): OpenMetricsSeries[] {
  const start = opts.end - opts.minutes * 60;
  const minuteOf = (t: number) => Math.round((t - start) / 60);
  const out: OpenMetricsSeries[] = [];
  for (const [variant, arm] of Object.entries(opts.arms)) {
    const errors = (t: number) => Math.round(arm.requestsPerMinute * at(arm.errorRate, minuteOf(t)));
    out.push(
      counterSeries({
        name: 'http_requests_total',
        labels: { variant, status: '500' },
        start,
        end: opts.end,
        increment: errors,
      }),
      counterSeries({
        name: 'http_requests_total',
        labels: { variant, status: '200' },
        start,
        end: opts.end,
        increment: (t) => arm.requestsPerMinute - errors(t),
      }),
    );
    if (arm.latencySeconds !== undefined) {
      const n = arm.latencySamplesPerMinute ?? 20;
      const latency = arm.latencySeconds;
      out.push(
        ...histogramSeries({
          name: 'http_request_duration_seconds',
          labels: { variant },
          buckets: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2],
          start,
          end: opts.end,
          // A fixed spread around the centre: ±40 % in n even steps.
          observe: (t) =>
            Array.from({ length: n }, (_, i) => at(latency, minuteOf(t)) * (0.6 + (0.8 * i) / Math.max(1, n - 1))),
        }),
      );
    }
    if (arm.wizardStartsPerMinute) {
      const starts = arm.wizardStartsPerMinute;
      out.push(
        counterSeries({ name: 'wizard_started_total', labels: { variant }, start, end: opts.end, increment: starts }),
        counterSeries({
          name: 'wizard_completed_total',
          labels: { variant },
          start,
          end: opts.end,
          increment: Math.round(starts * (arm.completionRate ?? 1)),
        }),
      );
    }
    if (arm.fundSetupsPerMinute) {
      const n = arm.fundSetupsPerMinute;
      out.push(
        counterSeries({ name: 'fund_setup_attempts_total', labels: { variant }, start, end: opts.end, increment: n }),
        counterSeries({
          name: 'fund_setup_success_total',
          labels: { variant },
          start,
          end: opts.end,
          increment: Math.round(n * (arm.fundSetupSuccessRate ?? 1)),
        }),
      );
    }
  }
  return out;
}

/** A healthy arm shaped like the plan's production traffic. */
export function healthyArm(overrides: Partial<ArmTraffic> = {}): ArmTraffic {
  return {
    requestsPerMinute: 400,
    errorRate: 0.005,
    latencySeconds: 0.18,
    wizardStartsPerMinute: 60,
    completionRate: 0.97,
    fundSetupsPerMinute: 40,
    fundSetupSuccessRate: 0.98,
    // 1,800 latency observations per arm over the 30m window: above the plan's 1,000 minimum samples.
    latencySamplesPerMinute: 60,
    ...overrides,
  };
}
