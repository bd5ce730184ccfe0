/**
 * Separate processes on one PostgreSQL release: 20 writers racing for the lease, and a holder that
 * is frozen (SIGSTOP) past its lease, replaced, then resumed. Children run the built dist/ code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPostgresStateStore } from '../../../src/state/postgres/create.js';
import type { PostgresStateStore } from '../../../src/state/postgres/store.js';
import { createInitialState } from '../../../src/state/types.js';
import {
  startIpcWorkers,
  startPostgres,
  writeDistChildScript,
  type IpcWorker,
  type TestPostgres,
} from '../../helpers/postgres.js';

// One worker = one process with its own pool. `attempt`: take the lease or report who has it; the
// winner does a compare-and-set write (with its audit entry) and keeps the lease until `release`.
const WORKER = `
const { createPostgresStateStore } = await import(STATE + 'postgres/create.js');
const [url, name, ttl, renew] = process.argv.slice(2);
const store = createPostgresStateStore(url, { clock: { now: () => new Date() }, env: {} },
  { leaseTtlMs: Number(ttl), renewEveryMs: Number(renew) });
let handle = null;
let current = null;
async function answer(msg) {
  switch (msg.type) {
    case 'ping': return { ok: true };
    case 'attempt': {
      try {
        handle = await store.acquireLock({ actor: name, operation: 'bump' });
      } catch (error) {
        if (error.code === 'E_LOCK_BUSY') return { outcome: 'busy', holder: error.holder.actor };
        throw error;
      }
      current = await store.read();
      if (msg.hold) return { outcome: 'locked', serial: current.serial };
      const next = { ...current, evidence: { ...current.evidence, [name + ':' + msg.round]: true } };
      const { state } = await store.writeWithAudit(next, { expectSerial: current.serial, lock: handle }, { actor: name, op: 'bump' });
      return { outcome: 'won', serial: state.serial };
    }
    case 'write': {
      const stored = await store.write({ ...current, phase: 'written-by-' + name }, { expectSerial: current.serial, lock: handle });
      return { outcome: 'written', serial: stored.serial };
    }
    case 'release': return { released: await store.releaseLock(handle) };
  }
}
process.on('message', (msg) => {
  answer(msg).then((reply) => process.send(reply), (error) => process.send({ outcome: error.code ?? 'crash', message: error.message }));
});
`;

let server: TestPostgres;
let root: string;
const stores: PostgresStateStore[] = [];
const clock = { now: () => new Date() };

beforeAll(async () => {
  server = await startPostgres();
  root = mkdtempSync(join(tmpdir(), 'rollout-pg-proc-'));
}, 120_000);
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

const WAIT = { timeout: 30_000, interval: 50 };
/** Lease of the frozen holder; it renews every 300 ms. */
const LEASE_MS = 1_500;

/** The lease row as the database sees it now (expiry is judged on its clock, not ours). */
async function lease(release: string): Promise<{ live: boolean; pastFirstExpiry: boolean } | undefined> {
  const [row] = await server.sql<{ live: boolean; past: boolean }>(
    `SELECT expires_at > now() AS live, now() > acquired_at + $2::int * interval '1 millisecond' AS past
     FROM rollout_lock WHERE release_key = $1`,
    [release, LEASE_MS],
    'rollout',
  );
  return row && { live: row.live, pastFirstExpiry: row.past };
}

async function createRelease(release: string): Promise<{ url: string; store: PostgresStateStore }> {
  const url = `${server.url}?release=${release}`;
  const store = createPostgresStateStore(url, { clock, env: {} });
  stores.push(store);
  const lock = await store.acquireLock({ actor: 'setup', operation: 'init' });
  await store.write(createInitialState('v2.1.0', 'h', clock.now()), { expectSerial: 0, lock });
  await store.releaseLock(lock);
  return { url, store };
}

describe('20 writer processes on one release', () => {
  it('exactly one takes the lease and writes per round; the others get LockBusyError naming it (20 rounds)', async () => {
    const { url, store } = await createRelease('race');
    const script = writeDistChildScript(root, 'race-worker.mjs', WORKER);
    const workers = await startIpcWorkers(20, script, (i) => [url, `w${i}`, '30000', '10000']);
    try {
      for (let round = 1; round <= 20; round++) {
        const replies = await Promise.all(
          workers.map((w) =>
            w.request<{ outcome: string; holder?: string; serial?: number }>({ type: 'attempt', round }),
          ),
        );
        const winners = replies.flatMap((r, i) => (r.outcome === 'won' ? [i] : []));
        expect(winners, JSON.stringify(replies)).toHaveLength(1);
        const winner = winners[0]!;
        expect(replies[winner]!.serial).toBe(round + 1);
        const others = replies.filter((_, i) => i !== winner);
        expect(
          others.every((r) => r.outcome === 'busy' && r.holder === `w${winner}`),
          JSON.stringify(others),
        ).toBe(true);
        expect(await workers[winner]!.request({ type: 'release' })).toEqual({ released: true });
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    const final = (await store.read())!;
    expect(final.serial).toBe(21);
    expect(Object.keys(final.evidence)).toHaveLength(20);
    const audit = await store.readAudit();
    expect(audit.map((e) => e.stateSerial)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 20 });
    expect(await store.readLock()).toBeNull();
  });
});

describe('a lease holder frozen past its lease', () => {
  it('keeps the lease while it runs (renewal), loses it while stopped, and its write is refused after SIGCONT', async () => {
    const { url, store } = await createRelease('frozen');
    const script = writeDistChildScript(root, 'frozen-worker.mjs', WORKER);
    const [holder] = (await startIpcWorkers(1, script, () => [url, 'sleeper', String(LEASE_MS), '300'])) as [IpcWorker];
    try {
      expect(await holder.request({ type: 'attempt', round: 1, hold: true })).toEqual({ outcome: 'locked', serial: 1 });
      // Wait (on the database's clock) until the first lease would have expired: only renewal keeps it.
      await vi.waitUntil(async () => (await lease('frozen'))?.pastFirstExpiry === true, WAIT);
      await expect(store.acquireLock({ actor: 'ana', operation: 'advance' })).rejects.toMatchObject({
        code: 'E_LOCK_BUSY',
        holder: { actor: 'sleeper' },
      });

      holder.process.kill('SIGSTOP');
      await vi.waitUntil(async () => (await lease('frozen'))?.live === false, WAIT); // no renewal while stopped
      const lock = await store.acquireLock({ actor: 'ana', operation: 'advance' });
      expect(lock.takenOverFrom).toMatchObject({ actor: 'sleeper', pid: holder.pid });
      const mine = await store.write({ ...(await store.read())!, phase: 'P1' }, { expectSerial: 1, lock });
      holder.process.kill('SIGCONT');

      const reply = await holder.request<{ outcome: string }>({ type: 'write' });
      expect(reply.outcome).toBe('E_LOCK_LOST');
      expect(await store.read()).toEqual(mine);
      expect((await store.readAudit()).map((e) => e.op)).toEqual(['lock:takeover']);
      expect(await store.readLock()).toMatchObject({ actor: 'ana', token: lock.token });
    } finally {
      holder.process.kill('SIGCONT');
      await holder.stop();
    }
  });
});
