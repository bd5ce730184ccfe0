import { formatDuration } from '../config/duration.js';
import type { Style } from '../output/style.js';
import type { Runbook } from './parse.js';
import { quoteArgv, type RunbookRunResult, type StepOutcome } from './run-runbook.js';

const STEP_FENCE = /^ {0,3}(`{3,}|~{3,})\s*step\s*$/;

/** The runbook as the terminal shows it: the prose as written, each step block as one numbered line. */
export function renderRunbook(r: Runbook, s: Style): string {
  const head = [
    s.bold(r.title),
    `${s.dim('when')}        ${r.when.trim()}`,
    ...(r.codes.length ? [`${s.dim('codes')}       ${r.codes.join(', ')}`] : []),
    ...(r.triggers.length ? [`${s.dim('triggers')}    ${r.triggers.join(', ')}`] : []),
    `${s.dim('owner')}       ${r.owner}`,
    `${s.dim('escalation')}  ${r.escalation.join(' → ')}`,
    ...(r.target ? [`${s.dim('target')}      ${r.target}`] : []),
    '',
  ];
  const body: string[] = [];
  let inStep = false;
  let n = 0;
  for (const line of r.body.split('\n')) {
    if (!inStep && STEP_FENCE.test(line)) {
      inStep = true;
      const step = r.steps[n++];
      if (step)
        body.push(
          s.cyan(
            `  [${step.index}] ${step.kind === 'check' ? 'check: ' + step.text.trim() : `$ ${step.kind === 'rollout' ? 'rollout ' : ''}${quoteArgv(step.argv)}`}`,
          ),
        );
      continue;
    }
    if (inStep) {
      if (/^ {0,3}(`{3,}|~{3,})\s*$/.test(line)) inStep = false;
      continue;
    }
    body.push(line);
  }
  return [
    ...head,
    body.join('\n').trim(),
    '',
    s.dim(`rollout runbook run ${r.id}   (--dry-run to print the steps, --yes to skip the questions)`),
  ].join('\n');
}

function statusText(o: StepOutcome, s: Style): string {
  if (o.status === 'ok' || o.status === 'confirmed') return s.green(o.status);
  if (o.status === 'assumed' || o.status === 'planned') return s.yellow(o.status);
  return s.red(o.status);
}

export function renderRun(r: RunbookRunResult, s: Style): string {
  const lines = [s.bold(`${r.id}: ${r.title}`)];
  for (const o of r.steps)
    lines.push(`  [${o.index}] ${statusText(o, s).padEnd(10)} ${formatDuration(o.durationMs).padStart(7)}  ${o.title}`);
  if (r.status === 'dry-run') {
    lines.push('', s.yellow('dry run: nothing was run'));
    return lines.join('\n');
  }
  const vsTarget =
    r.targetMs === null
      ? ''
      : ` (target ${formatDuration(r.targetMs)}${r.durationMs > r.targetMs ? `, ${s.red('over')}` : ''})`;
  lines.push(
    '',
    `${r.status === 'completed' ? s.green('completed') : s.red('stopped')} in ${formatDuration(r.durationMs)}${vsTarget}; steps and timings are in the audit log (rollout log)`,
  );
  if (r.steps.some((o) => o.status === 'assumed'))
    lines.push(s.yellow('manual checks were passed over by --yes: nobody confirmed them'));
  if (r.next) lines.push('', s.bold('next'), r.next);
  for (const w of r.auditWarnings) lines.push(s.yellow(`audit not written: ${w}`));
  return lines.join('\n');
}
