import { renderTable, type Style } from '../output/style.js';
import type { DetectionSummary, MetricSummary, SimulationReport } from './types.js';

const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : x < 0.1 ? 2 : 1)} %`;
const rate = (x: number) => `${(x * 100).toFixed(1)} %`;
const count = (x: number | null) => (x === null ? '—' : Math.round(x).toLocaleString('en'));

function when(d: DetectionSummary): string {
  return d.medianLooks === null ? '—' : `look ${d.medianLooks} (${count(d.medianRequestsPerArm)} req/arm)`;
}

function label(m: MetricSummary): string {
  return m.regressed ? 'power' : 'false fail';
}

function renderStageEnd(r: SimulationReport, s: Style): string {
  const rows = r.metrics.map((m) => [
    m.id,
    `${pct(m.baselineRate)} → ${pct(m.canaryRate)}`,
    label(m),
    rate(m.stageEnd.failRate),
    rate(m.stageEnd.testFailRate),
    count(m.stageEnd.requestsPerArmForPower),
    rate(m.naive.rate),
    when(m.naive),
  ]);
  rows.push([
    s.bold('overall'),
    '',
    '',
    rate(r.overall.stageEnd.failRate),
    rate(r.overall.stageEnd.testFailRate),
    count(r.overall.stageEnd.requestsPerArmForPower),
    rate(r.overall.naive.rate),
    when(r.overall.naive),
  ]);
  const header = [
    'metric',
    'baseline → canary',
    'measures',
    'stage end',
    'by the test',
    `req/arm for ${rate(r.power)}`,
    'fixed test every look',
    'median first fail',
  ];
  return `${s.bold('Stage end')} (advance: judgeMetric → combineVerdicts at the end of the stage; for comparison, the same fixed test at every look)\n${renderTable(header, rows)}`;
}

function renderWatch(r: SimulationReport, s: Style): string {
  const triggers = r.metrics.flatMap((m) => m.triggers.map((t) => ({ m, t })));
  if (triggers.length === 0) return `${s.bold('Watch')}: the plan has no ratio trigger on these metrics`;
  const rows = triggers.map(({ m, t }) => [
    t.id,
    t.metric,
    t.rule,
    t.action,
    `${t.action === 'rollback' ? (m.regressed ? 'detected' : 'false rollback') : 'alert'} ${rate(t.rate)}`,
    when(t),
  ]);
  const { rollback, alert } = r.overall.watch;
  rows.push([s.bold('overall'), '', '', 'rollback', rate(rollback.rate), when(rollback)]);
  rows.push(['', '', '', 'alert', rate(alert.rate), when(alert)]);
  return `${s.bold('Watch')} (every ${r.interval}: a window breach confirmed by tests that stay valid across looks, as watch runs it)\n${renderTable(['trigger', 'metric', 'rule', 'action', 'rate', 'median first fire'], rows)}`;
}

function renderLevel(r: SimulationReport, s: Style): string {
  if (!r.level) return '';
  const l = r.level;
  const lines = l.checks.map(
    (c) => `  ${c.decision}: ${rate(c.rate)} ${c.ok ? s.green('within') : s.red('ABOVE')} the limit`,
  );
  const head = `Level: alpha ${pct(l.alpha)} + Monte-Carlo margin ${pct(l.margin)} (99 % of ${count(l.stages)}-stage runs of a policy exactly at alpha stay below) = ${pct(l.limit)}`;
  return [
    head,
    ...lines,
    l.ok ? s.green('the policy holds its configured level') : s.red('the policy misses its configured level (exit 1)'),
  ].join('\n');
}

/** The human report: what was simulated, the stage-end table, the watch table, the A/A verdict. */
export function renderSimulation(r: SimulationReport, s: Style): string {
  const scenario = r.scenario === 'aa' ? 'A/A (no change)' : 'regression';
  const volume = [...new Set(r.metrics.map((m) => `${count(m.requestsPerLook.canary)}`))].join('/');
  const head = `rollout simulate — ${scenario}: ${count(r.stages)} stages × ${r.looks} looks every ${r.interval}, ${volume} requests per arm per look, seed ${r.seed}`;
  const policy = s.dim(
    `policy: alpha ${r.alpha}, ${r.multipleComparisons === 'holm' ? 'Holm' : 'no adjustment'} across ${r.metrics.length} ratio metrics, ≥ ${count(r.minSamples)} samples per arm, power target ${rate(r.power)}`,
  );
  const notes = r.notes.map((n) => s.dim(`note: ${n}`));
  return [head, policy, '', renderStageEnd(r, s), '', renderWatch(r, s), '', renderLevel(r, s), ...notes]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
}
