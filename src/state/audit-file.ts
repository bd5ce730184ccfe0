import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { syncDirectory } from './atomic-file.js';
import { AUDIT_GENESIS, createAuditEntry, parseAuditLine } from './audit-chain.js';
import { openAuditForAppend, openAuditForRead } from './audit-open.js';
import { crashPoint, isCrashPointArmed } from './crash-points.js';
import { AuditWriteError, LockBusyError, StateError } from './errors.js';
import { acquireLockFile, removeLockFile } from './lock-file.js';
import type { AuditEntry, AuditInput, Clock, LockInfo } from './store.js';

/** How long an append waits for another process's append to finish before giving up. */
const APPEND_WAIT_MS = 5_000;
/** Most of a torn fragment kept in the repair entry, so evidence survives without bloating the log. */
const KEEP_TORN_BYTES = 4_096;
const NEWLINE = 0x0a;

/** What `appendAuditEntry` needs besides the entry. */
export interface AuditAppendOptions {
  clock: Clock;
  hostname: string;
}

interface AuditTail {
  last: AuditEntry | null;
  torn: { offset: number; bytes: Buffer } | null;
}

/**
 * Read just enough of the end of the log to find the last complete entry and any torn last line,
 * so an append costs the same on a log of ten entries or ten thousand.
 */
async function readAuditTail(fh: FileHandle, path: string): Promise<AuditTail> {
  const { size } = await fh.stat();
  for (let chunk = 64 * 1024; ; chunk *= 4) {
    const start = Math.max(0, size - chunk);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const lastNl = buf.lastIndexOf(NEWLINE);
    const prevNl = lastNl > 0 ? buf.lastIndexOf(NEWLINE, lastNl - 1) : -1;
    if (start > 0 && prevNl === -1) continue; // the last complete line starts before this chunk
    const tornFrom = lastNl + 1;
    const torn = tornFrom < buf.length ? { offset: start + tornFrom, bytes: buf.subarray(tornFrom) } : null;
    if (lastNl === -1) return { last: null, torn };
    const last = parseAuditLine(buf.subarray(prevNl + 1, lastNl).toString('utf8'));
    if (!last)
      throw new AuditWriteError(
        path,
        'the last complete line is not a valid entry (tampering?): run `rollout log --verify`',
      );
    return { last, torn };
  }
}

async function writeEntry(fh: FileHandle, entry: AuditEntry): Promise<void> {
  const line = Buffer.from(`${JSON.stringify(entry)}\n`);
  if (isCrashPointArmed('audit:torn-line')) {
    await fh.write(line, 0, Math.floor(line.length / 2));
    crashPoint('audit:torn-line');
  }
  // One write per line on an O_APPEND descriptor: the line lands whole at the end or not at all
  // (short of a power cut, which leaves a torn tail the next append repairs).
  const { bytesWritten } = await fh.write(line);
  if (bytesWritten !== line.length) throw new Error(`short write (${bytesWritten} of ${line.length} bytes)`);
  crashPoint('audit:after-append');
  await fh.sync();
  crashPoint('audit:after-fsync');
}

/** Cut an interrupted last line off and record what was cut, so the chain continues from a clean end. */
async function repairTornTail(fh: FileHandle, tail: AuditTail, actor: string, clock: Clock): Promise<AuditEntry> {
  const torn = tail.torn!;
  await fh.truncate(torn.offset);
  await fh.sync();
  const repair = createAuditEntry(
    {
      actor,
      op: 'audit:repair',
      reason: 'the last line was incomplete (an append was interrupted); it was removed',
      data: { droppedBytes: torn.bytes.length, dropped: torn.bytes.subarray(0, KEEP_TORN_BYTES).toString('utf8') },
    },
    (tail.last?.seq ?? 0) + 1,
    tail.last?.hash ?? AUDIT_GENESIS,
    clock.now().toISOString(),
  );
  await writeEntry(fh, repair);
  return repair;
}

/** Serialise appenders across processes with a short-lived lock file beside the log. */
async function lockAppends(path: string, actor: string, opts: AuditAppendOptions): Promise<() => Promise<void>> {
  const lockPath = `${path}.lock`;
  const info: LockInfo = {
    actor,
    operation: 'audit-append',
    pid: process.pid,
    host: opts.hostname,
    startedAt: opts.clock.now().toISOString(),
    token: randomUUID(),
  };
  const deadline = Date.now() + APPEND_WAIT_MS;
  for (;;) {
    try {
      await acquireLockFile(lockPath, info, opts.hostname);
      return async () => {
        const removed = await removeLockFile(lockPath);
        if (removed && removed.token !== info.token)
          throw new AuditWriteError(path, 'append lock was taken over mid-append');
      };
    } catch (error) {
      if (!(error instanceof LockBusyError)) throw error;
      if (Date.now() > deadline)
        throw new AuditWriteError(
          path,
          `another append has held the log for over ${APPEND_WAIT_MS} ms (pid ${error.holder.pid})`,
        );
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
}

/** Append one entry to the JSONL log at `path`, repairing a torn last line first. */
export async function appendAuditEntry(path: string, input: AuditInput, opts: AuditAppendOptions): Promise<AuditEntry> {
  let unlock: (() => Promise<void>) | undefined;
  try {
    unlock = await lockAppends(path, input.actor, opts);
    const fh = await openAuditForAppend(path);
    try {
      // A log created just now exists only once its directory entry is synced too.
      if ((await fh.stat()).size === 0) await syncDirectory(dirname(path));
      const tail = await readAuditTail(fh, path);
      const last = tail.torn ? await repairTornTail(fh, tail, input.actor, opts.clock) : tail.last;
      const entry = createAuditEntry(
        input,
        (last?.seq ?? 0) + 1,
        last?.hash ?? AUDIT_GENESIS,
        opts.clock.now().toISOString(),
      );
      await writeEntry(fh, entry);
      return entry;
    } finally {
      await fh.close();
    }
  } catch (error) {
    // A path problem (symlink, directory) keeps its own code: it is a usage error, not a failed write.
    if (error instanceof StateError) throw error;
    throw new AuditWriteError(path, (error as Error).message, { cause: error });
  } finally {
    await unlock?.();
  }
}

/** The whole log as text ('' when it does not exist yet); a symlink is refused. Costs the whole log: see README. */
export async function readAuditText(path: string): Promise<string> {
  const fh = await openAuditForRead(path);
  if (!fh) return '';
  try {
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
