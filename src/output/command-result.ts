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

/** The options every mutating command takes (`--dry-run`, `--reason`), as cli.ts parses them. */
export interface MutatingOptions {
  dryRun?: boolean;
  reason?: string;
}

/** `--out FILE` of the commands that write a file instead of stdout. */
export interface OutOptions {
  out?: string;
}
