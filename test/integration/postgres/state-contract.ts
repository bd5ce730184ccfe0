/**
 * The StateStore contract as one suite that runs against every backend. A backend supplies a fresh
 * empty store per test, a second store on the same release (another process's view), and the
 * three ways to tamper with its audit log at rest.
 */
import { describe, expect, it } from 'vitest';
import { LockBusyError, LockLostError, StaleStateError } from '../../../src/state/errors.js';
import type { LockHandle, StateStore } from '../../../src/state/store.js';
import { createInitialState } from '../../../src/state/types.js';

export interface ContractSubject {
  store: StateStore;
  /** Another store instance on the same release (as a second machine would open it). */
  openAgain(): StateStore;
  /** Change the actor of the entry with this seq, leaving its hash alone. */
  editEntry(seq: number): Promise<void>;
  /** Remove the entry with this seq. */
  deleteEntry(seq: number): Promise<void>;
  /** Exchange the positions of two entries. */
  swapEntries(a: number, b: number): Promise<void>;
}

export const contractClock = { now: () => new Date('2026-05-01T12:00:00.000Z') };

async function lockAndCreate(store: StateStore): Promise<{ lock: LockHandle; serial: number }> {
  const lock = await store.acquireLock({ actor: 'ana', operation: 'advance' });
  const stored = await store.write(createInitialState('v2.1.0', 'sha256:c1', contractClock.now()), {
    expectSerial: 0,
    lock,
  });
  return { lock, serial: stored.serial };
}

/** Register the contract suite for one backend; `open` is called once per test. */
export function describeStateStoreContract(backend: string, open: () => Promise<ContractSubject>): void {
  describe(`StateStore contract: ${backend}`, () => {
    it('returns null before the first write, then what was written with serial + 1', async () => {
      const { store } = await open();
      expect(await store.read()).toBeNull();
      const { lock } = await lockAndCreate(store);
      const stored = (await store.read())!;
      expect(stored.serial).toBe(1);
      const second = await store.write({ ...stored, phase: 'P1' }, { expectSerial: 1, lock });
      expect(second).toMatchObject({ serial: 2, phase: 'P1' });
      expect(await store.read()).toEqual(second);
    });

    it('rejects a stale writer (compare-and-set on serial) and leaves the state unchanged', async () => {
      const { store } = await open();
      const { lock } = await lockAndCreate(store);
      const v1 = (await store.read())!;
      await store.write({ ...v1, phase: 'P1' }, { expectSerial: 1, lock });
      const stale = store.write({ ...v1, phase: 'P9' }, { expectSerial: 1, lock });
      await expect(stale).rejects.toBeInstanceOf(StaleStateError);
      await expect(stale).rejects.toMatchObject({ code: 'E_STATE_STALE', expectedSerial: 1, actualSerial: 2 });
      const first = store.write({ ...v1, phase: 'P8' }, { expectSerial: 0, lock });
      await expect(first).rejects.toMatchObject({ code: 'E_STATE_STALE', expectedSerial: 0, actualSerial: 2 });
      expect((await store.read())?.phase).toBe('P1');
    });

    it('refuses to overwrite a state of another lineage', async () => {
      const { store } = await open();
      const { lock } = await lockAndCreate(store);
      const other = { ...createInitialState('v2.1.0', 'h', contractClock.now()), serial: 1 };
      await expect(store.write(other, { expectSerial: 1, lock })).rejects.toMatchObject({
        code: 'E_STATE_STALE',
        reason: 'lineage',
      });
    });

    it('refuses a write whose lock was force-unlocked (fencing), and the next holder writes', async () => {
      const { store, openAgain } = await open();
      const lock = await store.acquireLock({ actor: 'ana', operation: 'advance' });
      expect((await store.forceUnlock())?.token).toBe(lock.token);
      const write = store.write(createInitialState('v2.1.0', 'h', contractClock.now()), { expectSerial: 0, lock });
      await expect(write).rejects.toBeInstanceOf(LockLostError);
      await expect(write).rejects.toMatchObject({ code: 'E_LOCK_LOST' });
      expect(await store.read()).toBeNull();
      const other = openAgain();
      const next = await other.acquireLock({ actor: 'bob', operation: 'rollback' });
      const taken = store.write(createInitialState('v2.1.0', 'h', contractClock.now()), { expectSerial: 0, lock });
      await expect(taken).rejects.toMatchObject({ code: 'E_LOCK_LOST', holder: { actor: 'bob', token: next.token } });
      await expect(
        other.write(createInitialState('v2.1.0', 'h', contractClock.now()), { expectSerial: 0, lock: next }),
      ).resolves.toMatchObject({ serial: 1 });
    });

    it('is exclusive: a second acquirer gets LockBusyError with the holder details', async () => {
      const { store, openAgain } = await open();
      const held = await store.acquireLock({ actor: 'ana', operation: 'advance', host: 'ci-runner-1' });
      const other = openAgain();
      const attempt = other.acquireLock({ actor: 'bob', operation: 'rollback' });
      await expect(attempt).rejects.toBeInstanceOf(LockBusyError);
      await expect(attempt).rejects.toMatchObject({
        code: 'E_LOCK_BUSY',
        holder: {
          actor: 'ana',
          operation: 'advance',
          pid: process.pid,
          host: 'ci-runner-1',
          startedAt: contractClock.now().toISOString(),
          token: held.token,
        },
      });
      expect(await other.readLock()).toEqual(held.info);
      expect(await store.releaseLock(held)).toBe(true);
      expect(await other.readLock()).toBeNull();
      const next = await other.acquireLock({ actor: 'bob', operation: 'rollback' });
      expect(await store.readLock()).toEqual(next.info);
    });

    it("does not release a lock that is no longer this handle's; forceUnlock names who held it", async () => {
      const { store } = await open();
      const first = await store.acquireLock({ actor: 'ana', operation: 'advance' });
      await store.forceUnlock();
      const second = await store.acquireLock({ actor: 'bob', operation: 'advance' });
      expect(await store.releaseLock(first)).toBe(false);
      expect((await store.readLock())?.token).toBe(second.token);
      expect(await store.forceUnlock()).toEqual(second.info);
      expect(await store.readLock()).toBeNull();
      expect(await store.forceUnlock()).toBeNull();
    });

    describe('audit log', () => {
      async function appendMany(store: StateStore, n: number): Promise<void> {
        for (let i = 1; i <= n; i++)
          await store.appendAudit({ actor: 'ana', op: `op-${i}`, reason: 'because', data: { i }, stateSerial: i });
      }

      it('chains entries (standalone appends, before any state) and verifies a clean log', async () => {
        const { store, openAgain } = await open();
        expect(await store.verifyAudit()).toEqual({ ok: true, tampered: false, entries: 0, head: null, problems: [] });
        await appendMany(store, 4);
        const entries = await openAgain().readAudit();
        expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
        expect(entries[1]).toMatchObject({
          v: 1,
          actor: 'ana',
          op: 'op-2',
          reason: 'because',
          data: { i: 2 },
          stateSerial: 2,
          ts: contractClock.now().toISOString(),
          prev: entries[0]!.hash,
        });
        expect(await store.verifyAudit()).toMatchObject({
          ok: true,
          tampered: false,
          entries: 4,
          head: entries[3]!.hash,
        });
      });

      it('detects an edited entry and says which', async () => {
        const subject = await open();
        await appendMany(subject.store, 4);
        await subject.editEntry(2);
        const result = await subject.store.verifyAudit();
        expect(result).toMatchObject({ ok: false, tampered: true });
        expect(result.problems).toEqual([expect.objectContaining({ kind: 'edited', seq: 2, line: 2 })]);
      });

      it('detects a deleted entry and says which', async () => {
        const subject = await open();
        await appendMany(subject.store, 4);
        await subject.deleteEntry(3);
        expect((await subject.store.verifyAudit()).problems).toEqual([
          expect.objectContaining({ kind: 'deleted', seq: 3 }),
        ]);
      });

      it('detects swapped entries and says which', async () => {
        const subject = await open();
        await appendMany(subject.store, 4);
        await subject.swapEntries(2, 3);
        expect((await subject.store.verifyAudit()).problems).toEqual([
          expect.objectContaining({ kind: 'reordered', seq: 2, line: 3 }),
        ]);
      });
    });
  });
}
