import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { formatFlagDiff } from '../flags/diff.js';
import { publishProblems, stampDigests, syncFlagFiles, type FlagWrite } from '../lifecycle/flag-sync.js';
import { changeRelease } from '../lifecycle/transaction.js';
import type { CommandResult, MutatingOptions } from '../output/command-result.js';

export interface FlagsSyncResult {
  dryRun: boolean;
  files: Array<{
    file: string;
    sha256: string;
    changed: boolean;
    diff: string;
    published: boolean | null;
    publish?: FlagWrite['publish'];
  }>;
  problems: string[];
  /** The state's recorded digests were updated (the plan's metadata changed since the step was written). */
  recorded: boolean;
}

/**
 * `rollout flags sync`: rewrites every flag file from the position the state holds (the state is the
 * truth; with a PostgreSQL state this is how a machine catches up) and publishes each file, also when
 * the local file already matched: an earlier publish may have failed. Runs under the release lock so it
 * never interleaves with an advance or a rollback. A failed publish exits 3 (E_FLAG_PUBLISH's runbook).
 */
export async function runFlagsSync(
  options: MutatingOptions,
  ctx: Ctx,
  loaded: LoadedConfig,
): Promise<CommandResult<FlagsSyncResult>> {
  const dryRun = options.dryRun === true;
  const reason = options.reason?.trim() || undefined;
  const outcome = await changeRelease<FlagWrite[]>(ctx, loaded, { operation: 'flags-sync', dryRun }, async (state) => {
    if (state.serial === 0)
      throw new RolloutError(
        'E_NO_RELEASE',
        'the state holds no release yet: there is nothing to sync (`rollout advance` starts it)',
      );
    const writes = await syncFlagFiles(loaded.config, loaded.dir, state.flags, {
      dryRun,
      env: ctx.env,
      redact: ctx.redact,
      publish: 'always',
      force: true,
    });
    const flags = stampDigests(loaded.config, state.flags, writes);
    if (JSON.stringify(flags) === JSON.stringify(state.flags)) return { unchanged: writes };
    const files = writes.map((w) => ({
      file: w.file,
      sha256: w.sha256,
      changed: w.changed,
      published: w.publish ? w.publish.ok : null,
    }));
    return {
      next: { ...state, flags },
      audit: { op: 'flags:sync', ...(reason ? { reason } : {}), data: { files } },
      result: writes,
    };
  });
  const writes = outcome.result;
  const result: FlagsSyncResult = {
    dryRun,
    files: writes.map((w) => ({
      file: w.file,
      sha256: w.sha256,
      changed: w.changed,
      diff: w.diff.changes.length ? formatFlagDiff(w.diff) : '',
      published: w.publish ? w.publish.ok : null,
      ...(w.publish ? { publish: w.publish } : {}),
    })),
    problems: publishProblems(writes),
    recorded: outcome.written,
  };
  return {
    exitCode: result.problems.length ? EXIT.inconclusive : EXIT.ok,
    result,
    human: (s) => {
      const out: string[] = [];
      for (const f of result.files) {
        const wrote = f.changed ? (dryRun ? 'would rewrite' : 'rewrote') : 'already matched';
        const pub =
          f.published === null
            ? dryRun
              ? ''
              : '; no publish command'
            : f.published
              ? `; published (${f.publish?.command})`
              : s.red(`; publish FAILED: ${f.publish?.summary}`);
        out.push(`${f.file}: ${wrote} the state's position (sha256 ${f.sha256.slice(0, 12)}…)${pub}`);
        if (f.diff) out.push(s.dim(f.diff));
      }
      if (result.recorded)
        out.push(s.dim('the state now records the digest of these files (the plan changed since they were written)'));
      for (const p of result.problems) out.push(s.yellow(`! ${p}`));
      if (result.problems.length)
        out.push(s.red('not every file reached applications (runbook: rollout runbook show flag-publish-failed)'));
      return out.join('\n');
    },
  };
}
