import { canary as canarySchema, type CanaryConfig } from '../../../src/config/schema.js';
import {
  planSimulation,
  type RatioMetric,
  type RatioTrigger,
  type SimulationPlan,
  type SimulationRequest,
} from '../../../src/simulate/index.js';

/** A ratio metric in the shape rollout.yaml gives it (schema defaults applied). */
export function ratioMetric(id: string, extra: Partial<RatioMetric> = {}): RatioMetric {
  return {
    id,
    kind: 'ratio',
    events: `sum(increase(${id}_events_total{variant="{{variant}}"}[{{window}}]))`,
    total: `sum(increase(${id}_total{variant="{{variant}}"}[{{window}}]))`,
    direction: 'lower-is-better',
    maxRelativeChange: 0.1,
    critical: true,
    action: 'rollback',
    ...extra,
  };
}

/** A canary policy through the real schema, so its defaults are the plan's defaults. */
export function canaryPolicy(metrics: RatioMetric[], extra: Record<string, unknown> = {}): CanaryConfig {
  return canarySchema.parse({ arms: { label: 'variant', canary: 'new', baseline: 'old' }, metrics, ...extra });
}

/** A relative ratio trigger as `resolveTriggers` builds it. */
export function relativeTrigger(
  metric: RatioMetric,
  factor: number,
  window = '10m',
  action: 'rollback' | 'alert' = 'rollback',
): RatioTrigger {
  const comparison = metric.direction === 'lower-is-better' ? 'above' : 'below';
  return { id: `${metric.id}-trigger`, action, kind: 'ratio', metric, comparison, limit: { factor }, window };
}

export function request(extra: Partial<SimulationRequest> = {}): SimulationRequest {
  return {
    scenario: 'aa',
    metric: null,
    stages: 200,
    looks: 30,
    requestsPerLook: 200,
    baselineRate: null,
    effect: null,
    canaryRate: null,
    seed: 1,
    overdispersion: 1,
    autocorrelation: 0,
    intervalMs: 60_000,
    recorded: null,
    ...extra,
  };
}

export function plan(
  canary: CanaryConfig,
  triggers: RatioTrigger[],
  extra: Partial<SimulationRequest> = {},
): SimulationPlan {
  return planSimulation(canary, triggers, request(extra), []);
}
