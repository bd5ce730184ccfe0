import { resolveEngines } from './index.js';
import type { EngineOverrides } from './index.js';
import { buildPerfPortfolio } from './perf-fixture.js';
import { MODEL_VERSIONS } from './types.js';
import type { EngineName, ModelVersion } from './types.js';

/** `.perf-budget.json` hotPaths key of each engine (the worker files of the product). */
export const HOT_PATH_BY_ENGINE: Readonly<
  Record<EngineName, 'reserve-worker.ts' | 'pacing-worker.ts' | 'cohort-worker.ts'>
> = {
  reserves: 'reserve-worker.ts',
  pacing: 'pacing-worker.ts',
  cohorts: 'cohort-worker.ts',
};

export interface HotPathMeasurement {
  hotPath: 'reserve-worker.ts' | 'pacing-worker.ts' | 'cohort-worker.ts';
  engine: EngineName;
  model: ModelVersion;
  /** Median wall time of one engine call, ms. */
  medianMs: number;
  runs: number;
  /** Every timed run, ms, ascending (a regression check compares them with an accepted run's). */
  samples: number[];
}

export interface MeasureHotPathsOptions {
  /** Timed runs per engine and model (default 25, after 10 warm-up runs). */
  runs?: number;
  /** Portfolio size (default 500). */
  companies?: number;
  /** Quarters of history / pacing horizon (default 40). */
  quarters?: number;
  /** Measure replaced engines instead of the shipped ones. */
  impls?: EngineOverrides;
}

// The first calls run in the interpreter; medians should describe the optimized code a worker runs.
const WARM_UP_RUNS = 10;

/**
 * Times each engine × model on one deterministic portfolio and returns the
 * medians. Yields to the event loop between measurements so a caller's
 * timers and signals still run.
 */
export async function measureHotPaths(opts: MeasureHotPathsOptions = {}): Promise<HotPathMeasurement[]> {
  const runs = opts.runs ?? 25;
  const portfolio = buildPerfPortfolio(opts.companies ?? 500, opts.quarters ?? 40);
  const engines = resolveEngines(opts.impls);
  const calls: Record<EngineName, (m: ModelVersion) => unknown> = {
    reserves: (m) => engines.reserves[m](portfolio.reserves),
    pacing: (m) => engines.pacing[m](portfolio.pacing),
    cohorts: (m) => engines.cohorts[m](portfolio.cohorts),
  };
  const results: HotPathMeasurement[] = [];
  for (const engine of Object.keys(calls) as EngineName[]) {
    for (const model of MODEL_VERSIONS) {
      await new Promise((resolve) => setImmediate(resolve));
      const samples = timeRuns(() => calls[engine](model), runs);
      results.push({
        hotPath: HOT_PATH_BY_ENGINE[engine],
        engine,
        model,
        medianMs: medianOfSorted(samples),
        runs,
        samples,
      });
    }
  }
  return results;
}

/** Warm up, then time `runs` calls; ascending. */
function timeRuns(fn: () => unknown, runs: number): number[] {
  for (let i = 0; i < WARM_UP_RUNS; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b);
}

/** Median of an ascending, non-empty list. */
export function medianOfSorted(samples: readonly number[]): number {
  const mid = samples.length >> 1;
  return samples.length % 2 === 1
    ? (samples[mid] as number)
    : ((samples[mid - 1] as number) + (samples[mid] as number)) / 2;
}
