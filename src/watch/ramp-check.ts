import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { evaluateLook } from './look.js';
import { createWatchPorts } from './ports.js';
import { resolveTriggers } from './specs.js';
import { createWatchProgress, type WatchProgress } from './types.js';

/**
 * For a progressive rollback: before each ramp-down step, evaluate the plan's rollback triggers once
 * (with state carried from step to step); a fired one turns the ramp into the kill switch. Without a
 * metrics source only health-check triggers can fire; that is said once on the progress stream.
 */
export async function createRampTriggerCheck(ctx: Ctx, loaded: LoadedConfig): Promise<() => Promise<string | null>> {
  const canary = loaded.config.canary;
  const specs = resolveTriggers(loaded.config).filter((s) => s.action === 'rollback');
  if (!canary || specs.length === 0) return async () => null;
  const { openMetrics } = await import('../metrics/open-metrics.js');
  const source = await openMetrics(ctx, loaded).catch((error: Error) => {
    ctx.progress(`ramp-down: triggers on metrics are not checked (${error.message})`);
    return null;
  });
  const usable = source ? specs : specs.filter((s) => s.kind === 'health');
  const ports = createWatchPorts(ctx, loaded);
  let progress: WatchProgress = createWatchProgress(loaded.config.release, 'ramp-down', ctx.clock.now());
  return async () => {
    if (usable.length === 0) return null;
    const state = await ports.readRelease().catch(() => null);
    const at = ctx.clock.wallNow?.() ?? ctx.clock.now();
    const query = { source: source as NonNullable<typeof source>, canary, release: loaded.config.release, at };
    const look = await evaluateLook(usable, progress, {
      query,
      alpha: canary.alpha,
      overdispersion: canary.overdispersion,
      state,
      checkHealth: ports.checkHealth,
      accuracyDelta: ports.accuracyDelta,
      recordedAt: ctx.clock.now(),
    });
    progress = look.progress;
    return look.outcomes.find((o) => o.status === 'fired' && o.action === 'rollback')?.id ?? null;
  };
}
