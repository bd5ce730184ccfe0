/** A watch loop with in-memory ports and a fake clock, on the repository plan. */
import path from 'node:path';
import { loadConfig, type LoadedConfig } from '../../../src/config/load.js';
import type { Ctx } from '../../../src/context.js';
import { createFakeClock, type FakeClock } from '../../../src/lifecycle/clock.js';
import type { RollbackOutcome } from '../../../src/lifecycle/rollback.js';
import type { ReleaseEvent } from '../../../src/notify/types.js';
import { createRedactor } from '../../../src/output/redact.js';
import type { ReleaseState } from '../../../src/state/types.js';
import { createInitialState } from '../../../src/state/types.js';
import type { WatchPorts } from '../../../src/watch/loop.js';
import { createMemoryProgressStore } from '../../../src/watch/progress-store.js';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const START = new Date('2026-03-02T12:00:00Z');

export async function loadPlan(patch: (c: LoadedConfig['config']) => void = () => undefined): Promise<LoadedConfig> {
  const loaded = await loadConfig({ file: 'rollout.yaml', cwd: REPO });
  patch(loaded.config);
  return loaded;
}

/** The release in P2, stage week-1 (1 %), started an hour before START. */
export function stageState(overrides: Partial<ReleaseState> = {}): ReleaseState {
  const s = createInitialState('v2.1.0', 'hash', START);
  const at = new Date(START.getTime() - 3_600_000).toISOString();
  return {
    ...s,
    status: 'in-progress',
    phase: 'P2',
    phaseStartedAt: at,
    stage: { index: 0, id: 'week-1', startedAt: at },
    flags: { 'reserves_v1.1': { percent: 1, groups: ['internal'], killSwitch: false, updatedAt: at } },
    ...overrides,
  };
}

export interface Harness {
  ctx: Ctx;
  clock: FakeClock;
  lines: string[];
  events: ReleaseEvent[];
  rollbacks: Array<Parameters<WatchPorts['rollback']>[0] & { at: string }>;
  records: Array<{ op: string; evidence: Record<string, unknown> }>;
  ports: WatchPorts;
  progress: ReturnType<typeof createMemoryProgressStore>;
  state: { current: ReleaseState | null };
  health: { verdict: 'pass' | 'fail' | 'inconclusive'; summary: string };
}

/**
 * Ports that record what the loop asked for. The rollback port stands in for performRollback here
 * (the integration tier runs the real one against flag files and the audit log).
 */
export function createHarness(
  opts: { state?: ReleaseState | null; progress?: ReturnType<typeof createMemoryProgressStore>; start?: Date } = {},
): Harness {
  const clock = createFakeClock(opts.start ?? START);
  const lines: string[] = [];
  const h: Omit<Harness, 'ctx' | 'ports'> = {
    clock,
    lines,
    events: [] as ReleaseEvent[],
    rollbacks: [] as Harness['rollbacks'],
    records: [] as Harness['records'],
    progress: opts.progress ?? createMemoryProgressStore(),
    state: { current: opts.state === undefined ? stageState() : opts.state },
    health: { verdict: 'pass' as const, summary: '200 in 2 ms' },
  };
  const ctx: Ctx = {
    cwd: REPO,
    env: {},
    clock,
    actor: 'tester',
    global: { config: 'rollout.yaml', json: false, color: false },
    progress: (l) => lines.push(l),
    isTTY: false,
    redact: createRedactor({}),
  };
  const ports: WatchPorts = {
    readRelease: async () => h.state.current,
    progress: h.progress,
    async rollback(o) {
      h.rollbacks.push({ ...o, at: clock.now().toISOString() });
      if (h.state.current) h.state.current = { ...h.state.current, status: 'rolled-back' };
      return {
        ok: true,
        mode: o.mode,
        rollbackId: `rb-${h.rollbacks.length}`,
        flagWrittenAtMs: 1,
        steps: [],
        recorded: true,
        problems: [],
      } satisfies RollbackOutcome;
    },
    async announce(events) {
      h.events.push(...events);
      return { delivered: events.map((e) => e.type), queued: [], errors: [], warnings: [] };
    },
    checkHealth: async () => harness.health,
    accuracyDelta: async () => 0.02,
    async recordEvidence(op, evidence) {
      h.records.push({ op, evidence });
    },
  };
  const harness: Harness = Object.assign(h, { ctx, ports });
  return harness;
}
