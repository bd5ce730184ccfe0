import { StateError } from '../errors.js';

/**
 * The database could not be reached or did not answer in time. `outcome` says what happened to the
 * operation: `not-applied` (it failed before its commit was sent: nothing changed) or `unknown`
 * (the connection broke during the commit: read the state again before retrying).
 */
export class StateUnavailableError extends StateError {
  readonly code = 'E_STATE_UNAVAILABLE';
  constructor(
    readonly target: string,
    readonly outcome: 'not-applied' | 'unknown',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `state backend ${target} is unavailable: ${detail}${
        outcome === 'unknown'
          ? '; the connection broke during the commit, so the change may or may not be stored: check `rollout status`'
          : '; nothing was changed'
      }`,
      options,
    );
    this.name = 'StateUnavailableError';
  }
}

/** The database holds a schema written by a newer rollout: refuse rather than guess (mixed versions). */
export class StateSchemaError extends StateError {
  readonly code = 'E_STATE_SCHEMA';
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `the state database has schema version ${found}, but this rollout supports up to ${supported}: upgrade rollout on this machine`,
    );
    this.name = 'StateSchemaError';
  }
}
