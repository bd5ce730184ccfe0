import type { CanaryConfig, MetricConfig, RawConfig, TriggerConfig } from '../config/schema.js';
import { hasPromql, parseLimit, renderArmQuery, renderArmTotal } from './arm-query.js';
import { DEFAULT_ALERT_RUNBOOK, type AlertNote, type AlertRule } from './types.js';

/** `error-rate` → `RolloutErrorRate`: alert names must be PromQL identifiers. */
export function toAlertName(id: string): string {
  return `Rollout${id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')}`;
}

function describeLimit(limit: number | string): string {
  const parsed = parseLimit(limit);
  return parsed.kind === 'absolute' ? String(parsed.value) : `baseline × ${parsed.factor}`;
}

/** One condition `canary <op> limit`; a relative limit compares with the baseline arm of the same query. */
function renderCondition(
  metric: MetricConfig,
  canary: CanaryConfig,
  window: string,
  op: '>' | '<',
  limit: number | string,
  release?: string,
): string {
  const canarySide = `(${renderArmQuery(metric, canary, 'canary', window, release)})`;
  const parsed = parseLimit(limit);
  if (parsed.kind === 'absolute') return `${canarySide} ${op} ${parsed.value}`;
  // ignoring(<arm label>): a query that keeps the arm label must still match its other arm.
  const baselineSide = `(${renderArmQuery(metric, canary, 'baseline', window, release)})`;
  return `${canarySide} ${op} ignoring(${canary.arms.label}) ${parsed.factor} * ${baselineSide}`;
}

/**
 * The trigger's PromQL. Ratio metrics also require the plan's minimum sample count in the window on
 * each arm they read, so a 1-error-in-20-requests blip at a 1 % stage pages nobody — the same
 * evidence threshold the canary analysis applies.
 */
export function renderTriggerExpr(
  trigger: TriggerConfig,
  metric: MetricConfig,
  canary: CanaryConfig,
  window: string,
  release?: string,
): string {
  const conditions: string[] = [];
  if (trigger.above !== undefined)
    conditions.push(renderCondition(metric, canary, window, '>', trigger.above, release));
  if (trigger.below !== undefined)
    conditions.push(renderCondition(metric, canary, window, '<', trigger.below, release));
  let expr = conditions.length === 1 ? conditions[0]! : conditions.map((c) => `(${c})`).join(' or ');
  if (metric.kind === 'ratio') {
    const min = metric.minSamples ?? canary.minSamples;
    const relative = [trigger.above, trigger.below].some((l) => l !== undefined && parseLimit(l).kind === 'relative');
    const arms = relative ? (['canary', 'baseline'] as const) : (['canary'] as const);
    const guards = arms
      .map((arm) => ` and on() (${renderArmTotal(metric, canary, arm, window, release)}) >= ${min}`)
      .join('');
    expr = `(${expr})${guards}`;
  }
  return expr;
}

function describeAction(trigger: TriggerConfig, config: RawConfig): string {
  return trigger.action === 'rollback'
    ? `\`rollout watch\` rolls back on this condition (mode ${config.rollback.watchAutoMode}); if it has not, run \`rollout rollback\`.`
    : 'Alert + manual review: this trigger never rolls back by itself. Run `rollout analyze` and decide.';
}

function buildMetricRule(
  trigger: TriggerConfig,
  metric: MetricConfig,
  config: RawConfig,
  canary: CanaryConfig,
): AlertRule {
  const window = trigger.window ?? config.watch.interval;
  const limits = [
    trigger.above !== undefined ? `> ${describeLimit(trigger.above)}` : '',
    trigger.below !== undefined ? `< ${describeLimit(trigger.below)}` : '',
  ]
    .filter(Boolean)
    .join(' or ');
  const name = metric.title ? `${metric.id} (${metric.title})` : metric.id;
  return {
    alert: toAlertName(trigger.id),
    expr: renderTriggerExpr(trigger, metric, canary, window, config.release),
    for: config.watch.interval,
    labels: {
      severity: trigger.action === 'rollback' ? 'critical' : 'warning',
      release: config.release,
      trigger: trigger.id,
    },
    annotations: {
      summary: `${config.release}: ${metric.id} on ${canary.arms.canary} ${limits} over ${window}`,
      description: `Canary ${canary.arms.canary} vs baseline ${canary.arms.baseline}, metric ${name}, trigger ${trigger.id}. ${describeAction(trigger, config)}`,
      runbook: `${config.runbooks}/${DEFAULT_ALERT_RUNBOOK}.md`,
    },
  };
}

/** Health checks are HTTP calls made by `rollout watch`; Prometheus has no series for them unless a probe exporter publishes one. */
function noteHealthCheck(trigger: TriggerConfig, config: RawConfig): AlertNote {
  const interval = config.watch.interval;
  const failures = trigger.consecutiveFailures ?? 1;
  return {
    trigger: trigger.id,
    message: `health-check trigger on "${trigger.healthCheck}" is evaluated by \`rollout watch\` calling the endpoint; the plan names no probe metric, so no rule is generated. With blackbox_exporter probing it, the equivalent would be the sketch below (${failures} consecutive failures, one check per watch interval of ${interval}).`,
    sketch: `max_over_time(probe_success{job="<probe job for ${trigger.healthCheck}>"}[${interval}]) == 0  # for: ${failures > 1 ? `${failures - 1} × ${interval}` : '0m'}`,
  };
}

/** Rules for every trigger Prometheus can evaluate, and a note for each one it cannot. */
export function buildTriggerRules(config: RawConfig): { rules: AlertRule[]; notes: AlertNote[] } {
  const rules: AlertRule[] = [];
  const notes: AlertNote[] = [];
  for (const trigger of config.triggers) {
    if (trigger.healthCheck !== undefined) {
      notes.push(noteHealthCheck(trigger, config));
      continue;
    }
    const metric = config.canary?.metrics.find((m) => m.id === trigger.metric);
    if (!config.canary || !metric) {
      notes.push({
        trigger: trigger.id,
        message: `trigger refers to metric "${trigger.metric}", which the canary section does not define`,
      });
    } else if (!hasPromql(metric)) {
      notes.push({
        trigger: trigger.id,
        message: `metric ${metric.id} comes from \`rollout verify\` (golden cases), not from Prometheus; \`rollout watch\` evaluates it, no rule is generated`,
      });
    } else {
      rules.push(buildMetricRule(trigger, metric, config, config.canary));
    }
  }
  return { rules, notes };
}
