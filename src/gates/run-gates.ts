import type { GateConfig } from '../config/schema.js';
import { runGate } from './run-gate.js';
import type { GateContext, GateResult, GateVerdict } from './types.js';

/** How many gates of each lane run at once. */
export interface GateConcurrency {
  /** prometheus, http, file, soak, manual: waiting on the network or reading state (default 16). */
  io: number;
  /** command: subprocesses (default 4). */
  process: number;
}

export interface RunGatesOptions {
  concurrency?: Partial<GateConcurrency>;
  onStart?(gate: GateConfig): void;
  onResult?(result: GateResult, gate: GateConfig): void;
}

export const DEFAULT_CONCURRENCY: GateConcurrency = { io: 16, process: 4 };

/**
 * Runs gates concurrently and returns their results in the order given (plan order). Lanes:
 * io and process gates start at once; property suites (CPU-bound and synchronous, in this process)
 * run after them, because while they run no timer, socket or child exit is handled, which would
 * distort latency checks, timeouts and durations; perf-budget gates run last and alone, so that
 * nothing competes with the timing. See README.md.
 */
export async function runGates(
  gates: readonly GateConfig[],
  ctx: GateContext,
  options: RunGatesOptions = {},
): Promise<GateResult[]> {
  const limits = { ...DEFAULT_CONCURRENCY, ...options.concurrency };
  const results = new Array<GateResult | undefined>(gates.length);
  const indexed = gates.map((gate, index) => ({ gate, index }));
  const lane = (pick: (g: GateConfig) => boolean) => indexed.filter((x) => pick(x.gate));
  const run = async ({ gate, index }: { gate: GateConfig; index: number }) => {
    options.onStart?.(gate);
    const result = await runGate(gate, ctx);
    results[index] = result;
    options.onResult?.(result, gate);
  };
  const io = runPool(
    lane((g) => !['command', 'property', 'perf-budget'].includes(g.kind)),
    limits.io,
    run,
  );
  const processes = runPool(
    lane((g) => g.kind === 'command'),
    limits.process,
    run,
  );
  await Promise.all([io, processes]);
  await runPool(
    lane((g) => g.kind === 'property'),
    1,
    run,
  );
  await runPool(
    lane((g) => g.kind === 'perf-budget'),
    1,
    run,
  );
  return results as GateResult[];
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function runPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** Counts per verdict, and the overall verdict: any fail → fail; else any inconclusive → inconclusive. */
export function summarizeVerdicts(results: readonly GateResult[]): {
  verdict: GateVerdict;
  counts: Record<GateVerdict, number>;
} {
  const counts: Record<GateVerdict, number> = { pass: 0, fail: 0, inconclusive: 0 };
  for (const r of results) counts[r.verdict]++;
  const verdict: GateVerdict = counts.fail > 0 ? 'fail' : counts.inconclusive > 0 ? 'inconclusive' : 'pass';
  return { verdict, counts };
}
