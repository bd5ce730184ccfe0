/**
 * Network faults between rollout and PostgreSQL, injected by a TCP proxy: a cut in the middle of a
 * write, cuts at random moments of a write stream, and a black hole (no RST, no answer). Each case
 * checks the outcome (which error, which attempt gave up, how many connections were tried) and that
 * the state is exactly old or new. Faults start and end on events the test observes, never after a
 * fixed sleep, and no case measures a duration: a call that hangs fails on the test's own timeout.
 */
import type { EventEmitter } from 'node:events';
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

async function settle<T>(work: Promise<T>): Promise<PromiseSettledResult<T>> {
  const [result] = await Promise.allSettled([work]);
  return result;
}

/** Resolves once the node-postgres client has seen its connection end (or fail). */
function connectionLost(connection: EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    connection.once('end', () => resolve());
    connection.once('error', () => resolve());
  });
}

function bump(state: ReleaseState, tag: string): ReleaseState {
  return { ...state, evidence: { ...state.evidence, [tag]: true } };
}

describe('connection cut', () => {
  it('in the middle of a write: fails as not-applied, state stays old, the next write after the cut succeeds', async () => {
    const { direct, viaProxy } = await setUp();
    let armed = false;
    const store = open(viaProxy, {
      beforeCommit: async (connection) => {
        if (!armed) return;
        armed = false;
        const lost = connectionLost(connection);
        await proxy.cut();
        await lost; // the client has seen the connection drop before COMMIT is sent
      },
    });
    const lock = await store.acquireLock({ actor: 'ana', operation: 'advance' });
    armed = true;
    const before = (await direct.read())!;
    const result = await settle(
      store.writeWithAudit(bump(before, 'cut'), { expectSerial: 1, lock }, { actor: 'ana', op: 'advance' }),
    );
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toMatchObject({
      code: 'E_STATE_UNAVAILABLE',
      outcome: 'not-applied',
    });
    expect(await direct.read()).toEqual(before);
    expect(await direct.readAudit()).toEqual([]);

    // While the port refuses connections, a call gives up after its bounded connect retries.
    const accepted = proxy.accepted;
    const refused = await settle(store.read());
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'E_STATE_UNAVAILABLE' } });
    expect((refused as PromiseRejectedResult).reason.message).toMatch(
      new RegExp(`cannot connect after ${DEFAULT_PG_SETTINGS.connectAttempts} attempts`),
    );
    expect(proxy.accepted).toBe(accepted);

    await proxy.restore();
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
      // The cut lands at a random moment of the write (or just after it): that is the fault under test.
      const cutting =
        i % 3 === 1
          ? new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 15)).then(() => proxy.cut())
          : undefined;
      const attempt = await settle(
        store.writeWithAudit(
          bump(current, `w${i}`),
          { expectSerial: current.serial, lock },
          { actor: 'ana', op: `w${i}` },
        ),
      );
      if (cutting) {
        await cutting;
        await proxy.restore(); // the cut ends before the next write
      }
      const now = (await direct.read())!;
      if (attempt.status === 'fulfilled') {
        expect(now).toEqual(attempt.value.state);
      } else {
        failures += 1;
        expect(attempt.reason).toMatchObject({ code: 'E_STATE_UNAVAILABLE' });
        if (now.serial === current.serial) expect(now).toEqual(current);
        else expect(now).toEqual({ ...bump(current, `w${i}`), serial: current.serial + 1 });
      }
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
    const accepted = proxy.accepted;
    const result = await settle(store.write(bump(before, 'lost'), { expectSerial: 1, lock }));
    expect(result).toMatchObject({ status: 'rejected', reason: { code: 'E_STATE_UNAVAILABLE' } });
    // It was the query timeout on the open connection that fired, not a connect attempt.
    expect((result as PromiseRejectedResult).reason.message).toMatch(/timeout/i);
    expect(proxy.accepted).toBe(accepted);
    expect(await direct.read()).toEqual(before);
    // The abandoned server session must not keep the lease row locked for others.
    expect(await direct.forceUnlock()).toMatchObject({ token: lock.token });
  });

  it('a new connection: each attempt stops at connectionTimeoutMillis, bounded retries, then a clear error', async () => {
    const { direct, viaProxy } = await setUp();
    const settings: Partial<PgSettings> = { connectAttempts: 2, connectTimeoutMs: 1_000 };
    const store = open(viaProxy, { settings });
    proxy.blackhole();
    const result = await settle(store.read());
    expect(result).toMatchObject({
      status: 'rejected',
      reason: { code: 'E_STATE_UNAVAILABLE', outcome: 'not-applied' },
    });
    expect((result as PromiseRejectedResult).reason.message).toMatch(/cannot connect after 2 attempts/);
    expect(proxy.accepted).toBe(2);
    await proxy.restore();
    expect((await store.read())?.serial).toBe((await direct.read())?.serial);
  });
});
