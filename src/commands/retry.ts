import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { suggest } from '../config/suggest.js';
import type { StageConfig } from '../config/schema.js';
import { flagLocation, isKillSwitchOn, publishProblems, stampDigests, syncFlagFiles } from '../lifecycle/flag-sync.js';
import { filesOf } from '../lifecycle/apply-step.js';
import { changeRelease } from '../lifecycle/transaction.js';
import { unfinishedRollbackHint } from '../lifecycle/planner.js';
import { assertProvidersReady } from '../lifecycle/provider-check.js';
import type { ReleaseState } from '../state/types.js';
import { loadConfigFor } from './load-config.js';
import type { CommandResult, MutatingOptions } from '../output/command-result.js';
import { readSourceIdentity } from '../lifecycle/source-identity.js';

export interface RetryResult {
  phase: string;
  stage: string;
  percent: number;
  groups: string[];
  dryRun: boolean;
  /** The stage the release was rolled back from (the default to re-open at). */
  rolledBackFrom: string | null;
  override: boolean;
  /** This run finished an interrupted retry (the flag file caught up with the state). */
  finished?: boolean;
  auditPending?: string;
}

/** The stage the rollback interrupted: recorded with the rollback, else the state's own stage position. */
function rolledBackFrom(state: ReleaseState, stages: StageConfig[]): string | null {
  const id = state.rollback?.from?.stage ?? state.stage?.id ?? null;
  return id && stages.some((s) => s.id === id) ? id : null;
}

/**
 * Re-open a rolled-back release. By default it comes back exactly where it was rolled back from (the
 * same cohort: `flags eval` promised as much); an earlier stage is always allowed, a later one only
 * with `--override --reason`, audited as an override — retry never skips evidence quietly.
 * The state is written first, then the flag file, so a crash in between leaves the flag on the
 * fallback (the safe side) and running retry again finishes it.
 */
export async function runRetry(
  options: MutatingOptions & { from?: string; override?: boolean },
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<RetryResult>> {
  const loaded = await loadConfigFor(ctx);
  const phase = loaded.config.phases.find((p) => p.rollout);
  if (!phase?.rollout) throw new RolloutError('E_USAGE', 'the plan has no progressive rollout to re-open');
  const stages = phase.rollout.stages;
  const asked = options.from;
  if (asked !== undefined && !stages.some((s) => s.id === asked)) {
    const hint = suggest(
      asked,
      stages.map((s) => s.id),
    );
    throw new RolloutError(
      'E_USAGE',
      `--from ${asked}: no such stage${hint ? ` (did you mean ${hint}?)` : ''}; stages: ${stages.map((s) => s.id).join(', ')}`,
    );
  }
  const override = options.override === true;
  const reason = options.reason?.trim() || undefined;
  if (override && !reason)
    throw new RolloutError('E_USAGE', '--override needs --reason "<why>": overrides are audited and announced');
  const flag = phase.rollout.flag;
  const dryRun = options.dryRun === true;
  const source = await readSourceIdentity(loaded.dir, loaded.hash, ctx.env);
  const outcome = await changeRelease<RetryResult>(ctx, loaded, { operation: 'retry', dryRun }, async (state) => {
    // A retry killed between its state write and its flag write left the file on the kill switch:
    // running retry again finishes that one (the flag from the state, the state unchanged).
    const lastRetry = state.history.at(-1)?.action.startsWith('retry') === true;
    if (
      state.status === 'in-progress' &&
      lastRetry &&
      state.flags[flag]?.killSwitch === false &&
      (await isKillSwitchOn(loaded.config, loaded.dir, flag, ctx))
    ) {
      const position = state.stage ? stages.find((s) => s.id === state.stage?.id) : undefined;
      return {
        unchanged: {
          phase: phase.id,
          stage: state.stage?.id ?? '',
          percent: position?.percent ?? state.flags[flag]?.percent ?? 0,
          groups: position?.groups ?? state.flags[flag]?.groups ?? [],
          dryRun,
          rolledBackFrom: null,
          override: false,
          finished: true,
        },
      };
    }
    if (state.status !== 'rolled-back') {
      if (state.rollback && !state.rollback.completedAt)
        throw new RolloutError(
          'E_ROLLBACK_IN_PROGRESS',
          `${state.release}: ${unfinishedRollbackHint(loaded.config, state)}; retry re-opens a rolled-back release`,
        );
      throw new RolloutError('E_USAGE', `retry re-opens a rolled-back release; ${state.release} is ${state.status}`);
    }
    const from = rolledBackFrom(state, stages);
    const limit = from === null ? 0 : stages.findIndex((s) => s.id === from);
    const index = asked === undefined ? limit : stages.findIndex((s) => s.id === asked);
    const beyond = index > limit;
    if (beyond && !override) {
      throw new RolloutError(
        'E_USAGE',
        `--from ${asked}: the release was rolled back from ${from ?? stages[0]?.id}; re-opening at a later stage skips its evidence. Use --from ${from ?? stages[0]?.id} or earlier, or --override --reason "<why>" (audited)`,
      );
    }
    const stage = stages[index] as StageConfig;
    const at = ctx.clock.now().toISOString();
    const planned = loaded.config.flags.find((f) => f.key === flag);
    const file = planned ? flagLocation(planned) : undefined;
    const result: RetryResult = {
      phase: phase.id,
      stage: stage.id,
      percent: stage.percent,
      groups: stage.groups,
      dryRun,
      rolledBackFrom: from,
      override: beyond,
    };
    const flags = {
      ...state.flags,
      [flag]: {
        percent: stage.percent,
        groups: stage.groups,
        killSwitch: false,
        updatedAt: at,
        ...filesOf(state.flags[flag], file),
      },
    };
    // A flag server is asked first, as advance does: reachable, still holding what the release wrote (an edit
    // made in its UI while the release was rolled back is never overwritten), willing to take the write.
    await assertProvidersReady(ctx, loaded, state, flags, 'retry');
    // The digest of what the flag write below will put in the file (the state is written first).
    const preview = await syncFlagFiles(loaded.config, loaded.dir, flags, {
      dryRun: true,
      env: ctx.env,
      redact: ctx.redact,
    });
    return {
      next: {
        ...state,
        status: 'in-progress',
        phase: phase.id,
        phaseStartedAt: state.phase === phase.id ? state.phaseStartedAt : at,
        stage: { index, id: stage.id, startedAt: at },
        flags: stampDigests(loaded.config, flags, preview),
        rollback: null,
        intent: null,
      },
      history: {
        action: beyond ? 'retry:override' : 'retry',
        from: { status: state.status, rollback: state.rollback?.id, stage: from },
        to: { phase: phase.id, stage: stage.id, percent: stage.percent },
        ...(reason ? { reason } : {}),
      },
      audit: {
        op: beyond ? 'retry:override' : 'retry',
        ...(reason ? { reason } : {}),
        data: {
          stage: stage.id,
          percent: stage.percent,
          rolledBackFrom: from,
          override: beyond,
          previousRollback: state.rollback,
          source,
        },
      },
      result,
    };
  });
  const writes = await syncFlagFiles(loaded.config, loaded.dir, outcome.state.flags, {
    dryRun,
    env: ctx.env,
    redact: ctx.redact,
  });
  const unpublished = publishProblems(writes);
  if (unpublished.length) {
    throw new RolloutError(
      'E_FLAG_PUBLISH',
      `the release WAS re-opened at ${outcome.result.stage} (state written, local flag file written), but ${unpublished.join('; ')}. Applications still get the kill switch until it is published: fix the command, then \`rollout flags sync\``,
    );
  }
  const r: RetryResult = { ...outcome.result, ...(outcome.auditError ? { auditPending: outcome.auditError } : {}) };
  return {
    exitCode: EXIT.ok,
    result: r,
    human: (s) =>
      [
        ...(r.override
          ? [
              s.yellow(
                s.bold(
                  `OVERRIDE: re-opened beyond ${r.rolledBackFrom ?? 'the first stage'}, the stage rolled back from (audited)`,
                ),
              ),
            ]
          : []),
        `${dryRun ? s.cyan('dry run: would re-open') : s.green('re-opened')} ${loaded.config.release} at ${r.stage}: ${flag} ${r.percent} %${r.groups.length ? ` + ${r.groups.join(', ')}` : ''}; the bake time starts now`,
        ...(r.auditPending
          ? [s.yellow(`! step taken, audit entry pending (the next command backfills it): ${r.auditPending}`)]
          : []),
      ].join('\n'),
  };
}
