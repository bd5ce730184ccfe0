import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { openState } from '../state/open-state.js';
import { announce, notificationDir } from '../lifecycle/announce.js';
import { changeRelease } from '../lifecycle/transaction.js';
import type { WatchPorts } from './loop.js';
import { createFileProgressStore, progressFileName, type ProgressStore } from './progress-store.js';

/** Where the progress file lives: beside the file state, or in `.rollout/` next to the plan. */
export function progressFileFor(ctx: Ctx, loaded: LoadedConfig): string {
  return path.join(notificationDir(ctx, loaded), progressFileName(loaded.config.release));
}

/**
 * The real ports: the release state, the progress file, `performRollback`, `announce`, the http
 * gate runner and the golden-case accuracy (computed once: it depends on the code, not on traffic).
 */
export function createWatchPorts(ctx: Ctx, loaded: LoadedConfig, opts: { progress?: ProgressStore } = {}): WatchPorts {
  const store = openState(ctx, loaded);
  let accuracy: Promise<number | null> | null = null;
  return {
    readRelease: () => store.read(),
    progress: opts.progress ?? createFileProgressStore(progressFileFor(ctx, loaded)),
    async rollback(o) {
      const { performRollback } = await import('../lifecycle/rollback.js');
      return performRollback(ctx, loaded, o);
    },
    announce: (events) => announce(ctx, loaded, events),
    async checkHealth(gate, state) {
      const [{ runGate }, { buildGateContext }] = await Promise.all([
        import('../gates/index.js'),
        import('../gates/gate-context.js'),
      ]);
      const result = await runGate(gate, buildGateContext(ctx, loaded, state?.phase ?? '', state));
      return { verdict: result.verdict, summary: result.summary };
    },
    accuracyDelta() {
      accuracy ??= import('../canary/accuracy-delta.js').then((m) => m.computeAccuracyDelta(loaded));
      return accuracy;
    },
    async recordEvidence(op, evidence) {
      // The audit entry keeps this run's looks (the report charts them); the state keeps the progress, which holds them too.
      const { progress: _full, ...brief } = evidence;
      const { series: _looks, ...kept } = evidence;
      await changeRelease(ctx, loaded, { operation: 'watch' }, async (state) => ({
        next: { ...state, evidence: { ...state.evidence, watch: { op, ...kept } } },
        audit: { op, data: brief },
        result: undefined,
      }));
    },
  };
}
