import { formatInUnit, toDisplayScale } from '../canary/units.js';
import type { CanaryPoint } from './build-report.js';
import { formatTime } from './format.js';
import { limitAt, type ChartLimit, type MetricChartInfo } from './metric-limits.js';
import { escapeHtml } from './svg-charts.js';
import type { RollbackRecord, Visit } from './timeline.js';

/** Ticks at 1, 2 or 5 × 10^k covering [lo, hi] (in display units), about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return niceTicks(lo - pad, hi + pad, count);
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  const first = Math.floor(lo / step);
  const last = Math.ceil(hi / step);
  const ticks: number[] = [];
  // Rounded to the step's decimals: 0.1 + 0.2 must print as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return ticks;
}

function tickLabel(v: number, unit: string): string {
  const text = Math.abs(v) >= 1000 ? v.toFixed(0) : String(v);
  return unit ? `${text} ${unit}` : text;
}

function limitText(l: ChartLimit, unit: string): string {
  const sign = l.comparison === 'above' ? '≤' : '≥';
  const bound = l.absolute !== undefined ? formatInUnit(l.absolute, unit) : `${l.factor} × baseline`;
  return `${l.source} (${l.action}): ${sign} ${bound}`;
}

const W = 880;
const PLOT_H = 212;
const PAD = { left: 84, right: 24, bottom: 44 };
const LIMIT_COLOURS = ['#ef6c00', '#8d6e63', '#5d4037'];

/**
 * One canary metric over time: canary and baseline at every stage-end analysis and watch look, the
 * stages as bands, each limit as a line (a relative limit follows k × baseline), every rollback as a
 * marker, and a y-axis in the metric's unit whose ticks cover the values and the limits. Every element
 * carries its data as attributes so the rendered page can be checked without reading pixels.
 */
export function renderMetricChart(
  metric: string,
  points: CanaryPoint[],
  info: MetricChartInfo | undefined,
  visits: Visit[],
  rollbacks: RollbackRecord[],
): string {
  const unit = info?.unit ?? '';
  const limits = info?.limits ?? [];
  const dated = points.filter((p) => Number.isFinite(Date.parse(p.at)));
  const num = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!dated.some((p) => num(p.canary) || num(p.baseline)))
    return `<p>No values recorded for ${escapeHtml(metric)}.</p>`;
  // Time domain: the evaluations, and a rollback up to a tenth of the span after the last one.
  let start = Infinity;
  let end = -Infinity;
  for (const p of dated) {
    start = Math.min(start, Date.parse(p.at));
    end = Math.max(end, Date.parse(p.at));
  }
  const slack = Math.max(60_000, (end - start) / 10);
  const shown = rollbacks.filter((r) => {
    const t = Date.parse(r.startedAt);
    return t >= start - slack && t <= end + slack;
  });
  for (const r of shown) {
    start = Math.min(start, Date.parse(r.startedAt));
    end = Math.max(end, Date.parse(r.startedAt));
  }
  if (end === start) {
    start -= 60_000;
    end += 60_000;
  }
  const plotW = W - PAD.left - PAD.right;
  const plotH = PLOT_H;
  // The legend lists each limit on its own line above the plot.
  const top = 30 + Math.max(1, limits.length) * 14;
  const H = top + plotH + PAD.bottom;
  const x = (t: number) => PAD.left + ((t - start) / (end - start)) * plotW;
  // Limits at each evaluation: the look's own (what watch compared), else the plan's limit at that baseline.
  const limitSeries = limits.map((l) =>
    dated.map((p) => ({
      p,
      v: p.source === 'watch' && p.trigger === l.source && num(p.limit) ? p.limit : limitAt(l, p.baseline),
    })),
  );
  const all: number[] = [];
  for (const p of dated) for (const v of [p.canary, p.baseline]) if (num(v)) all.push(toDisplayScale(v, unit));
  for (const s of limitSeries) for (const { v } of s) if (num(v)) all.push(toDisplayScale(v, unit));
  // Loops, not Math.min(...all): a spread of a long array exceeds the engine's argument limit.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of all) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  // Rates, latencies and counts start at zero, so a small difference is not drawn as a large one.
  if (lo >= 0) lo = 0;
  const ticks = niceTicks(lo, hi);
  const yMin = ticks[0]!;
  const yMax = ticks.at(-1)!;
  const y = (v: number) => top + (1 - (toDisplayScale(v, unit) - yMin) / (yMax - yMin)) * plotH;
  const yTick = (t: number) => top + (1 - (t - yMin) / (yMax - yMin)) * plotH;

  const bands = visits
    .filter(
      (v) => v.stage && Date.parse(v.leftAt ?? new Date(end).toISOString()) > start && Date.parse(v.enteredAt) < end,
    )
    .map((v, i) => {
      const x0 = x(Math.max(start, Date.parse(v.enteredAt)));
      const x1 = x(Math.min(end, Date.parse(v.leftAt ?? new Date(end).toISOString())));
      // A band too narrow for its name keeps the name in its tooltip only.
      const label =
        x1 - x0 >= 56
          ? `<text class="stage-label" x="${((x0 + x1) / 2).toFixed(1)}" y="${top + 12}" text-anchor="middle">${escapeHtml(`${v.stage} #${v.run}`)}</text>`
          : '';
      return `<g class="stage-band" data-stage="${escapeHtml(v.stage ?? '')}" data-run="${v.run}"><title>${escapeHtml(`${v.phase} · ${v.stage} (run ${v.run})`)}</title><rect x="${x0.toFixed(1)}" y="${top}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${plotH}" fill="${i % 2 ? '#f3f3f3' : '#fafafa'}"/>${label}</g>`;
    });
  const grid = ticks.map(
    (t) =>
      `<g class="y-tick" data-value="${t}"><line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yTick(t).toFixed(1)}" y2="${yTick(t).toFixed(1)}" stroke="#e0e0e0"/><text class="y-label" x="${PAD.left - 6}" y="${(yTick(t) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(tickLabel(t, unit))}</text></g>`,
  );
  const limitLines = limits.map((l, i) => {
    const colour = LIMIT_COLOURS[i % LIMIT_COLOURS.length]!;
    const coords = limitSeries[i]!.filter((c): c is { p: CanaryPoint; v: number } => num(c.v));
    const attrs = `class="limit" data-source="${escapeHtml(l.source)}" data-action="${l.action}" data-comparison="${l.comparison}"${l.absolute !== undefined ? ` data-value="${l.absolute}"` : ` data-factor="${l.factor}"`}`;
    const title = `<title>${escapeHtml(limitText(l, unit))}</title>`;
    if (l.absolute !== undefined) {
      const ly = y(l.absolute).toFixed(1);
      return `<g ${attrs}>${title}<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="6 4"/></g>`;
    }
    if (coords.length === 0) return `<g ${attrs}>${title}</g>`;
    const pts = coords.map((c) => `${x(Date.parse(c.p.at)).toFixed(1)},${y(c.v).toFixed(1)}`).join(' ');
    return `<g ${attrs}>${title}<polyline fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="6 4" points="${pts}"/></g>`;
  });
  const series = (['baseline', 'canary'] as const).map((name) => {
    const coords = dated.filter((p) => num(p[name]));
    const line = `<polyline class="line ${name}" fill="none" stroke-width="2" points="${coords.map((p) => `${x(Date.parse(p.at)).toFixed(1)},${y(p[name] as number).toFixed(1)}`).join(' ')}"/>`;
    const dots = coords.map((p) => {
      const v = p[name] as number;
      const fail = name === 'canary' && p.verdict === 'fail' ? ' fail' : '';
      const text = `${name} ${p.label} ${formatTime(p.at)}: ${formatInUnit(v, unit)} (${p.verdict}${p.source === 'watch' ? `, trigger ${p.trigger}` : ''})`;
      return `<circle class="point ${name}${fail}" data-series="${name}" data-source="${p.source}" data-stage="${escapeHtml(p.label)}" data-at="${p.at}" data-value="${v}" data-verdict="${escapeHtml(p.verdict)}" cx="${x(Date.parse(p.at)).toFixed(1)}" cy="${y(v).toFixed(1)}" r="${p.source === 'watch' ? 3 : 4.5}"><title>${escapeHtml(text)}</title></circle>`;
    });
    return line + dots.join('');
  });
  const markers = shown.map((r) => {
    const rx = x(Date.parse(r.startedAt)).toFixed(1);
    return `<g class="rollback-marker" data-at="${r.startedAt}"><title>${escapeHtml(`rollback ${formatTime(r.startedAt)}${r.reason ? `: ${r.reason}` : ''}`)}</title><line x1="${rx}" x2="${rx}" y1="${top}" y2="${top + plotH}" stroke="#c62828" stroke-width="1.5"/><text class="rollback-label" x="${rx}" y="${top - 4}" text-anchor="middle" fill="#c62828">rollback</text></g>`;
  });
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const iso = new Date(start + f * (end - start)).toISOString();
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
    return `<text class="x-tick" data-at="${iso}" x="${(PAD.left + f * plotW).toFixed(1)}" y="${H - 24}" text-anchor="${anchor}">${escapeHtml(formatTime(iso).slice(5))}</text>`;
  });
  const axisTitle = `<text class="y-title" data-unit="${escapeHtml(unit)}" transform="rotate(-90)" x="${-(top + plotH / 2)}" y="14" text-anchor="middle">${escapeHtml(unit ? `${metric} (${unit})` : metric)}</text>`;
  const legendItems: string[] = [
    `<g class="legend-item" data-name="canary"><circle cx="${PAD.left + 6}" cy="12" r="4.5" class="point canary"/><text x="${PAD.left + 14}" y="16">canary</text></g>`,
    `<g class="legend-item" data-name="baseline"><circle cx="${PAD.left + 86}" cy="12" r="4.5" class="point baseline"/><text x="${PAD.left + 94}" y="16">baseline</text></g>`,
    `<g class="legend-item" data-name="watch look"><circle cx="${PAD.left + 176}" cy="12" r="3" fill="#777"/><text x="${PAD.left + 184}" y="16">small: a watch look</text></g>`,
    ...limits.map(
      (l, i) =>
        `<g class="legend-item" data-name="limit ${escapeHtml(l.source)}"><line x1="${PAD.left}" x2="${PAD.left + 20}" y1="${26 + i * 14}" y2="${26 + i * 14}" stroke="${LIMIT_COLOURS[i % LIMIT_COLOURS.length]}" stroke-width="1.5" stroke-dasharray="6 4"/><text x="${PAD.left + 26}" y="${30 + i * 14}">${escapeHtml(limitText(l, unit))}</text></g>`,
    ),
  ];
  return `<svg class="chart canary-chart" data-metric="${escapeHtml(metric)}" data-unit="${escapeHtml(unit)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(metric)}: canary vs baseline over the stages">${bands.join('')}${grid.join('')}${limitLines.join('')}${series.join('')}${markers.join('')}${xTicks.join('')}${axisTitle}<g class="legend">${legendItems.join('')}</g></svg>`;
}
