import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backfillAudit } from '../../../src/state/audit-backfill.js';
import { FileStateStore } from '../../../src/state/file-store.js';
import {
  AuditWriteError,
  LockBusyError,
  LockLostError,
  StaleStateError,
  StateCorruptError,
} from '../../../src/state/errors.js';
import { createInitialState } from '../../../src/state/types.js';
import type { LockInfo } from '../../../src/state/store.js';
import { getDeadPid } from '../../helpers/crash.js';

const clock = { now: () => new Date('2026-05-01T12:00:00.000Z') };
let root: string;
let dir: string;
let store: FileStateStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rollout-state-'));
  dir = join(root, '.rollout');
  store = new FileStateStore({ dir, clock });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function writeForeignLock(info: Partial<LockInfo>): LockInfo {
  const lock: LockInfo = {
    actor: 'bob',
    operation: 'advance',
    pid: process.pid,
    host: hostname(),
    startedAt: '2026-05-01T11:00:00.000Z',
    token: 'tok-bob',
    ...info,
  };
  store = new FileStateStore({ dir, clock });
  writeFileSync(join(dir, 'lock.json'), JSON.stringify(lock), { mode: 0o600 });
  return lock;
}

describe('state read/write', () => {
  it('returns null before the first write, then what was written with serial + 1', async () => {
    expect(await store.read()).toBeNull();
    const lock = await store.acquireLock({ actor: 'ana', operation: 'init' });
    const initial = createInitialState('v2.1.0', 'sha256:c1', clock.now());
    const stored = await store.write(initial, { expectSerial: 0, lock });
    expect(stored.serial).toBe(1);
    expect(await store.read()).toEqual(stored);
    const second = await store.write({ ...stored, phase: 'P1' }, { expectSerial: 1, lock });
    expect(second).toMatchObject({ serial: 2, phase: 'P1' });
  });

  it('rejects a stale writer (compare-and-set on serial) and leaves the state unchanged', async () => {
    const lock = await store.acquireLock({ actor: 'ana', operation: 'advance' });
    const v1 = await store.write(createInitialState('v2.1.0', 'h', clock.now()), { expectSerial: 0, lock });
    await store.write({ ...v1, phase: 'P1' }, { expectSerial: 1, lock });
    const stale = store.write({ ...v1, phase: 'P9' }, { expectSerial: 1, lock });
    await expect(stale).rejects.toBeInstanceOf(StaleStateError);
    await expect(stale).rejects.toMatchObject({ code: 'E_STATE_STALE', expectedSerial: 1, actualSerial: 2 });
    expect((await store.read())?.phase).toBe('P1');
  });

  it('refuses to overwrite a state of another lineage', async () => {
    const lock = await store.acquireLock({ actor: 'ana', operation: 'init' });
    await store.write(createInitialState('v2.1.0', 'h', clock.now()), { expectSerial: 0, lock });
    const other = { ...createInitialState('v2.1.0', 'h', clock.now()), serial: 1 };
    await expect(store.write(other, { expectSerial: 1, lock })).rejects.toMatchObject({
      code: 'E_STATE_STALE',
      reason: 'lineage',
    });
  });

  it('refuses a write whose lock was force-unlocked (fencing)', async () => {
    const lock = await store.acquireLock({ actor: 'ana', operation: 'advance' });
    expect((await store.forceUnlock())?.token).toBe(lock.token);
    const write = store.write(createInitialState('v2.1.0', 'h', clock.now()), { expectSerial: 0, lock });
    await expect(write).rejects.toBeInstanceOf(LockLostError);
    await expect(write).rejects.toMatchObject({ code: 'E_LOCK_LOST' });
    expect(await store.read()).toBeNull();
  });

  it('reports a corrupt state file with its path', async () => {
    await store.init();
    writeFileSync(join(dir, 'state.json'), '{"schemaVersion":1,"rel');
    await expect(store.read()).rejects.toMatchObject({ code: 'E_STATE_CORRUPT', path: join(dir, 'state.json') });
    writeFileSync(join(dir, 'state.json'), '{"schemaVersion":2}');
    await expect(store.read()).rejects.toBeInstanceOf(StateCorruptError);
  });

  it('creates the directory 0700 and every file 0600', async () => {
    const lock = await store.acquireLock({ actor: 'ana', operation: 'init' });
    await store.write(createInitialState('v2.1.0', 'h', clock.now()), { expectSerial: 0, lock });
    await store.appendAudit({ actor: 'ana', op: 'init', stateSerial: 1 });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['audit.jsonl', 'lock.json', 'state.json']);
    for (const f of files) expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
  });
});

describe('release lock', () => {
  it('is exclusive: a second acquirer gets LockBusyError with the holder details', async () => {
    const held = await store.acquireLock({ actor: 'ana', operation: 'advance' });
    const other = new FileStateStore({ dir, clock });
    const attempt = other.acquireLock({ actor: 'bob', operation: 'rollback' });
    await expect(attempt).rejects.toBeInstanceOf(LockBusyError);
    await expect(attempt).rejects.toMatchObject({
      code: 'E_LOCK_BUSY',
      holder: {
        actor: 'ana',
        operation: 'advance',
        pid: process.pid,
        host: hostname(),
        startedAt: clock.now().toISOString(),
        token: held.token,
      },
    });
    expect(await store.releaseLock(held)).toBe(true);
    const next = await other.acquireLock({ actor: 'bob', operation: 'rollback' });
    expect(await other.readLock()).toEqual(next.info);
  });

  it("does not release a lock that is no longer this handle's", async () => {
    const first = await store.acquireLock({ actor: 'ana', operation: 'advance' });
    await store.forceUnlock();
    const second = await store.acquireLock({ actor: 'bob', operation: 'advance' });
    expect(await store.releaseLock(first)).toBe(false);
    expect((await store.readLock())?.token).toBe(second.token);
  });

  it('takes over a lock whose holder process is dead on this host, and audits it', async () => {
    await store.init();
    const dead = writeForeignLock({ pid: await getDeadPid(), token: 'tok-dead' });
    const handle = await store.acquireLock({ actor: 'ana', operation: 'rollback' });
    expect(handle.takenOverFrom).toEqual(dead);
    expect((await store.readLock())?.token).toBe(handle.token);
    const audit = await store.readAudit();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ op: 'lock:takeover', actor: 'ana', data: { previous: dead } });
  });

  it('keeps a lock whose holder is alive, or on another host even if that pid is free here', async () => {
    await store.init();
    writeForeignLock({ pid: process.pid });
    await expect(store.acquireLock({ actor: 'ana', operation: 'x' })).rejects.toBeInstanceOf(LockBusyError);
    writeForeignLock({ pid: await getDeadPid(), host: 'ci-runner-7' });
    await expect(store.acquireLock({ actor: 'ana', operation: 'x' })).rejects.toMatchObject({
      holder: { host: 'ci-runner-7' },
    });
    expect(await store.readAudit()).toEqual([]);
  });

  it('treats an unreadable lock file as held by an unknown holder', async () => {
    await store.init();
    writeFileSync(join(dir, 'lock.json'), 'garbage');
    await expect(store.acquireLock({ actor: 'ana', operation: 'x' })).rejects.toMatchObject({
      holder: { actor: 'unknown' },
    });
    expect(await store.forceUnlock()).toMatchObject({ actor: 'unknown' });
    expect(await store.readLock()).toBeNull();
  });
});

describe('audit log on disk', () => {
  async function appendMany(n: number): Promise<void> {
    for (let i = 1; i <= n; i++)
      await store.appendAudit({ actor: 'ana', op: `op-${i}`, reason: 'because', data: { i }, stateSerial: i });
  }
  const auditPath = () => join(dir, 'audit.jsonl');
  const lines = () => readFileSync(auditPath(), 'utf8').split('\n').filter(Boolean);

  it('chains entries and verifies a clean log', async () => {
    await appendMany(4);
    const entries = await store.readAudit();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(entries[1]).toMatchObject({
      v: 1,
      actor: 'ana',
      op: 'op-2',
      reason: 'because',
      data: { i: 2 },
      stateSerial: 2,
      ts: clock.now().toISOString(),
      prev: entries[0]!.hash,
    });
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 4, head: entries[3]!.hash });
  });

  it('detects an edited line and says which', async () => {
    await appendMany(4);
    const l = lines();
    l[1] = l[1]!.replace('"actor":"ana"', '"actor":"eve"');
    writeFileSync(auditPath(), `${l.join('\n')}\n`);
    expect((await store.verifyAudit()).problems).toEqual([
      expect.objectContaining({ kind: 'edited', seq: 2, line: 2 }),
    ]);
  });

  it('detects a deleted line and says which', async () => {
    await appendMany(4);
    const l = lines();
    l.splice(2, 1);
    writeFileSync(auditPath(), `${l.join('\n')}\n`);
    expect((await store.verifyAudit()).problems).toEqual([expect.objectContaining({ kind: 'deleted', seq: 3 })]);
  });

  it('detects reordered lines and says which', async () => {
    await appendMany(4);
    const l = lines();
    writeFileSync(auditPath(), `${[l[0], l[2], l[1], l[3]].join('\n')}\n`);
    expect((await store.verifyAudit()).problems).toEqual([
      expect.objectContaining({ kind: 'reordered', seq: 2, line: 3 }),
    ]);
  });

  it('reports a torn last line as truncated-tail; the next append cuts it off and records a repair', async () => {
    await appendMany(2);
    const fragment = '{"v":1,"seq":3,"ts":"2026-05';
    appendFileSync(auditPath(), fragment);
    const before = await store.verifyAudit();
    expect(before).toMatchObject({ ok: false, tampered: false, entries: 2 });
    expect(before.problems).toEqual([expect.objectContaining({ kind: 'truncated-tail', line: 3 })]);
    const appended = await store.appendAudit({ actor: 'bob', op: 'advance' });
    const entries = await store.readAudit();
    expect(entries.map((e) => [e.seq, e.op])).toEqual([
      [1, 'op-1'],
      [2, 'op-2'],
      [3, 'audit:repair'],
      [4, 'advance'],
    ]);
    expect(entries[2]!.data).toEqual({ droppedBytes: fragment.length, dropped: fragment });
    expect(appended.seq).toBe(4);
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 4 });
  });

  it('refuses to append after a damaged complete last line instead of chaining onto it', async () => {
    await appendMany(2);
    appendFileSync(auditPath(), 'not json\n');
    await expect(store.appendAudit({ actor: 'ana', op: 'x' })).rejects.toBeInstanceOf(AuditWriteError);
    expect((await store.verifyAudit()).problems).toEqual([expect.objectContaining({ kind: 'malformed', line: 3 })]);
  });

  it('finds the last entry when it lies beyond the first tail chunk', async () => {
    await store.appendAudit({ actor: 'ana', op: 'big', data: { blob: 'x'.repeat(200_000) } });
    const next = await store.appendAudit({ actor: 'ana', op: 'after' });
    expect(next.seq).toBe(2);
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 2 });
  });
});

describe('backfillAudit', () => {
  it('records a state serial that has no history entry and no audit entry as state:unaudited', async () => {
    const lock = await store.acquireLock({ actor: 'ana', operation: 'advance' });
    const v1 = await store.write(createInitialState('v2.1.0', 'h', clock.now()), { expectSerial: 0, lock });
    await store.appendAudit({ actor: 'ana', op: 'init', stateSerial: 1 });
    const v2 = await store.write({ ...v1, phase: 'P1' }, { expectSerial: 1, lock });
    const written = await backfillAudit(store, v2, 'bob');
    expect(written.map((e) => [e.op, e.actor, e.stateSerial])).toEqual([['state:unaudited', 'bob', 2]]);
    expect(await backfillAudit(store, v2, 'bob')).toEqual([]);
    expect(await backfillAudit(store, null, 'bob')).toEqual([]);
  });
});
