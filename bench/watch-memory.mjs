// `rollout watch` memory over 10,000 evaluation cycles: the real loop (every trigger of the
// repository plan, sequential tests, progress saved each look, metrics registry) on a fake clock
// with an in-process metrics source. Heap is measured after a full GC at cycle 1,000 and 10,000;
// the ratio should be flat (≈ 1). Needs the build (`npx tsc -p tsconfig.build.json`) and
// `node --expose-gc bench/watch-memory.mjs`.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../dist/src/config/load.js';
import { createFakeClock } from '../dist/src/lifecycle/clock.js';
import { runWatch } from '../dist/src/watch/loop.js';
import { WatchMetrics } from '../dist/src/watch/metrics-endpoint.js';
import { createMemoryProgressStore } from '../dist/src/watch/progress-store.js';

if (typeof globalThis.gc !== 'function') {
  console.error('run with: node --expose-gc bench/watch-memory.mjs');
  process.exit(2);
}
const CYCLES = Number(process.env.BENCH_CYCLES ?? 10_000);
const CHECKPOINTS = [1_000, CYCLES];
const MIN = 60_000;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const start = new Date('2026-03-02T12:00:00Z');
const origin = start.getTime() - 60 * MIN;

/** Per-minute rates; counters are rate × elapsed minutes, so any range is answered in O(1). */
const RATES = { requests: 400, errors: 2, wizardStarted: 60, wizardDone: 58.2, fundAll: 40, fundOk: 39.2 };
function classify(q) {
  if (q.includes('histogram_quantile')) return 'latency';
  if (q.includes('http_requests_total')) return q.includes('status=~') ? 'errors' : 'requests';
  if (q.includes('wizard_completed_total')) return 'wizardDone';
  if (q.includes('wizard_started_total')) return 'wizardStarted';
  if (q.includes('fund_setup_success_total')) return 'fundOk';
  if (q.includes('fund_setup_attempts_total')) return 'fundAll';
  return null;
}
const UNIT = { ms: 1, s: 1000, m: MIN, h: 60 * MIN };
const source = {
  description: 'memory:bench',
  async instant(query, o = {}) {
    const at = (o.time ?? new Date()).getTime();
    const base = { query, url: 'memory:', durationMs: 0, attempts: 1 };
    const kind = classify(query);
    if (!kind) return { ...base, kind: 'empty' };
    let value = 180;
    if (kind !== 'latency') {
      const r = /\[(\d+)(ms|s|m|h)\]/.exec(query);
      const w = r ? Number(r[1]) * UNIT[r[2]] : 0;
      const minutes = (t) => Math.max(0, (t - origin) / MIN);
      value = RATES[kind] * (minutes(at) - minutes(at - w));
    }
    return {
      ...base,
      kind: 'ok',
      resultType: 'vector',
      series: [{ labels: {}, values: [{ t: at / 1000, v: value }] }],
    };
  },
  async range(query) {
    return { query, url: 'memory:', durationMs: 0, attempts: 0, kind: 'empty' };
  },
  async checkOnline() {
    return { online: true, outcome: { query: 'vector(1)', url: 'memory:', durationMs: 0, attempts: 0, kind: 'empty' } };
  },
};

const at = new Date(start.getTime() - 3_600_000).toISOString();
const state = {
  schemaVersion: 1,
  release: 'v2.1.0',
  lineage: 'bench',
  serial: 1,
  configHash: 'bench',
  status: 'in-progress',
  phase: 'P2',
  phaseStartedAt: at,
  stage: { index: 0, id: 'week-1', startedAt: at },
  flags: { 'reserves_v1.1': { percent: 1, groups: ['internal'], killSwitch: false, updatedAt: at } },
  signoffs: [],
  evidence: {},
  intent: null,
  rollback: null,
  history: [],
};
const clock = createFakeClock(start);
const ctx = {
  cwd: root,
  env: {},
  clock,
  actor: 'bench',
  global: { config: 'rollout.yaml', json: true, color: false },
  progress: () => {},
  isTTY: false,
  redact: (s) => s,
};
let rollbacks = 0;
const ports = {
  readRelease: async () => state,
  progress: createMemoryProgressStore(),
  rollback: async (o) => {
    rollbacks += 1;
    return { ok: true, mode: o.mode, rollbackId: 'bench', flagWrittenAtMs: 0, steps: [], recorded: true, problems: [] };
  },
  announce: async () => ({ delivered: [], queued: [], errors: [], warnings: [] }),
  checkHealth: async () => ({ verdict: 'pass', summary: '200' }),
  accuracyDelta: async () => 0.02,
  recordEvidence: async () => {},
};

const loaded = await loadConfig({ file: 'rollout.yaml', cwd: root });
const heap = {};
const t0 = performance.now();
const summary = await runWatch({
  ctx,
  loaded,
  source,
  ports,
  intervalMs: MIN,
  forMs: CYCLES * MIN,
  metrics: new WatchMetrics(),
  onLook: (look) => {
    if (CHECKPOINTS.includes(look.index)) {
      globalThis.gc();
      globalThis.gc();
      heap[look.index] = process.memoryUsage().heapUsed;
    }
  },
});
const seconds = (performance.now() - t0) / 1000;
const mb = (b) => (b / 1024 / 1024).toFixed(2);
const ratio = heap[CYCLES] / heap[1_000];
console.log(
  `watch memory: ${summary.looks} cycles in ${seconds.toFixed(1)} s (${((seconds * 1000) / summary.looks).toFixed(2)} ms/cycle), stop=${summary.stop}, rollbacks=${rollbacks}`,
);
console.log(
  `heap after GC: cycle 1,000 ${mb(heap[1_000])} MB, cycle ${CYCLES.toLocaleString('en')} ${mb(heap[CYCLES])} MB, ratio ${ratio.toFixed(3)} (target ≤ 1.10: flat)`,
);
process.exitCode = summary.looks === CYCLES && rollbacks === 0 && ratio <= 1.1 ? 0 : 1;
