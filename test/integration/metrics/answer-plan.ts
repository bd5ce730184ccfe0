import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { matrixBody, vectorBody, type FakeReply, type FakeRequest } from './fake-prometheus.js';

/**
 * A plan with one metric of each kind (counts, an absolute p95 budget, a per-minute latency series)
 * and a prometheus gate, written so that a fake server can tell the queries apart by their text.
 */
export function answerPlan(opts: { timeout?: string; retries?: number } = {}): string {
  return `version: 1
release: v9.9.9
flags:
  - key: reserves_v1.1
    variants: { new: reserves_v1.1, fallback: reserves_v1.0 }
    file: flags/flags.json
phases:
  - id: P0
    title: Pre-flight
    gates:
      - { id: error-budget, kind: prometheus, query: 'sum(rate(gate_errors_total[5m])) / sum(rate(gate_requests_total[5m]))', expect: "< 0.01" }
  - id: P2
    title: Rollout
    completion: none
    rollout:
      flag: reserves_v1.1
      stages:
        - { id: s1, percent: 10, groups: [internal], bake: 0s }
        - { id: s2, percent: 100, groups: [internal] }
canary:
  window: 30m
  minSamples: 1000
  arms: { label: variant, canary: reserves_v1.1, baseline: reserves_v1.0 }
  metrics:
    - id: error_rate
      kind: ratio
      events: sum(increase(http_requests_total{variant="{{variant}}",status=~"5.."}[{{window}}]))
      total: sum(increase(http_requests_total{variant="{{variant}}"}[{{window}}]))
      direction: lower-is-better
      maxRelativeChange: 0.10
    - id: latency_p95
      kind: threshold
      query: 1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{variant="{{variant}}"}[{{window}}])))
      max: 400
    - id: latency
      kind: distribution
      query: 1000 * histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{variant="{{variant}}"}[5m])))
      step: 1m
      direction: lower-is-better
      maxRelativeShift: 0.10
      critical: false
triggers:
  - { id: error-rate, metric: error_rate, above: baseline * 1.5, window: 10m }
  - { id: latency-p95, metric: latency_p95, above: 400, window: 5m }
rollback:
  defaultMode: immediate
watch:
  interval: 1m
metrics:
  prometheus: { timeout: ${opts.timeout ?? '5s'}, retries: ${opts.retries ?? 0} }
`;
}

export async function answerProject(opts: Parameters<typeof answerPlan>[0] = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-answers-'));
  await writeFile(path.join(dir, 'rollout.yaml'), answerPlan(opts));
  return dir;
}

/** Which of the plan's queries a request is. */
export type QueryRole = 'events' | 'total' | 'p95' | 'median' | 'gate' | 'other';

export function roleOf(req: FakeRequest): QueryRole {
  const q = req.query;
  if (q.includes('gate_errors_total')) return 'gate';
  if (q.includes('histogram_quantile(0.95')) return 'p95';
  if (q.includes('histogram_quantile(0.5')) return 'median';
  if (q.includes('status=~')) return 'events';
  if (q.includes('http_requests_total')) return 'total';
  return 'other';
}

export const isCanary = (req: FakeRequest): boolean => req.query.includes('reserves_v1.1');

/** A healthy answer for every query: 0.5 % errors on 12,000 requests, p95 250 ms, medians near 100 ms. */
export function healthyReply(req: FakeRequest): FakeReply {
  switch (roleOf(req)) {
    case 'events':
      return { body: vectorBody(['60']) };
    case 'total':
      return { body: vectorBody(['12000']) };
    case 'p95':
      return { body: vectorBody(['250']) };
    case 'median':
      return {
        body: matrixBody(Array.from({ length: 30 }, (_, i) => String(100 + ((i * 7 + (isCanary(req) ? 3 : 0)) % 11)))),
      };
    case 'gate':
      return { body: vectorBody(['0.001']) };
    default:
      return { body: vectorBody(['1']) };
  }
}

/** The answer plan with the release sitting in P2 / s1 (10 %), so that `watch` has a stage to watch. */
export async function answerProjectAtStage(opts: Parameters<typeof answerPlan>[0] = {}): Promise<string> {
  const dir = await answerProject(opts);
  const [{ loadConfig }, { createFakeClock }, { syncFlagFiles }, { createStateStore }, { createInitialState }] =
    await Promise.all([
      import('../../../src/config/load.js'),
      import('../../../src/lifecycle/clock.js'),
      import('../../../src/lifecycle/flag-sync.js'),
      import('../../../src/state/factory.js'),
      import('../../../src/state/types.js'),
    ]);
  const loaded = await loadConfig({ file: 'rollout.yaml', cwd: dir });
  const startedAt = new Date(Date.now() - 3_600_000);
  const at = startedAt.toISOString();
  const base = createInitialState(loaded.config.release, loaded.hash, startedAt);
  const state = {
    ...base,
    status: 'in-progress' as const,
    phase: 'P2',
    phaseStartedAt: at,
    stage: { index: 0, id: 's1', startedAt: at },
    flags: { 'reserves_v1.1': { percent: 10, groups: ['internal'], killSwitch: false, updatedAt: at } },
  };
  const store = createStateStore('file:.rollout', { cwd: dir, clock: createFakeClock(startedAt) });
  const lock = await store.acquireLock({ actor: 'setup', operation: 'setup' });
  await store.write(state, { expectSerial: 0, lock });
  await store.releaseLock(lock);
  await syncFlagFiles(loaded.config, dir, state.flags, { dryRun: false, env: {}, redact: (t) => t });
  return dir;
}
