import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzeCanary } from '../../../src/canary/analyze.js';
import type { CanaryVerdict } from '../../../src/canary/types.js';
import { loadConfig, type LoadedConfig } from '../../../src/config/load.js';
import { createGateMetrics } from '../../../src/gates/metrics.js';
import { runGate } from '../../../src/gates/run-gate.js';
import { createPrometheusSource } from '../../../src/metrics/prometheus.js';
import { evaluateLook } from '../../../src/watch/look.js';
import { resolveTriggers } from '../../../src/watch/specs.js';
import { createWatchProgress, type TriggerOutcome } from '../../../src/watch/types.js';
import { gateContext } from '../../unit/gates/context.js';
import { runCli } from '../../helpers/cli.js';
import { answerProject, answerProjectAtStage, healthyReply, isCanary, roleOf } from './answer-plan.js';
import { startFakePrometheus, type FakePrometheus, type FakeRequest } from './fake-prometheus.js';
import { fuzzReply, type FuzzReply } from './fuzz-replies.js';

/**
 * Fuzzing the metrics source: every query of `analyze`, a prometheus gate and one `watch` look gets
 * an arbitrary answer (status, garbage, truncated or wrongly shaped JSON, NaN/±Inf/negative/huge
 * values, bodies of megabytes, bodies trickled slower than the deadline, no answer). Invariants:
 * no exception (exit 70), no stack trace, never a pass on a missing or impossible answer, and every
 * answer held back is given up at the client's deadline (in-process; no run is timed). The bulk runs
 * in-process; a sample drives the real CLI.
 *
 * fast-check prints the seed and path of a failure; replay it with FUZZ_SEED=… FUZZ_PATH=…
 * (and the same FUZZ_SCALE, if one was set).
 */
const replay = process.env.FUZZ_SEED
  ? { seed: Number(process.env.FUZZ_SEED), ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) }
  : {};
/** FUZZ_SCALE=10 runs ten times as many cases (a deeper local hunt; CI keeps the default of 1). */
const scale = Math.max(1, Number(process.env.FUZZ_SCALE) || 1);
const settings = (numRuns: number) => ({
  numRuns: numRuns * scale,
  verbose: 1 as const,
  endOnFailure: true,
  ...replay,
});

const TIMEOUT_MS = 400;

/**
 * "Ends within its deadline", checked by order of events rather than by a stopwatch: every answer the
 * fake held back (no answer, or a body trickled slower than any deadline) was given up by the client
 * (connection closed before the body was complete), so the deadline ended it, not the server.
 */
async function expectDeadlineEndedSlowReplies(from: number): Promise<void> {
  const mine = () => fake.exchanges.slice(from);
  await vi.waitUntil(() => mine().every((x) => x.ended !== 'open'), { timeout: 10_000, interval: 10 });
  for (const x of mine())
    if (x.reply.hang || x.reply.trickle) expect(x.ended, `${x.request.path} ${x.request.query}`).toBe('dropped');
}

let fake: FakePrometheus;
let loaded: LoadedConfig;
let dir: string;
let stageDir: string;

beforeAll(async () => {
  fake = await startFakePrometheus(healthyReply);
  dir = await answerProject({ timeout: '1s', retries: 0 });
  stageDir = await answerProjectAtStage({ timeout: '1s', retries: 0 });
  loaded = await loadConfig({ file: 'rollout.yaml', cwd: dir });
});
afterAll(async () => {
  await fake?.stop();
});

type Key = `${'events' | 'total' | 'p95' | 'median'}-${'baseline' | 'canary'}`;
const keyOf = (req: FakeRequest): string => `${roleOf(req)}-${isCanary(req) ? 'canary' : 'baseline'}`;

const canaryReplies = fc.record({
  'events-baseline': fuzzReply('instant'),
  'events-canary': fuzzReply('instant'),
  'total-baseline': fuzzReply('instant'),
  'total-canary': fuzzReply('instant'),
  'p95-baseline': fuzzReply('instant'),
  'p95-canary': fuzzReply('instant'),
  'median-baseline': fuzzReply('range'),
  'median-canary': fuzzReply('range'),
});
type CanaryReplies = Record<Key, FuzzReply>;

function serve(replies: Partial<Record<string, FuzzReply>>): void {
  fake.answer(
    (req) => replies[keyOf(req)]?.reply ?? replies[roleOf(req)]?.reply ?? { status: 404, body: 'unexpected query' },
  );
}

const unusable = (...rs: FuzzReply[]) => rs.some((r) => r.usable === 'unusable');

/** The analysis may pass a metric only when every answer it rests on was usable. */
function checkVerdict(v: CanaryVerdict, r: CanaryReplies): void {
  const byId = Object.fromEntries(v.metrics.map((m) => [m.id, m]));
  const rests: Record<string, FuzzReply[]> = {
    error_rate: [r['events-baseline'], r['events-canary'], r['total-baseline'], r['total-canary']],
    latency_p95: [r['p95-canary']],
    latency: [r['median-baseline'], r['median-canary']],
  };
  for (const [id, answers] of Object.entries(rests)) {
    if (unusable(...answers)) expect(byId[id]?.verdict, `${id}: ${byId[id]?.reason}`).not.toBe('pass');
    // The other way round: possible values are never called impossible.
    if (answers.every((a) => a.usable === 'usable'))
      expect(byId[id]?.inconclusive, `${id}: ${byId[id]?.reason}`).not.toBe('impossible-value');
  }
  for (const m of v.metrics) {
    expect(m.reason).not.toMatch(/undefined|NaN %/);
    if (m.verdict === 'inconclusive') expect(m.inconclusive).toBeDefined();
  }
}

/** A watch look may say `ok` (or fire) only on usable answers; empty events are 0 events by design. */
function checkLook(outcomes: TriggerOutcome[], r: CanaryReplies): void {
  const events = (x: FuzzReply) =>
    x.label === 'empty vector' || x.label === 'empty matrix' ? { ...x, usable: 'usable' as const } : x;
  const rests: Record<string, FuzzReply[]> = {
    'error-rate': [events(r['events-baseline']), events(r['events-canary']), r['total-baseline'], r['total-canary']],
    'latency-p95': [r['p95-canary']],
  };
  for (const o of outcomes) {
    expect(o.detail, o.id).not.toMatch(/^could not evaluate/);
    if (unusable(...(rests[o.id] ?? [])))
      expect(['error', 'no-data'], `${o.id}: ${o.status} ${o.detail}`).toContain(o.status);
  }
}

describe('fuzzing the answers in-process', () => {
  it(
    'analyze: never throws, never passes on an unusable answer, ends within the deadline',
    async () => {
      await fc.assert(
        fc.asyncProperty(canaryReplies, fc.constantFrom(0, 1), async (replies, retries) => {
          serve(replies);
          const source = createPrometheusSource({
            url: fake.url,
            env: {},
            timeoutMs: TIMEOUT_MS,
            retry: { retries, baseDelayMs: 10 },
          });
          const asked = fake.exchanges.length;
          const verdict = await analyzeCanary({
            canary: loaded.config.canary!,
            budget: null,
            source,
            now: new Date(),
            release: 'v9.9.9',
          });
          await expectDeadlineEndedSlowReplies(asked);
          checkVerdict(verdict, replies);
        }),
        settings(80),
      );
    },
    60_000 * scale,
  );

  it(
    'a prometheus gate: never throws, never passes on an unusable answer, ends within the deadline',
    async () => {
      await fc.assert(
        fc.asyncProperty(fuzzReply('instant'), async (reply) => {
          serve({ gate: reply });
          const env = { ROLLOUT_PROMETHEUS_URL: fake.url };
          const metrics = createGateMetrics(
            { urlEnv: 'ROLLOUT_PROMETHEUS_URL', timeout: `${TIMEOUT_MS}ms`, retries: 1 },
            env,
          );
          const gate = loaded.config.phases[0]!.gates[0]!;
          const asked = fake.exchanges.length;
          const result = await runGate(gate, gateContext({ env, metrics }));
          await expectDeadlineEndedSlowReplies(asked);
          expect(result.reason, result.summary).not.toBe('error');
          if (reply.usable === 'unusable')
            expect(result.verdict, `${result.reason}: ${result.summary}`).not.toBe('pass');
          // The other way round: a usable answer is judged, never refused (the plan's gate is "< 0.01").
          const value = /^(?:vector|scalar) (\S+)$/.exec(reply.label)?.[1];
          if (reply.usable === 'usable' && value !== undefined)
            expect(result.verdict, result.summary).toBe(Number(value) < 0.01 ? 'pass' : 'fail');
          expect(result.summary.length).toBeLessThan(400);
        }),
        settings(200),
      );
    },
    60_000 * scale,
  );

  it(
    'one watch look: never throws, never says ok on an unusable answer, ends within the deadline',
    async () => {
      const specs = resolveTriggers(loaded.config);
      await fc.assert(
        fc.asyncProperty(canaryReplies, async (replies) => {
          serve(replies);
          const source = createPrometheusSource({
            url: fake.url,
            env: {},
            timeoutMs: TIMEOUT_MS,
            retry: { retries: 0 },
          });
          const at = new Date();
          const progress = createWatchProgress('v9.9.9', 'P2/s1', at);
          const asked = fake.exchanges.length;
          const look = await evaluateLook(specs, progress, {
            query: { source, canary: loaded.config.canary!, release: 'v9.9.9', at },
            alpha: 0.01,
            state: null,
            checkHealth: () => Promise.reject(new Error('no health trigger in this plan')),
            accuracyDelta: () => Promise.resolve(null),
          });
          await expectDeadlineEndedSlowReplies(asked);
          checkLook(look.outcomes, replies);
        }),
        settings(120),
      );
    },
    60_000 * scale,
  );
});

/** The CLI's documented exit codes; 70 (internal error) is a defect here. */
const DOCUMENTED = [0, 1, 2, 3, 4, 5, 6];

function checkRun(r: Awaited<ReturnType<typeof runCli>>): void {
  expect(DOCUMENTED, r.stdout + r.stderr).toContain(r.code);
  expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
}

describe('fuzzing the answers through bin/rollout (a sample)', () => {
  it(
    'analyze --json: a documented exit code, no stack trace, never a pass on an unusable answer',
    async () => {
      await fc.assert(
        fc.asyncProperty(canaryReplies, async (replies) => {
          serve(replies);
          const r = await runCli(['analyze', '--json', '--dry-run'], {
            cwd: dir,
            env: { ROLLOUT_PROMETHEUS_URL: fake.url },
          });
          checkRun(r);
          const doc = r.json<{ exitCode: number; result: CanaryVerdict }>();
          expect(doc.exitCode).toBe(r.code);
          checkVerdict(doc.result, replies);
        }),
        settings(8),
      );
    },
    60_000 * scale,
  );

  it(
    'preflight --json (a prometheus gate): a documented exit code, never a pass on an unusable answer',
    async () => {
      await fc.assert(
        fc.asyncProperty(fuzzReply('instant'), async (reply) => {
          serve({ gate: reply });
          const r = await runCli(['preflight', '--phase', 'P0', '--json'], {
            cwd: dir,
            env: { ROLLOUT_PROMETHEUS_URL: fake.url },
          });
          checkRun(r);
          const gate = r.json<{ result: { gates: Array<{ verdict: string; reason: string }> } }>().result.gates[0];
          expect(gate?.reason).not.toBe('error');
          if (reply.usable === 'unusable') expect(gate?.verdict).not.toBe('pass');
        }),
        settings(8),
      );
    },
    60_000 * scale,
  );

  it(
    'watch --for 1s (one look): a documented exit code, no stack trace, never ok on an unusable answer',
    async () => {
      await fc.assert(
        fc.asyncProperty(canaryReplies, async (replies) => {
          serve(replies);
          const r = await runCli(['watch', '--for', '1s', '--json'], {
            cwd: stageDir,
            env: { ROLLOUT_PROMETHEUS_URL: fake.url },
          });
          checkRun(r);
          const doc = r.json<{ result: { looks: number; triggers: TriggerOutcome[] } }>();
          expect(doc.result.looks, r.stdout).toBeGreaterThanOrEqual(1);
          checkLook(doc.result.triggers, replies);
          // A look that rolled back would change the next run's release: start every run from the stage.
          if (r.code === 4) stageDir = await answerProjectAtStage({ timeout: '1s', retries: 0 });
        }),
        settings(4),
      );
    },
    60_000 * scale,
  );
});
