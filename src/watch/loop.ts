import type { LoadedConfig } from '../config/load.js';
import type { GateConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import type { RollbackOutcome } from '../lifecycle/rollback.js';
import type { MetricsSource } from '../metrics/types.js';
import type { AnnounceResult } from '../lifecycle/announce.js';
import type { ReleaseEvent } from '../notify/types.js';
import type { ReleaseState, RollbackState } from '../state/types.js';
import { unfinishedKillSwitch } from '../lifecycle/planner.js';
import { evaluateLook } from './look.js';
import type { WatchMetrics } from './metrics-endpoint.js';
import type { ProgressStore } from './progress-store.js';
import { findWatchScope, type WatchScope } from './scope.js';
import { resolveTriggers, type TriggerSpec } from './specs.js';
import { createWatchProgress, type TriggerOutcome, type WatchLookPoint, type WatchProgress } from './types.js';

type HttpGate = Extract<GateConfig, { kind: 'http' }>;

/** Everything outside the process the loop talks to; `ports.ts` builds the real ones. */
export interface WatchPorts {
  readRelease(): Promise<ReleaseState | null>;
  progress: ProgressStore;
  rollback(opts: {
    mode: 'immediate' | 'progressive' | 'full';
    reason: string;
    trigger?: string;
    evidence?: unknown;
  }): Promise<RollbackOutcome>;
  announce(events: ReleaseEvent[]): Promise<AnnounceResult>;
  checkHealth(
    gate: HttpGate,
    state: ReleaseState | null,
  ): Promise<{ verdict: 'pass' | 'fail' | 'inconclusive'; summary: string }>;
  accuracyDelta(): Promise<number | null>;
  /** Records a watch transition (hold, resume, stop) in the release state, audited. */
  recordEvidence(op: WatchRecordOp, evidence: Record<string, unknown>): Promise<void>;
}

/** One look, as `onLook` and the progress lines see it. */
export interface LookReport {
  index: number;
  at: string;
  outcomes: TriggerOutcome[];
  holding: boolean;
}

export interface RunWatchOptions {
  ctx: Ctx;
  loaded: LoadedConfig;
  source: MetricsSource;
  ports: WatchPorts;
  intervalMs: number;
  /** Stop after this long (exit 0 if nothing fired); absent = until a signal or a rollback. */
  forMs?: number;
  signal?: AbortSignal;
  onLook?: (look: LookReport) => void;
  metrics?: WatchMetrics;
}

export type WatchStop = 'rollback' | 'for-elapsed' | 'signal' | 'nothing-to-watch' | 'release-changed';

export interface WatchSummary {
  watched: boolean;
  stop: WatchStop;
  message: string;
  /** 0 nothing fired; 3 still holding on source errors; 4 rolled back; 6 rollback incomplete. */
  exitCode: typeof EXIT.ok | typeof EXIT.inconclusive | typeof EXIT.rolledBack | typeof EXIT.rollbackIncomplete;
  scope: string | null;
  phase: string | null;
  stage: string | null;
  startedAt: string;
  endedAt: string;
  /** Looks made by this run; `totalLooks` includes earlier runs of the same stage. */
  looks: number;
  totalLooks: number;
  resumed: boolean;
  triggers: TriggerOutcome[];
  fired?: TriggerOutcome;
  rollback?: RollbackOutcome;
  alerted: string[];
  holding: boolean;
  sourceErrors: number;
}

interface Run {
  opts: RunWatchOptions;
  specs: TriggerSpec[];
  progress: WatchProgress;
  scope: Extract<WatchScope, { active: true }>;
  state: ReleaseState | null;
  summary: WatchSummary;
  /** Looks of this stage made before this run (an earlier run's): their points are already recorded. */
  looksBefore: number;
}

/**
 * Evaluates every trigger each interval until a rollback, `--for`, a signal, or the release leaving
 * the stage. The schedule is absolute (start + i × interval), so slow queries do not make it drift.
 * See docs/watch.md for the state machine.
 */
export async function runWatch(opts: RunWatchOptions): Promise<WatchSummary> {
  const { ctx, loaded } = opts;
  const specs = resolveTriggers(loaded.config);
  const start = ctx.clock.now();
  const state = await opts.ports.readRelease();
  const scope = findWatchScope(loaded.config, state);
  const summary: WatchSummary = {
    watched: false,
    stop: 'nothing-to-watch',
    message: '',
    exitCode: EXIT.ok,
    scope: null,
    phase: null,
    stage: null,
    startedAt: start.toISOString(),
    endedAt: start.toISOString(),
    looks: 0,
    totalLooks: 0,
    resumed: false,
    triggers: [],
    alerted: [],
    holding: false,
    sourceErrors: 0,
  };
  if (!scope.active) {
    const unfinished = unfinishedKillSwitch(loaded.config, state);
    if (unfinished) return finishKillSwitch(ctx, loaded, opts.ports, unfinished, summary);
    return { ...summary, message: `nothing to watch: ${scope.reason}` };
  }
  const saved = pickProgress(await opts.ports.progress.load(), state, scope.key, loaded.config.release);
  const resumed = saved !== null;
  const progress = saved ?? createWatchProgress(loaded.config.release, scope.key, start);
  const run: Run = {
    opts,
    specs,
    progress,
    scope,
    state,
    looksBefore: progress.looks,
    summary: {
      ...summary,
      watched: true,
      resumed,
      holding: progress.holding,
      scope: scope.key,
      phase: scope.phase,
      stage: scope.stage,
    },
  };
  ctx.progress(
    `watching ${loaded.config.release} ${scope.phase}/${scope.stage} (${scope.flag} at ${scope.percent} %): ${specs.length} triggers every ${opts.intervalMs / 1000}s${resumed ? `, continuing from look ${progress.looks}` : ''}`,
  );
  const deadline = opts.forMs !== undefined ? start.getTime() + opts.forMs : Infinity;
  for (let i = 0; ; i++) {
    const stop = await lookOnce(run);
    if (stop) return finishRun(run, stop);
    if (opts.signal?.aborted) return finishRun(run, 'signal');
    const nextAt = Math.min(start.getTime() + (i + 1) * opts.intervalMs, deadline);
    await ctx.clock.sleep(Math.max(0, nextAt - ctx.clock.now().getTime()), opts.signal);
    if (opts.signal?.aborted) return finishRun(run, 'signal');
    if (ctx.clock.now().getTime() >= deadline) return finishRun(run, 'for-elapsed');
  }
}

/**
 * The progress of this stage to continue from: the progress file, or the copy the last run left in
 * the release state (another machine, with a shared state backend), whichever has more looks.
 */
function pickProgress(
  file: WatchProgress | null,
  state: ReleaseState | null,
  scope: string,
  release: string,
): WatchProgress | null {
  const inState = (state?.evidence['watch'] as { progress?: WatchProgress } | undefined)?.progress ?? null;
  const usable = [file, inState].filter(
    (p): p is WatchProgress => p !== null && p.version === 1 && p.scope === scope && p.release === release,
  );
  return usable.sort((a, b) => b.looks - a.looks)[0] ?? null;
}

/** One look: re-read the release, evaluate, persist, then act. Returns why to stop, or null. */
async function lookOnce(run: Run): Promise<WatchStop | null> {
  const { ctx, loaded, ports } = run.opts;
  run.state = await ports.readRelease().catch(() => run.state);
  const scope = findWatchScope(loaded.config, run.state);
  if (!scope.active) {
    // Someone's rollback did not get the kill switch on: the watch takes it over rather than leave the flag on.
    const unfinished = unfinishedKillSwitch(loaded.config, run.state);
    if (unfinished) {
      Object.assign(run.summary, await finishKillSwitch(ctx, loaded, ports, unfinished, run.summary));
      return 'rollback';
    }
    run.summary.message = `stopped watching: ${scope.reason}`;
    return 'release-changed';
  }
  if (scope.key !== run.scope.key) {
    ctx.progress(`stage changed to ${scope.phase}/${scope.stage}: the sequential tests and alerts start afresh`);
    run.progress = createWatchProgress(loaded.config.release, scope.key, ctx.clock.now());
    run.scope = scope;
    run.looksBefore = 0;
    Object.assign(run.summary, { scope: scope.key, phase: scope.phase, stage: scope.stage });
  }
  const at = ctx.clock.wallNow?.() ?? ctx.clock.now();
  const alpha = loaded.config.canary?.alpha ?? 0.01;
  const query = {
    source: run.opts.source,
    canary: loaded.config.canary as NonNullable<typeof loaded.config.canary>,
    release: loaded.config.release,
    at,
  };
  const overdispersion = loaded.config.canary?.overdispersion ?? 'estimate';
  const { outcomes, progress } = await evaluateLook(run.specs, run.progress, {
    query,
    alpha,
    overdispersion,
    power: loaded.config.canary?.power ?? 0.9,
    state: run.state,
    checkHealth: ports.checkHealth,
    accuracyDelta: ports.accuracyDelta,
    recordedAt: ctx.clock.now(),
  });
  run.progress = progress;
  run.summary.looks += 1;
  run.summary.triggers = outcomes;
  run.summary.sourceErrors += outcomes.filter((o) => o.status === 'error' || o.status === 'no-data').length;
  run.opts.metrics?.observeLook(outcomes);
  if (run.state) run.opts.metrics?.setStage(loaded.config.release, run.state.flags);
  await saveProgress(run);
  const stop = await actOnLook(run, outcomes);
  reportLook(run, outcomes);
  return stop;
}

/** A fired rollback trigger wins; then alerts; then the source-error rule. */
async function actOnLook(run: Run, outcomes: TriggerOutcome[]): Promise<WatchStop | null> {
  const fired = outcomes.find((o) => o.status === 'fired' && o.action === 'rollback');
  if (fired) return rollBack(run, fired, `trigger ${fired.id} fired: ${fired.detail}`);
  await announceAlerts(run, outcomes);
  return handleSourceErrors(run, outcomes);
}

async function saveProgress(run: Run): Promise<void> {
  try {
    await run.opts.ports.progress.save(run.progress);
  } catch (error) {
    run.opts.ctx.progress(
      `watch: could not save progress to ${run.opts.ports.progress.location}: ${(error as Error).message}`,
    );
  }
}

function reportLook(run: Run, outcomes: TriggerOutcome[]): void {
  const look: LookReport = {
    index: run.progress.looks,
    at: run.progress.updatedAt,
    outcomes,
    holding: run.progress.holding,
  };
  run.opts.onLook?.(look);
  const marks = outcomes.map((o) => `${o.id} ${o.status === 'ok' ? 'ok' : o.status.toUpperCase()}`).join(', ');
  run.opts.ctx.progress(`look ${look.index} ${look.at}: ${marks}`);
}

async function rollBack(run: Run, cause: TriggerOutcome, reason: string): Promise<WatchStop> {
  const { ctx, loaded, ports } = run.opts;
  const mode = loaded.config.rollback.watchAutoMode;
  ctx.progress(`watch: ${reason} → ${mode} rollback`);
  run.opts.metrics?.countRollback();
  const evidence = {
    trigger: cause,
    look: run.progress.looks,
    scope: run.scope.key,
    triggers: run.summary.triggers.map(({ queries: _q, ...o }) => o),
    series: seriesOfRun(run),
  };
  const outcome = await ports.rollback({ mode, reason: `watch: ${reason}`, trigger: cause.id, evidence });
  run.summary.fired = cause;
  run.summary.rollback = outcome;
  run.summary.exitCode = outcome.ok ? EXIT.rolledBack : EXIT.rollbackIncomplete;
  run.summary.message = outcome.ok
    ? `rolled back (${mode}): ${reason}`
    : `rollback incomplete: ${outcome.problems.join('; ')}`;
  return 'rollback';
}

/**
 * A recorded immediate or full rollback whose kill switch never went on leaves the new variant served with
 * nothing running to switch it off: the watch engages it again with the same mode (what `rollout rollback`
 * does by hand), before and without any metrics query. Exit 4 when it is in place, 6 when still not.
 */
export async function finishKillSwitch(
  ctx: Ctx,
  loaded: LoadedConfig,
  ports: Pick<WatchPorts, 'rollback'>,
  unfinished: RollbackState,
  summary: WatchSummary,
): Promise<WatchSummary> {
  const mode = unfinished.mode === 'full' ? 'full' : 'immediate';
  const why = `the ${unfinished.mode} rollback of ${unfinished.startedAt} did not complete (${unfinished.reason})`;
  ctx.progress(`watch: ${why}; the kill switch is not in place → ${mode} rollback again`);
  // No trigger: this finishes a decision already recorded (and counted by the report), as `rollout rollback` would.
  const outcome = await ports.rollback({ mode, reason: `watch: finishing ${why}` });
  return {
    ...summary,
    stop: 'rollback',
    endedAt: ctx.clock.now().toISOString(),
    rollback: outcome,
    exitCode: outcome.ok ? EXIT.rolledBack : EXIT.rollbackIncomplete,
    message: outcome.ok
      ? `rolled back (${mode}): finished ${why}`
      : `rollback incomplete: ${outcome.problems.join('; ')}`,
  };
}

/** What the watch records in the release state and the audit log. */
export type WatchRecordOp = 'watch:hold' | 'watch:resume' | 'watch:stop' | 'watch:alert';

/** `alert` triggers: one announcement per trigger per stage, then keep watching. */
async function announceAlerts(run: Run, outcomes: TriggerOutcome[]): Promise<void> {
  const { ctx, loaded, ports } = run.opts;
  const fresh = outcomes.filter(
    (o) => o.status === 'fired' && o.action === 'alert' && !run.progress.triggers[o.id]?.alerted,
  );
  if (fresh.length === 0) return;
  const at = ctx.clock.now().toISOString();
  await ports.announce(
    fresh.map((o) => ({
      type: 'alert' as const,
      release: loaded.config.release,
      at,
      severity: 'warning' as const,
      title: `${o.id}: manual review needed`,
      detail: `${o.detail}. Stage ${run.scope.stage}; no automatic rollback for this trigger.`,
    })),
  );
  for (const o of fresh) {
    const t = run.progress.triggers[o.id];
    if (t) run.progress.triggers[o.id] = { ...t, alerted: true };
    run.summary.alerted.push(o.id);
  }
  await saveProgress(run);
  // Audited when announced: the report counts alerts (and judges them) from the log, and a watch that
  // ends because the stage changed records no stop entry.
  await record(run, 'watch:alert', {
    triggers: fresh.map((o) => ({
      id: o.id,
      kind: o.kind,
      value: o.value,
      baseline: o.baseline,
      limit: o.limit,
      comparison: o.comparison,
      detail: o.detail,
    })),
  });
}

/** Argo's rule: act when consecutive errors exceed the limit (5 errors with the default 4). */
async function handleSourceErrors(run: Run, outcomes: TriggerOutcome[]): Promise<WatchStop | null> {
  const { ctx, loaded, ports } = run.opts;
  const limit = loaded.config.watch.consecutiveErrorLimit;
  const over = outcomes.filter((o) => o.consecutiveErrors > limit);
  const action = loaded.config.watch.onSourceErrors;
  // An alert-only trigger never causes a rollback, not even by going dark: it can only hold.
  const rollbackCause = over.find((o) => o.action === 'rollback');
  if (rollbackCause && action === 'rollback')
    return rollBack(
      run,
      rollbackCause,
      `${rollbackCause.consecutiveErrors} consecutive source errors on ${rollbackCause.id} (limit ${limit}): ${rollbackCause.detail}`,
    );
  const holding = over.length > 0;
  if (holding === run.progress.holding) return null;
  run.progress = { ...run.progress, holding };
  run.summary.holding = holding;
  await saveProgress(run);
  const worst = over[0];
  if (worst) {
    ctx.progress(
      `watch: holding — ${over.map((o) => `${o.id} (${o.consecutiveErrors} errors)`).join(', ')} exceed the limit ${limit}`,
    );
    await ports.announce([
      {
        type: 'watch-error',
        release: loaded.config.release,
        at: ctx.clock.now().toISOString(),
        error: `${worst.id}: ${worst.detail}`,
        consecutiveErrors: worst.consecutiveErrors,
        action: 'hold-and-alert',
      },
    ]);
    await record(run, 'watch:hold', {
      triggers: over.map((o) => ({ id: o.id, consecutiveErrors: o.consecutiveErrors, detail: o.detail })),
    });
  } else {
    ctx.progress('watch: sources answer again; hold lifted');
    await record(run, 'watch:resume', {});
  }
  return null;
}

/**
 * The looks this run made (the release report charts them): recorded with the rollback and the stop,
 * never the whole stage again, so a watch restarted every hour does not write the same looks each time.
 */
function seriesOfRun(run: Run): WatchLookPoint[] {
  return (run.progress.series ?? []).filter((p) => p.look > run.looksBefore);
}

async function record(run: Run, op: WatchRecordOp, data: Record<string, unknown>): Promise<void> {
  try {
    await run.opts.ports.recordEvidence(op, {
      ...data,
      scope: run.scope.key,
      looks: run.progress.looks,
      holding: run.progress.holding,
      at: run.opts.ctx.clock.now().toISOString(),
    });
  } catch (error) {
    run.opts.ctx.progress(`watch: could not record ${op} in the release state: ${(error as Error).message}`);
  }
}

async function finishRun(run: Run, stop: WatchStop): Promise<WatchSummary> {
  const s = run.summary;
  s.stop = stop;
  s.endedAt = run.opts.ctx.clock.now().toISOString();
  s.totalLooks = run.progress.looks;
  s.holding = run.progress.holding;
  if (stop !== 'rollback' && stop !== 'release-changed') {
    // Ending while the sources are dark is inconclusive, never a clean bill of health.
    s.exitCode = s.holding ? EXIT.inconclusive : EXIT.ok;
    s.message = s.holding
      ? `stopped (${stop}) while holding: metrics sources still failing`
      : `stopped (${stop}) after ${s.looks} looks; no trigger fired`;
  }
  if (stop !== 'release-changed') {
    await record(run, 'watch:stop', {
      stop,
      exitCode: s.exitCode,
      fired: s.fired?.id ?? null,
      alerted: s.alerted,
      series: seriesOfRun(run),
      progress: run.progress,
    });
  }
  return s;
}
