import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateBackendUnavailableError, StateUrlError } from './errors.js';
import { FileStateStore } from './file-store.js';
import type { Clock, StateStore } from './store.js';

/** What the factory needs from the command context. */
export interface StateStoreContext {
  /** Directory relative `file:` paths are resolved against. */
  cwd: string;
  clock: Clock;
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
      // The PostgreSQL backend plugs in here; it must implement the same StateStore contract.
      throw new StateBackendUnavailableError('PostgreSQL');
    case undefined:
      throw new StateUrlError(url, 'missing scheme');
    default:
      throw new StateUrlError(url, `unknown scheme '${scheme}:'`);
  }
}
