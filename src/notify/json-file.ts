import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Small JSON documents written atomically (temp file, fsync, rename, fsync of the directory),
 * created 0600 in a 0700 directory. Used for the file outbox and the incident ledger.
 */
export interface JsonFile<T> {
  /** Read, change and write back; calls are serialised within the process. */
  modify<R>(change: (value: T) => R | Promise<R>): Promise<R>;
  read(): Promise<T>;
}

export function createJsonFile<T>(path: string, empty: () => T, isValid: (value: unknown) => value is T): JsonFile<T> {
  let queue: Promise<unknown> = Promise.resolve();
  const serialise = <R>(task: () => Promise<R>): Promise<R> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
  const read = async (): Promise<T> => {
    const text = await readText(path);
    if (text === null) return empty();
    const value = parseOrNull(text);
    if (isValid(value)) return value;
    // Keep an unreadable file for a human instead of failing every notification forever.
    await rename(path, `${path}.corrupt-${Date.now()}`);
    return empty();
  };
  return {
    read: () => serialise(read),
    modify: (change) =>
      serialise(async () => {
        const value = await read();
        const result = await change(value);
        await writeAtomically(path, `${JSON.stringify(value, null, 2)}\n`);
        return result;
      }),
  };
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Write `text` to `path` so that a crash leaves either the old or the new content, never a mix. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}
