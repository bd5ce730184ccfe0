import { CATALOGUE, type ErrorCode, type ExitCode } from './catalogue.js';

/** A problem at a position in a file, reported as `file:line:col: message`. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
  severity?: 'error' | 'warning';
}

/** An expected failure: carries a catalogue code, so main can choose the exit code and the hint. */
export class RolloutError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly problems: Problem[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; problems?: Problem[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RolloutError';
    this.code = code;
    this.details = options.details ?? {};
    this.problems = options.problems ?? [];
  }

  get exitCode(): ExitCode {
    return CATALOGUE[this.code].exitCode;
  }

  get hint(): string {
    return CATALOGUE[this.code].hint;
  }
}

export function isRolloutError(error: unknown): error is RolloutError {
  return error instanceof RolloutError;
}

/** Errors from lower layers carry a string `code` such as `E_LOCK_BUSY`; map them onto the catalogue. */
export function toRolloutError(error: unknown): RolloutError | null {
  if (error instanceof RolloutError) return error;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code in CATALOGUE) {
      const details = { ...(error as unknown as Record<string, unknown>) };
      delete details.code;
      // Lower layers may list positioned problems (a state document's defects): print them like a plan's.
      const problems = Array.isArray(details.problems) ? (details.problems as Problem[]) : [];
      delete details.problems;
      return new RolloutError(code as ErrorCode, error.message, { details, problems, cause: error });
    }
  }
  return null;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}
