import { formatDuration } from '../config/duration.js';
import type { Style } from '../output/style.js';
import type { StaleCleanup } from './intent.js';
import type { ExperimentResult, PhaseSummary, TimelineEvent, TrafficCounts } from './types.js';

function trafficText(t: TrafficCounts): string {
  return `${t.connections} connections, ${t.bytesFromClients} bytes from the application`;
}

function verdictText(s: Style, verdict: ExperimentResult['verdict']): string {
  if (verdict === 'pass') return s.green('PASS');
  if (verdict === 'fail') return s.red('FAIL');
  return s.yellow(verdict.toUpperCase());
}

function phaseLine(name: string, p: PhaseSummary): string {
  if (p.probes === 0) return `${name.padEnd(9)}no probes`;
  return `${name.padEnd(9)}${p.passes}/${p.probes} probes passed${p.fails ? `, ${p.fails} failed` : ''}${p.inconclusive ? `, ${p.inconclusive} inconclusive` : ''}; slowest ${formatDuration(p.maxProbeMs)}`;
}

/** The timeline without its repetition: one line per change of probe status, plus every fault event. */
export function condenseTimeline(timeline: TimelineEvent[]): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  let last = '';
  for (const e of timeline) {
    const key = e.event === 'probe' ? `${e.phase}:${e.status}` : `${e.event}:${e.t}`;
    if (key !== last) out.push(e);
    last = key;
  }
  return out;
}

export function renderStaleCleanup(c: StaleCleanup, s: Style): string {
  return `${s.yellow('cleaned up')} a fault left by a killed run of ${c.intent.experimentId} (started ${c.intent.startedAt}): ${c.notes.join('; ')}`;
}

export function renderExperiment(r: ExperimentResult, s: Style): string {
  const out = [
    `${s.bold(`${r.id}`)}  ${r.title}${r.item ? s.dim(` (${r.item})`) : ''}`,
    `fault    ${r.fault} for ${formatDuration(r.durationMs)}`,
  ];
  out.push(phaseLine('steady', r.steady), phaseLine('during', r.during), phaseLine('after', r.after));
  const recovery = r.recoveryMs === null ? 'not measured' : formatDuration(r.recoveryMs);
  if (r.traffic)
    out.push(`proxy    during the fault: ${trafficText(r.traffic.during)} (before: ${trafficText(r.traffic.steady)})`);
  for (const c of r.checks) {
    const mark = c.verdict === 'pass' ? s.green('pass') : c.verdict === 'fail' ? s.red('fail') : s.yellow(c.verdict);
    out.push(`check    ${c.id} (${c.kind}): ${mark} — ${c.reason}`);
  }
  out.push(
    `recovery ${recovery} (objective ${formatDuration(r.recoveryObjectiveMs)}, ${r.streak} passing probes in a row, every ${r.intervalMs} ms)`,
  );
  out.push('', s.bold('timeline'));
  for (const e of condenseTimeline(r.timeline)) {
    const what =
      e.event === 'probe'
        ? `probe ${e.status}${e.reason ? ` — ${e.reason}` : ''}`
        : `${e.event}${e.reason ? ` — ${e.reason}` : ''}${e.durationMs !== undefined ? ` (${formatDuration(e.durationMs)})` : ''}`;
    out.push(`  +${(e.t / 1000).toFixed(2).padStart(6)}s  ${e.phase.padEnd(8)} ${what}`);
  }
  out.push('', `${verdictText(s, r.verdict)}  ${r.reason}`);
  return out.join('\n');
}
