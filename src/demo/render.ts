import type { Style } from '../output/style.js';
import { formatSimTime } from './steps.js';
import type { DemoResult } from './types.js';

const pct = (x: number) => `${Number((x * 100).toFixed(2))} %`;
const counts = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([v, n]) => `${v} ${n.toLocaleString('en-US')}`)
    .join(', ');

function renderSteps(r: DemoResult, s: Style): string[] {
  const start = new Date(r.clock.startedAt);
  const shown = r.steps.filter((x) => !x.step.startsWith('signoff'));
  const signoffs = r.steps.length - shown.length;
  const lines = [s.bold('Decisions taken by the real commands (simulated time)')];
  for (const x of shown) {
    const mark = x.exitCode === 0 ? s.green(x.outcome) : x.exitCode === 4 ? s.red(x.outcome) : s.yellow(x.outcome);
    lines.push(
      `  ${formatSimTime(start, new Date(x.at)).padEnd(13)} ${x.step.padEnd(14)} ${mark} ${s.dim(`(exit ${x.exitCode})`)} ${x.detail}`,
    );
  }
  lines.push(s.dim(`  + ${signoffs} sign-offs recorded by simulated people with \`rollout signoff\``));
  return lines;
}

function renderDetection(r: DemoResult, s: Style): string[] {
  const d = r.detection;
  const lines: string[] = [];
  if (r.regression) {
    const g = r.regression;
    lines.push(
      `${s.bold('Regression (simulated)')}: ${g.variant} at ${g.stage} (${g.percent} %) from ${g.injectedAt}: error rate ${pct(g.before.errorRate)} → ${pct(g.after.errorRate)}, median latency ${g.before.latencyMedianMs} → ${g.after.latencyMedianMs} ms`,
    );
  }
  if (!d.detected) {
    lines.push(s.red(`NOT detected: ${d.detail}`));
    return lines;
  }
  lines.push(
    `${s.bold('Detected')} by trigger ${s.bold(d.trigger ?? '?')} after ${d.minutes} simulated minutes (${d.looks} looks of rollout watch): ${d.detail}`,
  );
  lines.push(`  requests since the injection (simulated app): ${counts(d.requestsSinceInjection)}`);
  if (d.watchSamples)
    lines.push(
      `  requests watch had counted since it started: canary ${d.watchSamples.canary.toLocaleString('en-US')}, baseline ${d.watchSamples.baseline.toLocaleString('en-US')}`,
    );
  if (r.rollback)
    lines.push(
      `${s.bold('Rolled back')}: ${r.rollback.mode}, rollback ${r.rollback.rollbackId}: ${r.rollback.ok ? 'done' : `incomplete — ${r.rollback.problems.join('; ')}`} (watch exit ${r.watch?.exitCode}: regression detected, release rolled back)`,
    );
  if (r.watch?.alerted.length) lines.push(`  alerts sent for manual review: ${r.watch.alerted.join(', ')}`);
  if (r.afterRollback)
    lines.push(
      `After the rollback (${r.afterRollback.minutes} simulated minutes): ${counts(r.afterRollback.requests)} requests`,
    );
  return lines;
}

function renderFlag(r: DemoResult, s: Style): string[] {
  const f = r.finalFlag;
  const p = r.flagProvider;
  const how =
    p.kind === 'unleash'
      ? `Unleash toggle read back through the admin API (${f.toggle ? `enabled: ${f.toggle.enabled}` : 'gone'}), evaluated as \`flags eval\` does`
      : 'flag file evaluated with flagd-core';
  const head = `${s.bold('The flag now')} (${how} for all ${r.traffic.users.toLocaleString('en-US')} simulated users): ${f.allFallback ? s.green('fallback for everyone') : s.red(`${f.usersOnNewVariant} users still on the new variant`)}`;
  return [
    head,
    ...f.users.map(
      (u) =>
        `  ${u.key} ${(u.groups.length ? `[${u.groups.join(',')}]` : '[no group]').padEnd(13)} → ${u.variant ?? '(none)'}: ${u.detail}`,
    ),
  ];
}

function renderUnleashEnd(r: DemoResult, s: Style): string[] {
  const p = r.flagProvider;
  if (p.kind !== 'unleash') return [];
  const errors = p.flagReadErrors
    ? [s.yellow(`  ${p.flagReadErrors} reads of the toggle failed; the application kept the last version it had read`)]
    : [];
  return [`Unleash: ${p.cleanup}`, ...errors];
}

/** The human summary of `rollout demo` (stdout); the step-by-step story went to stderr as it happened. */
export function renderDemo(r: DemoResult, s: Style): string {
  const out = [
    s.bold(`rollout demo — a SIMULATED release of ${r.release} (seed ${r.seed})`),
    s.dim(
      r.flagProvider.kind === 'unleash'
        ? `The flag lived on a real Unleash server (${r.flagProvider.server}, ${r.flagProvider.url}, unleash-server ${r.flagProvider.version}, project ${r.flagProvider.project}, environment ${r.flagProvider.environment}); no real users or Prometheus: traffic, metrics and the clock are simulated in-process; notifications went to the console.`
        : 'No real users, services or Prometheus: traffic, metrics and the clock are simulated in-process; notifications went to the console.',
    ),
    s.dim(r.clock.note),
    '',
    ...renderSteps(r, s),
    '',
    `${s.bold('Stages reached')}: ${r.stagesReached.join(' → ') || 'none'}`,
    ...renderDetection(r, s),
    '',
    ...renderFlag(r, s),
    '',
    s.bold(`Audit log (${r.audit.entries} entries, simulated times)`),
    ...r.audit.lines.map((l) => `  ${l}`),
    r.audit.verified
      ? s.green(`audit log verifies: hash chain intact, head ${r.audit.head ?? '(empty)'}`)
      : s.red('the audit log does NOT verify'),
    '',
    `Simulated traffic: ${counts(r.traffic.requests)} requests from ${r.traffic.users.toLocaleString('en-US')} users (${r.traffic.requestsPerMinute}/min) over ${r.clock.simulatedMinutes} simulated minutes`,
    `Project: ${r.dir} ${r.kept ? '(kept)' : '(removed; --keep keeps it)'}`,
    ...renderUnleashEnd(r, s),
    r.ok
      ? s.green('The demo ran as designed: the simulated regression was caught by watch and rolled back.')
      : s.red(
          r.flagProvider.kind === 'unleash'
            ? 'The demo did NOT run as designed (see above): check the Unleash server first (a step that exited 3 could not reach it); otherwise it is a bug, please report it with the seed.'
            : 'The demo did NOT run as designed (see above): this is a bug, please report it with the seed.',
        ),
  ];
  return out.join('\n');
}
