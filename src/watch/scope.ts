import type { RawConfig } from '../config/schema.js';
import type { ReleaseState } from '../state/types.js';
import { unfinishedKillSwitch } from '../lifecycle/planner.js';
import { withArticle } from '../output/words.js';

/** What there is to watch: the current stage of a progressive rollout, or why there is nothing. */
export type WatchScope =
  | { active: true; key: string; phase: string; stage: string; flag: string; percent: number }
  | { active: false; reason: string };

/**
 * A release is watched while it sits in a stage of a progressive rollout with its flag serving the
 * new variant. Before the rollout, after a rollback (or with the kill switch on) and after
 * completion nothing is at risk from the new variant, so there is nothing to watch.
 */
export function findWatchScope(config: RawConfig, state: ReleaseState | null): WatchScope {
  if (!state || state.status === 'not-started') return { active: false, reason: 'the release has not started' };
  if (state.status === 'rolled-back')
    return {
      active: false,
      reason: `the release was rolled back${state.rollback ? ` (${state.rollback.reason})` : ''}`,
    };
  if (state.status === 'completed') return { active: false, reason: 'the release is completed' };
  const phase = config.phases.find((p) => p.id === state.phase);
  if (!phase?.rollout || !state.stage)
    return { active: false, reason: `phase ${state.phase ?? '(none)'} has no progressive rollout stage in progress` };
  const flag = phase.rollout.flag;
  const f = state.flags[flag];
  if (f?.killSwitch) return { active: false, reason: `the kill switch of ${flag} is on` };
  if (state.rollback && !state.rollback.completedAt)
    return {
      active: false,
      reason: unfinishedKillSwitch(config, state)
        ? `${withArticle(state.rollback.mode)} rollback did not complete: the kill switch of ${flag} is not in place`
        : `${withArticle(state.rollback.mode)} rollback is in progress`,
    };
  return {
    active: true,
    key: `${phase.id}/${state.stage.id}@${state.stage.startedAt}`,
    phase: phase.id,
    stage: state.stage.id,
    flag,
    percent: f?.percent ?? 0,
  };
}
