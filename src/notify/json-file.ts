import { rename } from 'node:fs/promises';
import { readTextOrNull, writeFileAtomic } from '../state/atomic-file.js';

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
    const text = await readTextOrNull(path);
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
        await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { dirMode: 0o700 });
        return result;
      }),
  };
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
