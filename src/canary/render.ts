import { renderTable, verdictColor, type Style } from '../output/style.js';
import type { CanaryVerdict, MetricVerdict } from './types.js';
import { formatInUnit } from './units.js';

function formatValue(m: MetricVerdict, v: number | null): string {
  if (v === null) return '—';
  // Verdicts recorded before units were kept: a rate is still a fraction shown as %.
  return formatInUnit(v, m.unit ?? (m.kind === 'ratio' ? '%' : ''));
}

function formatChange(m: MetricVerdict): string {
  if (m.relativeChange === null) return '—';
  if (!Number.isFinite(m.relativeChange)) return m.relativeChange > 0 ? 'worse (∞)' : 'better (∞)';
  const pct = (m.relativeChange * 100).toFixed(1);
  return m.relativeChange > 0 ? `+${pct} % worse` : `${pct} %`;
}

function formatInterval(m: MetricVerdict): string {
  if (!m.interval) return '';
  const { lower, upper, of } = m.interval;
  const f = (x: number) => (Number.isFinite(x) ? x.toPrecision(3) : String(x));
  return `${of} [${f(lower)}, ${f(upper)}]`;
}

/** The table a human reads in seconds: metric, baseline, canary, change, interval, verdict, why. */
export function renderCanary(v: CanaryVerdict, s: Style): string {
  const rows = v.metrics.map((m) => [
    m.id,
    `${formatValue(m, m.baseline.value)}${m.baseline.n !== null ? s.dim(` n=${m.baseline.n}`) : ''}`,
    `${formatValue(m, m.canary.value)}${m.canary.n !== null ? s.dim(` n=${m.canary.n}`) : ''}`,
    formatChange(m),
    formatInterval(m),
    verdictColor(s, m.verdict) + (m.action === 'alert' && m.verdict === 'fail' ? s.yellow(' (review)') : ''),
    m.reason,
  ]);
  const lines = [renderTable(['metric', 'baseline', 'canary', 'change', 'interval', 'verdict', 'why'], rows), ''];
  lines.push(`${s.bold('verdict')} ${verdictColor(s, v.verdict)}: ${v.summary}`);
  if (v.alerts.length)
    lines.push(s.yellow(`manual review needed: ${v.alerts.join(', ')} (alert metrics do not roll back)`));
  lines.push(
    s.dim(
      `window ${v.window} ending ${v.at}; alpha ${v.alpha}${v.multipleComparisons === 'holm' ? ', Holm-adjusted across metrics' : ''}`,
    ),
  );
  return lines.join('\n');
}
