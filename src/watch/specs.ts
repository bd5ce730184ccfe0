import { parseDuration } from '../config/duration.js';
import type { GateConfig, MetricConfig, RawConfig, TriggerConfig } from '../config/schema.js';

type RatioMetric = Extract<MetricConfig, { kind: 'ratio' }>;
type ThresholdMetric = Extract<MetricConfig, { kind: 'threshold' }>;
type HttpGate = Extract<GateConfig, { kind: 'http' }>;

/** A limit from `rollout.yaml`: an absolute number or a factor of the baseline arm. */
export type Limit = { absolute: number } | { factor: number };

interface SpecBase {
  id: string;
  action: 'rollback' | 'alert';
}

/** A trigger resolved against the plan, ready to be evaluated each look. */
export type TriggerSpec =
  | (SpecBase & { kind: 'ratio'; metric: RatioMetric; comparison: 'above' | 'below'; limit: Limit; window: string })
  | (SpecBase & {
      kind: 'threshold';
      metric: ThresholdMetric;
      comparison: 'above' | 'below';
      limit: Limit;
      window: string;
    })
  | (SpecBase & { kind: 'accuracy'; metric: ThresholdMetric; comparison: 'above' | 'below'; limit: number })
  | (SpecBase & { kind: 'health'; gate: HttpGate; consecutiveFailures: number });

/** Raised when a trigger cannot be watched; every problem is listed at once. */
export class TriggerConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`rollback triggers cannot be watched: ${problems.join('; ')}`);
    this.name = 'TriggerConfigError';
  }
}

/** `"baseline * 1.5"` → factor 1.5; numbers stay absolute. */
export function parseLimit(raw: number | string): Limit {
  if (typeof raw === 'number') return { absolute: raw };
  const m = /^\s*baseline\s*\*\s*(\d+(?:\.\d+)?)\s*$/.exec(raw);
  if (!m) throw new TriggerConfigError([`limit ${JSON.stringify(raw)} is neither a number nor "baseline * k"`]);
  return { factor: Number(m[1]) };
}

/** Resolves every trigger of the plan; throws one TriggerConfigError naming all problems. */
export function resolveTriggers(config: RawConfig): TriggerSpec[] {
  const problems: string[] = [];
  const specs: TriggerSpec[] = [];
  for (const t of config.triggers) {
    try {
      specs.push(resolveTrigger(t, config));
    } catch (error) {
      problems.push(
        `trigger ${t.id}: ${error instanceof TriggerConfigError ? error.problems.join('; ') : (error as Error).message}`,
      );
    }
  }
  if (problems.length) throw new TriggerConfigError(problems);
  return specs;
}

function resolveTrigger(t: TriggerConfig, config: RawConfig): TriggerSpec {
  const base = { id: t.id, action: t.action };
  if (t.healthCheck) {
    const gate = config.phases.flatMap((p) => p.gates).find((g) => g.id === t.healthCheck);
    if (!gate) throw new Error(`health check ${t.healthCheck} is not a gate of any phase`);
    if (gate.kind !== 'http')
      throw new Error(`health check ${t.healthCheck} is a ${gate.kind} gate; an http gate is needed`);
    return { ...base, kind: 'health', gate, consecutiveFailures: t.consecutiveFailures ?? 1 };
  }
  const metric = config.canary?.metrics.find((m) => m.id === t.metric);
  if (!metric)
    throw new Error(
      t.metric ? `metric ${t.metric} is not a canary metric` : 'names neither a metric nor a health check',
    );
  const raw = t.above ?? t.below;
  if (raw === undefined || (t.above !== undefined && t.below !== undefined))
    throw new Error('needs exactly one of above / below');
  const comparison = t.above !== undefined ? 'above' : 'below';
  const limit = parseLimit(raw);
  const window = t.window ?? config.canary?.window ?? '30m';
  if (parseDuration(window) === null) throw new Error(`window ${window} is not a duration`);
  if (metric.kind === 'ratio')
    return { ...base, kind: 'ratio', metric, comparison, limit, window: toPromDuration(window) };
  if (metric.kind === 'threshold' && metric.source === 'verify') {
    if (!('absolute' in limit)) throw new Error('the golden-case accuracy has no baseline arm: use an absolute limit');
    return { ...base, kind: 'accuracy', metric, comparison, limit: limit.absolute };
  }
  if (metric.kind === 'threshold') {
    if (!metric.query) throw new Error(`metric ${metric.id} has no query`);
    return { ...base, kind: 'threshold', metric, comparison, limit, window: toPromDuration(window) };
  }
  throw new Error(
    `metric ${metric.id} is a distribution (a range of points, judged by analyze); watch a threshold or ratio metric instead`,
  );
}

/** PromQL accepts one unit only: `1h30m` becomes `5400s`. */
export function toPromDuration(window: string): string {
  if (/^\d+(ms|s|m|h|d|w)$/.test(window)) return window;
  const ms = parseDuration(window) ?? 0;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A millisecond span as a PromQL range: whole seconds when possible. */
export function formatRange(ms: number): string {
  const whole = Math.max(1, Math.round(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}
