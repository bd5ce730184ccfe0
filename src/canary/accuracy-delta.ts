import type { LoadedConfig } from '../config/load.js';

/** The model_accuracy_delta of the golden cases, when a metric asks for it (deterministic, no I/O). */
export async function computeAccuracyDelta(loaded: LoadedConfig): Promise<number | null> {
  if (!loaded.config.canary?.metrics.some((m) => m.kind === 'threshold' && m.source === 'verify')) return null;
  const { scoreAccuracy } = await import('../../engines/golden/index.js');
  return scoreAccuracy().delta;
}
