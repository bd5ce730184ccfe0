import { asConfigError } from '../alerts/arm-query.js';
import { SERIES, SERVICE_QUERIES, isSeriesInPlan } from '../alerts/series.js';
import type { PerfBudget, RawConfig } from '../config/schema.js';
import { renderQuery } from '../metrics/promql.js';
import { buildCanaryPanels } from './canary-panels.js';
import { layoutSections, makeStat, makeTimeseries } from './panels.js';
import type { GrafanaDashboard, GrafanaPanel } from './types.js';
import { escapeInline } from '../output/escape.js';

/** Grafana 10.4 / 11 write schemaVersion 39; older ones migrate it on import. */
export const SCHEMA_VERSION = 39;
const RATE = '$__rate_interval';

type PanelDraft = Omit<GrafanaPanel, 'id' | 'gridPos'>;

/** Grafana uids are at most 40 characters of [A-Za-z0-9_-]. */
export function toDashboardUid(release: string): string {
  return `rollout-${release.replace(/[^A-Za-z0-9_-]+/g, '-')}`.slice(0, 40);
}

/** Share of requests served by the canary arm: the flag percentage as users experience it. */
function canaryShare(config: RawConfig): string | null {
  const canary = config.canary;
  if (!canary) return null;
  const arm = renderQuery(`sum(rate(${SERIES.requests}{${canary.arms.label}="{{variant}}"}[{{window}}]))`, {
    variant: canary.arms.canary,
    window: '5m',
  });
  return `${arm} / ${SERVICE_QUERIES.requestRate('5m')}`;
}

function buildStats(config: RawConfig, budget: PerfBudget | null): PanelDraft[] {
  const stats: PanelDraft[] = [];
  if (isSeriesInPlan(config, SERIES.requests)) {
    stats.push(
      makeStat({
        title: 'Requests/s now',
        unit: 'reqps',
        queries: [{ expr: SERVICE_QUERIES.requestRate('5m'), legend: 'req/s' }],
      }),
    );
    const errorMax = budget?.errorRateMax;
    stats.push(
      makeStat({
        title: 'Error rate',
        unit: 'percentunit',
        queries: [{ expr: SERVICE_QUERIES.errorRatio('5m'), legend: '5xx' }],
        limits: errorMax !== undefined ? { upper: errorMax / 100 } : {},
      }),
    );
    const share = canaryShare(config);
    if (share)
      stats.push(
        makeStat({
          title: 'Canary share of traffic',
          unit: 'percentunit',
          queries: [{ expr: share, legend: 'canary' }],
        }),
      );
  }
  if (isSeriesInPlan(config, SERIES.latency)) {
    stats.push(
      makeStat({
        title: 'p95 latency',
        unit: 'ms',
        queries: [{ expr: SERVICE_QUERIES.latencyMs(0.95, '5m'), legend: 'p95' }],
        limits: budget?.p95Max !== undefined ? { upper: budget.p95Max } : {},
      }),
    );
  }
  return stats;
}

function buildGoldenSignals(config: RawConfig, budget: PerfBudget | null): PanelDraft[] {
  const panels: PanelDraft[] = [];
  if (isSeriesInPlan(config, SERIES.latency)) {
    panels.push(
      makeTimeseries({
        title: 'Latency p50 / p95',
        unit: 'ms',
        queries: [
          { expr: SERVICE_QUERIES.latencyMs(0.5, RATE), legend: 'p50' },
          { expr: SERVICE_QUERIES.latencyMs(0.95, RATE), legend: 'p95' },
        ],
        limits: budget?.p95Max !== undefined ? { upper: budget.p95Max } : {},
        description: `Service-wide; the red line is p95Max from ${config.budget}.`,
      }),
    );
  }
  if (isSeriesInPlan(config, SERIES.requests)) {
    const byArm = config.canary
      ? [
          {
            expr: `sum by (${config.canary.arms.label}) (rate(${SERIES.requests}[${RATE}]))`,
            legend: `{{${config.canary.arms.label}}}`,
          },
        ]
      : [];
    panels.push(
      makeTimeseries({
        title: 'Traffic',
        unit: 'reqps',
        queries: [{ expr: SERVICE_QUERIES.requestRate(RATE), legend: 'all' }, ...byArm],
      }),
    );
    panels.push(
      makeTimeseries({
        title: 'Errors (5xx share)',
        unit: 'percentunit',
        queries: [{ expr: SERVICE_QUERIES.errorRatio(RATE), legend: '5xx share' }],
        limits: budget?.errorRateMax !== undefined ? { upper: budget.errorRateMax / 100 } : {},
        description: `The red line is errorRateMax from ${config.budget}.`,
      }),
    );
  }
  const saturation = [];
  if (isSeriesInPlan(config, SERIES.memory))
    saturation.push(
      makeTimeseries({
        title: 'Saturation: resident memory',
        unit: 'bytes',
        queries: [{ expr: SERVICE_QUERIES.memoryBytes(), legend: '{{instance}}' }],
      }),
    );
  saturation.push(
    makeTimeseries({
      title: 'Saturation: CPU',
      unit: 'short',
      queries: [{ expr: SERVICE_QUERIES.cpuCores(RATE), legend: '{{instance}}' }],
      description: `Cores in use per instance (${SERIES.cpu}, exported by the standard client libraries).`,
    }),
  );
  return [...panels, ...saturation];
}

/** The release's Grafana dashboard. Pure: config + budget → dashboard JSON model. */
export function buildDashboard(config: RawConfig, budget: PerfBudget | null): GrafanaDashboard {
  const canary = asConfigError(() => buildCanaryPanels(config, budget));
  const notes = canary.skipped.length ? ` Not charted (no Prometheus series): ${canary.skipped.join(', ')}.` : '';
  return {
    uid: toDashboardUid(config.release),
    title: `Release ${escapeInline(config.release)}`,
    description: `Generated by \`rollout dashboard\` from the release plan: golden signals and the canary metrics, canary vs baseline, with the plan's limits.${notes}`,
    tags: ['rollout', escapeInline(config.release)],
    timezone: 'utc',
    editable: true,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: config.watch.interval,
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
      ],
    },
    annotations: { list: [] },
    panels: layoutSections([
      { title: 'Now', width: 6, height: 4, panels: buildStats(config, budget) },
      { title: 'Golden signals', width: 12, height: 8, panels: buildGoldenSignals(config, budget) },
      {
        title: `Canary ${config.canary?.arms.canary ?? ''} vs baseline ${config.canary?.arms.baseline ?? ''}`.trim(),
        width: 12,
        height: 9,
        panels: canary.panels,
      },
    ]),
  };
}
