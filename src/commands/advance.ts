import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { EXIT, type ExitCode } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { formatFlagDiff } from '../flags/diff.js';
import { announce, flushNotifications, type AnnounceResult } from '../lifecycle/announce.js';
import { applyStep, assertFlagFilesUsable, computeTarget, type StepTarget } from '../lifecycle/apply-step.js';
import { syncFlagFiles } from '../lifecycle/flag-sync.js';
import { blockedError, describeNextStep, planNextStep, type NextStep } from '../lifecycle/planner.js';
import { decideStageEnd, type StageEndDecision } from '../lifecycle/stage-end.js';
import { gatherStepEvidence, type StepEvidence } from '../lifecycle/step-evidence.js';
import { readPendingStep } from '../lifecycle/step-target.js';
import type { RollbackOutcome } from '../lifecycle/rollback.js';
import { readOrInitial } from '../lifecycle/transaction.js';
import type { ReleaseEvent } from '../notify/types.js';
import { loadStyle, shouldColor, type Style } from '../output/style.js';
import type { ReleaseState } from '../state/types.js';
import { loadConfigFor } from './load-config.js';
import { openState, resolveStateUrl } from '../state/open-state.js';
import type { CommandResult, MutatingOptions } from '../output/command-result.js';

export interface AdvanceResult {
  step: NextStep;
  description: string;
  evidence: StepEvidence | null;
  moved: boolean;
  dryRun: boolean;
  override: boolean;
  resumed: boolean;
  from?: StepTarget['from'];
  to?: StepTarget['to'];
  flagDiff: string[];
  notifications?: AnnounceResult;
  /** The step was taken but its audit entry is pending (the next command backfills it). */
  auditPending?: string;
  /** A stage-end canary failure on a metric with `onFail: rollback`: what was (or, dry, would be) done. */
  stageEnd?: { decision: StageEndDecision; rollback?: RollbackOutcome };
}

const OUTCOME_EXIT: Record<StepEvidence['outcome'], ExitCode> = {
  go: EXIT.ok,
  fail: EXIT.fail,
  wait: EXIT.inconclusive,
};

function assertSameConfig(loaded: LoadedConfig, state: ReleaseState | null, accept: boolean): void {
  if (!state || state.status !== 'in-progress' || state.configHash === loaded.hash || accept) return;
  throw new RolloutError(
    'E_CONFIG_CHANGED',
    `${loaded.file} changed since the last transition of ${state.release} (plan hash ${state.configHash.slice(0, 12)} → ${loaded.hash.slice(0, 12)}); nothing was changed`,
  );
}

/** `rollout advance` options as cli.ts parses them. */
export interface AdvanceOptions extends MutatingOptions {
  override?: boolean;
  acceptConfigChange?: boolean;
  /** Run every gate even when `preflight` recorded a pass at this commit and plan. */
  fresh?: boolean;
}

/** Exactly one step forward, only when the evidence says so (or with an audited --override). */
export async function runAdvance(
  options: AdvanceOptions,
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<AdvanceResult>> {
  const override = options.override === true;
  const reason = options.reason?.trim() ?? '';
  if (override && !reason)
    throw new RolloutError('E_USAGE', '--override needs --reason "<why>": overrides are audited and announced');
  const dryRun = options.dryRun === true;
  const loaded = await loadConfigFor(ctx);
  // A damaged flag file stops advance before any evidence is gathered or anything is written.
  await assertFlagFilesUsable(
    loaded,
    loaded.config.flags.map((f) => f.key),
  );
  const store = openState(ctx, loaded);
  const stored = await store.read();
  if (!dryRun) await flushNotifications(ctx, loaded, { deadlineMs: 2000 });
  const style = await loadStyle(shouldColor({ flag: ctx.global.color, json: false, isTTY: ctx.isTTY, env: ctx.env }));

  // A step a crash interrupted is finished first, without judging the evidence again.
  const pending = readPendingStep(stored);
  if (pending && stored && !dryRun) {
    const applied = await applyStep(ctx, loaded, { expectSerial: stored.serial, target: null });
    const target = pending;
    return finish(ctx, loaded, {
      step: planNextStep(loaded.config, stored, ctx.clock.now()),
      target,
      evidence: null,
      override: target.action === 'override',
      dryRun,
      resumed: applied.resumed,
      flagDiff: applied.flagWrites.flatMap((w) => (w.diff.changes.length ? [formatFlagDiff(w.diff)] : [])),
      auditPending: applied.auditPending,
    });
  }
  assertSameConfig(loaded, stored, options.acceptConfigChange === true);
  const state = stored ?? (await readOrInitial(store, loaded, ctx.clock.now()));
  const step = planNextStep(loaded.config, state, ctx.clock.now());
  if (step.kind === 'done') {
    return {
      exitCode: EXIT.ok,
      result: {
        step,
        description: describeNextStep(step),
        evidence: null,
        moved: false,
        dryRun,
        override: false,
        resumed: false,
        flagDiff: [],
      },
      human: () => 'the release is complete; nothing to do',
    };
  }
  if (step.kind === 'blocked') throw blockedError(step);
  const evidence = await gatherStepEvidence(ctx, loaded, state, step, style, {
    fresh: options.fresh === true,
    stateUrl: resolveStateUrl(ctx, loaded),
  });
  const decision =
    !override && evidence.canary?.verdict === 'fail' && loaded.config.canary
      ? decideStageEnd(evidence.canary, loaded.config.canary)
      : null;
  if (decision?.action === 'rollback') return rollBackAtStageEnd(ctx, loaded, { step, evidence, decision, dryRun });
  const go = evidence.outcome === 'go' || override;
  const target = computeTarget(loaded, state, step, ctx.clock.now(), {
    override: override && evidence.outcome !== 'go',
    ...(reason ? { reason } : {}),
    evidence: {
      outcome: evidence.outcome,
      reasons: evidence.reasons,
      ...(evidence.canary ? { canary: summarizeCanary(evidence.canary) } : {}),
      ...(evidence.reused ? { reusedGates: evidence.reused } : {}),
    },
  });
  if (dryRun || !go) {
    const preview = await syncFlagFiles(loaded.config, loaded.dir, target.flags, {
      dryRun: true,
      env: ctx.env,
      redact: ctx.redact,
    });
    const result: AdvanceResult = {
      step,
      description: describeNextStep(step),
      evidence,
      moved: false,
      dryRun,
      override,
      resumed: false,
      from: target.from,
      to: target.to,
      flagDiff: preview.flatMap((w) => (w.diff.changes.length ? [formatFlagDiff(w.diff)] : [])),
    };
    const exitCode = dryRun ? (go ? EXIT.ok : OUTCOME_EXIT[evidence.outcome]) : OUTCOME_EXIT[evidence.outcome];
    return { exitCode, result, human: (s) => renderAdvance(result, s) };
  }
  const applied = await applyStep(ctx, loaded, { expectSerial: stored?.serial ?? 0, target });
  return finish(ctx, loaded, {
    step,
    target,
    evidence,
    override: target.action === 'override',
    dryRun,
    resumed: applied.resumed,
    flagDiff: applied.flagWrites.flatMap((w) => (w.diff.changes.length ? [formatFlagDiff(w.diff)] : [])),
    auditPending: applied.auditPending,
  });
}

/** D-1: a stage-end breach of a metric marked `onFail: rollback` rolls the release back instead of holding it. */
async function rollBackAtStageEnd(
  ctx: Ctx,
  loaded: LoadedConfig,
  r: { step: NextStep; evidence: StepEvidence; decision: StageEndDecision; dryRun: boolean },
): Promise<CommandResult<AdvanceResult>> {
  const stage = r.step.kind === 'next-stage' || r.step.kind === 'finish-rollout' ? r.step.from.id : '';
  const base: AdvanceResult = {
    step: r.step,
    description: describeNextStep(r.step),
    evidence: r.evidence,
    moved: false,
    dryRun: r.dryRun,
    override: false,
    resumed: false,
    flagDiff: [],
  };
  if (r.dryRun) {
    const result: AdvanceResult = { ...base, stageEnd: { decision: r.decision } };
    return { exitCode: EXIT.fail, result, human: (s) => renderAdvance(result, s) };
  }
  const { performRollback } = await import('../lifecycle/rollback.js');
  const rollback = await performRollback(ctx, loaded, {
    mode: loaded.config.rollback.defaultMode,
    reason: `stage-end canary of ${stage} failed on ${r.decision.rollbackMetrics.join(', ')} (onFail: rollback)`,
    trigger: `stage-end:${r.decision.rollbackMetrics.join(',')}`,
    evidence: r.evidence.canary ? summarizeCanary(r.evidence.canary) : undefined,
  });
  const result: AdvanceResult = { ...base, stageEnd: { decision: r.decision, rollback } };
  return {
    exitCode: rollback.ok ? EXIT.rolledBack : EXIT.rollbackIncomplete,
    result,
    human: (s) => renderAdvance(result, s),
  };
}

async function finish(
  ctx: Ctx,
  loaded: LoadedConfig,
  r: {
    step: NextStep;
    target: StepTarget;
    evidence: StepEvidence | null;
    override: boolean;
    dryRun: boolean;
    resumed: boolean;
    flagDiff: string[];
    auditPending: string | undefined;
  },
): Promise<CommandResult<AdvanceResult>> {
  const notifications = await announce(ctx, loaded, eventsFor(loaded, r.target, ctx));
  const result: AdvanceResult = {
    step: r.step,
    description: describeNextStep(r.step),
    evidence: r.evidence,
    moved: true,
    dryRun: false,
    override: r.override,
    resumed: r.resumed,
    from: r.target.from,
    to: r.target.to,
    flagDiff: r.flagDiff,
    notifications,
    ...(r.auditPending ? { auditPending: r.auditPending } : {}),
  };
  return { exitCode: EXIT.ok, result, human: (s) => renderAdvance(result, s) };
}

/** What a transition keeps of the canary verdict: per metric, both arms, the test and the reason. */
function summarizeCanary(c: NonNullable<StepEvidence['canary']>) {
  return {
    verdict: c.verdict,
    summary: c.summary,
    at: c.at,
    metrics: c.metrics.map((m) => ({
      id: m.id,
      verdict: m.verdict,
      baseline: m.baseline,
      canary: m.canary,
      relativeChange: m.relativeChange,
      pValue: m.adjustedPValue ?? m.pValue ?? null,
      reason: m.reason,
    })),
  };
}

function eventsFor(loaded: LoadedConfig, t: StepTarget, ctx: Ctx): ReleaseEvent[] {
  const base = { release: loaded.config.release, at: ctx.clock.now().toISOString() };
  const events: ReleaseEvent[] = [];
  if (t.action === 'override') {
    const ev = t.evidence as { reasons?: string[] } | undefined;
    events.push({
      ...base,
      type: 'override',
      actor: ctx.actor,
      reason: t.reason ?? '',
      overriddenEvidence: (ev?.reasons ?? []).join('; ') || 'none',
    });
  }
  if (t.to.stage !== t.from.stage && t.to.stage !== null) {
    const flag = Object.keys(t.flags).find((k) => t.flags[k]?.percent === t.to.percent) ?? '';
    events.push({
      ...base,
      type: 'stage-changed',
      flag,
      fromPercent: t.from.percent ?? 0,
      toPercent: t.to.percent ?? 0,
      groups: t.flags[flag]?.groups ?? [],
      actor: ctx.actor,
    });
  }
  if (t.to.phase !== t.from.phase)
    events.push({
      ...base,
      type: 'phase-changed',
      from: t.from.phase ?? '',
      to: t.to.phase ?? 'complete',
      actor: ctx.actor,
      ...(t.reason ? { reason: t.reason } : {}),
    });
  return events;
}

function renderAdvance(r: AdvanceResult, s: Style): string {
  const out: string[] = [];
  const where = (p: StepTarget['to'] | undefined) =>
    p
      ? `${p.phase ?? 'complete'}${p.stage ? ` / ${p.stage}` : ''}${p.percent !== null ? ` (${p.percent} %)` : ''}`
      : '';
  if (r.evidence?.gates?.length) {
    const reused = r.evidence.reused ?? [];
    out.push(
      `${r.evidence.gates.filter((g) => g.verdict === 'pass').length}/${r.evidence.gates.length} gates passed${reused.length ? ` (${reused.length} reused from preflight: ${reused.map((g) => g.id).join(', ')}; --fresh runs them again)` : ''}`,
    );
  }
  if (r.evidence?.canary) out.push(`canary: ${r.evidence.canary.verdict} — ${r.evidence.canary.summary}`);
  if (r.override && r.evidence && r.evidence.outcome !== 'go')
    out.push(s.yellow(s.bold('OVERRIDE: moving forward despite the evidence below (audited and announced)')));
  for (const reason of r.evidence?.reasons ?? [])
    out.push(`  ${r.evidence?.outcome === 'fail' ? s.red('✗') : s.yellow('…')} ${reason}`);
  if (r.stageEnd) {
    const { decision, rollback } = r.stageEnd;
    const cause = `stage-end canary failed on ${decision.rollbackMetrics.join(', ')} (onFail: rollback)`;
    if (!rollback) out.push(`${s.cyan('dry run')}: ${cause}: would roll the release back; nothing was changed`);
    else if (rollback.ok)
      out.push(
        s.red(s.bold(`ROLLED BACK (${rollback.mode}): ${cause}`)),
        `  retry with \`rollout retry --reason "<the fix>"\` once it is fixed`,
      );
    else
      out.push(
        s.red(s.bold(`rollback NOT complete (${rollback.mode}): ${cause}`)),
        ...rollback.problems.map((p) => `  ! ${p}`),
      );
    return out.join('\n');
  }
  if (r.moved)
    out.push(
      `${s.green('advanced')} ${where(r.from)} → ${where(r.to)}${r.resumed ? s.dim(' (finished an interrupted step)') : ''}`,
    );
  else if (r.dryRun)
    out.push(
      `${s.cyan('dry run')}: ${r.evidence?.outcome === 'go' || r.override ? 'would advance' : 'would NOT advance'} ${where(r.from)} → ${where(r.to)}; nothing was changed`,
    );
  else
    out.push(
      `${r.evidence?.outcome === 'fail' ? s.red('not advanced: the evidence says no') : s.yellow('not advanced yet: not enough evidence')}; nothing was changed (next: ${r.description})`,
    );
  if (r.flagDiff.length)
    out.push(s.bold(r.moved ? 'flag changes' : 'flag diff'), ...r.flagDiff.map((d) => d.replace(/^/gm, '  ')));
  if (r.auditPending)
    out.push(s.yellow(`! step taken, audit entry pending (the next command backfills it): ${r.auditPending}`));
  if (r.notifications?.queued.length)
    out.push(
      s.dim(`notifications waiting in the outbox: ${r.notifications.queued.join(', ')} (rollout notify --flush)`),
    );
  return out.join('\n');
}
