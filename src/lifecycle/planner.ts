import { parseDuration } from '../config/duration.js';
import type { PhaseConfig, RawConfig, StageConfig } from '../config/schema.js';
import type { ReleaseState } from '../state/types.js';

/** The one step `advance` would take next. Pure: config + state + clock → plan; nothing is changed. */
export type NextStep =
  | { kind: 'complete-phase'; phase: string; nextPhase: string | null; gates: string[]; signoffsMissing: string[] }
  | { kind: 'start-rollout'; phase: string; flag: string; gates: string[]; signoffsMissing: string[]; to: StageTarget }
  | { kind: 'next-stage'; phase: string; flag: string; from: StageTarget; to: StageTarget; bake: BakeStatus }
  | { kind: 'finish-rollout'; phase: string; flag: string; from: StageTarget; nextPhase: string | null; bake: BakeStatus; signoffsMissing: string[] }
  | { kind: 'done' }
  | { kind: 'blocked'; reason: 'rolled-back' | 'rollback-in-progress'; detail: string };

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
  return { index, id: stage.id, percent: stage.percent, groups: stage.groups, ...(stage.label ? { label: stage.label } : {}) };
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
  return { requiredMs, elapsedMs, endsAt: new Date(start + requiredMs).toISOString(), remainingMs: Math.max(0, requiredMs - elapsedMs) };
}

export function planNextStep(config: RawConfig, state: ReleaseState | null, now: Date): NextStep {
  if (state?.status === 'completed') return { kind: 'done' };
  if (state?.status === 'rolled-back') {
    return { kind: 'blocked', reason: 'rolled-back', detail: `rolled back${state.rollback ? ` (${state.rollback.reason})` : ''}; \`rollout retry\` re-opens the release` };
  }
  if (state?.rollback && !state.rollback.completedAt) {
    return { kind: 'blocked', reason: 'rollback-in-progress', detail: 'a rollback is in progress; `rollout rollback --resume` finishes it' };
  }
  const { phase, index } = currentPhase(config, state);
  const nextPhase = config.phases[index + 1]?.id ?? null;
  const gates = phase.gates.map((g) => g.id);
  const signoffsMissing = missingSignoffs(config, phase, state);
  const rollout = phase.rollout;
  if (!rollout) return { kind: 'complete-phase', phase: phase.id, nextPhase, gates, signoffsMissing };
  const position = state?.phase === phase.id ? state.stage : null;
  const first = rollout.stages[0] as StageConfig;
  if (!position) return { kind: 'start-rollout', phase: phase.id, flag: rollout.flag, gates, signoffsMissing, to: stageTarget(first, 0) };
  const currentStage = rollout.stages[position.index] ?? first;
  const from = stageTarget(currentStage, position.index);
  const bake = bakeStatus(currentStage, position.startedAt, now);
  const following = rollout.stages[position.index + 1];
  if (following) return { kind: 'next-stage', phase: phase.id, flag: rollout.flag, from, to: stageTarget(following, position.index + 1), bake };
  return { kind: 'finish-rollout', phase: phase.id, flag: rollout.flag, from, nextPhase, bake, signoffsMissing };
}

/** One line a human reads: what `advance` would do next. */
export function describeNextStep(step: NextStep): string {
  switch (step.kind) {
    case 'done':
      return 'the release is complete';
    case 'blocked':
      return step.detail;
    case 'complete-phase':
      return `check ${step.gates.length} gate(s) of ${step.phase}${step.signoffsMissing.length ? ` and ${step.signoffsMissing.length} sign-off(s)` : ''}, then ${step.nextPhase ? `begin ${step.nextPhase}` : 'complete the release'}`;
    case 'start-rollout':
      return `check ${step.gates.length} gate(s) of ${step.phase}, then set ${step.flag} to ${step.to.percent} %${step.to.groups.length ? ` + ${step.to.groups.join(', ')}` : ''} (${step.to.id})`;
    case 'next-stage':
      return `after the ${step.from.id} bake and a passing canary verdict, set ${step.flag} ${step.from.percent} % → ${step.to.percent} %${step.to.groups.length ? ` + ${step.to.groups.join(', ')}` : ''} (${step.to.id})`;
    case 'finish-rollout':
      return `after the ${step.from.id} bake and a passing canary verdict, finish ${step.phase} and ${step.nextPhase ? `begin ${step.nextPhase}` : 'complete the release'}`;
  }
}
