import { formatDuration, parseDuration } from '../config/duration.js';
import type { Clock } from '../lifecycle/clock.js';
import type { Runbook, RunbookStep } from './parse.js';

/** The outcome of one step. `assumed` is a manual check passed over by --yes: nobody confirmed it. */
export interface StepOutcome {
  index: number;
  kind: RunbookStep['kind'];
  title: string;
  command: string;
  status: 'ok' | 'failed' | 'declined' | 'confirmed' | 'rejected' | 'assumed' | 'planned';
  exitCode?: number | null;
  startedAt: string;
  durationMs: number;
  /** The last lines of the command's output. */
  outputTail?: string;
}

export interface RunbookRunResult {
  id: string;
  title: string;
  status: 'completed' | 'stopped' | 'dry-run';
  startedAt: string;
  durationMs: number;
  /** The runbook's `target`, for comparison with the measured response time. */
  targetMs: number | null;
  steps: StepOutcome[];
  /** When stopped: what to do next (the step's onFailure, else the escalation path). */
  next?: string;
  /** Audit entries that could not be written; the procedure went on regardless. */
  auditWarnings: string[];
}

/** Runs an argv without a shell; output is streamed to `onOutput` and its tail returned. */
export type StepExecutor = (
  argv: string[],
  options: { timeoutMs: number; env: Record<string, string>; onOutput(line: string): void },
) => Promise<{ exitCode: number | null; timedOut: boolean; outputTail: string }>;

export interface RunRunbookOptions {
  runbook: Runbook;
  /** Run without asking; manual checks are then recorded as `assumed`. */
  yes: boolean;
  dryRun: boolean;
  /** Ask a yes/no question on the terminal. */
  confirm(question: string): Promise<boolean>;
  exec: StepExecutor;
  /** How to start the CLI itself: `[process.execPath, <bin/rollout>, …global options]`. */
  rolloutPrefix: string[];
  /** The environment `rollout` steps inherit, and the source of `run` steps' allow-listed variables. */
  env: NodeJS.ProcessEnv;
  /** Values for `{{name}}` placeholders in step arguments: reason, actor, release, runbook. */
  vars: Record<string, string>;
  clock: Clock;
  progress(line: string): void;
  audit(op: 'runbook:step' | 'runbook:run', data: Record<string, unknown>): Promise<void>;
}

/** Variables every `run` step gets; anything else must be listed in the step's `env`. */
export const BASE_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TERM', 'TZ', 'TMPDIR'];

/**
 * `{{reason}}`, `{{actor}}`, `{{release}}`, `{{runbook}}` from `vars`; `{{env:NAME}}` from `env`
 * (for `run` steps only the allow-listed variables are in it). Unresolved names are collected.
 */
export function interpolate(
  arg: string,
  vars: Record<string, string>,
  env: Record<string, string> = {},
  missing: string[] = [],
): string {
  return arg.replace(
    /\{\{\s*(env:)?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g,
    (whole, isEnv: string | undefined, name: string) => {
      const value = isEnv ? env[name] : vars[name];
      if (value === undefined) missing.push(isEnv ? `$${name}` : name);
      return value ?? whole;
    },
  );
}

/** Shell-like quoting for display only: nothing is ever run through a shell. */
export function quoteArgv(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The argv a step runs, how it is shown (rollout steps show as `rollout …`) and what it lacks. */
export function stepArgv(
  step: RunbookStep,
  o: Pick<RunRunbookOptions, 'rolloutPrefix' | 'vars' | 'env'>,
): { argv: string[]; display: string; env: Record<string, string>; missing: string[] } {
  const env = stepEnv(step, o.env);
  const missing: string[] = [];
  if (step.kind === 'check')
    return { argv: [], display: interpolate(step.text, o.vars, env, missing).trim(), env, missing };
  const args = step.argv.map((a) => interpolate(a, o.vars, env, missing));
  if (step.kind === 'rollout')
    return { argv: [...o.rolloutPrefix, ...args], display: `rollout ${quoteArgv(args)}`, env, missing };
  return { argv: args, display: quoteArgv(args), env, missing };
}

function stepEnv(step: RunbookStep, env: NodeJS.ProcessEnv): Record<string, string> {
  const names = step.kind === 'run' ? [...BASE_ENV, ...step.env] : Object.keys(env);
  return Object.fromEntries(names.filter((k) => env[k] !== undefined).map((k) => [k, env[k] as string]));
}

async function runStep(step: RunbookStep, o: RunRunbookOptions): Promise<StepOutcome> {
  const { argv, display, env, missing } = stepArgv(step, o);
  const title = step.title ?? (step.kind === 'check' ? 'manual check' : display);
  const startedAt = o.clock.now();
  const base = { index: step.index, kind: step.kind, title, command: display, startedAt: startedAt.toISOString() };
  const elapsed = () => o.clock.now().getTime() - startedAt.getTime();
  o.progress(`\n[${step.index}] ${title}\n    ${step.kind === 'check' ? 'check:' : '$'} ${display}`);
  if (o.dryRun) return { ...base, status: 'planned', durationMs: 0 };
  if (step.kind === 'check') {
    if (o.yes) return { ...base, status: 'assumed', durationMs: 0 };
    const ok = await o.confirm(`    ${display}\n    Confirmed? [y/N] `);
    return { ...base, status: ok ? 'confirmed' : 'rejected', durationMs: elapsed() };
  }
  if (missing.length)
    return {
      ...base,
      status: 'failed',
      exitCode: null,
      durationMs: 0,
      outputTail: `not set: ${missing.join(', ')}${step.kind === 'run' ? ' (a run step sees only the variables its env: lists)' : ''}`,
    };
  if (!o.yes && !(await o.confirm('    Run it? [y/N] '))) return { ...base, status: 'declined', durationMs: elapsed() };
  const run = await o.exec(argv, { timeoutMs: step.timeoutMs, env, onOutput: (line) => o.progress(`    │ ${line}`) });
  const ok = !run.timedOut && run.exitCode !== null && step.okExit.includes(run.exitCode);
  return {
    ...base,
    status: ok ? 'ok' : 'failed',
    exitCode: run.exitCode,
    durationMs: elapsed(),
    outputTail: run.timedOut
      ? `${run.outputTail}\n(timed out after ${formatDuration(step.timeoutMs)})`
      : run.outputTail,
  };
}

function whatNext(runbook: Runbook, step: RunbookStep, outcome: StepOutcome): string {
  const why =
    outcome.status === 'declined'
      ? 'you declined to run it'
      : outcome.status === 'rejected'
        ? 'the check was not confirmed'
        : outcome.exitCode === null
          ? (outcome.outputTail ?? 'it did not finish')
          : `it ended with exit code ${outcome.exitCode}`;
  const advice = step.onFailure ?? `Escalate: ${runbook.escalation.join(' → ')}.`;
  return `Stopped at step ${step.index} (${outcome.title}): ${why}.\n${advice}`;
}

/** Walk the runbook step by step; stop at the first step that fails, is declined or not confirmed. */
export async function runRunbook(o: RunRunbookOptions): Promise<RunbookRunResult> {
  const { runbook } = o;
  const started = o.clock.now();
  const steps: StepOutcome[] = [];
  const auditWarnings: string[] = [];
  // The audit log may be the very thing that is broken (exit-70 runbook): a failed append is reported, never fatal.
  const record = async (op: 'runbook:step' | 'runbook:run', data: Record<string, unknown>) => {
    if (o.dryRun) return;
    await o
      .audit(op, { runbook: runbook.id, ...data })
      .catch((error: Error) => auditWarnings.push(`${op}: ${error.message}`));
  };
  let next: string | undefined;
  for (const step of runbook.steps) {
    const outcome = await runStep(step, o);
    steps.push(outcome);
    const { outputTail: _tail, ...auditable } = outcome;
    await record('runbook:step', { ...auditable });
    if (['failed', 'declined', 'rejected'].includes(outcome.status)) {
      next = whatNext(runbook, step, outcome);
      break;
    }
  }
  const status: RunbookRunResult['status'] = o.dryRun ? 'dry-run' : next ? 'stopped' : 'completed';
  const durationMs = o.clock.now().getTime() - started.getTime();
  const targetMs = runbook.target ? parseDuration(runbook.target) : null;
  await record('runbook:run', {
    status,
    durationMs,
    targetMs,
    steps: steps.length,
    ...(next ? { stoppedAt: steps.at(-1)?.index ?? null } : {}),
  });
  return {
    id: runbook.id,
    title: runbook.title,
    status,
    startedAt: started.toISOString(),
    durationMs,
    targetMs,
    steps,
    ...(next ? { next } : {}),
    auditWarnings,
  };
}
