import path from 'node:path';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { engageKillSwitch, readRawPlan, readStateTargets, type KillSwitchResult } from '../lifecycle/kill-switch.js';
import type { Style } from '../output/style.js';
import type { RollbackMode, RollbackOutcome } from '../lifecycle/rollback.js';
import { withArticle } from '../output/words.js';
import type { CommandResult } from '../output/command-result.js';

const MODES: RollbackMode[] = ['immediate', 'progressive', 'full'];

export interface RollbackResult extends RollbackOutcome {
  reason: string;
  dryRun: boolean;
  killSwitch?: KillSwitchResult;
}

/** `rollout rollback` options as cli.ts parses them (--mode is one of MODES). */
export interface RollbackOptions {
  mode?: RollbackMode;
  resume?: boolean;
  dryRun?: boolean;
  reason?: string;
}

/**
 * On-call's command. The kill switch is written first, from a plain YAML read of the plan: no schema
 * validation, state store, Prometheus or Slack stands between the operator and the fallback, and
 * the old flag file is never trusted (it is rebuilt from the plan when it is damaged). Every write is
 * read back and evaluated with flagd-core. Recording, health verification and notifications follow;
 * none can undo the switch. A release already rolled back is left as it is (exit 0).
 */
export async function runRollback(
  options: RollbackOptions,
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<RollbackResult>> {
  const requested = options.mode;
  const resume = options.resume === true;
  if (resume && requested !== undefined && requested !== 'progressive')
    throw new RolloutError(
      'E_USAGE',
      `--resume continues a progressive ramp-down; it does not combine with --mode ${requested}`,
    );
  const dryRun = options.dryRun === true;
  const reason = options.reason?.trim() || `manual rollback by ${ctx.actor}`;
  const configFile = path.resolve(ctx.cwd, ctx.global.config);
  let mode: RollbackMode | undefined = resume ? 'progressive' : requested;
  let killSwitch: KillSwitchResult | undefined;
  const startedAt = ctx.clock.now().toISOString();
  if (mode !== 'progressive') {
    // Fast path: the flag first. A plan that fails validation must not stop a kill switch it can find.
    const raw = await readRawPlan(configFile).catch(() => null);
    mode ??= MODES.includes(raw?.defaultMode as RollbackMode) ? (raw?.defaultMode as RollbackMode) : undefined;
    // A plan that is missing or not even YAML: the flags the release wrote are named in the state, and
    // each flag file names its own fallback variant.
    const targets = raw?.targets.length
      ? raw.targets
      : await readStateTargets(ctx.cwd, ctx.global.state ?? ctx.env.ROLLOUT_STATE);
    if (mode !== 'progressive' && targets.length)
      killSwitch = await engageKillSwitch(path.dirname(configFile), targets, {
        dryRun,
        publishContext: { planDir: path.dirname(configFile), env: ctx.env, redact: ctx.redact },
      });
  }
  const { loadConfigFor } = await import('./load-config.js');
  let loaded: Awaited<ReturnType<typeof loadConfigFor>>;
  try {
    loaded = await loadConfigFor(ctx);
  } catch (error) {
    if (!killSwitch || dryRun || !(error instanceof RolloutError)) throw error;
    // The switch is in place but the rollback cannot be recorded without a valid plan: not "nothing was done".
    const on =
      killSwitch.files.length > 0 && killSwitch.files.every((f) => !f.error) && killSwitch.verification?.ok === true;
    throw new RolloutError(
      'E_ROLLBACK_INCOMPLETE',
      `${on ? `the kill switch IS on (${killSwitch.files.map((f) => f.file).join(', ')} read back: fallback for everyone)` : 'the kill switch could NOT be verified'}, but the rollback is not recorded: ${error.message}. Fix the plan, then run \`rollout rollback\` again to record it`,
      { problems: error.problems, details: { killSwitch } },
    );
  }
  mode ??= loaded.config.rollback.defaultMode;
  const { performRollback } = await import('../lifecycle/rollback.js');
  // During a ramp-down any rollback trigger that fires sends it straight to the kill switch.
  const checkTriggers =
    mode === 'progressive' && !dryRun
      ? await (await import('../watch/ramp-check.js')).createRampTriggerCheck(ctx, loaded)
      : undefined;
  const outcome = await performRollback(ctx, loaded, {
    mode,
    reason,
    dryRun,
    resume,
    ...(killSwitch ? { killSwitch, startedAt } : {}),
    ...(checkTriggers ? { checkTriggers } : {}),
  });
  const result: RollbackResult = { ...outcome, reason, dryRun };
  return { exitCode: outcome.ok ? EXIT.ok : EXIT.rollbackIncomplete, result, human: (s) => renderRollback(result, s) };
}

function renderKillSwitch(r: RollbackResult, s: Style, out: string[]): void {
  const kill = r.killSwitch;
  for (const f of kill?.files ?? []) if (f.previous) out.push(s.yellow(`! ${f.file}: ${f.previous}`));
  if (r.flagWrittenAtMs !== null)
    out.push(
      `${s.green('kill switch on')}: fallback for everyone, flag written ${Math.round(r.flagWrittenAtMs)} ms after start`,
    );
  else if (kill && kill.files.length && kill.files.every((f) => !f.error && !f.changed))
    out.push(`${s.green('kill switch on')}: the flag file already served the fallback to everyone (not rewritten)`);
  const v = kill?.verification;
  if (v?.ok)
    out.push(
      s.dim(`read back and evaluated with flagd: ${v.contexts} contexts, all on the fallback (${Math.round(v.ms)} ms)`),
    );
}

function renderRollback(r: RollbackResult, s: Style): string {
  const out: string[] = [];
  if (r.dryRun) {
    out.push(`${s.cyan('dry run')}: ${withArticle(r.mode)} rollback would:`);
    for (const f of r.killSwitch?.files ?? [])
      out.push(
        `  serve the fallback of ${f.flags.join(', ')} to everyone in ${f.file}${f.error ? ` — but: ${f.error}` : f.changed ? '' : ' (already so)'}`,
      );
    for (const st of r.steps) out.push(`  at ${st.notBefore} set ${st.percent} %`);
    out.push('nothing was changed');
    return out.join('\n');
  }
  renderKillSwitch(r, s, out);
  if (r.already) {
    out.push(
      `already rolled back at ${r.already.at} by ${r.already.by} (${r.already.mode}); nothing new was recorded or announced`,
    );
    for (const p of r.problems) out.push(s.yellow(`! ${p}`));
    if (!r.ok)
      out.push(
        s.red(
          'the kill switch did NOT reach applications: a human is needed (runbook: rollout runbook show flag-publish-failed)',
        ),
      );
    return out.join('\n');
  }
  if (r.mode === 'progressive')
    out.push(
      `ramp-down ${r.steps.filter((x) => x.done).length}/${r.steps.length} steps done${r.escalated ? ` (trigger ${r.escalated} → kill switch)` : ''}`,
    );
  if (r.health && r.health.checks === 0) out.push(s.yellow(`health NOT verified: ${r.health.summary}`));
  else if (r.healthy !== undefined)
    out.push(
      r.healthy
        ? s.green(`health verified on the fallback: ${r.health?.summary ?? ''}`)
        : s.red('health verification FAILED on the fallback'),
    );
  for (const p of r.problems) out.push(s.yellow(`! ${p}`));
  if (r.auditPending)
    out.push(s.yellow(`! step taken, audit entry pending (the next command backfills it): ${r.auditPending}`));
  if (r.notifications?.queued.length)
    out.push(
      s.dim(`notifications waiting in the outbox: ${r.notifications.queued.join(', ')} (rollout notify --flush)`),
    );
  out.push(
    r.ok
      ? `${s.bold('rolled back')} (${r.mode}): ${r.reason}`
      : s.red(
          `the rollback is NOT complete: a human is needed (runbook: rollout runbook show exit-6-rollback-incomplete)`,
        ),
  );
  return out.join('\n');
}
