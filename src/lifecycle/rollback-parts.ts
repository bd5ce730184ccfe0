import type { LoadedConfig } from '../config/load.js';
import type { RawConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import type { CrashPointName } from '../state/crash-points.js';
import type { AuditInput, StateStore } from '../state/store.js';
import type { ReleaseState, RollbackState, RollbackStep } from '../state/types.js';
import type { AnnounceResult } from './announce.js';
import type { PublishContext } from '../flags/providers/publish.js';
import type { FlagTarget, KillSwitchResult } from './kill-switch.js';
import { flagLocation } from './flag-sync.js';
import { changeRelease } from './transaction.js';

/**
 * The pieces every rollback mode shares (the immediate and full rollback in rollback.ts, the ramp-down in
 * ramp-down.ts): the outcome types, the kill-switch targets of a plan, recording through the release
 * transaction, and the pure ramp-down plan.
 */
export type RollbackMode = 'immediate' | 'progressive' | 'full';

export interface RollbackOptions {
  mode: RollbackMode;
  reason: string;
  trigger?: string;
  evidence?: unknown;
  dryRun?: boolean;
  /** The kill switch the command already wrote on its fast path. */
  killSwitch?: KillSwitchResult;
  /** When the rollback was decided (before that fast path): where its recovery time starts. Default: now. */
  startedAt?: string;
  /** Continue an interrupted progressive rollback; never start one. */
  resume?: boolean;
  /** Progressive only: asked before each step; a trigger id here turns the ramp into an immediate rollback. */
  checkTriggers?: () => Promise<string | null>;
  /** How long to wait for the release lock before reporting that the state could not be recorded. */
  lockWaitMs?: number;
}

export interface RollbackOutcome {
  ok: boolean;
  mode: RollbackMode;
  rollbackId: string;
  /** Milliseconds from process start to the last flag write; null when no file had to change. */
  flagWrittenAtMs: number | null;
  steps: RollbackStep[];
  healthy?: boolean;
  /** What the health verification said (also when no health checks are configured). */
  health?: { checks: number; summary: string };
  recorded: boolean;
  escalated?: string;
  problems: string[];
  notifications?: AnnounceResult;
  /** Set when the release was already rolled back: nothing new was recorded or announced. */
  already?: { at: string; by: string; id: string; mode: string };
  /** The kill switch as this rollback left it (files, read-back verification). */
  killSwitch?: KillSwitchResult;
  /** Set when the state was written but its audit entry was not (the next command backfills it). */
  auditPending?: string;
}

export type Mutate = (
  state: ReleaseState,
) => { next: ReleaseState; audit: Omit<AuditInput, 'actor' | 'stateSerial'> } | null;

/** Every flag the plan names, with what is needed to rebuild its kill switch and check it. */
export function planTargets(config: RawConfig): FlagTarget[] {
  return config.flags.map((f) => {
    const groups = new Set<string>();
    for (const p of config.phases)
      if (p.rollout?.flag === f.key) for (const s of p.rollout.stages) for (const g of s.groups) groups.add(g);
    const settings = f.provider === 'flagd-file' ? undefined : (f as unknown as Record<string, unknown>)[f.provider];
    return {
      key: f.key,
      file: flagLocation(f),
      ...(f.provider === 'flagd-file' ? {} : { provider: f.provider }),
      ...(settings && typeof settings === 'object' ? { settings: settings as Record<string, unknown> } : {}),
      newVariant: f.variants.new,
      fallbackVariant: f.variants.fallback,
      groupAttribute: f.groupAttribute,
      groups: [...groups].sort(),
      ...(f.publish ? { publish: f.publish } : {}),
    };
  });
}

/** Flag files the release wrote that the plan no longer names (`file:` moved): they must be switched off too. */
export function staleFileTargets(config: RawConfig, state: ReleaseState | null): FlagTarget[] {
  const targets = planTargets(config);
  const out: FlagTarget[] = [];
  for (const [key, f] of Object.entries(state?.flags ?? {})) {
    const t = targets.find((x) => x.key === key);
    // A remote provider's flag has one place (its toggle); only flag files move with `file:`.
    if (!t || t.provider) continue;
    for (const file of new Set([...(f.file ? [f.file] : []), ...(f.files ?? [])]))
      if (file !== t.file) out.push({ ...t, file });
  }
  return out;
}

/** Problems that make the kill switch not in place: any file that failed, or a read-back that still serves the new variant. */
export function killSwitchProblems(kill: KillSwitchResult): string[] {
  return [
    ...kill.files.filter((f) => f.error).map((f) => `kill switch NOT in place in ${f.file}: ${f.error}`),
    ...(kill.verification?.problems ?? []).map((p) => `read-back: ${p}`),
    ...kill.files
      .filter((f) => f.publish && !f.publish.ok)
      .map(
        (f) =>
          `kill switch written in ${f.file} but NOT published (${f.publish?.command}: ${f.publish?.summary}): applications may still serve the stage; publish the file by hand (runbook flag-publish-failed)`,
      ),
  ];
}

/** What a publish command run by a rollback needs from the world. */
export function publishContextOf(ctx: Ctx, loaded: LoadedConfig): PublishContext {
  return { planDir: loaded.dir, env: ctx.env, redact: ctx.redact };
}

/**
 * One locked read-modify-write that never throws (a rollback is never blocked by the state or the
 * audit sink: the flag was already switched). The lock wait is bounded.
 */
export async function recordRollback(
  ctx: Ctx,
  loaded: LoadedConfig,
  store: StateStore,
  mutate: Mutate,
  waitMs: number,
  crashAfterState?: CrashPointName,
): Promise<{ state: ReleaseState | null; problem?: string; auditPending?: string }> {
  try {
    const outcome = await changeRelease<null>(
      ctx,
      loaded,
      { operation: 'rollback', lockWaitMs: waitMs, store, ...(crashAfterState ? { crashAfterState } : {}) },
      async (state) => {
        const change = mutate(state);
        return change ? { ...change, result: null } : { unchanged: null };
      },
    );
    return { state: outcome.state, ...(outcome.auditError ? { auditPending: outcome.auditError } : {}) };
  } catch (error) {
    return { state: null, problem: `state not recorded: ${(error as Error).message}` };
  }
}

export function killAll(state: ReleaseState, at: string): ReleaseState['flags'] {
  return Object.fromEntries(
    Object.entries(state.flags).map(([k, f]) => [k, { ...f, killSwitch: true, updatedAt: at }]),
  );
}

/** Where the release stood: `retry` restores this cohort by default. */
export function positionOf(state: ReleaseState, loaded: LoadedConfig): NonNullable<RollbackState['from']> {
  const flag = loaded.config.phases.find((p) => p.id === state.phase)?.rollout?.flag;
  const f = flag ? state.flags[flag] : undefined;
  return { phase: state.phase, stage: state.stage?.id ?? null, percent: f?.percent ?? null, groups: f?.groups ?? [] };
}

/** The finished rollback this release already has, if any (a second rollback is then a no-op). */
export function finishedRollback(state: ReleaseState | null): RollbackOutcome['already'] | undefined {
  const rb = state?.rollback;
  if (state?.status !== 'rolled-back' || !rb?.completedAt) return undefined;
  const by = rb.actor ?? [...state.history].reverse().find((h) => h.action === 'rollback')?.actor ?? 'unknown';
  return { at: rb.completedAt, by, id: rb.id, mode: rb.mode };
}

/** Percentages from `from` down to the kill switch in `steps` absolute steps, `over` apart in total. */
export function planRampDown(from: number, steps: number, overMs: number, start: Date): RollbackStep[] {
  return Array.from({ length: steps }, (_, i) => {
    const k = i + 1;
    // Rounded DOWN to the flag's 0.001 % grid: rounding to nearest could set a step above `from` (a ramp up).
    return {
      percent: Math.floor(((from * (steps - k)) / steps) * 1000 + 1e-9) / 1000,
      notBefore: new Date(start.getTime() + (overMs * k) / steps).toISOString(),
      done: false,
    };
  });
}
