import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { formatNumber } from '../gates/compare.js';
import type { ReleaseState } from '../state/types.js';
import type { PrometheusReading } from './success-metrics.js';

/**
 * The Prometheus-sourced success metrics, each read the way a prometheus gate reads its query (same
 * templating, escaping, timeouts and outcome kinds). Never throws: no URL, an unreachable or lying
 * Prometheus, NaN and no data are unknown values with their reason — a report is still written.
 */
export async function readPrometheusSuccessMetrics(
  ctx: Ctx,
  loaded: LoadedConfig,
  state: ReleaseState | null,
): Promise<Map<string, PrometheusReading>> {
  const out = new Map<string, PrometheusReading>();
  const metrics = loaded.config.successMetrics.filter((m) => m.source.kind === 'prometheus');
  if (metrics.length === 0) return out;
  const [{ judgePrometheusGate }, { buildGateContext }] = await Promise.all([
    import('../gates/prometheus-gate.js'),
    import('../gates/gate-context.js'),
  ]);
  const gateCtx = buildGateContext(ctx, loaded, state?.phase ?? '', state);
  await Promise.all(
    metrics.map(async (metric) => {
      const source = metric.source as Extract<typeof metric.source, { kind: 'prometheus' }>;
      try {
        const outcome = await judgePrometheusGate(
          {
            id: metric.id,
            kind: 'prometheus',
            query: source.query,
            expect: metric.expect ?? '',
            expectSeries: 'one',
            ...(source.window ? { window: source.window } : {}),
          },
          gateCtx,
        );
        const observed = outcome.evidence?.observed;
        if (outcome.verdict === 'inconclusive' || typeof observed !== 'number' || outcome.reason === 'bad-query')
          out.set(metric.id, { kind: 'unknown', why: outcome.summary });
        else
          out.set(metric.id, {
            kind: 'value',
            value: observed,
            display: formatNumber(observed),
            status: outcome.verdict === 'pass' ? 'met' : 'not-met',
          });
      } catch (error) {
        out.set(metric.id, { kind: 'unknown', why: `Prometheus could not be read: ${(error as Error).message}` });
      }
    }),
  );
  return out;
}
