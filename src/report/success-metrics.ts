import { formatDuration } from '../config/duration.js';
import type { DerivedMeasure, SuccessMetricConfig } from '../config/outcome-schema.js';
import { resolveGateRef } from '../config/plan-refs.js';
import type { RawConfig } from '../config/schema.js';
import { formatNumber, isSatisfied, parseComparison } from '../gates/compare.js';
import type { ReleaseState } from '../state/types.js';
import type { ReleaseReport } from './build-report.js';

export type SuccessStatus = 'met' | 'not-met' | 'unknown';

/** One success metric of the plan with its value, as the report shows it. */
export interface SuccessMetricResult {
  id: string;
  title: string;
  group: SuccessMetricConfig['group'];
  /** The plan's words. */
  target: string;
  expect?: string;
  /** Where the value comes from, in words. */
  source: string;
  /** The number read, when the source gives one (rates as fractions, times in seconds). */
  value: number | null;
  /** The value as a person reads it (`2.0 %`, `3m 20s`, `signed off by …`), or `—`. */
  display: string;
  status: SuccessStatus;
  /** Why it is unknown (no data, Prometheus down, …) or what the verdict rests on. */
  why?: string;
}

/** A Prometheus source's answer, read before evaluation (src/report/success-sources.ts). */
export type PrometheusReading =
  | { kind: 'value'; value: number; display: string; status: SuccessStatus; why?: string }
  | { kind: 'unknown'; why: string };

export interface SuccessInputs {
  report: ReleaseReport;
  state: ReleaseState | null;
  /** Audit entries the report read (0: no audit log, so alert noise cannot be measured). */
  auditEntries: number;
  prometheus: ReadonlyMap<string, PrometheusReading>;
}

type Partial = Pick<SuccessMetricResult, 'value' | 'display' | 'status'> & { why?: string };

const pct = (x: number) => `${formatNumber(Number((x * 100).toFixed(2)))} %`;
const unknown = (why: string): Partial => ({ value: null, display: '—', status: 'unknown', why });

/** Judges `value` against the metric's `expect`; NaN or ±Infinity is never met, it is unknown. */
function judge(metric: SuccessMetricConfig, value: number, display: string, why?: string): Partial {
  if (!Number.isFinite(value)) return unknown(`the value is ${String(value)}`);
  const comparison = metric.expect ? parseComparison(metric.expect) : null;
  if (!comparison) return unknown('no expect to judge the value by');
  return { value, display, status: isSatisfied(value, comparison) ? 'met' : 'not-met', ...(why ? { why } : {}) };
}

function describeSource(config: RawConfig, metric: SuccessMetricConfig): string {
  const s = metric.source;
  switch (s.kind) {
    case 'derived':
      return `derived: ${s.measure}`;
    case 'prometheus':
      return `prometheus${s.window ? ` over ${s.window}` : ''}`;
    case 'canary':
      return `canary evidence: ${s.metric} (${s.arm})`;
    case 'gate': {
      const found = resolveGateRef(config, s.gate);
      return `gate ${found.found ? `${found.phase}/${found.gate.id}` : s.gate}`;
    }
    case 'signoff':
      return `sign-off ${s.item}`;
  }
}

function evaluateDerived(metric: SuccessMetricConfig, measure: DerivedMeasure, inputs: SuccessInputs): Partial {
  const { delivery, status } = inputs.report;
  switch (measure) {
    case 'deployment-success-rate':
      return delivery.deploymentSuccessRate === null
        ? unknown('no stage deployment has finished yet')
        : judge(
            metric,
            delivery.deploymentSuccessRate,
            pct(delivery.deploymentSuccessRate),
            `${delivery.failedDeployments} of ${delivery.deployments} stage deployments rolled back`,
          );
    case 'rollback-rate':
      return delivery.rollbackRate === null
        ? unknown('the release has not started')
        : judge(
            metric,
            delivery.rollbackRate,
            pct(delivery.rollbackRate),
            `${delivery.runs} run(s), ${delivery.rollbacks} rollback(s)`,
          );
    case 'rollback-count':
      return judge(metric, delivery.rollbacks, String(delivery.rollbacks));
    case 'mttr':
      if (delivery.incompleteRollbacks > 0)
        return unknown(`${delivery.incompleteRollbacks} rollback(s) still running or never completed`);
      // The plan's target holds "if rollback required": with no rollback there is nothing to recover from.
      if (delivery.mttrMs === null) return { value: null, display: '—', status: 'met', why: 'no rollback needed' };
      return judge(
        metric,
        delivery.mttrMs / 1000,
        formatDuration(delivery.mttrMs),
        `mean over ${delivery.rollbacks} rollback(s)`,
      );
    case 'release-duration': {
      const ms = delivery.timePerPhase.reduce((n, p) => n + p.totalMs, 0);
      if (delivery.timePerPhase.length === 0) return unknown('the release has not started');
      const result = judge(metric, ms / 1000, formatDuration(ms));
      // An unfinished release can already miss an upper bound, never meet one.
      if (status !== 'completed' && result.status === 'met')
        return { ...result, status: 'unknown', why: 'the release is still in progress (so far)' };
      return result;
    }
    case 'alert-noise':
      return evaluateAlertNoise(metric, inputs);
  }
}

function evaluateAlertNoise(metric: SuccessMetricConfig, inputs: SuccessInputs): Partial {
  const noise = inputs.report.alertNoise;
  if (inputs.auditEntries === 0) return unknown('no audit log: alerts and rollbacks are counted from it');
  if (noise.total === 0 || noise.rate === null || noise.upper === null)
    return {
      value: null,
      display: '—',
      status: 'met',
      why: 'no alert and no automatic rollback: nothing was a false positive',
    };
  const falses = noise.falseByLevel + noise.falseWithoutFix;
  const why = `${falses} false of ${noise.total} (${noise.alerts} alert(s), ${noise.rollbacks} automatic rollback(s); ${noise.falseByLevel} A/A-level, ${noise.falseWithoutFix} moved on without a fix${noise.undetermined ? `, ${noise.undetermined} undetermined: commit unknown` : ''})`;
  const low = judge(metric, noise.rate, pct(noise.rate), why);
  if (noise.undetermined === 0) return low;
  const high = judge(metric, noise.upper, pct(noise.upper));
  if (low.status === high.status) return low;
  return { ...low, display: `${pct(noise.rate)} – ${pct(noise.upper)}`, status: 'unknown', why };
}

function evaluateCanary(
  metric: SuccessMetricConfig,
  id: string,
  arm: 'canary' | 'baseline',
  inputs: SuccessInputs,
): Partial {
  const points = inputs.report.canarySeries[id] ?? [];
  const last = points[points.length - 1];
  if (!last) return unknown(`no canary evidence for ${id} yet`);
  const value = last[arm];
  if (value === null)
    return unknown(`the latest evaluation of ${id} (${last.label}) has no ${arm} value (${last.verdict})`);
  return judge(metric, value, formatNumber(value), `latest evaluation: ${last.label}, ${last.verdict}`);
}

function phaseIndex(config: RawConfig, id: string | null): number {
  return config.phases.findIndex((p) => p.id === id);
}

function evaluateGate(config: RawConfig, ref: string, inputs: SuccessInputs): Partial {
  const found = resolveGateRef(config, ref);
  if (!found.found) return unknown(`gate ${ref} is not in the plan`);
  const { state, report } = inputs;
  const left =
    state !== null &&
    (state.status === 'completed' || phaseIndex(config, state.phase) > phaseIndex(config, found.phase));
  const overridden = report.overrides.some(
    (e) =>
      (e.from as { phase?: unknown } | undefined)?.phase === found.phase &&
      (e.to as { phase?: unknown } | undefined)?.phase !== found.phase,
  );
  if (left && !overridden)
    return {
      value: null,
      display: 'passed',
      status: 'met',
      why: `every gate of ${found.phase} passed when the release left it`,
    };
  const record = state?.evidence[`preflight:${found.phase}`] as
    { at?: string; gates?: Array<{ id: string; verdict: string; summary?: string }> } | undefined;
  const gate = record?.gates?.find((g) => g.id === found.gate.id);
  if (!gate)
    return unknown(`no recorded result of ${found.phase}/${found.gate.id} (rollout preflight --phase ${found.phase})`);
  const why = `preflight ${record?.at ?? ''}: ${gate.summary ?? gate.verdict}`.trim();
  if (gate.verdict === 'pass') return { value: null, display: 'passed', status: 'met', why };
  if (gate.verdict === 'fail') return { value: null, display: 'failed', status: 'not-met', why };
  return { value: null, display: gate.verdict, status: 'unknown', why };
}

function evaluateSignoff(item: string, inputs: SuccessInputs): Partial {
  const found = inputs.state?.signoffs.filter((s) => s.item === item).at(-1);
  if (!found) return unknown(`not signed off yet (rollout signoff ${item} --reason …)`);
  return { value: null, display: `signed off by ${found.actor}`, status: 'met', why: `${found.at}: ${found.reason}` };
}

/** Every success metric of the plan, judged. Pure: the Prometheus readings are passed in. */
export function evaluateSuccessMetrics(config: RawConfig, inputs: SuccessInputs): SuccessMetricResult[] {
  return config.successMetrics.map((metric) => {
    const s = metric.source;
    let result: Partial;
    if (s.kind === 'derived') result = evaluateDerived(metric, s.measure, inputs);
    else if (s.kind === 'canary') result = evaluateCanary(metric, s.metric, s.arm, inputs);
    else if (s.kind === 'gate') result = evaluateGate(config, s.gate, inputs);
    else if (s.kind === 'signoff') result = evaluateSignoff(s.item, inputs);
    else {
      const reading = inputs.prometheus.get(metric.id);
      result = !reading
        ? unknown('not queried')
        : reading.kind === 'unknown'
          ? unknown(reading.why)
          : {
              value: reading.value,
              display: reading.display,
              status: reading.status,
              ...(reading.why ? { why: reading.why } : {}),
            };
    }
    return {
      id: metric.id,
      title: metric.title,
      group: metric.group,
      target: metric.target,
      ...(metric.expect ? { expect: metric.expect.trim() } : {}),
      source: describeSource(config, metric),
      ...result,
    };
  });
}
