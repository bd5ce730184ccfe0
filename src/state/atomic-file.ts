import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crashPoint } from './crash-points.js';
import { makeTempPath } from './lock-file.js';

/**
 * The one way this program replaces a file: the state document, the flag file the applications read,
 * the notification outbox and incident ledger, the chaos intent record, metrics recordings, the
 * config cache and watch's progress. One policy for all of them:
 *
 * 1. write a scratch file beside the target (same filesystem, so the rename is atomic), created
 *    exclusively with `mode` (default 0600) and chmod-ed to it, since the umask filters open's mode;
 * 2. fsync it, so the new bytes are on disk before any name points at them;
 * 3. rename it over the target: readers, and the file after a crash, see the old or the new content
 *    in full, never a mix;
 * 4. fsync the directory, so the rename itself survives a power cut. A platform that cannot fsync a
 *    directory (EINVAL, ENOTSUP, EISDIR, EPERM, EACCES) loses only that durability and is tolerated;
 *    any other failure (EIO, ENOSPC) is an error.
 *
 * On any failure before the rename the scratch file is removed and the target is untouched.
 */
export interface AtomicWriteOptions {
  /** Mode of the new file (default 0600). */
  mode?: number;
  /** Create missing parent directories with this mode first (default: the directory must exist). */
  dirMode?: number;
  /** Pass the `state:*` crash points: only the state document's writes, which the crash tests target. */
  crashPoints?: boolean;
}

/** Directory fsync errors that mean "this platform or filesystem cannot", not "the disk failed". */
const UNSUPPORTED_DIR_SYNC = new Set(['EINVAL', 'ENOTSUP', 'EISDIR', 'EPERM', 'EACCES']);

/** fsync a directory so that a rename or create inside it survives a power cut (see the policy above). */
export async function syncDirectory(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (error) {
    if (!UNSUPPORTED_DIR_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await fh?.close();
  }
}

/** Replace `path` with `data` atomically and durably (the policy above). */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const mode = opts.mode ?? 0o600;
  const point = opts.crashPoints ? crashPoint : () => undefined;
  if (opts.dirMode !== undefined) await mkdir(dirname(path), { recursive: true, mode: opts.dirMode });
  const temp = makeTempPath(path);
  let renamed = false;
  try {
    const fh = await open(temp, 'wx', mode);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.chmod(mode);
      point('state:after-temp-write');
      await fh.sync();
      point('state:after-fsync');
    } finally {
      await fh.close();
    }
    await rename(temp, path);
    renamed = true;
    point('state:after-rename');
    await syncDirectory(dirname(path));
    point('state:after-dir-fsync');
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}

/** The text of `path`, or null when it does not exist; every other error (EACCES, EISDIR, EIO) is thrown. */
export async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
