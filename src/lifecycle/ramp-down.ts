import { randomUUID } from 'node:crypto';
import { parseDuration } from '../config/duration.js';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { crashPoint } from '../state/crash-points.js';
import type { AuditInput, StateStore } from '../state/store.js';
import type { ReleaseState, RollbackStep } from '../state/types.js';
import { announce } from './announce.js';
import { syncFlagFiles } from './flag-sync.js';
import { engageKillSwitch } from './kill-switch.js';
import type { RollbackOptions, RollbackOutcome } from './rollback.js';
import { planRampDown } from './rollback.js';

type Mutate = (state: ReleaseState) => { next: ReleaseState; audit: Omit<AuditInput, 'actor' | 'stateSerial'> } | null;
interface Deps {
  record(m: Mutate): Promise<{ state: ReleaseState | null; problem?: string }>;
  killAll(state: ReleaseState, at: string): ReleaseState['flags'];
}

/** The flag the ramp-down acts on: the current rollout phase's flag, else the one with most traffic. */
function rampFlag(loaded: LoadedConfig, state: ReleaseState): string | null {
  const phaseFlag = loaded.config.phases.find((p) => p.id === state.phase)?.rollout?.flag;
  if (phaseFlag && state.flags[phaseFlag]) return phaseFlag;
  const [top] = Object.entries(state.flags).sort((a, b) => b[1].percent - a[1].percent);
  return top?.[0] ?? null;
}

/**
 * Progressive rollback: absolute percentages at absolute times, stored in the state before the first
 * step, so a crash resumes from the step it reached and never ramps up again. The last step is the
 * kill switch. A trigger during the ramp (checkTriggers) turns it into an immediate rollback.
 */
export async function runRampDown(ctx: Ctx, loaded: LoadedConfig, store: StateStore, opts: RollbackOptions, deps: Deps): Promise<RollbackOutcome> {
  const problems: string[] = [];
  const current = await store.read();
  const resuming = current?.rollback?.mode === 'progressive' && !current.rollback.completedAt && Array.isArray(current.rollback.steps);
  if (opts.resume && !resuming) problems.push('no interrupted progressive rollback to resume; starting one');
  const flag = current ? rampFlag(loaded, current) : null;
  const rollbackId = resuming ? (current?.rollback?.id as string) : randomUUID();
  if (!current || !flag) {
    return { ok: false, mode: 'progressive', rollbackId, flagWrittenAtMs: null, steps: [], recorded: false, problems: ['no flag has been rolled out in this release; nothing to ramp down'] };
  }
  const { progressive } = loaded.config.rollback;
  const steps: RollbackStep[] = resuming
    ? (current.rollback?.steps as RollbackStep[])
    : planRampDown(current.flags[flag]?.percent ?? 0, progressive.steps, parseDuration(progressive.over) ?? 300_000, ctx.clock.now());
  if (opts.dryRun) return { ok: true, mode: 'progressive', rollbackId, flagWrittenAtMs: null, steps, recorded: false, problems };
  if (!resuming) {
    const at = ctx.clock.now().toISOString();
    const started = await deps.record((state) => ({
      next: {
        ...state,
        intent: null,
        rollback: { id: rollbackId, mode: 'progressive', startedAt: at, reason: opts.reason, steps },
        history: [...state.history, { at, actor: ctx.actor, action: 'rollback', from: { phase: state.phase, stage: state.stage?.id ?? null, percent: state.flags[flag]?.percent }, to: { mode: 'progressive', steps: steps.length }, reason: opts.reason, serial: state.serial + 1 }],
      },
      audit: { op: 'rollback', reason: opts.reason, data: { mode: 'progressive', rollbackId, flag, steps, trigger: opts.trigger } },
    }));
    if (!started.state) return { ok: false, mode: 'progressive', rollbackId, flagWrittenAtMs: null, steps, recorded: false, problems: [...problems, started.problem ?? 'state not recorded'] };
    await announce(ctx, loaded, [{ type: 'rollback', release: loaded.config.release, at, rollbackId, flag, mode: 'progressive', reason: opts.reason, actor: ctx.actor, ...(opts.trigger ? { trigger: opts.trigger } : {}) }]);
  }
  let flagWrittenAtMs: number | null = null;
  let escalated: string | undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as RollbackStep;
    if (step.done) continue;
    const wait = Date.parse(step.notBefore) - ctx.clock.now().getTime();
    if (wait > 0) await ctx.clock.sleep(wait);
    const fired = opts.checkTriggers ? await opts.checkTriggers() : null;
    const last = i === steps.length - 1 || fired !== null;
    if (fired) escalated = fired;
    // Flag first (absolute, so redoing a step after a crash is harmless), then the step is recorded.
    const before = await store.read();
    if (!before || before.rollback?.id !== rollbackId || before.rollback.completedAt) {
      problems.push('another rollback took over; this ramp-down stopped');
      break;
    }
    const at = ctx.clock.now().toISOString();
    const flags = last ? deps.killAll(before, at) : { ...before.flags, [flag]: { ...(before.flags[flag] as ReleaseState['flags'][string]), percent: step.percent, updatedAt: at } };
    if (last) await engageKillSwitch(loaded.dir, loaded.config.flags.map((f) => ({ key: f.key, file: f.file })));
    else await syncFlagFiles(loaded.config, loaded.dir, flags, false);
    flagWrittenAtMs = performance.now();
    crashPoint('rollback:after-step');
    let superseded = false;
    const r = await deps.record((state) => {
      if (state.rollback?.id !== rollbackId || state.rollback.completedAt) {
        superseded = true;
        return null;
      }
      const doneSteps = state.rollback.steps?.map((s, k) => (k === i || (last && k > i) ? { ...s, done: true } : s)) ?? [];
      return {
        next: { ...state, flags, rollback: { ...state.rollback, steps: doneSteps, ...(last ? { completedAt: at } : {}) }, ...(last ? { status: 'rolled-back' as const } : {}) },
        audit: { op: 'rollback:step', reason: fired ? `trigger ${fired} fired during the ramp-down: immediate` : undefined, data: { rollbackId, step: i + 1, of: steps.length, percent: last ? 0 : step.percent, killSwitch: last } },
      };
    });
    if (superseded) {
      // It was an immediate rollback: our step may have landed after its kill switch, so restore it.
      await engageKillSwitch(loaded.dir, loaded.config.flags.map((f) => ({ key: f.key, file: f.file })));
      problems.push('another rollback took over; this ramp-down stopped');
      break;
    }
    if (!r.state) {
      problems.push(r.problem ?? 'state not recorded');
      return { ok: false, mode: 'progressive', rollbackId, flagWrittenAtMs, steps, recorded: false, problems };
    }
    steps.splice(0, steps.length, ...(r.state.rollback?.steps ?? steps));
    ctx.progress(`ramp-down ${i + 1}/${steps.length}: ${flag} ${last ? 'kill switch (fallback for everyone)' : `${step.percent} %`}${fired ? ` — trigger ${fired} fired, went straight to the kill switch` : ''}`);
    if (last) break;
  }
  return { ok: problems.length === 0 || problems.every((p) => p.startsWith('no interrupted')), mode: 'progressive', rollbackId, flagWrittenAtMs, steps, recorded: true, ...(escalated ? { escalated } : {}), problems };
}
