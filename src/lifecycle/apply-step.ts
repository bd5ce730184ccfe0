import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { RolloutError } from '../errors/rollout-error.js';
import { createFileFlagStore } from '../flags/flag-store.js';
import { ProviderHandEditError, ProviderUnavailableError } from '../flags/providers/errors.js';
import { crashPoint } from '../state/crash-points.js';
import { LockLostError } from '../state/errors.js';
import type { LockHandle, StateStore } from '../state/store.js';
import type { FlagState, HistoryEntry, ReleaseState } from '../state/types.js';
import {
  flagLocation,
  isKillSwitchOn,
  publishProblems,
  stampDigests,
  syncFlagFiles,
  type FlagWrite,
} from './flag-sync.js';
import { blockedError, type NextStep } from './planner.js';
import { assertProvidersReady } from './provider-check.js';
import { readPendingStep } from './step-target.js';
import { auditCommitted, withReleaseLock } from './transaction.js';
import { readSourceIdentity } from './source-identity.js';

/** The position a step moves the release to; stored as the intent's target before any side effect. */
export interface StepTarget {
  action: 'advance' | 'override';
  step: NextStep['kind'];
  phase: string | null;
  phaseStartedAt: string | null;
  stage: ReleaseState['stage'];
  status: ReleaseState['status'];
  flags: Record<string, FlagState>;
  from: { phase: string | null; stage: string | null; percent: number | null };
  to: { phase: string | null; stage: string | null; percent: number | null };
  reason?: string;
  evidence?: unknown;
}

/** The file a flag is written to now, and every file it was written to before (a rollback switches all of them off). */
export function filesOf(prev: FlagState | undefined, file: string | undefined): Pick<FlagState, 'file' | 'files'> {
  const files = [...new Set([...(prev?.files ?? []), ...(prev?.file ? [prev.file] : []), ...(file ? [file] : [])])];
  return { ...(file ? { file } : {}), ...(files.length > 1 ? { files } : {}) };
}

/** Pure: where `step` takes the release. */
export function computeTarget(
  loaded: LoadedConfig,
  state: ReleaseState,
  step: NextStep,
  now: Date,
  extra: { override: boolean; reason?: string; evidence?: unknown },
): StepTarget {
  const at = now.toISOString();
  const flags = { ...state.flags };
  const base = {
    action: extra.override ? ('override' as const) : ('advance' as const),
    step: step.kind,
    ...(extra.reason ? { reason: extra.reason } : {}),
    ...(extra.evidence !== undefined ? { evidence: extra.evidence } : {}),
  };
  const fromPercent = (flag: string) => state.flags[flag]?.percent ?? null;
  switch (step.kind) {
    case 'complete-phase':
    case 'finish-rollout': {
      const flag = step.kind === 'finish-rollout' ? step.flag : null;
      const from = { phase: step.phase, stage: state.stage?.id ?? null, percent: flag ? fromPercent(flag) : null };
      if (step.nextPhase === null) {
        return {
          ...base,
          phase: step.phase,
          phaseStartedAt: state.phaseStartedAt,
          stage: null,
          status: 'completed',
          flags,
          from,
          to: { phase: null, stage: null, percent: from.percent },
        };
      }
      return {
        ...base,
        phase: step.nextPhase,
        phaseStartedAt: at,
        stage: null,
        status: 'in-progress',
        flags,
        from,
        to: { phase: step.nextPhase, stage: null, percent: from.percent },
      };
    }
    case 'start-rollout':
    case 'next-stage': {
      const planned = loaded.config.flags.find((f) => f.key === step.flag);
      const file = planned ? flagLocation(planned) : undefined;
      flags[step.flag] = {
        percent: step.to.percent,
        groups: step.to.groups,
        killSwitch: false,
        updatedAt: at,
        ...filesOf(state.flags[step.flag], file),
      };
      const from = {
        phase: step.phase,
        stage: step.kind === 'next-stage' ? step.from.id : null,
        percent: fromPercent(step.flag),
      };
      return {
        ...base,
        phase: step.phase,
        phaseStartedAt: state.phase === step.phase ? state.phaseStartedAt : at,
        stage: { index: step.to.index, id: step.to.id, startedAt: at },
        status: 'in-progress',
        flags,
        from,
        to: { phase: step.phase, stage: step.to.id, percent: step.to.percent },
      };
    }
    case 'done':
      throw new RolloutError('E_USAGE', 'the release is complete; there is no next step');
    default:
      throw blockedError(step);
  }
}

export interface ApplyResult {
  state: ReleaseState;
  flagWrites: FlagWrite[];
  resumed: boolean;
  /** The step was taken but its audit entry could not be written (the next command backfills it). */
  auditPending?: string;
}

function finalState(
  state: ReleaseState,
  target: StepTarget,
  serial: number,
  ctx: Ctx,
  configHash: string,
): ReleaseState {
  const entry: HistoryEntry = {
    at: ctx.clock.now().toISOString(),
    actor: ctx.actor,
    action: target.action,
    from: target.from,
    to: target.to,
    ...(target.reason ? { reason: target.reason } : {}),
    ...(target.evidence !== undefined ? { evidence: target.evidence } : {}),
    serial,
  };
  return {
    ...state,
    configHash,
    phase: target.phase,
    phaseStartedAt: target.phaseStartedAt,
    stage: target.stage,
    status: target.status,
    flags: target.flags,
    intent: null,
    history: [...state.history, entry],
  };
}

/**
 * Lock → re-read → intent → flag files → state → audit. The intent is written before the first side
 * effect, so a crash at any point leaves the old or the new step, and `resume` completes the same
 * step without taking a second one. Each side effect is preceded by a check for a rollback.
 */
export async function applyStep(
  ctx: Ctx,
  loaded: LoadedConfig,
  opts: { expectSerial: number; target: StepTarget | null },
): Promise<ApplyResult> {
  const source = await readSourceIdentity(loaded.dir, loaded.hash, ctx.env);
  return withReleaseLock(ctx, loaded, { operation: 'advance' }, async (initial, _current, { store, lock }) => {
    let state = initial;
    const pending = readPendingStep(state);
    const resumed = pending !== null;
    const target = pending ?? opts.target;
    if (!target && state.serial !== opts.expectSerial) {
      // The caller saw an interrupted step, but another advance finished it before this one got the lock.
      throw new RolloutError(
        'E_STATE_STALE',
        `another advance finished the interrupted step while this one waited (serial ${opts.expectSerial} → ${state.serial}); nothing was changed`,
      );
    }
    if (!target)
      throw new RolloutError('E_STATE_STALE', 'the interrupted step was already finished; nothing was changed');
    if (!resumed && state.serial !== opts.expectSerial) {
      throw new RolloutError(
        'E_STATE_STALE',
        `the release changed while the evidence was gathered (serial ${opts.expectSerial} → ${state.serial}); nothing was changed`,
      );
    }
    assertNotRollingBack(state);
    const changedFlags = Object.keys(target.flags).filter(
      (k) => JSON.stringify(target.flags[k]) !== JSON.stringify(state.flags[k]),
    );
    // Before the intent: a damaged flag file stops the step with nothing left half-done.
    await assertFlagFilesUsable(loaded, changedFlags);
    // Before the intent too: a flag server that is down, refuses the token or was edited by hand stops the step.
    await assertProvidersReady(ctx, loaded, state, target.flags);
    if (!resumed) {
      const intent = {
        id: randomUUID(),
        kind: 'advance',
        target,
        startedAt: ctx.clock.now().toISOString(),
        actor: ctx.actor,
      };
      state = await store.write({ ...state, configHash: loaded.hash, intent }, { expectSerial: state.serial, lock });
      crashPoint('advance:after-intent');
    }
    let flagWrites: FlagWrite[];
    try {
      for (const key of Object.keys(target.flags)) {
        if (await isKillSwitchOn(loaded.config, loaded.dir, key, ctx)) {
          await store.write({ ...state, intent: null }, { expectSerial: state.serial, lock });
          throw new RolloutError(
            'E_ROLLBACK_IN_PROGRESS',
            `the kill switch of ${key} is on in its flag file: a rollback is under way, or one was interrupted before it was recorded (then \`rollout rollback\` records it; \`rollout status\` shows which); advance stopped before changing the flag`,
          );
        }
      }
      flagWrites = await syncFlagFiles(loaded.config, loaded.dir, target.flags, {
        dryRun: false,
        env: ctx.env,
        redact: ctx.redact,
      });
    } catch (error) {
      // The flag server failed between the check and the write: put back what the state holds, drop the intent.
      if (!(error instanceof ProviderUnavailableError || error instanceof ProviderHandEditError)) throw error;
      flagWrites = await abandonStep(
        ctx,
        loaded,
        { state, store, lock },
        {
          code: error instanceof ProviderUnavailableError ? 'E_FLAG_PROVIDER' : 'E_FLAG_HAND_EDIT',
          message: error.message,
        },
      );
    }
    const unpublished = publishProblems(flagWrites);
    if (unpublished.length)
      await abandonStep(
        ctx,
        loaded,
        { state, store, lock },
        {
          code: 'E_FLAG_PUBLISH',
          message: unpublished.join('; '),
          after:
            '. If the publish may have gone through partly (a timeout), `rollout flags sync` publishes the current stage again',
        },
      );
    crashPoint('advance:after-flags');
    const next = finalState(
      state,
      { ...target, flags: stampDigests(loaded.config, target.flags, flagWrites) },
      state.serial + 1,
      ctx,
      loaded.hash,
    );
    let saved: ReleaseState;
    try {
      saved = await store.write(next, { expectSerial: state.serial, lock });
    } catch (error) {
      if (error instanceof LockLostError) {
        const written = flagWrites.filter((w) => w.changed).map((w) => w.file);
        throw new RolloutError(
          'E_LOCK_LOST',
          `${error.message}. ${written.length ? `The flag file(s) ${written.join(', ')} were ALREADY written for this step; the state still holds it as an interrupted step: \`rollout advance\` finishes it, \`rollout status\` shows what the file serves.` : 'No flag file was changed.'}`,
        );
      }
      throw error;
    }
    crashPoint('advance:after-state');
    const auditPending = await auditCommitted(
      ctx,
      store,
      {
        op: target.action,
        ...(target.reason ? { reason: target.reason } : {}),
        data: {
          from: target.from,
          to: target.to,
          step: target.step,
          flags: changedFlags,
          resumed,
          evidence: target.evidence,
          source,
        },
      },
      saved.serial,
    );
    return { state: saved, flagWrites, resumed, ...(auditPending ? { auditPending } : {}) };
  });
}

/** Every flag file this step writes must be absent or a flagd document; anything else stops advance (exit 2). */
export async function assertFlagFilesUsable(loaded: LoadedConfig, keys: string[]): Promise<void> {
  for (const key of keys) {
    const flag = loaded.config.flags.find((f) => f.key === key);
    if (!flag || flag.provider !== 'flagd-file') continue;
    const file = path.resolve(loaded.dir, flag.file);
    try {
      await createFileFlagStore({ path: file, dryRun: true }).read();
    } catch (error) {
      throw new RolloutError(
        'E_FLAG_FILE',
        `${flag.file} (flag ${key}): ${(error as Error).message}; advance stopped before changing anything`,
      );
    }
  }
}

/**
 * A side effect failed after the intent: a publish (applications did not get the step) or a remote provider
 * (down, or edited between the check and the write). Put the flags back to the position the state holds (not
 * published again: the publish just failed), drop the intent, and stop with nothing changed.
 */
async function abandonStep(
  ctx: Ctx,
  loaded: LoadedConfig,
  at: { state: ReleaseState; store: StateStore; lock: LockHandle },
  failure: { code: 'E_FLAG_PUBLISH' | 'E_FLAG_PROVIDER' | 'E_FLAG_HAND_EDIT'; message: string; after?: string },
): Promise<never> {
  const restored = await syncFlagFiles(loaded.config, loaded.dir, at.state.flags, {
    dryRun: false,
    env: ctx.env,
    redact: ctx.redact,
    publish: 'never',
  }).then(
    () => 'the flags were put back to the current stage',
    (error: unknown) =>
      `the flags could NOT be put back (${(error as Error).message}); \`rollout flags sync\` rewrites them from the state`,
  );
  await at.store.write({ ...at.state, intent: null }, { expectSerial: at.state.serial, lock: at.lock });
  throw new RolloutError(
    failure.code,
    `${failure.message}. The step was NOT taken: the state is unchanged and ${restored}${failure.after ?? ''}`,
  );
}

function assertNotRollingBack(state: ReleaseState): void {
  if (state.status === 'rolled-back')
    throw new RolloutError('E_RELEASE_ROLLED_BACK', 'the release was rolled back; `rollout retry` re-opens it');
  if (state.rollback && !state.rollback.completedAt)
    throw new RolloutError(
      'E_ROLLBACK_IN_PROGRESS',
      'a rollback is in progress; advance stopped before changing anything',
    );
}
