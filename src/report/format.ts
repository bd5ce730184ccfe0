import { formatInUnit } from '../canary/units.js';
import { formatDuration } from '../config/duration.js';
import type { ReleaseReport } from './build-report.js';
import type { DeliveryMetrics } from './delivery.js';
import type { ReleaseEvent } from './events.js';

export function formatPercent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(value === 0 || value === 1 ? 0 : 1)} %`;
}

export function formatMs(value: number | null): string {
  return value === null ? 'n/a' : formatDuration(value);
}

/** Evidence values are rates (0–1) or milliseconds; keep enough digits for small rates. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return Math.abs(value) < 1 ? value.toPrecision(3) : value.toFixed(1);
}

/** A metric's value in its unit (src/canary/units.ts) when the plan names the metric; `formatValue` otherwise. */
export function formatMetricValue(value: number | null | undefined, unit: string | undefined): string {
  if (unit === undefined || value === null || value === undefined || !Number.isFinite(value)) return formatValue(value);
  return formatInUnit(value, unit);
}

/** `2026-03-02T10:00:00.000Z` → `2026-03-02 10:00Z`: the report is read by people, minutes are enough. */
export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z');
}

/**
 * A row per delivery figure: name and what was measured. Whether a figure meets its target is judged only
 * against the plan's own words, in the success metrics (`source: { kind: derived, … }`), never here.
 */
export function deliveryRows(d: DeliveryMetrics): Array<{ name: string; value: string }> {
  return [
    {
      name: 'Deployment success rate',
      value: `${formatPercent(d.deploymentSuccessRate)} (${d.deployments - d.failedDeployments} of ${d.deployments} stage deployments)`,
    },
    {
      name: 'Rollback rate',
      value: `${formatPercent(d.rollbackRate)} (${d.rollbacks} rollback${d.rollbacks === 1 ? '' : 's'} in ${d.runs} run${d.runs === 1 ? '' : 's'})`,
    },
    {
      name: 'Mean time to recovery',
      value: `${formatMs(d.mttrMs)}${d.incompleteRollbacks ? ` (${d.incompleteRollbacks} not completed)` : ''}`,
    },
  ];
}

/** Under the delivery table: where the figures are judged, or how to have them judged. */
export function deliveryNote(r: ReleaseReport): string {
  return r.successMetrics?.some((m) => m.source.startsWith('derived:'))
    ? "Judged against the plan's targets under Success metrics."
    : 'The plan sets no target for these figures: a success metric whose source is derived (successMetrics[].source.kind) judges one.';
}

function describePosition(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  const o = value as Record<string, unknown>;
  const stage =
    typeof o.stage === 'string'
      ? o.stage
      : ((o.stage as { id?: string } | null)?.id ?? (typeof o.id === 'string' ? o.id : undefined));
  const parts = [
    typeof o.phase === 'string' ? o.phase : undefined,
    stage,
    typeof o.percent === 'number' ? `${o.percent} %` : undefined,
    typeof o.mode === 'string' ? `mode ${o.mode}` : undefined,
  ];
  return parts.filter(Boolean).join(' ');
}

/** A one-line description of an event for the timeline. */
export function describeEvent(e: ReleaseEvent): string {
  const from = describePosition(e.from);
  const to = describePosition(e.to);
  const move = from && to ? `${from} → ${to}` : to || from;
  return [move, e.reason ? `“${e.reason}”` : ''].filter(Boolean).join(' — ');
}

/** p-values span many orders of magnitude: exponent form below 0.001. */
export function formatPValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  return p < 0.001 ? p.toExponential(2) : p.toPrecision(3);
}

/** What a report of a long history leaves out, in one sentence. */
export function omittedNote(o: NonNullable<ReleaseReport['omitted']>): string {
  const parts = [
    [o.timeline, 'timeline events'],
    [o.visits, 'stage visits'],
    [o.decisions, 'decisions'],
    [o.rollbacks, 'rollbacks'],
    [o.overrides, 'overrides'],
    [o.looks ?? 0, 'watch looks'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => `${(n as number).toLocaleString('en-US')} earlier ${what as string}`);
  return `A long history (${o.events.toLocaleString('en-US')} events): the lists below show the most recent ones; ${parts.join(', ')} are not listed. The delivery figures count everything.`;
}

/** Success-metric status as a report cell. */
export const SUCCESS_STATUS_TEXT = { met: 'met', 'not-met': 'NOT MET', unknown: 'unknown' } as const;

/** A row per success metric: group, metric, target, value, status, source, why. */
export function successRows(r: ReleaseReport): string[][] {
  return (r.successMetrics ?? []).map((m) => [
    m.group,
    m.title,
    `${m.target}${m.expect ? ` (${m.expect})` : ''}`,
    m.display,
    SUCCESS_STATUS_TEXT[m.status],
    m.source,
    m.why ?? '',
  ]);
}

export const SUCCESS_HEADER = ['group', 'metric', 'target', 'value', 'status', 'source', 'why'];

/** `N met, N not met, N unknown`. */
export function successSummary(r: ReleaseReport): string {
  const all = r.successMetrics ?? [];
  const n = (s: string) => all.filter((m) => m.status === s).length;
  return `${n('met')} met, ${n('not-met')} not met, ${n('unknown')} unknown of ${all.length}`;
}

/** The alert-noise definition, printed under the success metrics. */
export const ALERT_NOISE_NOTE =
  "Alert noise = alerts and automatic rollbacks later judged false / all of them. False: A/A-level (the canary no worse than the baseline beyond the metric's tolerance), or the release moved on past it without a fix (retry after a rollback, advance after an alert, with the same plan hash and commit).";
