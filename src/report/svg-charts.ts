import type { CanaryPoint } from './build-report.js';
import { formatTime, formatValue } from './format.js';
import type { RollbackRecord, Visit } from './timeline.js';

/** Escapes text for HTML/SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const OUTCOME_COLOURS: Record<Visit['outcome'], string> = { advanced: '#2e7d32', 'rolled-back': '#c62828', completed: '#1565c0', current: '#f9a825' };

function visitLabel(v: Visit): string {
  return v.stage ? `${v.phase} · ${v.stage}${v.percent !== undefined ? ` ${v.percent}%` : ''}` : v.phase;
}

/**
 * A Gantt chart of the visits (one row each, in order) with a red marker at every rollback. Every
 * bar carries its data as attributes so the rendered page can be checked without reading pixels.
 */
export function renderTimelineChart(visits: Visit[], rollbacks: RollbackRecord[], now: string): string {
  if (visits.length === 0) return '<p>No stages yet.</p>';
  const row = 22;
  const left = 170;
  const width = 900;
  const plot = width - left - 20;
  const height = visits.length * row + 50;
  // Loops, not Math.min(...array): a spread of a long array exceeds the engine's argument limit.
  let start = Infinity;
  let end = Date.parse(now);
  for (const v of visits) {
    start = Math.min(start, Date.parse(v.enteredAt));
    end = Math.max(end, Date.parse(v.leftAt ?? now));
  }
  const span = Math.max(1, end - start);
  const x = (iso: string) => left + ((Date.parse(iso) - start) / span) * plot;
  const parts = visits.map((v, i) => {
    const x0 = x(v.enteredAt);
    const w = Math.max(2, x(v.leftAt ?? now) - x0);
    const y = 10 + i * row;
    const label = visitLabel(v);
    return `<g class="visit"><text x="${left - 8}" y="${y + 14}" text-anchor="end">${escapeHtml(label)}</text>`
      + `<rect class="bar" data-phase="${escapeHtml(v.phase)}" data-stage="${escapeHtml(v.stage ?? '')}" data-run="${v.run}" data-outcome="${v.outcome}" data-start="${v.enteredAt}" data-end="${v.leftAt ?? ''}" x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 6}" fill="${OUTCOME_COLOURS[v.outcome]}"><title>${escapeHtml(`${label} (run ${v.run}): ${formatTime(v.enteredAt)} → ${formatTime(v.leftAt)} ${v.outcome}`)}</title></rect></g>`;
  });
  const markers = rollbacks.map((r) => {
    const rx = x(r.startedAt).toFixed(1);
    return `<g class="rollback-marker" data-at="${r.startedAt}"><line x1="${rx}" x2="${rx}" y1="4" y2="${height - 36}" stroke="#c62828" stroke-dasharray="4 3"/><text x="${rx}" y="${height - 24}" text-anchor="middle" fill="#c62828">rollback</text></g>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const iso = new Date(start + f * span).toISOString();
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
    return `<text class="tick" x="${(left + f * plot).toFixed(1)}" y="${height - 6}" text-anchor="${anchor}">${escapeHtml(formatTime(iso).slice(5))}</text>`;
  });
  return `<svg class="chart timeline-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Stage timeline">${parts.join('')}${markers.join('')}${ticks.join('')}</svg>`;
}

/** Canary and baseline values of one metric at each evaluation: two lines, one point per evaluation. */
export function renderCanaryChart(metric: string, points: CanaryPoint[]): string {
  const width = 560;
  const height = 240;
  const pad = { left: 70, right: 60, top: 20, bottom: 40 };
  const values = points.flatMap((p) => [p.baseline, p.canary]).filter((v): v is number => v !== null && Number.isFinite(v));
  if (values.length === 0) return `<p>No values recorded for ${escapeHtml(metric)}.</p>`;
  const lo = values.reduce((a, b) => Math.min(a, b));
  const hi = values.reduce((a, b) => Math.max(a, b));
  const margin = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  const [yMin, yMax] = [lo - margin, hi + margin];
  const step = points.length > 1 ? (width - pad.left - pad.right) / (points.length - 1) : 0;
  const px = (i: number) => (points.length > 1 ? pad.left + i * step : (width + pad.left - pad.right) / 2);
  const py = (v: number) => pad.top + (1 - (v - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);
  const series = (['baseline', 'canary'] as const).map((name) => {
    const coords = points.map((p, i) => ({ p, i, v: p[name] })).filter((c): c is { p: CanaryPoint; i: number; v: number } => c.v !== null && Number.isFinite(c.v));
    const line = `<polyline class="line ${name}" fill="none" stroke-width="2" points="${coords.map((c) => `${px(c.i).toFixed(1)},${py(c.v).toFixed(1)}`).join(' ')}"/>`;
    const dots = coords.map((c) => `<circle class="point ${name}${name === 'canary' && c.p.verdict === 'fail' ? ' fail' : ''}" data-series="${name}" data-stage="${escapeHtml(c.p.label)}" data-value="${c.v}" data-verdict="${escapeHtml(c.p.verdict)}" cx="${px(c.i).toFixed(1)}" cy="${py(c.v).toFixed(1)}" r="4"><title>${escapeHtml(`${name} ${c.p.label}: ${formatValue(c.v)} (${c.p.verdict})`)}</title></circle>`);
    return line + dots.join('');
  });
  const labels = points.map((p, i) => `<text class="x-label" x="${px(i).toFixed(1)}" y="${height - 20}" text-anchor="middle">${escapeHtml(p.label)}</text>`);
  const axis = [yMin, (yMin + yMax) / 2, yMax].map((v) => `<text class="y-label" x="${pad.left - 6}" y="${py(v).toFixed(1)}" text-anchor="end">${escapeHtml(formatValue(v))}</text>`);
  const legend = `<text x="${pad.left}" y="12" class="legend"><tspan class="canary-key">● canary</tspan>  <tspan class="baseline-key">● baseline</tspan></text>`;
  return `<svg class="chart canary-chart" data-metric="${escapeHtml(metric)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(metric)}: canary vs baseline">${legend}${axis.join('')}${series.join('')}${labels.join('')}</svg>`;
}
