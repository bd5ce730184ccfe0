import type { PerfBudget, RawConfig, TriggerConfig } from '../config/schema.js';
import { SERIES, SERVICE_QUERIES, isSeriesInPlan } from './series.js';
import { DEFAULT_ALERT_RUNBOOK, type AlertNote, type AlertRule } from './types.js';

/** Growth of the heap is judged over an hour: shorter windows mostly see garbage-collection sawtooth. */
const HEAP_WINDOW = '1h';

/** The window of the trigger on the metric bound to `budget.<key>`, so budget and trigger read the same span. */
function windowFor(config: RawConfig, key: string, fallback: string): string {
  const metric = config.canary?.metrics.find((m) => m.kind === 'threshold' && m.max === `budget.${key}`);
  const trigger = metric ? config.triggers.find((t: TriggerConfig) => t.metric === metric.id && t.window) : undefined;
  return trigger?.window ?? fallback;
}

function budgetRule(
  config: RawConfig,
  key: string,
  expr: string,
  window: string,
  summary: string,
  description: string,
): AlertRule {
  return {
    alert: `RolloutBudget${key[0]!.toUpperCase()}${key.slice(1)}`,
    expr,
    for: window,
    labels: { severity: 'warning', release: config.release, trigger: `budget.${key}` },
    annotations: {
      summary: `${config.release}: ${summary}`,
      description: `${description} Service-wide (both arms). Budgets warn rather than page: \`rollout watch\` only rolls back on the plan's triggers, and the pager must not claim otherwise.`,
      runbook: `${config.runbooks}/${DEFAULT_ALERT_RUNBOOK}.md`,
    },
  };
}

function missing(key: string, series: string): AlertNote {
  return {
    trigger: `budget.${key}`,
    message: `no query of the plan uses ${series}, so there is no series to hold the budget against; no rule is generated`,
  };
}

/**
 * Rules for the `.perf-budget.json` limits that have a production series: p95 latency, error rate
 * (the budget is a percentage), and heap growth only when the plan exports a heap series — the
 * budget's heap delta is measured per benchmark run, and resident memory is not the same quantity.
 */
export function buildBudgetRules(
  config: RawConfig,
  budget: PerfBudget | null,
): { rules: AlertRule[]; notes: AlertNote[] } {
  const rules: AlertRule[] = [];
  const notes: AlertNote[] = [];
  if (!budget)
    return { rules, notes: [{ trigger: 'budget', message: `${config.budget} was not found: no budget rules` }] };
  if (budget.p95Max !== undefined) {
    const window = windowFor(config, 'p95Max', config.canary?.window ?? '5m');
    if (isSeriesInPlan(config, SERIES.latency)) {
      rules.push(
        budgetRule(
          config,
          'p95Max',
          `${SERVICE_QUERIES.latencyMs(0.95, window)} > ${budget.p95Max}`,
          window,
          `p95 latency above the ${budget.p95Max} ms budget`,
          `p95 of ${SERIES.latency} over ${window} exceeds p95Max = ${budget.p95Max} ms from ${config.budget}.`,
        ),
      );
    } else notes.push(missing('p95Max', SERIES.latency));
  }
  if (budget.errorRateMax !== undefined) {
    const window = config.triggers.find((t) => t.metric === 'error_rate')?.window ?? '10m';
    const ratio = budget.errorRateMax / 100;
    if (isSeriesInPlan(config, SERIES.requests)) {
      rules.push(
        budgetRule(
          config,
          'errorRateMax',
          `${SERVICE_QUERIES.errorRatio(window)} > ${ratio}`,
          window,
          `error rate above the ${budget.errorRateMax} % budget`,
          `5xx share of ${SERIES.requests} over ${window} exceeds errorRateMax = ${budget.errorRateMax} % (${ratio}) from ${config.budget}.`,
        ),
      );
    } else notes.push(missing('errorRateMax', SERIES.requests));
  }
  if (budget.heapDeltaMax !== undefined) {
    if (isSeriesInPlan(config, SERIES.heap)) {
      rules.push(
        budgetRule(
          config,
          'heapDeltaMax',
          `${SERVICE_QUERIES.heapGrowthMb(HEAP_WINDOW)} > ${budget.heapDeltaMax}`,
          '15m',
          `heap grew more than ${budget.heapDeltaMax} MB in ${HEAP_WINDOW}`,
          `${SERIES.heap} grew by more than heapDeltaMax = ${budget.heapDeltaMax} MB over ${HEAP_WINDOW} on one instance.`,
        ),
      );
    } else {
      notes.push({
        trigger: 'budget.heapDeltaMax',
        message: `heapDeltaMax is a per-benchmark-run heap growth; the plan exports no heap series (${SERIES.heap}) and ${SERIES.memory} (resident memory) is a different quantity, so no rule is generated`,
      });
    }
  }
  return { rules, notes };
}
