import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../../src/state/file-store.js';
import { createInitialState } from '../../../src/state/types.js';
import { runNodeScript, writeChildScript } from '../../helpers/crash.js';

// Each worker performs `rounds` read-modify-write transitions, retrying while the lock is busy.
const WORKER = `
const { FileStateStore } = await import(STATE + 'file-store.js');
const [dir, name, rounds] = process.argv.slice(2);
const store = new FileStateStore({ dir, clock: { now: () => new Date() } });
let done = 0;
while (done < Number(rounds)) {
  let lock;
  try {
    lock = await store.acquireLock({ actor: name, operation: 'bump' });
  } catch (error) {
    if (error.code !== 'E_LOCK_BUSY') throw error;
    await new Promise((r) => setTimeout(r, Math.random() * 10));
    continue;
  }
  const current = await store.read();
  const next = { ...current, evidence: { ...current.evidence, [name + ':' + done]: true } };
  const stored = await store.write(next, { expectSerial: current.serial, lock });
  await store.appendAudit({ actor: name, op: 'bump', stateSerial: stored.serial });
  await store.releaseLock(lock);
  done++;
}
`;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rollout-conc-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('concurrent processes on one state directory', () => {
  it('serialise through the lock: no lost update, one audit entry per serial, an intact chain', async () => {
    const dir = join(root, '.rollout');
    const clock = { now: () => new Date() };
    const store = new FileStateStore({ dir, clock });
    const lock = await store.acquireLock({ actor: 'setup', operation: 'init' });
    await store.write(createInitialState('v2.1.0', 'h', clock.now()), { expectSerial: 0, lock });
    await store.releaseLock(lock);

    const workers = 4;
    const rounds = 6;
    const script = writeChildScript(root, 'worker.mjs', WORKER);
    const results = await Promise.all(
      Array.from({ length: workers }, (_, i) => runNodeScript(script, [dir, `w${i}`, String(rounds)])),
    );
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });

    const final = (await store.read())!;
    expect(final.serial).toBe(1 + workers * rounds);
    expect(Object.keys(final.evidence)).toHaveLength(workers * rounds);
    const serials = (await store.readAudit()).map((e) => e.stateSerial);
    expect(serials).toEqual(Array.from({ length: workers * rounds }, (_, i) => i + 2));
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: workers * rounds });
    expect(await store.readLock()).toBeNull();
  });
});
