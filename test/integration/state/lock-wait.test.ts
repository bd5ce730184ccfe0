import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockBusyError } from '../../../src/state/errors.js';
import { FileStateStore } from '../../../src/state/file-store.js';
import { acquireLockWithin } from '../../../src/state/lock-wait.js';

let root: string;
let store: FileStateStore;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rollout-wait-'));
  store = new FileStateStore({ dir: join(root, '.rollout'), clock: { now: () => new Date('2026-05-01T00:00:00Z') } });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A clock whose sleeps only advance its own time, optionally running `onSleep` after the n-th wait. */
function createVirtualTime(onSleep?: (n: number) => Promise<void>) {
  const waits: number[] = [];
  let now = Date.parse('2026-05-01T00:00:00Z');
  return {
    waits,
    clock: {
      now: () => new Date(now),
      sleep: async (ms: number) => {
        waits.push(ms);
        now += ms;
        await onSleep?.(waits.length);
      },
    },
  };
}

describe('acquireLockWithin', () => {
  it('fails at once by default when the lock is busy', async () => {
    await store.acquireLock({ actor: 'ana', operation: 'advance' });
    const time = createVirtualTime();
    await expect(
      acquireLockWithin(store, { actor: 'bob', operation: 'x' }, { clock: time.clock }),
    ).rejects.toBeInstanceOf(LockBusyError);
    expect(time.waits).toEqual([]);
  });

  it('backs off 1 s, 2 s, 4 s, 8 s… and gets the lock once the holder releases it', async () => {
    const held = await store.acquireLock({ actor: 'ana', operation: 'advance' });
    const time = createVirtualTime(async (n) => {
      if (n === 4) await store.releaseLock(held);
    });
    const handle = await acquireLockWithin(
      store,
      { actor: 'bob', operation: 'x' },
      { clock: time.clock, timeoutMs: 60_000 },
    );
    expect(time.waits).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(handle.info.actor).toBe('bob');
  });

  it('caps the backoff at 16 s and gives up exactly at the timeout, naming the holder', async () => {
    await store.acquireLock({ actor: 'ana', operation: 'advance' });
    const time = createVirtualTime();
    const attempt = acquireLockWithin(
      store,
      { actor: 'bob', operation: 'x' },
      { clock: time.clock, timeoutMs: 50_000 },
    );
    await expect(attempt).rejects.toMatchObject({ code: 'E_LOCK_BUSY', holder: { actor: 'ana' } });
    expect(time.waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 3_000]);
  });
});
