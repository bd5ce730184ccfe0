/**
 * X-1 evidence from `rollout chaos run` against a real Redis and the fixture app: a run passes only
 * when the application's traffic went through the fault (else NOT-EXERCISED), no acknowledged write
 * was lost (write-read check) and the user journey worked (http-journey check); the recorded runs
 * are what the `chaos` gate reads. Faults last 1 s: the durations are not the point here.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveIntentDir } from '../../../src/chaos/intent.js';
import { readResult } from '../../../src/chaos/results.js';
import type { ExperimentResult } from '../../../src/chaos/types.js';
import { runChaosWith, type ChaosRunResult } from '../../../src/commands/chaos.js';
import { loadConfigFor } from '../../../src/commands/load-config.js';
import { buildGateContext } from '../../../src/gates/gate-context.js';
import { runGate } from '../../../src/gates/run-gate.js';
import { getFreePort } from '../../helpers/postgres.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { makeCtx, startChaosApp, writeProject, type ChaosApp } from './harness.js';

let redis: TestRedis;
const apps: ChaosApp[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await redis?.stop();
});

async function app(redisAddr: string, bug?: string): Promise<ChaosApp> {
  // PG_URL points nowhere: these routes use Redis only.
  const a = await startChaosApp({
    tuning: 'good',
    pgUrl: 'postgres://127.0.0.1:1/none',
    redisAddr,
    ...(bug ? { bug } : {}),
  });
  apps.push(a);
  return a;
}

const draftCheck = {
  id: 'draft-roundtrip',
  kind: 'write-read',
  urlEnv: 'APP_BASE_URL',
  write: { method: 'PUT', path: '/api/drafts/{{key}}', body: '{"value":"{{value}}"}' },
  read: { path: '/api/drafts/{{key}}' },
};
const journeyCheck = {
  id: 'wizard-journey',
  kind: 'http-journey',
  urlEnv: 'APP_BASE_URL',
  steps: [
    { name: 'open the wizard', path: '/' },
    { name: 'list funds', path: '/api/funds', bodyMatches: 'Fund I' },
  ],
};

function redisExperiment(id: string, target: number, listen: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    title: 'Redis unavailability',
    item: 'X-1',
    fault: { type: 'unavailable', listen: `127.0.0.1:${listen}`, target: `127.0.0.1:${target}` },
    duration: '1s',
    probe: { id: 'redis-probe', kind: 'http', urlEnv: 'APP_BASE_URL', path: '/health/redis', timeout: '5s' },
    recoveryObjective: '10s',
    checks: [draftCheck, journeyCheck],
    ...extra,
  };
}

async function run(dir: string, id: string, env: Record<string, string>) {
  const ctx = makeCtx(dir, env);
  const outcome = await runChaosWith({}, ['run', id], ctx, { steadyTimeoutMs: 5_000 });
  const run = outcome.result as ChaosRunResult;
  return { outcome, result: run.experiment as ExperimentResult, recordedIn: run.recordedIn, ctx };
}

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('Chaos Lite: exercised faults, X-1 checks and the recorded evidence', () => {
  it('PASS: the app reaches Redis through the proxy, refuses drafts during the fault, loses none; the gate passes on the record', async () => {
    const listen = await getFreePort();
    const a = await app(`127.0.0.1:${listen}`);
    const dir = await writeProject([redisExperiment('redis-unavailable', redis.port, listen)]);
    const { outcome, result, recordedIn, ctx } = await run(dir, 'redis-unavailable', { APP_BASE_URL: a.url });
    expect(result.verdict, ctx.lines.join('\n') + result.reason).toBe('pass');
    expect(outcome.exitCode).toBe(0);
    expect(result.traffic?.during.connections).toBeGreaterThan(0);
    const [draft, journey] = result.checks;
    expect(draft).toMatchObject({ id: 'draft-roundtrip', verdict: 'pass' });
    expect(draft?.counts.refused).toBeGreaterThan(0); // the fault reached the writes
    expect(draft?.counts.verified).toBeGreaterThanOrEqual(2); // the one before the fault and the fresh one after
    expect(draft?.counts.lost).toBe(0);
    expect(journey).toMatchObject({ id: 'wizard-journey', verdict: 'pass' });
    expect(journey?.counts.runs).toBeGreaterThanOrEqual(3); // before, during (at least once), after

    expect(recordedIn).toBeDefined();
    const found = await readResult(resolveIntentDir('file:.rollout', dir), 'redis-unavailable');
    expect(found.status).toBe('ok');
    const gate = await gateResult(dir, ['redis-unavailable']);
    expect(gate.verdict, gate.summary).toBe('pass');
  });

  it('NOT-EXERCISED: the app talks to Redis directly, never through the proxy (exit 3; the gate fails)', async () => {
    const listen = await getFreePort();
    const a = await app(`127.0.0.1:${redis.port}`);
    const dir = await writeProject([redisExperiment('redis-bypassed', redis.port, listen, { checks: [journeyCheck] })]);
    const { outcome, result } = await run(dir, 'redis-bypassed', { APP_BASE_URL: a.url });
    expect(result.verdict).toBe('not-exercised');
    expect(outcome.exitCode).toBe(3);
    expect(result.during.fails).toBe(0); // every probe passed: without the traffic count this was a PASS
    expect(result.traffic?.during).toEqual({ connections: 0, bytesFromClients: 0, bytesFromTarget: 0 });
    expect(result.reason).toMatch(/sent nothing through the fault proxy.*connect to 127\.0\.0\.1:\d+/);
    const gate = await gateResult(dir, ['redis-bypassed']);
    expect(gate).toMatchObject({ verdict: 'fail', reason: 'chaos-not-exercised' });
  });

  it('NOT-EXERCISED: nothing listens on the target; nothing is injected', async () => {
    const listen = await getFreePort();
    const a = await app(`127.0.0.1:${redis.port}`);
    const dead = await deadPort();
    const dir = await writeProject([redisExperiment('redis-absent', dead, listen)]);
    const { outcome, result } = await run(dir, 'redis-absent', { APP_BASE_URL: a.url });
    expect(result.verdict).toBe('not-exercised');
    expect(outcome.exitCode).toBe(3);
    expect(result.faultStartedAt).toBeNull();
    expect(result.reason).toContain(`nothing accepts connections on the target 127.0.0.1:${dead} (ECONNREFUSED)`);
  });

  it('FAIL: an app that acknowledges drafts it could not store loses them (write-read check)', async () => {
    const listen = await getFreePort();
    const a = await app(`127.0.0.1:${listen}`, 'ack-lost-writes');
    const dir = await writeProject([redisExperiment('redis-lossy', redis.port, listen, { checks: [draftCheck] })]);
    const { outcome, result } = await run(dir, 'redis-lossy', { APP_BASE_URL: a.url });
    expect(result.verdict).toBe('fail');
    expect(outcome.exitCode).toBe(1);
    expect(result.recoveryMs).not.toBeNull(); // it recovered: only the check fails it
    const [draft] = result.checks;
    expect(draft?.verdict).toBe('fail');
    expect(draft?.counts.lost).toBeGreaterThan(0);
    expect(result.reason).toMatch(
      /check draft-roundtrip: data lost or changed: acknowledged write rollout-chaos-\S+ is gone \(GET \/api\/drafts\/\S+: HTTP 404\)/,
    );
  });

  it('FAIL: the journey breaks while Redis is down when the app has no fallback (http-journey check)', async () => {
    const listen = await getFreePort();
    const a = await app(`127.0.0.1:${listen}`, 'funds-need-redis');
    const dir = await writeProject([redisExperiment('redis-journey', redis.port, listen, { checks: [journeyCheck] })]);
    const { outcome, result } = await run(dir, 'redis-journey', { APP_BASE_URL: a.url });
    expect(result.verdict).toBe('fail');
    expect(outcome.exitCode).toBe(1);
    expect(result.reason).toMatch(
      /check wizard-journey: the journey failed \d+ of \d+ times; first: during the fault, step 2 \(list funds\): GET \/api\/funds: HTTP 503/,
    );
    const gate = await gateResult(dir, ['redis-journey']);
    expect(gate).toMatchObject({ verdict: 'fail', reason: 'chaos-failed' });
    expect(gate.summary).toContain('redis-journey: FAIL');
  });
});

/** A chaos gate over `experiments`, judged in the project as preflight would. */
async function gateResult(dir: string, experiments: string[]) {
  const ctx = makeCtx(dir, {});
  const loaded = await loadConfigFor(ctx);
  const gctx = buildGateContext(ctx, loaded, 'P3', null);
  return runGate({ id: 'chaos-passed', kind: 'chaos', experiments, maxAge: '1h' }, gctx);
}
