import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { parseDuration } from '../config/duration.js';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { RolloutError } from '../errors/rollout-error.js';
import { crashPoint, type CrashPointName } from '../state/crash-points.js';
import { isProcessAlive } from '../state/lock-file.js';
import type { AuditInput, StateStore } from '../state/store.js';
import type { ReleaseState, RollbackState, RollbackStep } from '../state/types.js';
import { announce } from './announce.js';
import { isKillSwitchOn, publishProblems, stampDigests, syncFlagFiles } from './flag-sync.js';
import { engageKillSwitch } from './kill-switch.js';
import {
  finishedRollback,
  killAll,
  killSwitchProblems,
  planRampDown,
  planTargets,
  positionOf,
  publishContextOf,
  staleFileTargets,
  type RollbackOptions,
  type RollbackOutcome,
} from './rollback-parts.js';

type Mutate = (state: ReleaseState) => { next: ReleaseState; audit: Omit<AuditInput, 'actor' | 'stateSerial'> } | null;
interface Deps {
  record(
    m: Mutate,
    crashAfterState?: CrashPointName,
  ): Promise<{ state: ReleaseState | null; problem?: string; auditPending?: string }>;
}

/** The flag the ramp-down acts on: the current rollout phase's flag, else the one with most traffic. */
function rampFlag(loaded: LoadedConfig, state: ReleaseState): string | null {
  const phaseFlag = loaded.config.phases.find((p) => p.id === state.phase)?.rollout?.flag;
  if (phaseFlag && state.flags[phaseFlag]) return phaseFlag;
  const [top] = Object.entries(state.flags).sort((a, b) => b[1].percent - a[1].percent);
  return top?.[0] ?? null;
}

/** How long after its next step is due a silent ramp-down on another host still counts as running. */
const RUNNER_GRACE_MS = 60_000;

/**
 * Whether the process that runs this ramp-down is still at it. On this host the pid answers; on
 * another host the heartbeat must not be older than the next step's due time plus a grace period.
 */
export function isRunnerAlive(rb: RollbackState, now: Date, host = hostname()): boolean {
  const r = rb.runner;
  if (!r) return false;
  if (r.host === host) return r.pid !== process.pid && isProcessAlive(r.pid);
  const next = rb.steps?.find((s) => !s.done);
  const due = next ? Date.parse(next.notBefore) : Date.parse(r.heartbeatAt);
  return now.getTime() <= Math.max(due, Date.parse(r.heartbeatAt)) + RUNNER_GRACE_MS;
}

export function describeRunner(rb: RollbackState): string {
  const r = rb.runner;
  return r ? `${r.actor} (pid ${r.pid} on ${r.host}, since ${r.startedAt}, last step ${r.heartbeatAt})` : 'nobody';
}

/**
 * Progressive rollback: absolute percentages at absolute times, stored in the state before the first
 * step, so a crash resumes from the step it reached and never ramps up again. The last step is the
 * kill switch. A trigger during the ramp (checkTriggers) turns it into an immediate rollback.
 * `--resume` continues an interrupted ramp-down and nothing else.
 */
export async function runRampDown(
  ctx: Ctx,
  loaded: LoadedConfig,
  store: StateStore,
  opts: RollbackOptions,
  deps: Deps,
): Promise<RollbackOutcome> {
  const problems: string[] = [];
  const current = await store.read();
  const resuming =
    current?.rollback?.mode === 'progressive' && !current.rollback.completedAt && Array.isArray(current.rollback.steps);
  const already = finishedRollback(current);
  if (already)
    return {
      ok: true,
      mode: 'progressive',
      rollbackId: already.id,
      flagWrittenAtMs: null,
      steps: [],
      recorded: false,
      problems,
      already,
    };
  if (opts.resume && !resuming)
    throw new RolloutError(
      'E_NOTHING_TO_RESUME',
      `no interrupted progressive rollback to resume in ${current?.release ?? loaded.config.release}; nothing was changed`,
    );
  if (resuming && current?.rollback && isRunnerAlive(current.rollback, ctx.clock.now())) {
    throw new RolloutError(
      'E_ROLLBACK_IN_PROGRESS',
      `a progressive rollback is already ramping down, run by ${describeRunner(current.rollback)}; nothing was changed`,
    );
  }
  const flag = current ? rampFlag(loaded, current) : null;
  const rollbackId = resuming ? (current?.rollback?.id as string) : randomUUID();
  if (!current || !flag) {
    return {
      ok: false,
      mode: 'progressive',
      rollbackId,
      flagWrittenAtMs: null,
      steps: [],
      recorded: false,
      problems: [
        'no flag has been rolled out in this release; nothing to ramp down (`rollout rollback --mode immediate` writes the kill switch anyway)',
      ],
    };
  }
  const { progressive } = loaded.config.rollback;
  const steps: RollbackStep[] = resuming
    ? (current.rollback?.steps as RollbackStep[])
    : planRampDown(
        current.flags[flag]?.percent ?? 0,
        progressive.steps,
        parseDuration(progressive.over) ?? 300_000,
        ctx.clock.now(),
      );
  if (opts.dryRun)
    return { ok: true, mode: 'progressive', rollbackId, flagWrittenAtMs: null, steps, recorded: false, problems };
  const at = ctx.clock.now().toISOString();
  const runner = { actor: ctx.actor, pid: process.pid, host: hostname(), startedAt: at, heartbeatAt: at };
  const started = await deps.record((state) => {
    if (resuming) {
      if (state.rollback?.id !== rollbackId || state.rollback.completedAt) return null;
      return {
        next: { ...state, rollback: { ...state.rollback, runner } },
        audit: {
          op: 'rollback:resume',
          reason: opts.reason,
          data: { rollbackId, flag, remaining: steps.filter((s) => !s.done).length },
        },
      };
    }
    return {
      next: {
        ...state,
        intent: null,
        rollback: {
          id: rollbackId,
          mode: 'progressive',
          startedAt: at,
          reason: opts.reason,
          actor: ctx.actor,
          from: positionOf(state, loaded),
          steps,
          runner,
        },
        history: [
          ...state.history,
          {
            at,
            actor: ctx.actor,
            action: 'rollback',
            from: { phase: state.phase, stage: state.stage?.id ?? null, percent: state.flags[flag]?.percent },
            to: { mode: 'progressive', steps: steps.length },
            reason: opts.reason,
            serial: state.serial + 1,
          },
        ],
      },
      audit: {
        op: 'rollback',
        reason: opts.reason,
        data: { mode: 'progressive', rollbackId, flag, steps, trigger: opts.trigger },
      },
    };
  });
  if (!started.state)
    return {
      ok: false,
      mode: 'progressive',
      rollbackId,
      flagWrittenAtMs: null,
      steps,
      recorded: false,
      problems: [...problems, started.problem ?? 'state not recorded'],
    };
  if (!resuming)
    await announce(ctx, loaded, [
      {
        type: 'rollback',
        release: loaded.config.release,
        at,
        rollbackId,
        flag,
        mode: 'progressive',
        reason: opts.reason,
        actor: ctx.actor,
        ...(opts.trigger ? { trigger: opts.trigger } : {}),
      },
    ]);
  return runSteps(ctx, loaded, store, opts, deps, {
    rollbackId,
    flag,
    steps,
    problems,
    auditPending: started.auditPending,
  });
}

async function runSteps(
  ctx: Ctx,
  loaded: LoadedConfig,
  store: StateStore,
  opts: RollbackOptions,
  deps: Deps,
  r: { rollbackId: string; flag: string; steps: RollbackStep[]; problems: string[]; auditPending: string | undefined },
): Promise<RollbackOutcome> {
  const { rollbackId, flag, steps, problems } = r;
  let auditPending = r.auditPending;
  let flagWrittenAtMs: number | null = null;
  let escalated: string | undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as RollbackStep;
    if (step.done) continue;
    const wait = Date.parse(step.notBefore) - ctx.clock.now().getTime();
    if (wait > 0) await ctx.clock.sleep(wait);
    const fired = opts.checkTriggers ? await opts.checkTriggers() : null;
    // A kill switch already in the file (an immediate rollback killed before it was recorded) is never
    // lowered back to a ramp step: a ramp-down only ever serves less.
    const alreadyKilled = await isKillSwitchOn(loaded.config, loaded.dir, flag, ctx);
    const last = i === steps.length - 1 || fired !== null || alreadyKilled;
    if (fired) escalated = fired;
    // Flag first (absolute, so redoing a step after a crash is harmless), then the step is recorded.
    const before = await store.read();
    if (!before || before.rollback?.id !== rollbackId || before.rollback.completedAt) {
      problems.push('another rollback took over; this ramp-down stopped');
      break;
    }
    const at = ctx.clock.now().toISOString();
    let flags = last
      ? killAll(before, at)
      : {
          ...before.flags,
          [flag]: { ...(before.flags[flag] as ReleaseState['flags'][string]), percent: step.percent, updatedAt: at },
        };
    let killed = true;
    if (last) {
      const kill = await engageKillSwitch(
        loaded.dir,
        [...planTargets(loaded.config), ...staleFileTargets(loaded.config, before)],
        { publishContext: publishContextOf(ctx, loaded) },
      );
      const kp = killSwitchProblems(kill);
      problems.push(...kp);
      killed = kp.length === 0;
      flagWrittenAtMs = kill.flagWrittenAtMs ?? flagWrittenAtMs;
      flags = stampDigests(loaded.config, flags, kill.files);
    } else {
      const writes = await syncFlagFiles(loaded.config, loaded.dir, flags, {
        dryRun: false,
        env: ctx.env,
        redact: ctx.redact,
      });
      if (writes.some((w) => w.changed)) flagWrittenAtMs = performance.now();
      // The step is recorded (the local file serves it); the ramp goes on and the rollback ends with exit 6.
      problems.push(...publishProblems(writes));
      flags = stampDigests(loaded.config, flags, writes);
    }
    crashPoint('rollback:after-step');
    let superseded = false;
    const rec = await deps.record((state) => {
      if (state.rollback?.id !== rollbackId || state.rollback.completedAt) {
        superseded = true;
        return null;
      }
      const finished = last && killed;
      const doneSteps =
        state.rollback.steps?.map((s, k) => (k === i || (finished && k > i) ? { ...s, done: true } : s)) ?? [];
      const { runner: _runner, ...withoutRunner } = state.rollback;
      const rollback: RollbackState = finished
        ? { ...withoutRunner, steps: doneSteps, completedAt: at }
        : {
            ...state.rollback,
            steps: doneSteps,
            ...(state.rollback.runner ? { runner: { ...state.rollback.runner, heartbeatAt: at } } : {}),
          };
      const data = {
        rollbackId,
        step: i + 1,
        of: steps.length,
        percent: last ? 0 : step.percent,
        killSwitch: last,
        verified: killed,
      };
      const reason = fired ? `trigger ${fired} fired during the ramp-down: immediate` : undefined;
      return {
        next: {
          ...state,
          flags: last && !killed ? state.flags : flags,
          rollback,
          ...(finished ? { status: 'rolled-back' as const } : {}),
          // A history entry per step, so a step whose audit append was lost is backfilled as itself.
          history: [
            ...state.history,
            {
              at,
              actor: ctx.actor,
              action: 'rollback:step',
              to: data,
              ...(reason ? { reason } : {}),
              serial: state.serial + 1,
            },
          ],
        },
        audit: { op: 'rollback:step', ...(reason ? { reason } : {}), data },
      };
    }, 'rollback:step-after-state');
    if (superseded) {
      // It was an immediate rollback: our step may have landed after its kill switch, so restore it.
      await engageKillSwitch(loaded.dir, planTargets(loaded.config), {
        publish: 'changed',
        publishContext: publishContextOf(ctx, loaded),
      });
      problems.push('another rollback took over; this ramp-down stopped');
      break;
    }
    if (!rec.state) {
      problems.push(rec.problem ?? 'state not recorded');
      return { ok: false, mode: 'progressive', rollbackId, flagWrittenAtMs, steps, recorded: false, problems };
    }
    auditPending = rec.auditPending ?? auditPending;
    steps.splice(0, steps.length, ...(rec.state.rollback?.steps ?? steps));
    ctx.progress(
      `ramp-down ${i + 1}/${steps.length}: ${flag} ${last ? 'kill switch (fallback for everyone)' : `${step.percent} %`}${fired ? ` — trigger ${fired} fired, went straight to the kill switch` : ''}`,
    );
    if (last) break;
  }
  return {
    ok: problems.length === 0,
    mode: 'progressive',
    rollbackId,
    flagWrittenAtMs,
    steps,
    recorded: true,
    ...(escalated ? { escalated } : {}),
    problems,
    ...(auditPending ? { auditPending } : {}),
  };
}
