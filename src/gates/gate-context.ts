import { resolveIntentDir } from '../chaos/intent.js';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import type { MetricsSource } from '../metrics/types.js';
import { resolveStateUrl } from '../state/open-state.js';
import type { ReleaseState } from '../state/types.js';
import { createGateMetrics } from './metrics.js';
import type { GateContext } from './types.js';

/** What every gate of `phase` runs with: preflight, advance's evidence, watch's gates and health verification share it. */
export function buildGateContext(
  ctx: Ctx,
  loaded: LoadedConfig,
  phase: string,
  state: ReleaseState | null,
): GateContext {
  return {
    planDir: loaded.dir,
    env: ctx.env,
    clock: ctx.clock,
    redact: ctx.redact,
    release: loaded.config.release,
    phase,
    state,
    budget: loaded.budget,
    budgetFile: loaded.config.budget,
    chaos: { dir: resolveIntentDir(resolveStateUrl(ctx, loaded), ctx.cwd), experiments: loaded.config.chaos },
    metrics: ctx.metricsSource
      ? { get: async () => ({ source: ctx.metricsSource as MetricsSource }), timeoutMs: 10_000 }
      : createGateMetrics(loaded.config.metrics.prometheus, ctx.env),
  };
}
