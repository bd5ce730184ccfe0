import { constants } from 'node:fs';
import { lstat, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StateCorruptError, StateUnsafePathError } from './errors.js';

/*
 * The checks every state and lock file read goes through: symbolic links are refused (O_NOFOLLOW), a
 * directory where a file belongs or a file where the state directory belongs is a clear usage error
 * instead of an internal one, and loose permissions on an existing file are reported but never block.
 */

/** Group- or world-writable: someone else could rewrite the release position or the lock. */
const LOOSE_BITS = 0o022;

/** Warn (once) when an existing state file or directory is writable by group or others. */
export function warnIfLoose(path: string, mode: number, what: 'file' | 'directory', expected: number): void {
  if ((mode & LOOSE_BITS) === 0) return;
  const octal = (m: number) => `0${(m & 0o777).toString(8)}`;
  report(
    `${path} is ${what === 'file' ? 'a file' : 'a directory'} with mode ${octal(mode)}, writable by other users; rollout creates it ${octal(expected)} (fix: chmod ${octal(expected)} ${path})`,
  );
}

/**
 * Hand a warning to the CLI's printer. Loaded only when there is something to report, so that the state
 * layer keeps importing nothing but node built-ins (tests run it alone in child processes).
 */
function report(message: string): void {
  void import('../output/warnings.js').then(
    (m) => m.warn(message),
    () => undefined,
  );
}

/** Turn a file-system error on a state path into the error the user can act on; others pass through. */
export function toStatePathError(error: unknown, path: string): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ELOOP':
      return new StateUnsafePathError(
        path,
        'it is a symbolic link, and state and lock files are never followed through links',
      );
    case 'EISDIR':
      return new StateCorruptError(path, 'it is a directory where a file belongs', { cause: error });
    case 'ENOTDIR':
    case 'EEXIST':
      return new StateCorruptError(dirname(path), 'it is not a directory (the state location must be a directory)', {
        cause: error,
      });
    case 'EACCES':
    case 'EPERM':
      return new StateCorruptError(path, `permission denied (${(error as Error).message})`, { cause: error });
    default:
      return error;
  }
}

/**
 * The text of a state or lock file, or null when it does not exist. Never follows a symbolic link;
 * warns when the file is writable by others.
 */
export async function readStateFileText(path: string): Promise<string | null> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw toStatePathError(error, path);
  }
  try {
    const info = await fh.stat();
    if (info.isDirectory()) throw new StateCorruptError(path, 'it is a directory where a file belongs');
    if (!info.isFile()) throw new StateCorruptError(path, 'it is not a regular file');
    warnIfLoose(path, info.mode, 'file', 0o600);
    return await fh.readFile('utf8');
  } catch (error) {
    throw toStatePathError(error, path);
  } finally {
    await fh.close();
  }
}

/** The state directory must be a real directory; a loose one is reported. Returns false when it does not exist. */
export async function checkStateDirectory(dir: string): Promise<boolean> {
  let info;
  try {
    info = await lstat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw toStatePathError(error, dir);
  }
  if (info.isSymbolicLink()) {
    // A linked state directory is a deliberate setup (a shared volume); a link to nothing is not.
    info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        throw new StateCorruptError(dir, 'it is a symbolic link to something that does not exist');
      throw toStatePathError(error, dir);
    });
    if (!info.isDirectory())
      throw new StateCorruptError(dir, 'it is a symbolic link to something that is not a directory');
    return true;
  }
  if (!info.isDirectory())
    throw new StateCorruptError(dir, 'it is not a directory (the state location must be a directory)');
  warnIfLoose(dir, info.mode, 'directory', 0o700);
  return true;
}
