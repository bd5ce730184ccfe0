import { formatInUnit, metricUnit } from '../canary/units.js';
import type { GateConfig, MetricConfig, TriggerConfig } from '../config/schema.js';

/** A one-line summary of what a gate checks, for `plan` and `preflight`. */
export function describeGate(gate: GateConfig): string {
  switch (gate.kind) {
    case 'command':
      return `${gate.run.join(' ')} (timeout ${gate.timeout})`;
    case 'prometheus':
      return `${gate.query} ${gate.expect.trim()}${gate.window ? ` over ${gate.window}` : ''}`;
    case 'http':
      return `${gate.method} ${gate.url ?? `$${gate.urlEnv}`}${gate.path ?? ''} → ${[gate.expectStatus].flat().join('|')}${gate.preset ? ` + ${gate.preset}` : ''}${gate.burst ? ` after ${gate.burst} requests` : ''}${gate.maxLatency ? ` within ${gate.maxLatency}` : ''}`;
    case 'property':
      return `property suites: ${gate.engine}${gate.model ? ` ${gate.model}` : ' (both models)'}${gate.minAccuracyDelta !== undefined ? `, accuracy delta ≥ ${gate.minAccuracyDelta}` : ''}${gate.minAccuracyImprovement !== undefined ? `, accuracy ≥ +${Math.round(gate.minAccuracyImprovement * 100)} % over v1.0` : ''}`;
    case 'perf-budget':
      return `engine hot paths vs ${gate.budget}`;
    case 'file':
      return `${gate.path} ${gate.releaseSection !== undefined ? `has a release section for ${gate.releaseSection}` : gate.contains !== undefined ? `contains "${gate.contains}"` : `matches /${gate.matches}/`}`;
    case 'soak':
      return `${gate.duration} since the ${gate.since} began`;
    case 'manual':
      return `sign-off: ${gate.signoff}`;
    case 'chaos':
      return `a passing chaos run within ${gate.maxAge} of: ${gate.experiments.join(', ')}`;
  }
}

export function describeMetric(metric: MetricConfig): string {
  const unit = metricUnit(metric);
  // `max: budget.p95Max` names a number in .perf-budget.json: shown as written.
  const v = (x: number | string) => (typeof x === 'number' ? formatInUnit(x, unit) : x);
  const tail = `${metric.action === 'alert' ? ' → alert + manual review' : ' → rollback'}${metric.critical ? '' : ' (not critical)'}`;
  switch (metric.kind) {
    case 'ratio':
      return `ratio, ${metric.direction}, fails on a ${Math.round(metric.maxRelativeChange * 100)} % change${metric.maxAbsolute !== undefined ? `, at most ${v(metric.maxAbsolute)}` : ''}${metric.minAbsolute !== undefined ? `, at least ${v(metric.minAbsolute)}` : ''}${tail}`;
    case 'distribution':
      return `distribution (Mann–Whitney${metric.method === 'histogram' ? ` on binned requests, p${Number((metric.quantile * 100).toFixed(2))} ratio` : ''}), ${metric.direction}${metric.maxRelativeShift !== undefined ? `, shift ≤ ${Math.round(metric.maxRelativeShift * 100)} %` : ''}${tail}`;
    case 'threshold':
      return `threshold${metric.max !== undefined ? ` ≤ ${v(metric.max)}` : ''}${metric.min !== undefined ? ` ≥ ${v(metric.min)}` : ''}${metric.source === 'verify' ? ' (golden cases)' : ''}${tail}`;
  }
}

export function describeTrigger(trigger: TriggerConfig): string {
  const what = trigger.metric
    ? `${trigger.metric}${trigger.above !== undefined ? ` > ${trigger.above}` : ''}${trigger.below !== undefined ? ` < ${trigger.below}` : ''}`
    : `${trigger.consecutiveFailures ?? 1} consecutive failed ${trigger.healthCheck} checks`;
  return `${what} ${trigger.window ? `over ${trigger.window}` : 'immediately'} → ${trigger.action}`;
}
