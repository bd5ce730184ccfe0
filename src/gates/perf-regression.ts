import { readTextOrNull, writeFileAtomic } from '../state/atomic-file.js';
import { mannWhitney } from '../stats/mann-whitney.js';

/**
 * "Performance Regression: 0 %" against the last accepted run. A hot path regresses when its samples
 * are significantly slower than the accepted run's (one-sided Mann–Whitney, `alpha`) AND its median
 * is at least `minRelativeChange` slower: the rank test keeps one slow outlier from failing a run,
 * the minimum change keeps a tiny but consistent shift (a busy machine) from failing it.
 */
export interface PerfBaseline {
  version: 1;
  acceptedAt: string;
  /** `reserve-worker.ts v1.1` → that run's samples, ms. */
  samples: Record<string, number[]>;
}

export interface RegressionCheck {
  key: string;
  baselineMedianMs: number;
  medianMs: number;
  /** median / baseline median − 1. */
  relativeChange: number;
  /** One-sided: the current samples are larger. */
  pValue: number;
  regressed: boolean;
}

export interface RegressionPolicy {
  alpha: number;
  minRelativeChange: number;
}

/** The accepted run, or null when there is none yet; throws a message naming the file when it is unusable. */
export async function readPerfBaseline(file: string, display: string): Promise<PerfBaseline | null> {
  let text: string | null;
  try {
    text = await readTextOrNull(file);
  } catch (error) {
    throw new Error(`${display}: ${(error as Error).message}`);
  }
  if (text === null) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${display}: not JSON (${(error as Error).message}); delete it to accept the next run as the baseline`,
    );
  }
  const d = doc as Partial<PerfBaseline> | null;
  const valid =
    d !== null &&
    typeof d === 'object' &&
    d.version === 1 &&
    typeof d.acceptedAt === 'string' &&
    typeof d.samples === 'object' &&
    d.samples !== null &&
    Object.values(d.samples).every(
      (s) => Array.isArray(s) && s.length > 0 && s.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0),
    );
  if (!valid)
    throw new Error(
      `${display}: not a perf baseline (version 1, acceptedAt, samples: finite non-negative ms per hot path); delete it to accept the next run`,
    );
  return d as PerfBaseline;
}

export async function writePerfBaseline(file: string, baseline: PerfBaseline): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(baseline, null, 2)}\n`);
}

/** Compares each measured hot path that the accepted run also measured. Pure. */
export function checkRegressions(
  current: Record<string, number[]>,
  baseline: PerfBaseline,
  policy: RegressionPolicy,
): RegressionCheck[] {
  const checks: RegressionCheck[] = [];
  for (const [key, samples] of Object.entries(current)) {
    const before = baseline.samples[key];
    if (!before || samples.length === 0) continue;
    const medianMs = median(samples);
    const baselineMedianMs = median(before);
    const relativeChange =
      baselineMedianMs > 0 ? medianMs / baselineMedianMs - 1 : medianMs > 0 ? Number.POSITIVE_INFINITY : 0;
    const { pValue } = mannWhitney(samples, before, { alternative: 'greater' });
    checks.push({
      key,
      baselineMedianMs,
      medianMs,
      relativeChange,
      pValue,
      regressed: pValue < policy.alpha && relativeChange >= policy.minRelativeChange,
    });
  }
  return checks;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
