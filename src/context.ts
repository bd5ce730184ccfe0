import { userInfo } from 'node:os';
import type { Clock } from './lifecycle/clock.js';
import type { MetricsSource } from './metrics/types.js';
import type { Redactor } from './output/redact.js';

/** Global options every command accepts (DESIGN.md, "The CLI contract"). */
export interface GlobalOptions {
  config: string;
  state?: string;
  json: boolean;
  color: boolean;
  actor?: string;
  dryRun?: boolean;
  reason?: string;
}

/** The world a command runs in. Commands never read process.* directly: tests pass their own. */
export interface Ctx {
  cwd: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  actor: string;
  global: GlobalOptions;
  /** Human progress lines (stderr); silent-safe with --json because it never touches stdout. */
  progress(line: string): void;
  /** On a terminal: replace the screen with this frame (stderr), for live views such as `status --watch`. */
  live?(frame: string): void;
  /** Whether stderr is an interactive terminal (live progress, colour). */
  isTTY: boolean;
  /** The one redaction step every output path (and the audit log) goes through. */
  redact: Redactor;
  /**
   * A metrics source to use instead of the plan's Prometheus (the simulated source of `rollout demo`,
   * or a test's). When absent, commands open the plan's Prometheus from the environment.
   */
  metricsSource?: MetricsSource;
}

const CI_ACTOR_VARIABLES = [
  'GITHUB_ACTOR',
  'GITLAB_USER_LOGIN',
  'BUILDKITE_BUILD_CREATOR',
  'CIRCLE_USERNAME',
  'BITBUCKET_STEP_TRIGGERER_UUID',
  'BUILD_REQUESTEDFOR',
];

/** The operating system's name for the user running the process; null where it has none (a container's bare uid). */
function osUserName(): string | null {
  try {
    return userInfo().username || null;
  } catch {
    return null;
  }
}

/** `--actor`, then `$ROLLOUT_ACTOR`, then the CI's user variables, then `$USER`, then the OS user name. */
export function resolveActor(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  osUser: () => string | null = osUserName,
): string {
  if (explicit) return explicit;
  if (env.ROLLOUT_ACTOR) return env.ROLLOUT_ACTOR;
  for (const name of CI_ACTOR_VARIABLES) {
    const value = env[name];
    if (value) return value;
  }
  return env.USER || env.USERNAME || osUser() || 'unknown';
}
