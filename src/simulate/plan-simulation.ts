import type { CanaryConfig } from '../config/schema.js';
import { suggest } from '../config/suggest.js';
import type { RecordedBaseline } from './recorded-baseline.js';
import { chooseDefaultRate, DEFAULT_EFFECT, DEFAULT_REQUESTS_PER_LOOK } from './traffic.js';
import type { MetricTraffic, RatioMetric, RatioTrigger, ScenarioKind, SimulationPlan } from './types.js';

/** What the user asked for, already parsed into numbers (flags → `commands/simulate.ts`). */
export interface SimulationRequest {
  scenario: ScenarioKind;
  /** The metric the flags' rates and the regression apply to; null = every ratio metric. */
  metric: string | null;
  stages: number;
  looks: number;
  requestsPerLook: number | null;
  baselineRate: number | null;
  effect: number | null;
  canaryRate: number | null;
  seed: number;
  /** Per-interval counts vary φ times more than binomial (1 = binomial). */
  overdispersion: number;
  /** Lag-1 correlation of the per-interval rates (0 = independent intervals). */
  autocorrelation: number;
  intervalMs: number;
  /** Per metric id, from `--from-recording`. */
  recorded: Map<string, RecordedBaseline> | null;
}

/** A flag that does not fit the plan; `flag` names it, so the CLI can say which one. */
export class SimulationInputError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'SimulationInputError';
  }
}

function selectMetric(metrics: readonly RatioMetric[], request: SimulationRequest): RatioMetric | null {
  if (request.metric === null) {
    const flag =
      request.baselineRate !== null ? '--baseline-rate' : request.canaryRate !== null ? '--canary-rate' : null;
    if (flag && metrics.length > 1)
      throw new SimulationInputError(
        flag,
        `say which metric it is for with --metric (ratio metrics: ${metrics.map((m) => m.id).join(', ')})`,
      );
    return null;
  }
  const found = metrics.find((m) => m.id === request.metric);
  if (found) return found;
  const hint = suggest(
    request.metric,
    metrics.map((m) => m.id),
  );
  throw new SimulationInputError(
    '--metric',
    `${request.metric} is not a ratio metric of the canary policy${hint ? ` (did you mean ${hint}?)` : ''}; ratio metrics: ${metrics.map((m) => m.id).join(', ')}`,
  );
}

function volumeFor(
  request: SimulationRequest,
  recorded: RecordedBaseline | undefined,
): MetricTraffic['requestsPerLook'] {
  if (request.requestsPerLook !== null) return { baseline: request.requestsPerLook, canary: request.requestsPerLook };
  if (!recorded) return { baseline: DEFAULT_REQUESTS_PER_LOOK, canary: DEFAULT_REQUESTS_PER_LOOK };
  const perLook = (total: number) => Math.max(1, Math.round((total * request.intervalMs) / recorded.windowMs));
  return { baseline: perLook(recorded.total), canary: perLook(recorded.canaryTotal ?? recorded.total) };
}

function buildTraffic(
  metric: RatioMetric,
  selected: RatioMetric | null,
  request: SimulationRequest,
  notes: string[],
): MetricTraffic {
  const chosen = selected === null || selected.id === metric.id;
  const recorded = request.recorded?.get(metric.id);
  if (request.recorded && !recorded)
    notes.push(`${metric.id}: no recorded baseline in the recording; simulated at the default rate`);
  const flagRate = chosen ? request.baselineRate : null;
  const source: MetricTraffic['source'] = flagRate !== null ? 'flag' : recorded ? 'recording' : 'default';
  const baselineRate = flagRate ?? (recorded ? recorded.events / recorded.total : chooseDefaultRate(metric));
  // The canary either has a fixed rate or follows the baseline (which a recording redraws each stage).
  const regress = request.scenario === 'regression' && chosen;
  const canary = regress
    ? request.canaryRate !== null
      ? { canaryRate: request.canaryRate, effect: null }
      : { canaryRate: null, effect: request.effect ?? DEFAULT_EFFECT }
    : source === 'recording'
      ? { canaryRate: null, effect: 1 }
      : { canaryRate: baselineRate, effect: null };
  return {
    metric,
    baselineRate,
    ...canary,
    requestsPerLook: volumeFor(request, recorded),
    source,
    ...(source === 'recording' && recorded ? { resample: { events: recorded.events, total: recorded.total } } : {}),
  };
}

/** The simulation of `canary` and its `watch` ratio triggers that `request` describes. */
export function planSimulation(
  canary: CanaryConfig,
  triggers: readonly RatioTrigger[],
  request: SimulationRequest,
  notes: string[],
): SimulationPlan {
  const metrics = canary.metrics.filter((m): m is RatioMetric => m.kind === 'ratio');
  if (metrics.length === 0)
    throw new SimulationInputError('--config', 'the canary policy has no ratio metric to simulate');
  const selected = selectMetric(metrics, request);
  const traffic = metrics.map((m) => buildTraffic(m, selected, request, notes));
  const skipped = canary.metrics.filter((m) => m.kind !== 'ratio').map((m) => m.id);
  if (skipped.length)
    notes.push(
      `not simulated (not ratio metrics): ${skipped.join(', ')}; the stage-end Holm family here is the ratio metrics only`,
    );
  return {
    scenario: request.scenario,
    canary: { ...canary, metrics },
    traffic,
    triggers: triggers.filter((t) => metrics.some((m) => m.id === t.metric.id)),
    stages: request.stages,
    looks: request.looks,
    intervalMs: request.intervalMs,
    seed: request.seed,
    noise: { overdispersion: request.overdispersion, autocorrelation: request.autocorrelation },
  };
}
