import type { CanaryPoint, ReleaseReport } from './build-report.js';
import type { TimeInStep } from './delivery.js';
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
import { limitAt, type MetricChartInfo } from './metric-limits.js';
import type { Decision } from './timeline.js';
import { scheduleRows } from './schedule.js';

/**
 * Append without spreading: a spread passes every element as an argument, and a report of a long
 * history would exceed the engine's argument limit (RangeError: Maximum call stack size exceeded).
 */
function append(out: string[], ...parts: Array<string | string[]>): void {
  for (const part of parts) {
    if (typeof part === 'string') out.push(part);
    else for (const line of part) out.push(line);
  }
}

/** Pipes and newlines would break a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(header: string[], rows: string[][]): string[] {
  if (rows.length === 0) return ['None yet.'];
  const out = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.map(cell).join(' | ')} |`);
  return out;
}

function stepName(s: TimeInStep): string {
  return s.stage ? `${s.phase} · ${s.stage}${s.percent !== undefined ? ` (${s.percent} %)` : ''}` : s.phase;
}

function renderDecision(d: Decision, units: Record<string, MetricChartInfo>): string[] {
  const where = [d.phase, d.stage].filter(Boolean).join(' · ') || '—';
  const out = [
    `### ${formatTime(d.at)} — ${d.op} at ${where} (run ${d.run})`,
    '',
    `${d.verdict ? `**${d.verdict}**` : 'no verdict recorded'}${d.summary ? ` — ${d.summary}` : ''} · by ${d.actor}${d.reason ? ` · “${d.reason}”` : ''}`,
  ];
  for (const c of d.canary) {
    append(out, '', `Canary analysis: **${c.verdict}**${c.summary ? ` — ${c.summary}` : ''}`, '');
    append(
      out,
      table(
        ['metric', 'verdict', 'baseline (n)', 'canary (n)', 'p-value', 'reason'],
        c.metrics.map((m) => [
          m.id,
          m.verdict,
          `${formatMetricValue(m.baseline?.value, units[m.id]?.unit)} (${m.baseline?.n ?? '?'})`,
          `${formatMetricValue(m.canary?.value, units[m.id]?.unit)} (${m.canary?.n ?? '?'})`,
          formatPValue(m.pValue),
          m.reason ?? '',
        ]),
      ),
    );
  }
  return out;
}

/** The HTML chart's data as a table: every stage-end analysis and watch look, the limits and the rollbacks. */
function renderMetricTable(id: string, points: CanaryPoint[], r: ReleaseReport): string[] {
  const info = r.canaryMetrics[id];
  const unit = info?.unit;
  const limits = info?.limits ?? [];
  const out = [`### ${id}${unit ? ` (${unit})` : ''}`, ''];
  if (limits.length)
    append(
      out,
      `Limits: ${limits
        .map(
          (l) =>
            `${l.source} (${l.action}) ${l.comparison === 'above' ? '≤' : '≥'} ${l.absolute !== undefined ? formatMetricValue(l.absolute, unit) : `${l.factor} × baseline`}`,
        )
        .join('; ')}.`,
      '',
    );
  const first = points.length ? Date.parse(points[0]!.at) : NaN;
  const rollbacks = r.rollbacks.filter((b) => Date.parse(b.startedAt) >= first);
  if (rollbacks.length) append(out, `Rollbacks: ${rollbacks.map((b) => formatTime(b.startedAt)).join(', ')}.`, '');
  const limitOf = (p: CanaryPoint): string => {
    if (p.source === 'watch') return formatMetricValue(p.limit, unit);
    const at = limits.map((l) => limitAt(l, p.baseline)).filter((v): v is number => v !== null);
    return at.length ? at.map((v) => formatMetricValue(v, unit)).join(', ') : '—';
  };
  append(
    out,
    table(
      ['time', 'evaluation', 'source', 'baseline', 'canary', 'limit', 'verdict'],
      points.map((p) => [
        formatTime(p.at),
        p.label,
        p.source === 'watch' ? `watch (${p.trigger ?? '?'})` : 'stage-end',
        formatMetricValue(p.baseline, unit),
        formatMetricValue(p.canary, unit),
        limitOf(p),
        p.verdict,
      ]),
    ),
  );
  return out;
}

function scheduleTable(r: ReleaseReport): string[] {
  return table(['step', 'planned', 'actual', 'state'], scheduleRows(r.schedule));
}

/** The release report as Markdown (GitHub-flavoured tables). */
export function renderMarkdown(r: ReleaseReport): string {
  const out: string[] = [
    `# Release report ${r.release}`,
    '',
    `Status **${r.status}**${r.phase ? `, phase ${r.phase}` : ''}${r.stage ? `, stage ${r.stage}` : ''}. Generated ${formatTime(r.generatedAt)}.`,
    '',
  ];
  if (r.omitted) append(out, `_${omittedNote(r.omitted)}_`, '');
  append(
    out,
    '## Delivery',
    '',
    table(
      ['figure', 'measured'],
      deliveryRows(r.delivery).map((d) => [d.name, d.value]),
    ),
    '',
    `_${deliveryNote(r)}_`,
    '',
  );
  if (r.successMetrics?.length)
    append(
      out,
      '## Success metrics',
      '',
      `${successSummary(r)}.`,
      '',
      table(SUCCESS_HEADER, successRows(r)),
      '',
      `_${ALERT_NOISE_NOTE}_`,
      '',
    );
  append(
    out,
    '## Time per stage',
    '',
    table(
      ['step', 'visits', 'time', ''],
      [...r.delivery.timePerPhase, ...r.delivery.timePerStage].map((s) => [
        stepName(s),
        String(s.visits),
        formatMs(s.totalMs),
        s.ongoing ? 'ongoing' : '',
      ]),
    ),
    '',
  );
  append(out, '## Planned against actual', '', scheduleTable(r), '');
  append(
    out,
    '## Stages',
    '',
    table(
      ['run', 'phase', 'stage', 'entered', 'left', 'time', 'outcome'],
      r.visits.map((v) => [
        String(v.run),
        v.phase,
        v.stage ? `${v.stage}${v.percent !== undefined ? ` (${v.percent} %)` : ''}` : '—',
        formatTime(v.enteredAt),
        formatTime(v.leftAt),
        formatMs((v.leftAt ? Date.parse(v.leftAt) : Date.parse(r.generatedAt)) - Date.parse(v.enteredAt)),
        v.outcome,
      ]),
    ),
    '',
  );
  append(out, '## Rollbacks', '');
  if (r.rollbacks.length === 0) append(out, 'None.', '');
  else
    append(
      out,
      table(
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
      ),
      '',
    );
  append(out, '## Overrides', '');
  if (r.overrides.length === 0) append(out, 'None.', '');
  else
    append(
      out,
      table(
        ['time', 'op', 'by', 'detail'],
        r.overrides.map((o) => [formatTime(o.at), o.op, o.actor, describeEvent(o)]),
      ),
      '',
    );
  append(out, '## Decisions and evidence', '');
  if (r.decisions.length === 0) append(out, 'No decision carried evidence.', '');
  for (const d of r.decisions) append(out, renderDecision(d, r.canaryMetrics), '');
  const metrics = Object.entries(r.canarySeries);
  if (metrics.length) {
    append(out, '## Canary vs baseline over the stages', '');
    for (const [id, points] of metrics) append(out, renderMetricTable(id, points, r), '');
  }
  append(
    out,
    '## Timeline',
    '',
    table(
      ['time', 'event', 'op', 'by', 'detail'],
      r.timeline.map((e) => [formatTime(e.at), e.kind, e.op, e.actor, describeEvent(e)]),
    ),
    '',
  );
  append(
    out,
    `_Rates: deployment success = stage deployments not rolled back / stage deployments that finished; rollback rate = runs ending in a rollback / runs (first run + retries); recovery = rollback start → completion. n/a = nothing to measure yet._`,
  );
  return `${out.join('\n')}\n`;
}
