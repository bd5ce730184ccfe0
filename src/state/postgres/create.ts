import type { Clock } from '../store.js';
import { PostgresStateStore, type PostgresStateStoreOptions } from './store.js';
import { parsePostgresUrl, type StateUrlSource } from './url.js';

/** What `createStateStore` passes through for a postgres URL. */
export interface PostgresStoreContext {
  clock: Clock;
  release?: string;
  env?: NodeJS.ProcessEnv;
  urlSource?: StateUrlSource;
}

/**
 * Build the PostgreSQL backend for a `postgres://` / `postgresql://` URL. Nothing connects here:
 * the pool (and the `pg` module) are created on the first operation.
 */
export function createPostgresStateStore(
  url: string,
  context: PostgresStoreContext,
  extra: Omit<PostgresStateStoreOptions, 'target' | 'clock'> = {},
): PostgresStateStore {
  const target = parsePostgresUrl(url, {
    env: context.env ?? process.env,
    release: context.release,
    source: context.urlSource,
  });
  return new PostgresStateStore({ ...extra, target, clock: context.clock });
}
