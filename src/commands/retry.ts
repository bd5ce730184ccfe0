import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { suggest } from '../config/suggest.js';
import { syncFlagFiles } from '../lifecycle/flag-sync.js';
import { changeRelease } from '../lifecycle/transaction.js';
import { loadConfigFor } from './load-config.js';
import type { CommandResult } from './types.js';

export interface RetryResult {
  phase: string;
  stage: string;
  percent: number;
  groups: string[];
  dryRun: boolean;
}

/**
 * Re-open a rolled-back release at a stage (the first one unless told otherwise): the kill switch is
 * lifted and the flag set to that stage. The state is written first, then the flag file, so a crash
 * in between leaves the flag on the fallback (the safe side) and running retry again finishes it.
 */
export async function runRetry(options: Record<string, unknown>, _args: string[], ctx: Ctx): Promise<CommandResult<RetryResult>> {
  const loaded = await loadConfigFor(ctx);
  const phase = loaded.config.phases.find((p) => p.rollout);
  if (!phase?.rollout) throw new RolloutError('E_USAGE', 'the plan has no progressive rollout to re-open');
  const stages = phase.rollout.stages;
  const from = typeof options.from === 'string' ? options.from : stages[0]?.id;
  const index = stages.findIndex((s) => s.id === from);
  if (index < 0) {
    const hint = suggest(String(from), stages.map((s) => s.id));
    throw new RolloutError('E_USAGE', `--from ${String(from)}: no such stage${hint ? ` (did you mean ${hint}?)` : ''}; stages: ${stages.map((s) => s.id).join(', ')}`);
  }
  const stage = stages[index]!;
  const flag = phase.rollout.flag;
  const dryRun = Boolean(options.dryRun);
  const reason = typeof options.reason === 'string' ? options.reason : undefined;
  const outcome = await changeRelease<RetryResult>(ctx, loaded, { operation: 'retry', dryRun }, async (state) => {
    const unfinished = state.history.at(-1)?.action === 'retry' && state.flags[flag]?.killSwitch === false;
    if (state.status !== 'rolled-back' && !unfinished) {
      throw new RolloutError('E_USAGE', `retry re-opens a rolled-back release; ${state.release} is ${state.status}${state.rollback && !state.rollback.completedAt ? ' with a rollback still in progress (rollout rollback --resume)' : ''}`);
    }
    const at = ctx.clock.now().toISOString();
    const result: RetryResult = { phase: phase.id, stage: stage.id, percent: stage.percent, groups: stage.groups, dryRun };
    return {
      next: {
        ...state,
        status: 'in-progress',
        phase: phase.id,
        phaseStartedAt: state.phase === phase.id ? state.phaseStartedAt : at,
        stage: { index, id: stage.id, startedAt: at },
        flags: { ...state.flags, [flag]: { percent: stage.percent, groups: stage.groups, killSwitch: false, updatedAt: at } },
        rollback: null,
        intent: null,
      },
      history: { action: 'retry', from: { status: state.status, rollback: state.rollback?.id }, to: { phase: phase.id, stage: stage.id, percent: stage.percent }, ...(reason ? { reason } : {}) },
      audit: { op: 'retry', ...(reason ? { reason } : {}), data: { stage: stage.id, percent: stage.percent, previousRollback: state.rollback } },
      result,
    };
  });
  await syncFlagFiles(loaded.config, loaded.dir, outcome.state.flags, dryRun);
  const r = outcome.result;
  return {
    exitCode: EXIT.ok,
    result: r,
    human: (s) => `${dryRun ? s.cyan('dry run: would re-open') : s.green('re-opened')} ${loaded.config.release} at ${r.stage}: ${flag} ${r.percent} %${r.groups.length ? ` + ${r.groups.join(', ')}` : ''}; the bake time starts now`,
  };
}
