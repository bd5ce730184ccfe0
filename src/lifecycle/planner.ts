import { parseDuration } from '../config/duration.js';
import type { PhaseConfig, RawConfig, StageConfig } from '../config/schema.js';
import { RolloutError } from '../errors/rollout-error.js';
import type { ReleaseState, RollbackState } from '../state/types.js';

/** The one step `advance` would take next. Pure: config + state + clock → plan; nothing is changed. */
export type NextStep =
  | { kind: 'complete-phase'; phase: string; nextPhase: string | null; gates: string[]; signoffsMissing: string[] }
  | { kind: 'start-rollout'; phase: string; flag: string; gates: string[]; signoffsMissing: string[]; to: StageTarget }
  | { kind: 'next-stage'; phase: string; flag: string; from: StageTarget; to: StageTarget; bake: BakeStatus }
  | {
      kind: 'finish-rollout';
      phase: string;
      flag: string;
      from: StageTarget;
      nextPhase: string | null;
      bake: BakeStatus;
      signoffsMissing: string[];
    }
  | { kind: 'done' }
  | { kind: 'blocked'; reason: 'rolled-back' | 'rollback-in-progress' | 'plan-mismatch'; detail: string };

export interface StageTarget {
  index: number;
  id: string;
  percent: number;
  groups: string[];
  label?: string;
}

export interface BakeStatus {
  requiredMs: number;
  elapsedMs: number;
  endsAt: string;
  remainingMs: number;
}

export function stageTarget(stage: StageConfig, index: number): StageTarget {
  return {
    index,
    id: stage.id,
    percent: stage.percent,
    groups: stage.groups,
    ...(stage.label ? { label: stage.label } : {}),
  };
}

/** The phase the release is in: the state's, or the first phase before anything happened. */
export function currentPhase(config: RawConfig, state: ReleaseState | null): { phase: PhaseConfig; index: number } {
  const index = state?.phase ? config.phases.findIndex((p) => p.id === state.phase) : 0;
  const safe = index < 0 ? 0 : index;
  return { phase: config.phases[safe] as PhaseConfig, index: safe };
}

/** Checklist items the phase needs before it can be left, and which of them have no sign-off yet. */
export function requiredSignoffs(config: RawConfig, phase: PhaseConfig): string[] {
  const manual = phase.gates.filter((g) => g.kind === 'manual').map((g) => g.signoff);
  const own = phase.checklist.map((c) => c.id);
  const completion = phase.completion === 'default' ? config.completionChecklist.map((c) => c.id) : [];
  return [...new Set([...own, ...manual, ...completion])];
}

export function missingSignoffs(config: RawConfig, phase: PhaseConfig, state: ReleaseState | null): string[] {
  const done = new Set((state?.signoffs ?? []).filter((s) => s.phase === phase.id).map((s) => s.item));
  return requiredSignoffs(config, phase).filter((id) => !done.has(id));
}

export function bakeStatus(stage: StageConfig, startedAt: string, now: Date): BakeStatus {
  const requiredMs = parseDuration(stage.bake) ?? 0;
  const start = Date.parse(startedAt);
  const elapsedMs = Math.max(0, now.getTime() - start);
  return {
    requiredMs,
    elapsedMs,
    endsAt: new Date(start + requiredMs).toISOString(),
    remainingMs: Math.max(0, requiredMs - elapsedMs),
  };
}

export function planNextStep(config: RawConfig, state: ReleaseState | null, now: Date): NextStep {
  if (state?.status === 'completed') return { kind: 'done' };
  if (state?.status === 'rolled-back') {
    return {
      kind: 'blocked',
      reason: 'rolled-back',
      detail: `rolled back${state.rollback ? ` (${state.rollback.reason})` : ''}; \`rollout retry\` re-opens the release`,
    };
  }
  if (state?.rollback && !state.rollback.completedAt) {
    return {
      kind: 'blocked',
      reason: 'rollback-in-progress',
      detail: unfinishedRollbackHint(config, state),
    };
  }
  // The state names positions by id: an id the plan no longer has is never guessed at (and never "completed").
  if (state?.phase && !config.phases.some((p) => p.id === state.phase)) {
    return {
      kind: 'blocked',
      reason: 'plan-mismatch',
      detail: `the state is in phase ${state.phase}, which rollout.yaml no longer has (phases: ${config.phases.map((p) => p.id).join(', ')}); put it back, or roll back and \`rollout retry --from <stage>\``,
    };
  }
  const { phase, index } = currentPhase(config, state);
  const nextPhase = config.phases[index + 1]?.id ?? null;
  const gates = phase.gates.map((g) => g.id);
  const signoffsMissing = missingSignoffs(config, phase, state);
  const rollout = phase.rollout;
  if (!rollout) return { kind: 'complete-phase', phase: phase.id, nextPhase, gates, signoffsMissing };
  const position = state?.phase === phase.id ? state.stage : null;
  const first = rollout.stages[0] as StageConfig;
  if (!position)
    return {
      kind: 'start-rollout',
      phase: phase.id,
      flag: rollout.flag,
      gates,
      signoffsMissing,
      to: stageTarget(first, 0),
    };
  const at = rollout.stages.findIndex((s) => s.id === position.id);
  if (at < 0) {
    return {
      kind: 'blocked',
      reason: 'plan-mismatch',
      detail: `the state is at stage ${position.id} of ${phase.id}, which rollout.yaml no longer has (stages: ${rollout.stages.map((s) => s.id).join(', ')}); put the stage back, or roll back and \`rollout retry --from <stage>\``,
    };
  }
  const currentStage = rollout.stages[at] as StageConfig;
  const from = stageTarget(currentStage, at);
  const bake = bakeStatus(currentStage, position.startedAt, now);
  const following = rollout.stages[at + 1];
  if (following)
    return { kind: 'next-stage', phase: phase.id, flag: rollout.flag, from, to: stageTarget(following, at + 1), bake };
  return { kind: 'finish-rollout', phase: phase.id, flag: rollout.flag, from, nextPhase, bake, signoffsMissing };
}

/** One line a human reads: what `advance` would do next. */
/** Who a stage serves: `5 % + beta_users, internal`, or `internal only (0 % of everyone else)`. */
export function describeAudience(percent: number, groups: readonly string[]): string {
  if (groups.length === 0) return `${percent} %`;
  return percent === 0 ? `${groups.join(', ')} only (0 % of everyone else)` : `${percent} % + ${groups.join(', ')}`;
}

export function describeNextStep(step: NextStep): string {
  switch (step.kind) {
    case 'done':
      return 'the release is complete';
    case 'blocked':
      return step.detail;
    case 'complete-phase':
      return `check ${step.gates.length} gate(s) of ${step.phase}${step.signoffsMissing.length ? ` and ${step.signoffsMissing.length} sign-off(s)` : ''}, then ${step.nextPhase ? `begin ${step.nextPhase}` : 'complete the release'}`;
    case 'start-rollout':
      return `check ${step.gates.length} gate(s) of ${step.phase}, then set ${step.flag} to ${describeAudience(step.to.percent, step.to.groups)} (${step.to.id})`;
    case 'next-stage':
      return `after the ${step.from.id} bake and a passing canary verdict, set ${step.flag} ${describeAudience(step.from.percent, step.from.groups)} → ${describeAudience(step.to.percent, step.to.groups)} (${step.to.id})`;
    case 'finish-rollout':
      return `after the ${step.from.id} bake and a passing canary verdict, finish ${step.phase} and ${step.nextPhase ? `begin ${step.nextPhase}` : 'complete the release'}`;
  }
}

/** The error each blocked step ends in: its exit code, hint and runbook agree with what the operator must do. */
export function blockedError(step: Extract<NextStep, { kind: 'blocked' }>): RolloutError {
  const code =
    step.reason === 'rolled-back'
      ? 'E_RELEASE_ROLLED_BACK'
      : step.reason === 'rollback-in-progress'
        ? 'E_ROLLBACK_IN_PROGRESS'
        : 'E_STATE_POSITION';
  return new RolloutError(code, step.detail);
}

/**
 * A recorded immediate or full rollback whose kill switch never went on (the flag server or the file was
 * unreachable): nothing is running it, and the flag still serves the new variant. A progressive ramp-down
 * has its own runner and `rollback --resume`; a full rollback whose switch is on only waits for health.
 */
export function unfinishedKillSwitch(config: RawConfig, state: ReleaseState | null): RollbackState | null {
  const rollback = state?.rollback;
  if (!state || !rollback || rollback.completedAt || rollback.mode === 'progressive') return null;
  if (state.status === 'rolled-back' || state.status === 'completed') return null;
  const flags = config.phases.flatMap((p) => (p.rollout ? [p.rollout.flag] : []));
  return flags.some((k) => state.flags[k] && state.flags[k].killSwitch !== true) ? rollback : null;
}

/**
 * What finishes the rollback the state records as not completed: a ramp-down is resumed (`--resume` continues
 * ramp-downs only); an immediate or full one is finished by `rollout rollback`, which engages the kill switch
 * again (and, for full, checks health again).
 */
export function unfinishedRollbackHint(config: RawConfig, state: ReleaseState): string {
  const mode = state.rollback?.mode ?? 'immediate';
  if (unfinishedKillSwitch(config, state))
    return `the ${mode} rollback did not complete: the kill switch is not in place; \`rollout rollback\` turns it on`;
  if (mode !== 'progressive') return `the ${mode} rollback did not complete; \`rollout rollback\` finishes it`;
  return 'a rollback is in progress; `rollout rollback --resume` finishes it';
}
