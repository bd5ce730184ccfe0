/**
 * Raised when an engine receives input it cannot compute a correct answer from
 * (negative money, NaN, a ratio above 1, dates out of order...). Engines never
 * clamp or guess: a silent wrong number is worse than a named error.
 */
export class EngineInputError extends Error {
  /** Stable code for callers that map errors to exit codes. */
  readonly code = 'ENGINE_INPUT';
  /** Path of the offending field, e.g. `companies[3].invested`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'EngineInputError';
    this.field = field;
  }
}

/** True when `error` is an {@link EngineInputError}. */
export function isEngineInputError(error: unknown): error is EngineInputError {
  return error instanceof EngineInputError;
}
