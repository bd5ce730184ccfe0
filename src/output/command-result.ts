import type { ExitCode } from '../errors/catalogue.js';
import type { Style } from './style.js';

/** What every command returns; src/main.ts alone prints it and exits with `exitCode`. */
export interface CommandResult<T = unknown> {
  exitCode: ExitCode;
  /** The command's result as data: the `--json` document carries it. */
  result: T;
  /** The human rendering for stdout. */
  human(style: Style): string;
}
