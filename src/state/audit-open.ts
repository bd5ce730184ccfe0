import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { StateCorruptError } from './errors.js';
import { toStatePathError, warnIfLoose } from './fs-guard.js';

const { O_APPEND, O_CREAT, O_NOFOLLOW, O_RDONLY, O_RDWR } = constants;

/**
 * Open the log the way every state file is opened: never through a symbolic link (a link planted or
 * left dangling at audit.jsonl would otherwise make appends create or extend a file wherever it
 * points, outside the state directory), only a regular file, and a warning when others may write it.
 */
async function openChecked(path: string, flags: number): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, flags | O_NOFOLLOW, 0o600);
  } catch (error) {
    throw toStatePathError(error, path);
  }
  try {
    const info = await fh.stat();
    if (!info.isFile()) throw new StateCorruptError(path, 'the audit log is not a regular file');
    warnIfLoose(path, info.mode, 'file', 0o600);
    return fh;
  } catch (error) {
    await fh.close();
    throw toStatePathError(error, path);
  }
}

/** Open the log for appending; a new log is made 0600 explicitly, whatever the umask would allow. */
export async function openAuditForAppend(path: string): Promise<FileHandle> {
  const fh = await openChecked(path, O_RDWR | O_APPEND | O_CREAT);
  try {
    if ((await fh.stat()).size === 0) await fh.chmod(0o600);
    return fh;
  } catch (error) {
    await fh.close();
    throw error;
  }
}

/** Open the log for reading; null when it does not exist yet. */
export async function openAuditForRead(path: string): Promise<FileHandle | null> {
  try {
    return await openChecked(path, O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
