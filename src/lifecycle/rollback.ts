import { randomUUID } from 'node:crypto';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { openState } from '../state/open-state.js';
import { crashPoint } from '../state/crash-points.js';
import type { StateStore } from '../state/store.js';
import type { ReleaseState, RollbackState } from '../state/types.js';
import { announce } from './announce.js';
import { engageKillSwitch, type KillSwitchResult } from './kill-switch.js';
import { stampDigests } from './flag-sync.js';
import {
  finishedRollback,
  killAll,
  killSwitchProblems,
  planTargets,
  positionOf,
  publishContextOf,
  recordRollback,
  staleFileTargets,
  type RollbackOptions,
  type RollbackOutcome,
} from './rollback-parts.js';
import { auditCommitted } from './transaction.js';

export { planRampDown, planTargets, staleFileTargets } from './rollback-parts.js';
export type { RollbackMode, RollbackOptions, RollbackOutcome } from './rollback-parts.js';

/** Combines two kill-switch results (the fast path and the files only the state knew about). */
function mergeKill(a: KillSwitchResult, b: KillSwitchResult | null): KillSwitchResult {
  if (!b) return a;
  const verification =
    a.verification && b.verification
      ? {
          ok: a.verification.ok && b.verification.ok,
          contexts: a.verification.contexts + b.verification.contexts,
          ms: a.verification.ms + b.verification.ms,
          problems: [...a.verification.problems, ...b.verification.problems],
        }
      : (a.verification ?? b.verification);
  const times = [a.flagWrittenAtMs, b.flagWrittenAtMs].filter((x): x is number => x !== null);
  return {
    files: [...a.files, ...b.files],
    flagWrittenAtMs: times.length ? Math.max(...times) : null,
    ...(verification ? { verification } : {}),
  };
}

/** Kill switch / ramp-down / full rollback with health verification. Notifications never delay it. */
export async function performRollback(ctx: Ctx, loaded: LoadedConfig, opts: RollbackOptions): Promise<RollbackOutcome> {
  const store = openState(ctx, loaded);
  const waitMs = opts.lockWaitMs ?? 10_000;
  if (opts.mode === 'progressive') {
    const { runRampDown } = await import('./ramp-down.js');
    return runRampDown(ctx, loaded, store, opts, {
      record: (m, crash) => recordRollback(ctx, loaded, store, m, waitMs, crash),
    });
  }
  // Recovery is measured from here (the decision) to the kill switch in place, published and verified: the
  // flag write, a slow `publish` and the read-back all count (the report's mean time to recovery).
  const began = opts.startedAt ?? ctx.clock.now().toISOString();
  const problems: string[] = [];
  const targets = planTargets(loaded.config);
  let kill =
    opts.killSwitch ??
    (await engageKillSwitch(loaded.dir, targets, {
      dryRun: Boolean(opts.dryRun),
      publishContext: publishContextOf(ctx, loaded),
    }));
  const rollbackId = randomUUID();
  if (opts.dryRun)
    return {
      ok: true,
      mode: opts.mode,
      rollbackId,
      flagWrittenAtMs: null,
      steps: [],
      recorded: false,
      problems,
      killSwitch: kill,
    };
  crashPoint('rollback:after-flags');
  let current: ReleaseState | null = null;
  let unreadable: string | null = null;
  try {
    current = await store.read();
  } catch (error) {
    unreadable = `state unreadable, the rollback cannot be recorded: ${(error as Error).message}`;
  }
  const stale = staleFileTargets(loaded.config, current);
  if (stale.length)
    kill = mergeKill(
      kill,
      await engageKillSwitch(loaded.dir, stale, { publishContext: publishContextOf(ctx, loaded) }),
    );
  const killProblems = killSwitchProblems(kill);
  const already = finishedRollback(current);
  if (already && killProblems.length === 0) {
    // Idempotent: nothing new is recorded or announced. A file that had drifted back is noted in the log.
    const restored = kill.files.filter((f) => f.changed).map((f) => f.file);
    if (restored.length && current) {
      const err = await auditCommitted(
        ctx,
        store,
        { op: 'kill-switch:restored', reason: opts.reason, data: { rollbackId: already.id, files: restored } },
        current.serial,
      );
      if (err) problems.push(`audit entry not written: ${err}`);
    }
    return {
      ok: true,
      mode: opts.mode,
      rollbackId: already.id,
      flagWrittenAtMs: kill.flagWrittenAtMs,
      steps: [],
      recorded: false,
      problems,
      already,
      killSwitch: kill,
    };
  }
  if (already && kill.files.every((f) => !f.error) && kill.verification?.ok !== false) {
    // Rolled back already and the kill switch is in place locally; only its publish failed: nothing to record,
    // but applications may not have it, so the command still ends 6 with the reason.
    return {
      ok: false,
      mode: opts.mode,
      rollbackId: already.id,
      flagWrittenAtMs: kill.flagWrittenAtMs,
      steps: [],
      recorded: false,
      problems: [...problems, ...killProblems],
      already,
      killSwitch: kill,
    };
  }
  problems.push(...killProblems);
  const killed = killProblems.length === 0;
  const at = ctx.clock.now().toISOString();
  let raced: RollbackOutcome['already'];
  // An unreadable state cannot take the record: say so once instead of trying and failing the same way.
  const recorded = unreadable
    ? { state: null, problem: unreadable }
    : await recordRollback(
        ctx,
        loaded,
        store,
        (state) => {
          // Another rollback finished while this one waited for the lock: the same no-op as above.
          raced = killed ? finishedRollback(state) : undefined;
          if (raced) return null;
          // Done only when the kill switch is verified (and, for full, health is checked below).
          const done = killed && opts.mode === 'immediate';
          const rollback: RollbackState = {
            id: rollbackId,
            mode: opts.mode,
            startedAt: began,
            reason: opts.reason,
            actor: ctx.actor,
            from: state.rollback?.from ?? positionOf(state, loaded),
            ...(done ? { completedAt: at } : {}),
          };
          const entry = {
            at,
            actor: ctx.actor,
            action: 'rollback',
            from: { phase: state.phase, stage: state.stage?.id ?? null },
            to: { mode: opts.mode, killSwitch: killed },
            reason: opts.reason,
            evidence: { trigger: opts.trigger, evidence: opts.evidence },
            serial: state.serial + 1,
          };
          return {
            next: {
              ...state,
              flags: killed ? stampDigests(loaded.config, killAll(state, at), kill.files) : state.flags,
              intent: null,
              rollback,
              status: done ? 'rolled-back' : state.status,
              history: [...state.history, entry],
            },
            audit: {
              op: 'rollback',
              reason: opts.reason,
              data: {
                mode: opts.mode,
                rollbackId,
                trigger: opts.trigger,
                evidence: opts.evidence,
                flagWrittenAtMs: kill.flagWrittenAtMs === null ? null : Math.round(kill.flagWrittenAtMs),
                files: kill.files,
                verified: killed,
              },
            },
          };
        },
        waitMs,
      );
  if (raced)
    return {
      ok: true,
      mode: opts.mode,
      rollbackId: raced.id,
      flagWrittenAtMs: kill.flagWrittenAtMs,
      steps: [],
      recorded: false,
      problems,
      already: raced,
      killSwitch: kill,
    };
  if (recorded.problem) problems.push(recorded.problem);
  // An advance that raced us may have rewritten a flag before it saw the rollback: assert the kill switch again.
  if (recorded.state && killed) {
    const again = await engageKillSwitch(loaded.dir, [...targets, ...stale], {
      publish: 'changed',
      publishContext: publishContextOf(ctx, loaded),
    });
    problems.push(...killSwitchProblems(again).map((p) => `re-check after recording: ${p}`));
  }
  const event = {
    type: 'rollback' as const,
    release: loaded.config.release,
    at,
    rollbackId,
    flag: targets.map((t) => t.key).join(','),
    mode: opts.mode,
    reason: opts.reason,
    actor: ctx.actor,
    ...(opts.trigger ? { trigger: opts.trigger } : {}),
    ...(opts.evidence ? { evidence: JSON.stringify(opts.evidence).slice(0, 500) } : {}),
  };
  const notifications = await announce(ctx, loaded, [event], { deadlineMs: 2000 });
  const base = {
    mode: opts.mode,
    rollbackId,
    flagWrittenAtMs: kill.flagWrittenAtMs,
    steps: [],
    recorded: recorded.state !== null,
    problems,
    notifications,
    killSwitch: kill,
    ...(recorded.auditPending ? { auditPending: recorded.auditPending } : {}),
  };
  if (opts.mode !== 'full' || !killed) return { ...base, ok: killed && recorded.state !== null };
  return {
    ...base,
    ...(await verifyAfterFull(ctx, loaded, store, { rollbackId, event, waitMs, state: recorded.state, problems })),
  };
}

/** Full mode: health verification on the fallback; the release is marked rolled back only when it passes. */
async function verifyAfterFull(
  ctx: Ctx,
  loaded: LoadedConfig,
  store: StateStore,
  r: { rollbackId: string; event: { flag: string }; waitMs: number; state: ReleaseState | null; problems: string[] },
): Promise<{ ok: boolean; healthy: boolean; health: { checks: number; summary: string } }> {
  const { verifyHealth } = await import('./health-verify.js');
  const verdict = await verifyHealth(ctx, loaded, r.state);
  const healthy = verdict.healthy;
  const done = await recordRollback(
    ctx,
    loaded,
    store,
    (state) => {
      if (state.rollback?.id !== r.rollbackId) return null;
      const now = ctx.clock.now().toISOString();
      return {
        next: healthy ? { ...state, status: 'rolled-back', rollback: { ...state.rollback, completedAt: now } } : state,
        audit: {
          op: healthy ? 'rollback:verified' : 'rollback:unhealthy',
          reason: verdict.summary,
          data: { rollbackId: r.rollbackId, checks: verdict.checks },
        },
      };
    },
    r.waitMs,
  );
  if (done.problem) r.problems.push(done.problem);
  if (!healthy) {
    r.problems.push(`health verification failed: ${verdict.summary}`);
    await announce(ctx, loaded, [
      {
        type: 'rollback-failed',
        release: loaded.config.release,
        at: ctx.clock.now().toISOString(),
        rollbackId: r.rollbackId,
        flag: r.event.flag,
        mode: 'full',
        error: verdict.summary,
        step: 'health verification',
        actor: ctx.actor,
      },
    ]);
  }
  return {
    ok: r.state !== null && healthy,
    healthy,
    health: { checks: verdict.checks.length, summary: verdict.summary },
  };
}
