import { formatTime } from './format.js';
import type { RollbackRecord, Visit } from './timeline.js';

/** Escapes text for HTML/SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const OUTCOME_COLOURS: Record<Visit['outcome'], string> = {
  advanced: '#2e7d32',
  'rolled-back': '#c62828',
  completed: '#1565c0',
  current: '#f9a825',
};

function visitLabel(v: Visit): string {
  return v.stage ? `${v.phase} · ${v.stage}${v.percent !== undefined ? ` ${v.percent}%` : ''}` : v.phase;
}

/** Horizontal room a "rollback" label needs; closer markers put their labels on another line. */
const LABEL_WIDTH = 64;
const LABEL_LANES = 3;

/**
 * A Gantt chart of the visits (one row each, in order) with a red marker at every rollback, a legend,
 * and a time axis from the first visit to the last event (an ongoing visit runs to `now`). Every bar
 * and marker carries its data as attributes so the rendered page can be checked without reading pixels.
 */
export function renderTimelineChart(visits: Visit[], rollbacks: RollbackRecord[], now: string): string {
  if (visits.length === 0) return '<p>No stages yet.</p>';
  const row = 22;
  const left = 170;
  const width = 900;
  const plot = width - left - 20;
  const top = 24;
  const plotBottom = top + visits.length * row + 4;
  const height = plotBottom + LABEL_LANES * 13 + 22;
  // Loops, not Math.min(...array): a spread of a long array exceeds the engine's argument limit.
  let start = Infinity;
  let end = -Infinity;
  for (const v of visits) {
    start = Math.min(start, Date.parse(v.enteredAt));
    end = Math.max(end, Date.parse(v.leftAt ?? now));
  }
  for (const r of rollbacks) end = Math.max(end, Date.parse(r.completedAt ?? r.startedAt));
  const span = Math.max(1, end - start);
  const x = (iso: string) => left + ((Date.parse(iso) - start) / span) * plot;
  const parts = visits.map((v, i) => {
    const x0 = x(v.enteredAt);
    const w = Math.max(2, x(v.leftAt ?? now) - x0);
    const y = top + i * row;
    const label = visitLabel(v);
    return (
      `<g class="visit"><text x="${left - 8}" y="${y + 14}" text-anchor="end">${escapeHtml(label)}</text>` +
      `<rect class="bar" data-phase="${escapeHtml(v.phase)}" data-stage="${escapeHtml(v.stage ?? '')}" data-run="${v.run}" data-outcome="${v.outcome}" data-start="${v.enteredAt}" data-end="${v.leftAt ?? ''}" x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 6}" fill="${OUTCOME_COLOURS[v.outcome]}"><title>${escapeHtml(`${label} (run ${v.run}): ${formatTime(v.enteredAt)} → ${formatTime(v.leftAt)} ${v.outcome}`)}</title></rect></g>`
    );
  });
  const laneEnds: number[] = Array.from({ length: LABEL_LANES }, () => -Infinity);
  const markers = [...rollbacks]
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
    .map((r) => {
      const rx = x(r.startedAt);
      // The first line whose previous label ends before this one starts; with none free, the label is left
      // out (the marker and its tooltip stay) rather than drawn over another.
      const lane = laneEnds.findIndex((e) => rx - LABEL_WIDTH / 2 > e);
      if (lane >= 0) laneEnds[lane] = rx + LABEL_WIDTH / 2;
      const label =
        lane >= 0
          ? `<text class="rollback-label" data-lane="${lane}" x="${rx.toFixed(1)}" y="${plotBottom + 12 + lane * 13}" text-anchor="middle" fill="#c62828">rollback</text>`
          : '';
      return `<g class="rollback-marker" data-at="${r.startedAt}"><title>${escapeHtml(`rollback ${formatTime(r.startedAt)}${r.reason ? `: ${r.reason}` : ''}`)}</title><line x1="${rx.toFixed(1)}" x2="${rx.toFixed(1)}" y1="${top - 4}" y2="${plotBottom}" stroke="#c62828" stroke-dasharray="4 3"/>${label}</g>`;
    });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const iso = new Date(start + f * span).toISOString();
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
    return `<text class="tick" data-at="${iso}" x="${(left + f * plot).toFixed(1)}" y="${height - 6}" text-anchor="${anchor}">${escapeHtml(formatTime(iso).slice(5))}</text>`;
  });
  const legendItems: Array<[string, string]> = [
    ['advanced', OUTCOME_COLOURS.advanced],
    ['rolled back', OUTCOME_COLOURS['rolled-back']],
    ['completed', OUTCOME_COLOURS.completed],
    ['current', OUTCOME_COLOURS.current],
  ];
  const legend = `<g class="legend">${legendItems.map(([name, colour], i) => `<g class="legend-item" data-name="${name}"><rect x="${left + i * 110}" y="4" width="12" height="12" fill="${colour}"/><text x="${left + i * 110 + 16}" y="14">${name}</text></g>`).join('')}<g class="legend-item" data-name="rollback"><line x1="${left + 446}" x2="${left + 446}" y1="2" y2="18" stroke="#c62828" stroke-dasharray="4 3"/><text x="${left + 452}" y="14">rollback</text></g></g>`;
  return `<svg class="chart timeline-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Stage timeline">${legend}${parts.join('')}${markers.join('')}${ticks.join('')}</svg>`;
}
