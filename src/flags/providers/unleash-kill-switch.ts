import type { KillSwitchFile } from './flagd-file-kill-switch.js';
import type { FlagTarget } from './types.js';
import { createUnleashApi, digestEnvironment, unleashOptionsOf } from './unleash-api.js';

// The kill switch of the unleash provider, on the rollback fast path: turn the toggle off in the
// environment (its strategies stay, so turning it on serves the same users), then read it back. Each request
// is bounded by flags[].unleash.timeout (default 5 s), so a dead or slow server costs at most two timeouts
// per flag; the answer then names the call that does it by hand. The old content is never needed.

/** Where to send a human when the toggle could not be switched off. */
export const UNLEASH_RUNBOOK = 'exit-6-rollback-incomplete';

export interface UnleashKillSwitchOptions {
  dryRun?: boolean;
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
}

/** One entry per target, in the shape of the flag-file kill switch (`file` = `unleash:<project>/<environment>/<key>`). */
export async function engageUnleashKillSwitch(
  targets: FlagTarget[],
  opts: UnleashKillSwitchOptions,
): Promise<{ files: KillSwitchFile[]; flagWrittenAtMs: number | null }> {
  const files: KillSwitchFile[] = [];
  let flagWrittenAtMs: number | null = null;
  // Flags on different servers or environments are independent: switch them off concurrently.
  await Promise.all(
    targets.map(async (t) => {
      const one = await switchOff(t, opts);
      if (one.acknowledgedAt !== undefined) flagWrittenAtMs = Math.max(flagWrittenAtMs ?? 0, one.acknowledgedAt);
      files.push(one.entry);
    }),
  );
  files.sort((a, b) => a.file.localeCompare(b.file));
  return { files, flagWrittenAtMs };
}

async function switchOff(
  t: FlagTarget,
  opts: UnleashKillSwitchOptions,
): Promise<{ entry: KillSwitchFile; acknowledgedAt?: number }> {
  const options = unleashOptionsOf(t.settings);
  const file = `unleash:${options.project}/${options.environment || '?'}/${t.key}`;
  const api = createUnleashApi(opts, options);
  const manual = `turn it off by hand now: ${api.manualKillStep(t.key)}; runbook: rollout runbook show ${UNLEASH_RUNBOOK} (section Unleash)`;
  if (!options.environment)
    return {
      entry: {
        file,
        flags: [t.key],
        changed: false,
        error: `flags[].unleash.environment is not set in the plan, so rollout cannot tell which environment to switch off; ${manual}`,
      },
    };
  try {
    const before = await api.readEnvironment(t.key);
    if (before === null)
      // No toggle: every SDK serves its default (off), which is the fallback.
      return { entry: { file, flags: [t.key], changed: false, previous: 'the toggle does not exist in Unleash' } };
    if (opts.dryRun) return { entry: { file, flags: [t.key], changed: before.enabled } };
    let acknowledgedAt: number | undefined;
    if (before.enabled) {
      await api.call('POST', `${api.envPath(t.key)}/off`);
      acknowledgedAt = performance.now();
    }
    const after = await api.readEnvironment(t.key);
    if (after === null || after.enabled)
      return {
        entry: {
          file,
          flags: [t.key],
          changed: before.enabled,
          error: `read-back: the toggle is ${after === null ? 'gone' : 'still ON'} in ${options.environment} after the switch-off; ${manual}`,
        },
      };
    return {
      entry: { file, flags: [t.key], changed: before.enabled, sha256: digestEnvironment(after) },
      ...(acknowledgedAt !== undefined ? { acknowledgedAt } : {}),
    };
  } catch (error) {
    // Every message goes through the redactor, whatever threw it: the token must never reach the output.
    const why = opts.redact(error instanceof Error ? error.message : String(error));
    return { entry: { file, flags: [t.key], changed: false, error: `${why}; ${manual}` } };
  }
}
