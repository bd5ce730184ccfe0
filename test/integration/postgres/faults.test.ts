/**
 * Network faults between rollout and PostgreSQL, injected by a TCP proxy: a 5 s cut in the middle
 * of a write, cuts at random moments of a write stream, and a black hole (no RST, no answer).
 * Each case checks the outcome, that the call returned within its configured timeouts (× a wide
 * margin: this asserts "never hangs", not speed), and that the state is exactly old or new.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PG_SETTINGS, type PgSettings } from '../../../src/state/postgres/connector.js';
import { createPostgresStateStore } from '../../../src/state/postgres/create.js';
import type { PostgresStateStore, PostgresStateStoreOptions } from '../../../src/state/postgres/store.js';
import type { LockHandle } from '../../../src/state/store.js';
import { createInitialState, type ReleaseState } from '../../../src/state/types.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const clock = { now: () => new Date() };
let server: TestPostgres;
let proxy: TcpProxy;
const stores: PostgresStateStore[] = [];
let counter = 0;

beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterEach(async () => {
  await proxy?.stop();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.stop();
});

function open(url: string, extra: Omit<PostgresStateStoreOptions, 'target' | 'clock'> = {}): PostgresStateStore {
  const store = createPostgresStateStore(url, { clock, env: {} }, extra);
  stores.push(store);
  return store;
}

/** A release with state serial 1 on the direct URL, and the URL of the same release through the proxy. */
async function setUp(): Promise<{ direct: PostgresStateStore; viaProxy: string }> {
  const url = `${server.url}?release=fault-${++counter}`;
  const direct = open(url);
  const lock = await direct.acquireLock({ actor: 'setup', operation: 'init' });
  await direct.write(createInitialState('v2.1.0', 'h', clock.now()), { expectSerial: 0, lock });
  await direct.releaseLock(lock);
  proxy = await startTcpProxy({ target: { host: server.host, port: server.port } });
  return { direct, viaProxy: proxy.wrapUrl(url) };
}

/** Worst case of one call: every connect attempt times out, plus backoff, plus one query timeout. */
function worstCaseMs(s: PgSettings): number {
  return s.connectAttempts * s.connectTimeoutMs + 250 * 2 ** s.connectAttempts + s.queryTimeoutMs;
}

async function timed<T>(work: Promise<T>): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const started = Date.now();
  const [result] = await Promise.allSettled([work]);
  return { ms: Date.now() - started, result: result! };
}

function bump(state: ReleaseState, tag: string): ReleaseState {
  return { ...state, evidence: { ...state.evidence, [tag]: true } };
}

describe('connection cut', () => {
  it('for 5 s in the middle of a write: fails fast as not-applied, state stays old, the next write succeeds', async () => {
    const { direct, viaProxy } = await setUp();
    let armed = false;
    const store = open(viaProxy, {
      beforeCommit: async () => {
        if (!armed) return;
        armed = false;
        await proxy.cut(5_000);
        await new Promise((r) => setTimeout(r, 100)); // the client sees the connection drop before COMMIT
      },
    });
    const lock = await store.acquireLock({ actor: 'ana', operation: 'advance' });
    armed = true;
    const before = (await direct.read())!;
    const { ms, result } = await timed(
      store.writeWithAudit(bump(before, 'cut'), { expectSerial: 1, lock }, { actor: 'ana', op: 'advance' }),
    );
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toMatchObject({
      code: 'E_STATE_UNAVAILABLE',
      outcome: 'not-applied',
    });
    expect(ms).toBeLessThan(2 * worstCaseMs(DEFAULT_PG_SETTINGS));
    expect(await direct.read()).toEqual(before);
    expect(await direct.readAudit()).toEqual([]);

    // While the port refuses connections, a call gives up after its bounded connect retries.
    const refused = await timed(store.read());
    expect(refused.result).toMatchObject({ status: 'rejected', reason: { code: 'E_STATE_UNAVAILABLE' } });
    expect(refused.ms).toBeLessThan(2 * worstCaseMs(DEFAULT_PG_SETTINGS));

    await new Promise((r) => setTimeout(r, 5_200));
    const after = await store.writeWithAudit(
      bump(before, 'after'),
      { expectSerial: 1, lock },
      { actor: 'ana', op: 'advance' },
    );
    expect(after.state.serial).toBe(2);
    expect(await direct.read()).toEqual(after.state);
    expect(await direct.verifyAudit()).toMatchObject({ ok: true, entries: 1 });
  });

  it('at random moments of a stream of writes: every state is old or new, serials and audit entries stay in step', async () => {
    const { direct, viaProxy } = await setUp();
    const settings: Partial<PgSettings> = { connectAttempts: 2, connectTimeoutMs: 1_000 };
    const store = open(viaProxy, { settings });
    const lock: LockHandle = await direct.acquireLock({ actor: 'ana', operation: 'stream' });
    let failures = 0;
    for (let i = 0; i < 12; i++) {
      const current = (await direct.read())!;
      const cutAt = Math.random() * 15;
      const timer = i % 3 === 1 ? setTimeout(() => void proxy.cut(300), cutAt) : undefined;
      const attempt = await timed(
        store.writeWithAudit(
          bump(current, `w${i}`),
          { expectSerial: current.serial, lock },
          { actor: 'ana', op: `w${i}` },
        ),
      );
      clearTimeout(timer);
      const now = (await direct.read())!;
      if (attempt.result.status === 'fulfilled') {
        expect(now).toEqual(attempt.result.value.state);
      } else {
        failures += 1;
        expect(attempt.result.reason).toMatchObject({ code: 'E_STATE_UNAVAILABLE' });
        if (now.serial === current.serial) expect(now).toEqual(current);
        else expect(now).toEqual({ ...bump(current, `w${i}`), serial: current.serial + 1 });
      }
      expect(attempt.ms).toBeLessThan(2 * worstCaseMs({ ...DEFAULT_PG_SETTINGS, ...settings }));
      await new Promise((r) => setTimeout(r, 350)); // let a cut end before the next write
    }
    const final = (await direct.read())!;
    const audit = await direct.readAudit();
    expect(audit.map((e) => e.stateSerial)).toEqual(Array.from({ length: final.serial - 1 }, (_, i) => i + 2));
    expect(await direct.verifyAudit()).toMatchObject({ ok: true });
    expect(final.serial - 1 + failures).toBeGreaterThanOrEqual(12);
  });
});

describe('black hole (packets dropped, no reset)', () => {
  it('an open connection: the write times out at query_timeout, nothing is stored, the row lock is freed', async () => {
    const { direct, viaProxy } = await setUp();
    const settings = { ...DEFAULT_PG_SETTINGS, queryTimeoutMs: 2_000 };
    const store = open(viaProxy, { settings });
    const lock = await store.acquireLock({ actor: 'ana', operation: 'advance' }); // warms a pooled connection
    const before = (await direct.read())!;
    proxy.blackhole();
    const { ms, result } = await timed(store.write(bump(before, 'lost'), { expectSerial: 1, lock }));
    expect(result).toMatchObject({ status: 'rejected', reason: { code: 'E_STATE_UNAVAILABLE' } });
    expect(ms).toBeGreaterThanOrEqual(settings.queryTimeoutMs - 100); // it was the query timeout that fired
    expect(ms).toBeLessThan(2 * worstCaseMs(settings));
    expect(await direct.read()).toEqual(before);
    // The abandoned server session must not keep the lease row locked for others.
    expect(await direct.forceUnlock()).toMatchObject({ token: lock.token });
  });

  it('a new connection: each attempt stops at connectionTimeoutMillis, bounded retries, then a clear error', async () => {
    const { direct, viaProxy } = await setUp();
    const settings: Partial<PgSettings> = { connectAttempts: 2, connectTimeoutMs: 1_000 };
    const store = open(viaProxy, { settings });
    proxy.blackhole();
    const { ms, result } = await timed(store.read());
    expect(result).toMatchObject({
      status: 'rejected',
      reason: { code: 'E_STATE_UNAVAILABLE', outcome: 'not-applied' },
    });
    expect((result as PromiseRejectedResult).reason.message).toMatch(/cannot connect after 2 attempts/);
    expect(proxy.accepted).toBe(2);
    expect(ms).toBeLessThan(2 * worstCaseMs({ ...DEFAULT_PG_SETTINGS, ...settings }));
    proxy.restore();
    expect((await store.read())?.serial).toBe((await direct.read())?.serial);
  });
});
