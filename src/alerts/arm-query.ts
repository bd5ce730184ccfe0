import type { CanaryConfig, MetricConfig } from '../config/schema.js';
import { RolloutError } from '../errors/rollout-error.js';
import { PromqlTemplateError, renderQuery } from '../metrics/promql.js';

/** One side of the canary comparison. */
export type Arm = 'canary' | 'baseline';

/** A trigger or metric limit: an absolute number, or a factor of the baseline arm's value. */
export type Limit = { kind: 'absolute'; value: number } | { kind: 'relative'; factor: number };

/** `400` → absolute 400; `"baseline * 1.5"` → relative 1.5 (the schema already checked the form). */
export function parseLimit(limit: number | string): Limit {
  if (typeof limit === 'number') return { kind: 'absolute', value: limit };
  const match = /^\s*baseline\s*\*\s*(\d+(?:\.\d+)?)\s*$/.exec(limit);
  if (!match) throw new Error(`not a limit: ${limit}`);
  return { kind: 'relative', factor: Number(match[1]) };
}

/** True when the metric has a PromQL series (threshold metrics fed by `rollout verify` have none). */
export function hasPromql(metric: MetricConfig): boolean {
  return metric.kind !== 'threshold' || (metric.source === 'prometheus' && metric.query !== undefined);
}

function varsFor(canary: CanaryConfig, arm: Arm, window: string, release: string | undefined): Record<string, string> {
  return {
    variant: arm === 'canary' ? canary.arms.canary : canary.arms.baseline,
    window,
    ...(release !== undefined ? { release } : {}),
  };
}

/**
 * The metric's value for one arm as PromQL: `(events) / (total)` for a ratio, the query itself
 * otherwise. Values go through `renderQuery`, which escapes the variant and release and rejects a bad
 * window; `release` is the plan's release, as `analyze` and `watch` pass it.
 */
export function renderArmQuery(
  metric: MetricConfig,
  canary: CanaryConfig,
  arm: Arm,
  window: string,
  release?: string,
): string {
  const vars = varsFor(canary, arm, window, release);
  if (metric.kind === 'ratio') return `(${renderQuery(metric.events, vars)}) / (${renderQuery(metric.total, vars)})`;
  if (!hasPromql(metric) || metric.query === undefined) throw new Error(`metric ${metric.id} has no PromQL query`);
  // A histogram metric's query answers one series per bucket; what is judged (and charted) is its quantile.
  if (metric.kind === 'distribution' && metric.method === 'histogram') {
    const quantile = `histogram_quantile(${metric.quantile}, ${renderQuery(metric.query, vars)})`;
    return metric.scale === 1 ? quantile : `${metric.scale} * ${quantile}`;
  }
  return renderQuery(metric.query, vars);
}

/** The number of trials one arm saw in the window (ratio metrics only). */
export function renderArmTotal(
  metric: MetricConfig & { kind: 'ratio' },
  canary: CanaryConfig,
  arm: Arm,
  window: string,
  release?: string,
): string {
  return renderQuery(metric.total, varsFor(canary, arm, window, release));
}

/** A template `validate` would have rejected (a plan from the cache of an older rollout, say) is a plan problem, not a bug. */
export function asConfigError<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof PromqlTemplateError)
      throw new RolloutError(
        'E_CONFIG',
        `a PromQL template cannot be rendered: ${error.message}; run \`rollout validate\` for its position`,
      );
    throw error;
  }
}
