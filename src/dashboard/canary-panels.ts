import { hasPromql, parseLimit, renderArmQuery } from '../alerts/arm-query.js';
import type { CanaryConfig, MetricConfig, PerfBudget, RawConfig, TriggerConfig } from '../config/schema.js';
import { makeTimeseries, type Limits, type QuerySpec } from './panels.js';
import type { GrafanaPanel } from './types.js';

/** The window the panel reads: the trigger's (what `rollout watch` looks at), else the canary window. */
export function panelWindow(config: RawConfig, canary: CanaryConfig, metric: MetricConfig): string {
  return config.triggers.find((t) => t.metric === metric.id && t.window)?.window ?? canary.window;
}

function unitOf(metric: MetricConfig): string {
  if (metric.kind === 'ratio') return 'percentunit';
  return /latency|duration/i.test(metric.id) ? 'ms' : 'short';
}

function resolveMax(max: number | string | undefined, budget: PerfBudget | null): number | undefined {
  if (typeof max === 'number' || max === undefined) return max;
  const value = budget?.[max.slice('budget.'.length)];
  return typeof value === 'number' ? value : undefined;
}

/** Absolute limits of the metric and its triggers, tightest first; relative ones become a dashed series instead. */
function absoluteLimits(metric: MetricConfig, triggers: TriggerConfig[], budget: PerfBudget | null): Limits {
  const uppers: number[] = [];
  const lowers: number[] = [];
  if (metric.kind === 'ratio') {
    if (metric.maxAbsolute !== undefined) uppers.push(metric.maxAbsolute);
    if (metric.minAbsolute !== undefined) lowers.push(metric.minAbsolute);
  }
  if (metric.kind === 'threshold') {
    const max = resolveMax(metric.max, budget);
    if (max !== undefined) uppers.push(max);
    if (metric.min !== undefined) lowers.push(metric.min);
  }
  for (const t of triggers) {
    if (t.above !== undefined && parseLimit(t.above).kind === 'absolute') uppers.push(t.above as number);
    if (t.below !== undefined && parseLimit(t.below).kind === 'absolute') lowers.push(t.below as number);
  }
  return {
    ...(uppers.length ? { upper: Math.min(...uppers) } : {}),
    ...(lowers.length ? { lower: Math.max(...lowers) } : {}),
  };
}

/** `factor × baseline` lines for relative triggers, labelled with what crossing them does. */
function relativeLines(
  metric: MetricConfig,
  canary: CanaryConfig,
  triggers: TriggerConfig[],
  window: string,
  release: string,
): QuerySpec[] {
  const lines: QuerySpec[] = [];
  for (const t of triggers) {
    for (const limit of [t.above, t.below]) {
      if (limit === undefined) continue;
      const parsed = parseLimit(limit);
      if (parsed.kind !== 'relative') continue;
      const what = t.action === 'rollback' ? 'rollback' : 'alert';
      lines.push({
        expr: `${parsed.factor} * (${renderArmQuery(metric, canary, 'baseline', window, release)})`,
        legend: `${what}: ${t.id} (baseline × ${parsed.factor})`,
      });
    }
  }
  return lines;
}

/** One panel per canary metric with a PromQL series: canary and baseline as two queries, limits drawn. */
export function buildCanaryPanels(
  config: RawConfig,
  budget: PerfBudget | null,
): { panels: Array<Omit<GrafanaPanel, 'id' | 'gridPos'>>; skipped: string[] } {
  const canary = config.canary;
  if (!canary) return { panels: [], skipped: [] };
  const panels: Array<Omit<GrafanaPanel, 'id' | 'gridPos'>> = [];
  const skipped: string[] = [];
  for (const metric of canary.metrics) {
    if (!hasPromql(metric)) {
      skipped.push(metric.id);
      continue;
    }
    const window = panelWindow(config, canary, metric);
    const triggers = config.triggers.filter((t) => t.metric === metric.id);
    const thresholds = relativeLines(metric, canary, triggers, window, config.release);
    panels.push(
      makeTimeseries({
        title: `${metric.id}: canary vs baseline`,
        description: `${metric.title ?? metric.id}. ${canary.arms.label}=${canary.arms.canary} (canary) vs ${canary.arms.baseline} (baseline); the plan's ${metric.kind} query over ${window}.`,
        unit: unitOf(metric),
        queries: [
          {
            expr: renderArmQuery(metric, canary, 'canary', window, config.release),
            legend: `canary ${canary.arms.canary}`,
          },
          {
            expr: renderArmQuery(metric, canary, 'baseline', window, config.release),
            legend: `baseline ${canary.arms.baseline}`,
          },
          ...thresholds,
        ],
        limits: absoluteLimits(metric, triggers, budget),
        dashed: thresholds.map((t) => t.legend),
      }),
    );
  }
  return { panels, skipped };
}
