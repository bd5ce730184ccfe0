import { randomBytes } from 'node:crypto';
import { link, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LockBusyError } from './errors.js';
import { readStateFileText } from './fs-guard.js';
import type { LockInfo } from './store.js';

/** Shown as the holder when a lock file exists but cannot be read as a lock. */
export const UNKNOWN_HOLDER: LockInfo = {
  actor: 'unknown',
  operation: 'unknown',
  pid: 0,
  host: 'unknown',
  startedAt: '',
  token: '',
};

/** Name of a scratch file beside `target`, carrying our pid so that a dead writer's leftovers can be swept. */
export function makeTempPath(target: string, tag = ''): string {
  return `${target}.tmp-${process.pid}-${tag}${randomBytes(6).toString('hex')}`;
}

/**
 * True unless the process is known to be gone. EPERM means it exists under another user; any
 * doubt counts as alive, because stealing a live lock is far worse than keeping a stale one.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function parseLockInfo(text: string): LockInfo {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.token === 'string' && typeof v.pid === 'number' && typeof v.host === 'string') {
      return { ...UNKNOWN_HOLDER, ...v };
    }
  } catch {
    // fall through: an unreadable lock is still a lock, owned by nobody we can name
  }
  return UNKNOWN_HOLDER;
}

/**
 * The holder recorded in a lock file, or null when there is no lock. A symbolic link is refused
 * (`StateUnsafePathError`), a directory in its place is `StateCorruptError`.
 */
export async function readLockFile(path: string): Promise<LockInfo | null> {
  const text = await readStateFileText(path);
  return text === null ? null : parseLockInfo(text);
}

/**
 * Create the lock file only if none exists. The content is written and synced to a scratch file
 * first and then hard-linked into place (link fails if the target exists), so a crash never leaves
 * an empty or half-written lock whose holder nobody could identify.
 */
async function tryCreateLockFile(path: string, info: LockInfo): Promise<boolean> {
  const temp = makeTempPath(path);
  const fh = await open(temp, 'wx', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(info)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Move the lock file out of the way and return what it contained (null when there was none).
 * Renaming first means two processes removing the same lock cannot both think they removed it.
 */
export async function removeLockFile(path: string): Promise<LockInfo | null> {
  const aside = makeTempPath(path, 'reap-');
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // Whatever was there (even a link or garbage) is gone now; report its holder when it can be read.
  const info = await readLockFile(aside).catch(() => UNKNOWN_HOLDER);
  await unlink(aside).catch(() => undefined);
  return info;
}

/** Remove `stale` only if it is still the lock on disk; put back anything else we moved by accident. */
async function reapStaleLock(path: string, stale: LockInfo): Promise<boolean> {
  const aside = makeTempPath(path, 'reap-');
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const moved = await readLockFile(aside);
  if (moved?.token === stale.token) {
    await unlink(aside);
    return true;
  }
  // Another process replaced the stale lock between our read and our rename: restore its lock. If
  // someone else created one meanwhile, that holder's fencing check will reject the loser's writes.
  await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return false;
}

/** Result of taking a lock file. */
export interface LockFileAcquired {
  /** The holder that was found dead on this host and replaced, if any. */
  takenOverFrom?: LockInfo;
}

/**
 * Take the lock at `path` for `info`, or throw `LockBusyError`. A holder recorded on `hostname`
 * whose process no longer exists is replaced; holders on other hosts are never judged.
 */
export async function acquireLockFile(path: string, info: LockInfo, hostname: string): Promise<LockFileAcquired> {
  let takenOverFrom: LockInfo | undefined;
  let holder: LockInfo | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreateLockFile(path, info)) return takenOverFrom ? { takenOverFrom } : {};
    holder = await readLockFile(path);
    if (holder === null) continue; // released between our attempts
    if (holder.host !== hostname || isProcessAlive(holder.pid)) throw new LockBusyError(holder);
    if (await reapStaleLock(path, holder)) takenOverFrom = holder;
  }
  throw new LockBusyError(holder ?? UNKNOWN_HOLDER);
}

/** Delete scratch files (`*.tmp-<pid>-…`) in `dir` left behind by processes that no longer exist. */
export async function sweepDeadTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    const match = /\.tmp-(\d+)-/.exec(name);
    if (!match || isProcessAlive(Number(match[1]))) continue;
    await unlink(join(dir, name)).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}
