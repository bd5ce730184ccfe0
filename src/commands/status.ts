import { formatDuration } from '../config/duration.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { currentPhase, describeNextStep, missingSignoffs, planNextStep, type NextStep } from '../lifecycle/planner.js';
import type { Style } from '../output/style.js';
import type { LockInfo } from '../state/store.js';
import type { FlagState, HistoryEntry, ReleaseState } from '../state/types.js';
import type { LoadedConfig } from '../config/load.js';
import { loadConfigFor } from './load-config.js';
import { openState, resolveStateUrl } from '../state/open-state.js';
import type { CommandResult } from '../output/command-result.js';
import { formatActual, formatPlanned, scheduleFromState, type ScheduleComparison } from '../report/schedule.js';

export interface StatusResult {
  release: string;
  state: string;
  started: boolean;
  status: ReleaseState['status'];
  phase: string;
  stage: { id: string; index: number; startedAt: string; bakeRemaining: string | null } | null;
  flags: Record<string, FlagState>;
  signoffsMissing: string[];
  latestEvidence: Array<{ key: string; verdict: string; summary: string }>;
  lock: LockInfo | null;
  next: NextStep;
  nextText: string;
  history: HistoryEntry[];
  configChanged: boolean;
  serial: number;
  /** Notifications waiting in the outbox (-1 when the outbox cannot be read). */
  pendingNotifications: number;
  /** Set while ROLLOUT_TIME_OFFSET shifts the release's clock (rehearsals). */
  timeOffset?: string;
  /** A step a crash interrupted (an intent in the state), with what the flag files actually serve. */
  interrupted?: {
    kind: string;
    actor: string;
    startedAt: string;
    to: unknown;
    files: Array<{ file: string; flag: string; serves: string }>;
  };
  /** Each flag file against the sha256 the state recorded for it: does this machine's copy serve the release? */
  flagFiles?: FlagFileCheck[];
  /** Each phase and stage (and the release), planned (`expectedDuration`, bake) against actual. */
  schedule: ScheduleComparison;
  /** A progressive rollback that is ramping down (or was interrupted), with the process running it. */
  rampDown?: {
    id: string;
    done: number;
    steps: number;
    running: boolean;
    runner: string;
    next: { percent: number; notBefore: string } | null;
  };
}

export interface FlagFileCheck {
  file: string;
  flags: string[];
  /** sha256 the last step recorded. */
  recorded: string;
  /** sha256 of the local file; null when it does not exist or cannot be read. */
  local: string | null;
  matches: boolean;
  /** A remote provider (Unleash): what differs from what the release wrote (a hand edit), one line each. */
  handEdits?: string[];
  /** A remote provider that could not be read (down, 401, slow). */
  unreadable?: string;
  /** The flag lives on a server, not in a file on this machine. */
  remote?: boolean;
}

/** Compares each local flag file with the digest the state recorded (a PostgreSQL state is shared; the files are per machine). */
async function checkFlagFiles(
  ctx: Ctx,
  loaded: Awaited<ReturnType<typeof loadConfigFor>>,
  state: ReleaseState | null,
): Promise<{ flagFiles?: FlagFileCheck[] }> {
  const recorded = loaded.config.flags.filter((f) => state?.flags[f.key]?.sha256);
  if (!recorded.length) return {};
  const { openProvider } = await import('../flags/providers/registry.js');
  const { flagLocation, toProviderFlag } = await import('../lifecycle/flag-sync.js');
  const checks = new Map<string, FlagFileCheck>();
  for (const f of recorded) {
    const where = flagLocation(f);
    const seen = checks.get(where);
    if (seen) {
      seen.flags.push(f.key);
      continue;
    }
    const provider = await openProvider(f.provider, { planDir: loaded.dir, env: ctx.env, redact: ctx.redact });
    const pf = toProviderFlag(loaded.config, f);
    const flagState = state?.flags[f.key] as FlagState;
    const want = flagState.sha256 as string;
    let unreadable: string | undefined;
    const local = await provider.storedDigest(pf).catch((error: unknown) => {
      unreadable = (error as Error).message;
      return null;
    });
    const check: FlagFileCheck = { file: where, flags: [f.key], recorded: want, local, matches: local === want };
    if (!provider.capabilities.local) check.remote = true;
    if (unreadable) check.unreadable = unreadable;
    else if (!check.matches && provider.handEdits)
      check.handEdits = await provider
        .handEdits(pf, { percent: flagState.percent, groups: flagState.groups, killSwitch: flagState.killSwitch })
        .catch((error: unknown) => [`cannot compare: ${(error as Error).message}`]);
    checks.set(where, check);
  }
  return { flagFiles: [...checks.values()] };
}

/**
 * The evidence to show. An ad-hoc canary verdict (`analyze` outside a stage) recorded before the
 * release completed or was rolled back judged a rollout that is no longer live: it is left out.
 */
export function summarizeEvidence(state: ReleaseState | null): StatusResult['latestEvidence'] {
  const ended = state && (state.status === 'completed' || state.status === 'rolled-back') ? endedAt(state) : null;
  const stale = (key: string, value: unknown) =>
    key === 'canary:adhoc' && ended !== null && !(String((value as { at?: unknown } | null)?.at ?? '') > ended);
  return Object.entries(state?.evidence ?? {})
    .filter(([key, value]) => !stale(key, value))
    .map(([key, value]) => {
      const v = value as { verdict?: string; summary?: string } | null;
      return { key, verdict: v?.verdict ?? 'unknown', summary: v?.summary ?? '' };
    });
}

/** `rollout status` options as cli.ts parses them (--interval is a duration from 1ms to 1h, as written). */
export interface StatusOptions {
  history: number;
  watch?: boolean;
  interval?: string;
}

/** When the release ended: its last rollback, or the advance that completed it. */
function endedAt(state: ReleaseState): string {
  const last = [...state.history]
    .reverse()
    .find((h) => (state.status === 'rolled-back' ? h.action === 'rollback' : h.action === 'advance'));
  return last?.at ?? state.history[state.history.length - 1]?.at ?? '';
}

export async function runStatus(
  options: StatusOptions,
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<StatusResult>> {
  if (options.watch) return (await import('./status-watch.js')).watchStatus(options, ctx);
  const result = await collectStatus(options, ctx, await loadConfigFor(ctx));
  return { exitCode: EXIT.ok, result, human: (s) => renderStatus(result, s) };
}

/** Everything `status` shows, read once from the plan, the state, the lock and the outbox. */
export async function collectStatus(options: StatusOptions, ctx: Ctx, loaded: LoadedConfig): Promise<StatusResult> {
  const store = openState(ctx, loaded);
  const { countPendingNotifications } = await import('../lifecycle/announce.js');
  const [state, lock, pendingNotifications] = await Promise.all([
    store.read(),
    store.readLock(),
    countPendingNotifications(ctx, loaded),
  ]);
  const now = ctx.clock.now();
  const next = planNextStep(loaded.config, state, now);
  const { phase } = currentPhase(loaded.config, state);
  const historySize = options.history;
  const bake = next.kind === 'next-stage' || next.kind === 'finish-rollout' ? next.bake : null;
  const result: StatusResult = {
    release: loaded.config.release,
    state: resolveStateUrl(ctx, loaded),
    started: state !== null,
    status: state?.status ?? 'not-started',
    phase: phase.id,
    stage: state?.stage ? { ...state.stage, bakeRemaining: bake ? formatDuration(bake.remainingMs) : null } : null,
    flags: state?.flags ?? {},
    signoffsMissing: missingSignoffs(loaded.config, phase, state),
    latestEvidence: summarizeEvidence(state),
    lock,
    next,
    nextText: describeNextStep(next),
    history: (state?.history ?? []).slice(-historySize),
    configChanged: state !== null && state.configHash !== loaded.hash,
    serial: state?.serial ?? 0,
    pendingNotifications,
    ...(ctx.env.ROLLOUT_TIME_OFFSET ? { timeOffset: formatDuration(Number(ctx.env.ROLLOUT_TIME_OFFSET)) } : {}),
    ...(state?.intent ? { interrupted: await describeIntent(loaded, state) } : {}),
    ...(await describeRampDown(state, now)),
    ...(await checkFlagFiles(ctx, loaded, state)),
    schedule: scheduleFromState(loaded.config, state, now),
  };
  return result;
}

export function renderStatus(r: StatusResult, s: Style): string {
  const out = [
    `${s.bold(`Release ${r.release}`)}  ${r.status}${r.started ? '' : s.dim(' (no state yet: `rollout advance` starts it)')}  ${s.dim(r.state)}`,
  ];
  out.push(
    `phase   ${r.phase}${r.stage ? `   stage ${r.stage.id}${r.stage.bakeRemaining && r.stage.bakeRemaining !== '0ms' ? ` (bake ends in ${r.stage.bakeRemaining})` : ''}` : ''}`,
  );
  for (const [key, f] of Object.entries(r.flags)) {
    out.push(
      `flag    ${key}: ${f.killSwitch ? s.red('KILL SWITCH on (fallback for everyone)') : `${f.percent} %`}${f.groups.length ? ` + ${f.groups.join(', ')}` : ''}`,
    );
  }
  for (const f of r.flagFiles ?? []) {
    if (f.remote && !f.matches) {
      out.push(
        s.yellow(
          f.unreadable
            ? `flag    ${f.file}: cannot be read (${f.unreadable})`
            : `flag    ${f.file}: EDITED outside rollout (sha256 ${f.local?.slice(0, 12) ?? 'none'}…, release ${f.recorded.slice(0, 12)}…); advance and retry refuse to overwrite it:`,
        ),
      );
      for (const line of f.handEdits ?? []) out.push(s.yellow(`          ${line}`));
      continue;
    }
    if (f.remote) {
      out.push(`flag    ${f.file}: holds what the release wrote (sha256 ${f.recorded.slice(0, 12)}…)`);
      continue;
    }
    out.push(
      f.matches
        ? `file    ${f.file}: matches the release (sha256 ${f.recorded.slice(0, 12)}…)`
        : s.yellow(
            `file    ${f.file}: ${f.local === null ? 'missing on this machine' : `differs from what the release wrote (local sha256 ${f.local.slice(0, 12)}…, release ${f.recorded.slice(0, 12)}…)`}; \`rollout flags sync\` rewrites and publishes it`,
          ),
    );
  }
  for (const e of r.latestEvidence)
    out.push(
      `verdict ${e.key}: ${e.verdict === 'pass' ? s.green(e.verdict) : e.verdict === 'fail' ? s.red(e.verdict) : s.yellow(e.verdict)}${e.summary ? ` — ${e.summary}` : ''}`,
    );
  if (r.signoffsMissing.length) out.push(`sign-offs pending: ${r.signoffsMissing.join(', ')}`);
  if (r.pendingNotifications > 0)
    out.push(s.yellow(`${r.pendingNotifications} notification(s) waiting in the outbox (rollout notify --flush)`));
  if (r.timeOffset) out.push(s.yellow(`clock shifted by ${r.timeOffset} (ROLLOUT_TIME_OFFSET)`));
  if (r.interrupted) {
    out.push(
      s.yellow(
        `interrupted ${r.interrupted.kind} by ${r.interrupted.actor} at ${r.interrupted.startedAt} (\`rollout advance\` finishes it)`,
      ),
    );
    for (const f of r.interrupted.files) out.push(s.yellow(`  ${f.file}: ${f.flag} actually serves ${f.serves}`));
  }
  if (r.rampDown) {
    const rd = r.rampDown;
    out.push(
      s.yellow(
        `ramp-down ${rd.done}/${rd.steps} steps done${rd.next ? `, next ${rd.next.percent} % at ${rd.next.notBefore}` : ''}; ${rd.running ? `running: ${rd.runner}` : 'NOT running (interrupted): `rollout rollback --resume` finishes it'}`,
      ),
    );
  }
  const lockText = r.lock
    ? s.yellow(
        `held by ${r.lock.actor} (${r.lock.operation}, pid ${r.lock.pid} on ${r.lock.host}, since ${r.lock.startedAt})`,
      )
    : r.rampDown?.running
      ? s.yellow(`between steps of the ramp-down run by ${r.rampDown.runner}`)
      : 'free';
  out.push(`lock    ${lockText}`);
  if (r.configChanged)
    out.push(s.yellow('rollout.yaml changed since the last transition; `advance` will ask for --accept-config-change'));
  out.push(`${s.bold('next')}    ${r.nextText}`);
  out.push(...renderSchedule(r.schedule, s));
  if (r.history.length) {
    out.push('', s.bold('history'));
    for (const h of r.history)
      out.push(`  ${h.at}  ${h.action.padEnd(10)} ${h.actor}${h.reason ? ` — ${h.reason}` : ''}`);
  }
  return out.join('\n');
}

/** Planned against actual: every phase, the stages the release has been in, and the release. */
function renderSchedule(c: ScheduleComparison, s: Style): string[] {
  const rows = c.rows.filter((r) => r.stage === null || r.state !== 'not-started');
  if (!rows.some((r) => r.planned) && !c.overall.planned) return [];
  const line = (name: string, planned: string, actual: string, overrun: boolean) =>
    `  ${name.padEnd(18)} ${planned.padEnd(24)} ${overrun ? s.red(actual) : actual}`;
  return [
    '',
    s.bold('schedule') + s.dim('  (planned / actual)'),
    ...rows.map((r) =>
      line(
        r.stage ? `  ${r.stage}` : r.phase,
        formatPlanned(r.planned),
        formatActual(r, r.state === 'running'),
        r.overrun,
      ),
    ),
    line('release', formatPlanned(c.overall.planned), formatActual(c.overall, c.overall.running), c.overall.overrun),
  ];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the flag files of an interrupted step serve right now (read from the files, not from the state). */
async function describeIntent(
  loaded: LoadedConfig,
  state: ReleaseState,
): Promise<NonNullable<StatusResult['interrupted']>> {
  const intent = state.intent as NonNullable<ReleaseState['intent']>;
  const { readServing } = await import('../lifecycle/flag-sync.js');
  const files = await Promise.all(
    loaded.config.flags.map(async (f) => ({
      file: f.file,
      flag: f.key,
      serves: await readServing(loaded.dir, f.file, f.key),
    })),
  );
  return {
    kind: intent.kind,
    actor: intent.actor,
    startedAt: intent.startedAt,
    to: isRecord(intent.target) ? (intent.target.to ?? null) : null,
    files,
  };
}

async function describeRampDown(
  state: ReleaseState | null,
  now: Date,
): Promise<{ rampDown?: NonNullable<StatusResult['rampDown']> }> {
  const rb = state?.rollback;
  if (!rb || rb.mode !== 'progressive' || rb.completedAt || !rb.steps) return {};
  const { isRunnerAlive, describeRunner } = await import('../lifecycle/ramp-down.js');
  const next = rb.steps.find((x) => !x.done);
  return {
    rampDown: {
      id: rb.id,
      done: rb.steps.filter((x) => x.done).length,
      steps: rb.steps.length,
      running: isRunnerAlive(rb, now),
      runner: describeRunner(rb),
      next: next ? { percent: next.percent, notBefore: next.notBefore } : null,
    },
  };
}
