import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { AuditWriteError, LockLostError, StaleStateError } from '../errors.js';
import { FileStateStore } from '../file-store.js';
import { acquireLockFile, readLockFile, removeLockFile } from '../lock-file.js';
import type { AuditEntry, LockHandle, StateStore } from '../store.js';
import type { ReleaseState } from '../types.js';
import { PostgresStateStore } from './store.js';

/**
 * Store a whole release (state with its serial and lineage, audit entries verbatim) in a backend,
 * for `rollout state migrate`. Backends have no generic "import" in the StateStore contract, because
 * `write` always produces `expectSerial + 1` and `appendAudit` always re-chains; an import must do
 * neither, or the copied hashes and serials would stop matching.
 */
export async function importRelease(
  target: StateStore,
  state: ReleaseState,
  entries: readonly AuditEntry[],
  guard: { lock: LockHandle; replace: boolean },
): Promise<void> {
  if (target instanceof PostgresStateStore) return target.importRelease(state, entries, guard);
  if (target instanceof FileStateStore) return importIntoDirectory(target.dir, state, entries, guard);
  throw new Error(`cannot import a release into ${target.describe()}: unsupported backend`);
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw error;
  }
}

/** The file layout of `FileStateStore`, written under its release lock and its audit append lock. */
async function importIntoDirectory(
  dir: string,
  state: ReleaseState,
  entries: readonly AuditEntry[],
  guard: { lock: LockHandle; replace: boolean },
): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const holder = await readLockFile(join(dir, 'lock.json'));
  if (holder?.token !== guard.lock.token) throw new LockLostError(guard.lock.token, holder);
  const statePath = join(dir, 'state.json');
  const auditPath = join(dir, 'audit.jsonl');
  if (!guard.replace) {
    if ((await sizeOf(statePath)) >= 0) {
      const existing = JSON.parse(await readFile(statePath, 'utf8')) as { serial?: number };
      throw new StaleStateError(0, existing.serial ?? -1);
    }
    if ((await sizeOf(auditPath)) > 0) throw new AuditWriteError(auditPath, 'the target already holds audit entries');
  }
  const appendLock = `${auditPath}.lock`;
  const info = {
    actor: 'rollout',
    operation: 'state-migrate',
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    token: randomUUID(),
  };
  await acquireLockFile(appendLock, info, hostname());
  try {
    await writeFileAtomic(auditPath, entries.map((e) => `${JSON.stringify(e)}\n`).join(''), { crashPoints: true });
    await writeFileAtomic(statePath, `${JSON.stringify(state, null, 2)}\n`, { crashPoints: true });
  } finally {
    await removeLockFile(appendLock);
  }
}
