import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crashPoint } from './crash-points.js';
import { makeTempPath } from './lock-file.js';

/** fsync a directory so that a rename or create inside it survives a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replace `path` with `data` so that readers, and the file after a crash, see either the old or
 * the new content in full: write a scratch file in the same directory, fsync it, rename it over
 * the target, fsync the directory. Passes the `state:*` crash points.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = makeTempPath(path);
  let renamed = false;
  try {
    const fh = await open(temp, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      crashPoint('state:after-temp-write');
      await fh.sync();
      crashPoint('state:after-fsync');
    } finally {
      await fh.close();
    }
    await rename(temp, path);
    renamed = true;
    crashPoint('state:after-rename');
    await syncDirectory(dirname(path));
    crashPoint('state:after-dir-fsync');
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}
