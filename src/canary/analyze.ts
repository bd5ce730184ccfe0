import type { CanaryConfig, MetricConfig, PerfBudget } from '../config/schema.js';
import type { MetricsSource } from '../metrics/types.js';
import { adjustHolm } from '../stats/index.js';
import { collectMetric } from './collect.js';
import { judgeMetric } from './judge.js';
import type { CanaryVerdict, MetricVerdict } from './types.js';

function tolerance(metric: MetricConfig): number {
  if (metric.kind === 'ratio') return metric.maxRelativeChange;
  if (metric.kind === 'distribution') return metric.maxRelativeShift ?? 0;
  return 0;
}

/**
 * The overall verdict. A metric that was tested fails when the canary is significantly worse after
 * Holm's adjustment across all tested metrics (so adding metrics does not inflate the chance of a
 * false fail) AND the estimated change is beyond the metric's tolerance. Overall: fail if a critical
 * rollback metric fails; pass only when every metric passed with enough data; otherwise inconclusive.
 */
export function combineVerdicts(
  metrics: MetricConfig[],
  judged: MetricVerdict[],
  canary: CanaryConfig,
  at: Date,
  window: string,
): CanaryVerdict {
  const tested = judged
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => m.pValue !== undefined && m.verdict !== 'inconclusive');
  const holm = adjustHolm(
    tested.map(({ m }) => m.pValue as number),
    canary.alpha,
  );
  const usesHolm = canary.multipleComparisons === 'holm';
  const final = judged.map((m) => ({ ...m }));
  tested.forEach(({ i }, k) => {
    const m = final[i] as MetricVerdict;
    const adjusted = usesHolm ? (holm.adjusted[k] as number) : (m.pValue as number);
    const significant = usesHolm ? Boolean(holm.rejected[k]) : adjusted < canary.alpha;
    m.adjustedPValue = adjusted;
    const tol = tolerance(metrics[i] as MetricConfig);
    const change = m.relativeChange ?? 0;
    const p = `p = ${adjusted.toPrecision(2)}${usesHolm ? ' (Holm)' : ''}`;
    if (significant && change > tol) {
      m.verdict = 'fail';
      m.reason = `${m.reason}: ${Number.isFinite(change) ? `${(change * 100).toFixed(1)} %` : 'infinitely'} worse, significant (${p}) and beyond the ${Math.round(tol * 100)} % tolerance`;
    } else if (m.verdict === 'pass') {
      m.reason = `${m.reason}: ${significant ? `worse by ${(change * 100).toFixed(1)} %, within the ${Math.round(tol * 100)} % tolerance` : 'no significant regression'} (${p})`;
    }
  });
  const failing = final.filter((m) => m.verdict === 'fail');
  const blocking = failing.filter((m) => m.critical && m.action === 'rollback');
  const alerts = failing.filter((m) => m.action === 'alert').map((m) => m.id);
  const inconclusive = final.filter((m) => m.verdict === 'inconclusive');
  const verdict = blocking.length > 0 ? 'fail' : final.every((m) => m.verdict === 'pass') ? 'pass' : 'inconclusive';
  const summary =
    verdict === 'fail'
      ? `${blocking.map((m) => m.id).join(', ')} failed: ${blocking[0]?.reason}`
      : verdict === 'pass'
        ? `all ${final.length} metrics passed`
        : [
            inconclusive.length
              ? `${inconclusive.map((m) => `${m.id} (${m.inconclusive})`).join(', ')} inconclusive: ${inconclusive[0]?.reason}`
              : '',
            failing.length
              ? `${failing.map((m) => m.id).join(', ')} failed${alerts.length ? ' — manual review' : ''} (not a rollback metric)`
              : '',
          ]
            .filter(Boolean)
            .join('; ');
  return {
    verdict,
    summary,
    alerts,
    metrics: final,
    window,
    at: at.toISOString(),
    multipleComparisons: canary.multipleComparisons,
    alpha: canary.alpha,
  };
}

export interface AnalyzeOptions {
  canary: CanaryConfig;
  budget: PerfBudget | null;
  source: MetricsSource;
  now: Date;
  window?: string;
  release: string;
  /** A promise is fine: the golden cases are scored while the queries run. */
  accuracyDelta?: number | null | Promise<number | null>;
  timeoutMs?: number;
}

/** Collects every metric's evidence at once and judges it. Pure apart from the queries. */
export async function analyzeCanary(opts: AnalyzeOptions): Promise<CanaryVerdict> {
  const window = opts.window ?? opts.canary.window;
  const collectOptions = {
    source: opts.source,
    canary: opts.canary,
    window,
    now: opts.now,
    release: opts.release,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  };
  const [collected, accuracyDelta] = await Promise.all([
    Promise.all(opts.canary.metrics.map((m) => collectMetric(m, collectOptions))),
    opts.accuracyDelta ?? null,
  ]);
  const judgeCtx = { canary: opts.canary, budget: opts.budget, accuracyDelta };
  const judged = opts.canary.metrics.map((m, i) => judgeMetric(m, collected[i]!, judgeCtx));
  return combineVerdicts(opts.canary.metrics, judged, opts.canary, opts.now, window);
}
