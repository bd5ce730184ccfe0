import { metricUnit } from '../canary/units.js';
import type { MetricConfig, RawConfig } from '../config/schema.js';

/** A limit a metric is held to: a rollback trigger's (`watch`), or the stage-end absolute limit. */
export interface ChartLimit {
  /** The trigger id, or `stage-end` for the metric's own absolute limit. */
  source: string;
  action: 'rollback' | 'alert' | 'hold';
  comparison: 'above' | 'below';
  /** A fixed value in the metric's own scale (a fraction for `%`). */
  absolute?: number;
  /** Relative limits: factor × the baseline arm at the same evaluation. */
  factor?: number;
}

/** How the report charts one canary metric: its unit and the limits drawn over its values. */
export interface MetricChartInfo {
  unit: string;
  title?: string;
  limits: ChartLimit[];
}

function stageEndLimits(m: MetricConfig): ChartLimit[] {
  const action = m.onFail ?? 'hold';
  const out: ChartLimit[] = [];
  const push = (comparison: 'above' | 'below', v: unknown) => {
    if (typeof v === 'number' && Number.isFinite(v)) out.push({ source: 'stage-end', action, comparison, absolute: v });
  };
  if (m.kind === 'ratio') {
    push('above', m.maxAbsolute);
    push('below', m.minAbsolute);
  } else if (m.kind === 'threshold') {
    // `max: budget.p95Max` names a number in .perf-budget.json, which the report does not read.
    push('above', m.max);
    push('below', m.min);
  }
  return out;
}

/** `"baseline * 1.5"` → factor 1.5; a number is absolute; anything else is not drawn. */
function readLimit(raw: unknown): { absolute: number } | { factor: number } | null {
  if (typeof raw === 'number' && Number.isFinite(raw)) return { absolute: raw };
  const m = typeof raw === 'string' ? /^\s*baseline\s*\*\s*(\d+(?:\.\d+)?)\s*$/.exec(raw) : null;
  return m ? { factor: Number(m[1]) } : null;
}

/** Per canary metric of the plan: its unit, and the limits of its triggers and of its stage-end rule. */
export function describeMetricCharts(config: RawConfig): Record<string, MetricChartInfo> {
  const out: Record<string, MetricChartInfo> = {};
  for (const m of config.canary?.metrics ?? []) {
    const limits: ChartLimit[] = [];
    for (const t of config.triggers ?? []) {
      if (t.metric !== m.id) continue;
      const comparison = t.above !== undefined ? 'above' : 'below';
      const limit = readLimit(t.above ?? t.below);
      if (limit) limits.push({ source: t.id, action: t.action ?? 'rollback', comparison, ...limit });
    }
    limits.push(...stageEndLimits(m));
    out[m.id] = { unit: metricUnit(m), ...(m.title ? { title: m.title } : {}), limits };
  }
  return out;
}

/** The value of `limit` at an evaluation whose baseline is `baseline` (null when relative and unknown). */
export function limitAt(limit: ChartLimit, baseline: number | null): number | null {
  if (limit.absolute !== undefined) return limit.absolute;
  return limit.factor !== undefined && baseline !== null ? limit.factor * baseline : null;
}
