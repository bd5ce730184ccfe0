import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateUrlError } from './errors.js';
import { FileStateStore } from './file-store.js';
import { createPostgresStateStore } from './postgres/create.js';
import type { StateUrlSource } from './postgres/url.js';
import type { Clock, StateStore } from './store.js';

/** What the factory needs from the command context. */
export interface StateStoreContext {
  /** Directory relative `file:` paths are resolved against. */
  cwd: string;
  clock: Clock;
  /**
   * The plan's release name. The PostgreSQL backend keeps one row per release and keys it by
   * `?release=` in the URL, else this, else `default`. The file backend ignores it.
   */
  release?: string;
  /** Where credentials are read from (`ROLLOUT_PG_PASSWORD`, `PGPASSWORD`, `PGUSER`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where the URL came from. A password inside a postgres URL is accepted only from the command line
   * or the environment; from `rollout.yaml`, or when the caller does not say, it is refused.
   */
  urlSource?: StateUrlSource;
}

function resolveFileDir(url: string, cwd: string): string {
  const rest = url.slice('file:'.length);
  if (rest.startsWith('//')) {
    try {
      return fileURLToPath(url); // file:///abs/dir
    } catch (error) {
      throw new StateUrlError(url, (error as Error).message);
    }
  }
  if (rest.trim() === '') throw new StateUrlError(url, 'no directory after file:');
  if (rest.includes('\0')) throw new StateUrlError(url, 'the path contains a NUL byte');
  return isAbsolute(rest) ? rest : resolve(cwd, rest);
}

/**
 * Pick the state backend for a `--state` URL: `file:.rollout` (relative to cwd), `file:/abs/dir`,
 * `file:///abs/dir`, or `postgres://…` / `postgresql://…`.
 */
export function createStateStore(url: string, context: StateStoreContext): StateStore {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'file':
      return new FileStateStore({ dir: resolveFileDir(url, context.cwd), clock: context.clock });
    case 'postgres':
    case 'postgresql':
      return createPostgresStateStore(url, context);
    case undefined:
      throw new StateUrlError(url, 'missing scheme');
    default:
      throw new StateUrlError(url, `unknown scheme '${scheme}:'`);
  }
}
