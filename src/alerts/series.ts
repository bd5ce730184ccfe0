import type { RawConfig } from '../config/schema.js';

/**
 * The service-wide series the generated alerts and dashboard rely on. They are the names the plan's
 * own queries use (P0-2 gates, B-2 golden-signals gate, canary metrics), so what the pager watches is
 * what the gates measured. Each alert or panel built on one of them is emitted only when the plan
 * mentions the series, so a plan that names its metrics differently gets a note instead of a rule that
 * silently never fires.
 */
export const SERIES = {
  /** Counter of requests with a `status` label (the P0-2 error-rate gate). */
  requests: 'http_requests_total',
  /** Latency histogram in seconds (the P0-2 p95 gate); budgets are in milliseconds, hence `1000 *`. */
  latency: 'http_request_duration_seconds_bucket',
  /** Resident memory per process (the B-2 golden-signals gate). */
  memory: 'process_resident_memory_bytes',
  /** Process CPU time; a standard client-library metric the plan does not name, used for the saturation panel only. */
  cpu: 'process_cpu_seconds_total',
  /** V8 heap in use (prom-client); the only series `heapDeltaMax` can honestly be compared with. */
  heap: 'nodejs_heap_size_used_bytes',
} as const;

/** Every PromQL text the plan contains: prometheus gates (also chaos probes) and canary metric queries. */
export function collectPlanQueries(config: RawConfig): string[] {
  const queries: string[] = [];
  for (const phase of config.phases) {
    for (const gate of phase.gates) if (gate.kind === 'prometheus') queries.push(gate.query);
  }
  for (const experiment of config.chaos)
    if (experiment.probe.kind === 'prometheus') queries.push(experiment.probe.query);
  for (const metric of config.canary?.metrics ?? []) {
    if (metric.kind === 'ratio') queries.push(metric.events, metric.total);
    else if (metric.query) queries.push(metric.query);
  }
  return queries;
}

/** True when some query of the plan names `series` as a metric (not merely as a prefix of a longer name). */
export function isSeriesInPlan(config: RawConfig, series: string): boolean {
  const pattern = new RegExp(`(^|[^A-Za-z0-9_:])${series}([^A-Za-z0-9_:]|$)`);
  return collectPlanQueries(config).some((q) => pattern.test(q));
}

/** Service-wide PromQL over a range `window` (a duration, or `$__rate_interval` on dashboards). */
export const SERVICE_QUERIES = {
  errorRatio: (w: string) => `sum(rate(${SERIES.requests}{status=~"5.."}[${w}])) / sum(rate(${SERIES.requests}[${w}]))`,
  latencyMs: (q: number, w: string) => `1000 * histogram_quantile(${q}, sum by (le) (rate(${SERIES.latency}[${w}])))`,
  requestRate: (w: string) => `sum(rate(${SERIES.requests}[${w}]))`,
  memoryBytes: () => `sum by (instance) (${SERIES.memory})`,
  cpuCores: (w: string) => `sum by (instance) (rate(${SERIES.cpu}[${w}]))`,
  heapGrowthMb: (w: string) => `max by (instance) (delta(${SERIES.heap}[${w}])) / 1048576`,
};
