// The two outside failures every remote provider reports the same way, so the lifecycle can act on them
// without knowing the provider: advance exits 3 (unavailable) or 1 (hand edit) with nothing changed.

/** The provider could not be reached, refused the credentials, failed (5xx) or did not answer in time. */
export class ProviderUnavailableError extends Error {
  /** The error catalogue's code (exit 3): main maps it without knowing the provider. */
  readonly code = 'E_FLAG_PROVIDER';
  constructor(
    message: string,
    /** The HTTP status, or null when there was no answer. */
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}

/** The provider holds something rollout did not write: reported with a diff, never overwritten. */
export class ProviderHandEditError extends Error {
  /** The error catalogue's code (exit 1). */
  readonly code = 'E_FLAG_HAND_EDIT';
  constructor(
    readonly location: string,
    /** One line per difference, `what is there` against `what rollout wrote`. */
    readonly diff: string[],
  ) {
    super(`${location} was edited outside rollout:\n${diff.map((d) => `  ${d}`).join('\n')}`);
    this.name = 'ProviderHandEditError';
  }
}
