import type { Redactor } from '../../output/redact.js';
import type { PublishOutcome, PublishSpec } from './types.js';

/** Variables every publish command gets, whatever its allow-list: which file to ship and its digest. */
export const PUBLISH_FILE_VAR = 'ROLLOUT_FLAG_FILE';
export const PUBLISH_DIGEST_VAR = 'ROLLOUT_FLAG_SHA256';

export interface PublishContext {
  planDir: string;
  env: NodeJS.ProcessEnv;
  redact: Redactor;
  /** Grace between SIGTERM and SIGKILL of the command's process group (default 5 s). */
  killGraceMs?: number;
}

/**
 * Runs `flags[].publish` for one flag file: the same runner as command gates (no shell, its own process
 * group, only the allow-listed variables, SIGTERM then SIGKILL at the timeout), plus ROLLOUT_FLAG_FILE
 * (absolute path) and ROLLOUT_FLAG_SHA256. Never throws: a command that cannot start, fails or hangs is
 * an outcome with `ok: false` and the reason.
 */
export async function runPublish(
  spec: PublishSpec,
  file: string,
  sha256: string,
  ctx: PublishContext,
): Promise<PublishOutcome> {
  const started = performance.now();
  const command = spec.run.join(' ');
  try {
    // Loaded only when a publish runs: the kill switch has written the local file before this import.
    const { judgeCommandGate } = await import('../../gates/command-gate.js');
    const outcome = await judgeCommandGate(
      {
        id: 'publish',
        kind: 'command',
        run: spec.run,
        ...(spec.cwd ? { cwd: spec.cwd } : {}),
        timeout: spec.timeout,
        env: [...spec.env, PUBLISH_FILE_VAR, PUBLISH_DIGEST_VAR],
      },
      {
        planDir: ctx.planDir,
        env: { ...ctx.env, [PUBLISH_FILE_VAR]: file, [PUBLISH_DIGEST_VAR]: sha256 },
        redact: ctx.redact,
        ...(ctx.killGraceMs !== undefined ? { killGraceMs: ctx.killGraceMs } : {}),
      },
    );
    const ok = outcome.verdict === 'pass';
    const summary = ok ? outcome.summary : `${outcome.summary}${outcome.hint ? ` (${outcome.hint})` : ''}`;
    return {
      ok,
      summary,
      command: outcome.evidence.source ?? command,
      ms: performance.now() - started,
      ...(outcome.output ? { output: outcome.output } : {}),
    };
  } catch (error) {
    return {
      ok: false,
      summary: `cannot run the publish command: ${(error as Error).message}`,
      command,
      ms: performance.now() - started,
    };
  }
}
