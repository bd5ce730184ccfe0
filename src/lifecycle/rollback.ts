import { randomUUID } from 'node:crypto';
import type { LoadedConfig } from '../config/load.js';
import type { RawConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import { openState } from '../commands/open-state.js';
import { crashPoint, type CrashPointName } from '../state/crash-points.js';
import type { AuditInput, StateStore } from '../state/store.js';
import type { ReleaseState, RollbackState, RollbackStep } from '../state/types.js';
import { announce, type AnnounceResult } from './announce.js';
import { engageKillSwitch, type FlagTarget, type KillSwitchResult } from './kill-switch.js';
import { auditCommitted, changeRelease } from './transaction.js';

export type RollbackMode = 'immediate' | 'progressive' | 'full';

export interface RollbackOptions {
  mode: RollbackMode;
  reason: string;
  trigger?: string;
  evidence?: unknown;
  dryRun?: boolean;
  /** The kill switch the command already wrote on its fast path. */
  killSwitch?: KillSwitchResult;
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

type Mutate = (state: ReleaseState) => { next: ReleaseState; audit: Omit<AuditInput, 'actor' | 'stateSerial'> } | null;

/** Every flag the plan names, with what is needed to rebuild its kill switch and check it. */
export function planTargets(config: RawConfig): FlagTarget[] {
  return config.flags.map((f) => {
    const groups = new Set<string>();
    for (const p of config.phases) if (p.rollout?.flag === f.key) for (const s of p.rollout.stages) for (const g of s.groups) groups.add(g);
    return { key: f.key, file: f.file, newVariant: f.variants.new, fallbackVariant: f.variants.fallback, groupAttribute: f.groupAttribute, groups: [...groups].sort() };
  });
}

/** Flag files the release wrote that the plan no longer names (`file:` moved): they must be switched off too. */
export function staleFileTargets(config: RawConfig, state: ReleaseState | null): FlagTarget[] {
  const targets = planTargets(config);
  const out: FlagTarget[] = [];
  for (const [key, f] of Object.entries(state?.flags ?? {})) {
    const t = targets.find((x) => x.key === key);
    if (!t) continue;
    for (const file of new Set([...(f.file ? [f.file] : []), ...(f.files ?? [])])) if (file !== t.file) out.push({ ...t, file });
  }
  return out;
}

/** Combines two kill-switch results (the fast path and the files only the state knew about). */
function mergeKill(a: KillSwitchResult, b: KillSwitchResult | null): KillSwitchResult {
  if (!b) return a;
  const verification = a.verification && b.verification
    ? { ok: a.verification.ok && b.verification.ok, contexts: a.verification.contexts + b.verification.contexts, ms: a.verification.ms + b.verification.ms, problems: [...a.verification.problems, ...b.verification.problems] }
    : (a.verification ?? b.verification);
  const times = [a.flagWrittenAtMs, b.flagWrittenAtMs].filter((x): x is number => x !== null);
  return { files: [...a.files, ...b.files], flagWrittenAtMs: times.length ? Math.max(...times) : null, ...(verification ? { verification } : {}) };
}

/** Problems that make the kill switch not in place: any file that failed, or a read-back that still serves the new variant. */
export function killSwitchProblems(kill: KillSwitchResult): string[] {
  return [...kill.files.filter((f) => f.error).map((f) => `kill switch NOT in place in ${f.file}: ${f.error}`), ...(kill.verification?.problems ?? []).map((p) => `read-back: ${p}`)];
}

/**
 * One locked read-modify-write that never throws (a rollback is never blocked by the state or the
 * audit sink: the flag was already switched). The lock wait is bounded.
 */
export async function recordRollback(ctx: Ctx, loaded: LoadedConfig, store: StateStore, mutate: Mutate, waitMs: number, crashAfterState?: CrashPointName): Promise<{ state: ReleaseState | null; problem?: string; auditPending?: string }> {
  try {
    const outcome = await changeRelease<null>(ctx, loaded, { operation: 'rollback', lockWaitMs: waitMs, store, ...(crashAfterState ? { crashAfterState } : {}) }, async (state) => {
      const change = mutate(state);
      return change ? { ...change, result: null } : { unchanged: null };
    });
    return { state: outcome.state, ...(outcome.auditError ? { auditPending: outcome.auditError } : {}) };
  } catch (error) {
    return { state: null, problem: `state not recorded: ${(error as Error).message}` };
  }
}

export function killAll(state: ReleaseState, at: string): ReleaseState['flags'] {
  return Object.fromEntries(Object.entries(state.flags).map(([k, f]) => [k, { ...f, killSwitch: true, updatedAt: at }]));
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
    return { percent: Math.floor(((from * (steps - k)) / steps) * 1000 + 1e-9) / 1000, notBefore: new Date(start.getTime() + (overMs * k) / steps).toISOString(), done: false };
  });
}

/** Kill switch / ramp-down / full rollback with health verification. Notifications never delay it. */
export async function performRollback(ctx: Ctx, loaded: LoadedConfig, opts: RollbackOptions): Promise<RollbackOutcome> {
  const store = openState(ctx, loaded);
  const waitMs = opts.lockWaitMs ?? 10_000;
  if (opts.mode === 'progressive') {
    const { runRampDown } = await import('./ramp-down.js');
    return runRampDown(ctx, loaded, store, opts, { record: (m, crash) => recordRollback(ctx, loaded, store, m, waitMs, crash) });
  }
  const problems: string[] = [];
  const targets = planTargets(loaded.config);
  let kill = opts.killSwitch ?? (await engageKillSwitch(loaded.dir, targets, { dryRun: Boolean(opts.dryRun) }));
  const rollbackId = randomUUID();
  if (opts.dryRun) return { ok: true, mode: opts.mode, rollbackId, flagWrittenAtMs: null, steps: [], recorded: false, problems, killSwitch: kill };
  crashPoint('rollback:after-flags');
  let current: ReleaseState | null = null;
  let unreadable: string | null = null;
  try {
    current = await store.read();
  } catch (error) {
    unreadable = `state unreadable, the rollback cannot be recorded: ${(error as Error).message}`;
  }
  const stale = staleFileTargets(loaded.config, current);
  if (stale.length) kill = mergeKill(kill, await engageKillSwitch(loaded.dir, stale));
  const killProblems = killSwitchProblems(kill);
  const already = finishedRollback(current);
  if (already && killProblems.length === 0) {
    // Idempotent: nothing new is recorded or announced. A file that had drifted back is noted in the log.
    const restored = kill.files.filter((f) => f.changed).map((f) => f.file);
    if (restored.length && current) {
      const err = await auditCommitted(ctx, store, { op: 'kill-switch:restored', reason: opts.reason, data: { rollbackId: already.id, files: restored } }, current.serial);
      if (err) problems.push(`audit entry not written: ${err}`);
    }
    return { ok: true, mode: opts.mode, rollbackId: already.id, flagWrittenAtMs: kill.flagWrittenAtMs, steps: [], recorded: false, problems, already, killSwitch: kill };
  }
  problems.push(...killProblems);
  const killed = killProblems.length === 0;
  const at = ctx.clock.now().toISOString();
  let raced: RollbackOutcome['already'];
  // An unreadable state cannot take the record: say so once instead of trying and failing the same way.
  const recorded = unreadable ? { state: null, problem: unreadable } : await recordRollback(ctx, loaded, store, (state) => {
      // Another rollback finished while this one waited for the lock: the same no-op as above.
      raced = killed ? finishedRollback(state) : undefined;
      if (raced) return null;
      // Done only when the kill switch is verified (and, for full, health is checked below).
      const done = killed && opts.mode === 'immediate';
      const rollback: RollbackState = { id: rollbackId, mode: opts.mode, startedAt: at, reason: opts.reason, actor: ctx.actor, from: state.rollback?.from ?? positionOf(state, loaded), ...(done ? { completedAt: at } : {}) };
      const entry = { at, actor: ctx.actor, action: 'rollback', from: { phase: state.phase, stage: state.stage?.id ?? null }, to: { mode: opts.mode, killSwitch: killed }, reason: opts.reason, evidence: { trigger: opts.trigger, evidence: opts.evidence }, serial: state.serial + 1 };
      return {
        next: { ...state, flags: killed ? killAll(state, at) : state.flags, intent: null, rollback, status: done ? 'rolled-back' : state.status, history: [...state.history, entry] },
        audit: { op: 'rollback', reason: opts.reason, data: { mode: opts.mode, rollbackId, trigger: opts.trigger, evidence: opts.evidence, flagWrittenAtMs: kill.flagWrittenAtMs === null ? null : Math.round(kill.flagWrittenAtMs), files: kill.files, verified: killed } },
      };
    }, waitMs);
  if (raced) return { ok: true, mode: opts.mode, rollbackId: raced.id, flagWrittenAtMs: kill.flagWrittenAtMs, steps: [], recorded: false, problems, already: raced, killSwitch: kill };
  if (recorded.problem) problems.push(recorded.problem);
  // An advance that raced us may have rewritten a flag before it saw the rollback: assert the kill switch again.
  if (recorded.state && killed) {
    const again = await engageKillSwitch(loaded.dir, [...targets, ...stale]);
    problems.push(...killSwitchProblems(again).map((p) => `re-check after recording: ${p}`));
  }
  const event = { type: 'rollback' as const, release: loaded.config.release, at, rollbackId, flag: targets.map((t) => t.key).join(','), mode: opts.mode, reason: opts.reason, actor: ctx.actor, ...(opts.trigger ? { trigger: opts.trigger } : {}), ...(opts.evidence ? { evidence: JSON.stringify(opts.evidence).slice(0, 500) } : {}) };
  const notifications = await announce(ctx, loaded, [event], { deadlineMs: 2000 });
  const base = { mode: opts.mode, rollbackId, flagWrittenAtMs: kill.flagWrittenAtMs, steps: [], recorded: recorded.state !== null, problems, notifications, killSwitch: kill, ...(recorded.auditPending ? { auditPending: recorded.auditPending } : {}) };
  if (opts.mode !== 'full' || !killed) return { ...base, ok: killed && recorded.state !== null };
  return { ...base, ...(await verifyAfterFull(ctx, loaded, store, { rollbackId, event, waitMs, state: recorded.state, problems })) };
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
  const done = await recordRollback(ctx, loaded, store, (state) => {
    if (state.rollback?.id !== r.rollbackId) return null;
    const now = ctx.clock.now().toISOString();
    return {
      next: healthy ? { ...state, status: 'rolled-back', rollback: { ...state.rollback, completedAt: now } } : state,
      audit: { op: healthy ? 'rollback:verified' : 'rollback:unhealthy', reason: verdict.summary, data: { rollbackId: r.rollbackId, checks: verdict.checks } },
    };
  }, r.waitMs);
  if (done.problem) r.problems.push(done.problem);
  if (!healthy) {
    r.problems.push(`health verification failed: ${verdict.summary}`);
    await announce(ctx, loaded, [{ type: 'rollback-failed', release: loaded.config.release, at: ctx.clock.now().toISOString(), rollbackId: r.rollbackId, flag: r.event.flag, mode: 'full', error: verdict.summary, step: 'health verification', actor: ctx.actor }]);
  }
  return { ok: r.state !== null && healthy, healthy, health: { checks: verdict.checks.length, summary: verdict.summary } };
}
