import type { ReleaseReport } from './build-report.js';
import {
  ALERT_NOISE_NOTE,
  deliveryNote,
  deliveryRows,
  describeEvent,
  formatMs,
  formatPValue,
  formatMetricValue,
  formatTime,
  omittedNote,
  SUCCESS_HEADER,
  successRows,
  successSummary,
} from './format.js';
import { renderMetricChart } from './metric-chart.js';
import { escapeHtml, renderTimelineChart } from './svg-charts.js';
import type { MetricChartInfo } from './metric-limits.js';
import type { Decision } from './timeline.js';
import { scheduleRows } from './schedule.js';

// Inline only: the report is mailed and archived, and must render the same with no network.
const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;margin:2rem auto;max-width:960px;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}h3{font-size:1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #e0e0e0;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}.met-yes{color:#2e7d32;font-weight:600}.met-no{color:#c62828;font-weight:600}
.verdict-pass{color:#2e7d32}.verdict-fail{color:#c62828;font-weight:600}.verdict-inconclusive{color:#b26a00}
.chart{max-width:100%;height:auto;font-size:11px;font-family:inherit}.chart text{fill:#333}
.line.canary{stroke:#6a1b9a}.line.baseline{stroke:#00838f}.point.canary{fill:#6a1b9a}.point.baseline{fill:#00838f}.point.fail{fill:#c62828}
.charts figure{margin:1rem 0}
.muted{color:#666}
`;

function htmlTable(header: string[], rows: string[][], rawColumns: number[] = []): string {
  if (rows.length === 0) return '<p>None yet.</p>';
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td>${rawColumns.includes(i) ? c : escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<table>${head}${body}</table>`;
}

function verdict(v: string | undefined): string {
  return v ? `<span class="verdict-${escapeHtml(v)}">${escapeHtml(v)}</span>` : '<span class="muted">no verdict</span>';
}

function renderDecision(d: Decision, units: Record<string, MetricChartInfo>): string {
  const where = [d.phase, d.stage].filter(Boolean).join(' · ') || '—';
  const parts = [
    `<h3>${escapeHtml(`${formatTime(d.at)} — ${d.op} at ${where} (run ${d.run})`)}</h3>`,
    `<p>${verdict(d.verdict)}${d.summary ? ` — ${escapeHtml(d.summary)}` : ''} · by ${escapeHtml(d.actor)}${d.reason ? ` · “${escapeHtml(d.reason)}”` : ''}</p>`,
  ];
  for (const c of d.canary) {
    parts.push(`<p>Canary analysis: ${verdict(c.verdict)}${c.summary ? ` — ${escapeHtml(c.summary)}` : ''}</p>`);
    parts.push(
      htmlTable(
        ['metric', 'verdict', 'baseline (n)', 'canary (n)', 'p-value', 'reason'],
        c.metrics.map((m) => [
          escapeHtml(m.id),
          verdict(m.verdict),
          escapeHtml(`${formatMetricValue(m.baseline?.value, units[m.id]?.unit)} (${m.baseline?.n ?? '?'})`),
          escapeHtml(`${formatMetricValue(m.canary?.value, units[m.id]?.unit)} (${m.canary?.n ?? '?'})`),
          escapeHtml(formatPValue(m.pValue)),
          escapeHtml(m.reason ?? ''),
        ]),
        [0, 1, 2, 3, 4, 5],
      ),
    );
  }
  return `<section class="decision">${parts.join('')}</section>`;
}

/** The release report as ONE self-contained HTML file: inline CSS, inline SVG charts, no scripts. */
export function renderHtml(r: ReleaseReport): string {
  const delivery = `${htmlTable(
    ['figure', 'measured'],
    deliveryRows(r.delivery).map((d) => [d.name, d.value]),
  )}<p class="muted">${escapeHtml(deliveryNote(r))}</p>`;
  const success = r.successMetrics?.length
    ? `<h2>Success metrics</h2><p>${escapeHtml(successSummary(r))}.</p>${htmlTable(
        SUCCESS_HEADER,
        successRows(r).map((row) =>
          row.map((c, i) =>
            i === 4
              ? `<span class="${c === 'met' ? 'met-yes' : c === 'unknown' ? 'verdict-inconclusive' : 'met-no'}">${escapeHtml(c)}</span>`
              : escapeHtml(c),
          ),
        ),
        [0, 1, 2, 3, 4, 5, 6],
      )}<p class="muted">${escapeHtml(ALERT_NOISE_NOTE)}</p>`
    : '';
  const steps = htmlTable(
    ['step', 'visits', 'time', ''],
    [...r.delivery.timePerPhase, ...r.delivery.timePerStage].map((s) => [
      s.stage ? `${s.phase} · ${s.stage}${s.percent !== undefined ? ` (${s.percent} %)` : ''}` : s.phase,
      String(s.visits),
      formatMs(s.totalMs),
      s.ongoing ? 'ongoing' : '',
    ]),
  );
  const schedule = htmlTable(
    ['step', 'planned', 'actual', 'state'],
    scheduleRows(r.schedule).map(([step, planned, actual, state]) => [
      escapeHtml(step ?? ''),
      escapeHtml(planned ?? ''),
      actual?.includes('OVERRUN') ? `<span class="met-no">${escapeHtml(actual)}</span>` : escapeHtml(actual ?? ''),
      escapeHtml(state ?? ''),
    ]),
    [0, 1, 2, 3],
  );
  const rollbacks =
    r.rollbacks.length === 0
      ? '<p>None.</p>'
      : htmlTable(
          ['started', 'completed', 'recovery', 'mode', 'at', 'by', 'reason'],
          r.rollbacks.map((b) => [
            formatTime(b.startedAt),
            b.failed ? 'FAILED' : formatTime(b.completedAt),
            b.completedAt ? formatMs(Date.parse(b.completedAt) - Date.parse(b.startedAt)) : '—',
            b.mode ?? '—',
            [b.phase, b.stage].filter(Boolean).join(' · ') || '—',
            b.actor,
            b.reason ?? '',
          ]),
        );
  const overrides =
    r.overrides.length === 0
      ? '<p>None.</p>'
      : htmlTable(
          ['time', 'op', 'by', 'detail'],
          r.overrides.map((o) => [formatTime(o.at), o.op, o.actor, describeEvent(o)]),
        );
  const charts = Object.entries(r.canarySeries)
    .map(
      ([id, points]) =>
        `<figure><figcaption>${escapeHtml(r.canaryMetrics[id]?.title ?? id)}</figcaption>${renderMetricChart(id, points, r.canaryMetrics[id], r.visits, r.rollbacks)}</figure>`,
    )
    .join('');
  const timeline = htmlTable(
    ['time', 'event', 'op', 'by', 'detail'],
    r.timeline.map((e) => [formatTime(e.at), e.kind, e.op, e.actor, describeEvent(e)]),
  );
  const title = `Release report ${r.release}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Status <strong>${escapeHtml(r.status)}</strong>${r.phase ? `, phase ${escapeHtml(r.phase)}` : ''}${r.stage ? `, stage ${escapeHtml(r.stage)}` : ''}. Generated ${escapeHtml(formatTime(r.generatedAt))}.</p>${r.omitted ? `\n<p class="muted">${escapeHtml(omittedNote(r.omitted))}</p>` : ''}
<h2>Delivery</h2>${delivery}${success ? `\n${success}` : ''}
<h2>Stage timeline</h2>${renderTimelineChart(r.visits, r.rollbacks, r.generatedAt)}
<h2>Time per stage</h2>${steps}
<h2>Planned against actual</h2>${schedule}
<h2>Canary vs baseline over the stages</h2>${charts ? `<div class="charts">${charts}</div>` : '<p>No canary evidence recorded.</p>'}
<h2>Rollbacks</h2>${rollbacks}
<h2>Overrides</h2>${overrides}
<h2>Decisions and evidence</h2>${r.decisions.length ? r.decisions.map((d) => renderDecision(d, r.canaryMetrics)).join('') : '<p>No decision carried evidence.</p>'}
<h2>Timeline</h2>${timeline}
<p class="muted">Deployment success = stage deployments not rolled back / stage deployments that finished; rollback rate = runs ending in a rollback / runs (first run + retries); recovery = rollback start → completion.</p>
</body></html>
`;
}
