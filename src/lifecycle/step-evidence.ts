import type { CanaryVerdict } from '../canary/types.js';
import { formatDuration } from '../config/duration.js';
import type { LoadedConfig } from '../config/load.js';
import type { PhaseConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import type { GateResult } from '../gates/types.js';
import type { Style } from '../output/style.js';
import type { ReleaseState } from '../state/types.js';
import type { BakeStatus, NextStep } from './planner.js';
import { missingSignoffs } from './planner.js';

/** Where a reused result came from: when preflight recorded it and at which commit. */
export interface ReusedGate {
  at: string;
  commit: string;
  ageMs: number;
}

/** How `advance` gathers the evidence: `fresh` runs every gate even when a recorded pass could be reused. */
export interface GatherOptions {
  fresh?: boolean;
  /** The resolved `--state` URL (where the records live; a file store's permissions are checked). */
  stateUrl: string;
}

/** go: the evidence says move; fail: it says no (exit 1); wait: not enough evidence yet (exit 3). */
export type StepOutcome = 'go' | 'fail' | 'wait';

export interface StepEvidence {
  outcome: StepOutcome;
  /** What failed or what is missing, one line each. */
  reasons: string[];
  gates?: Array<
    Pick<GateResult, 'id' | 'kind' | 'verdict' | 'summary'> & {
      hint?: string;
      /** Not run: the passing result `preflight` recorded at this commit and plan was taken (src/gates/reuse.ts). */
      reused?: ReusedGate;
    }
  >;
  /** Gates whose recorded preflight pass was taken instead of running them (`--fresh` runs every gate). */
  reused?: Array<ReusedGate & { id: string }>;
  /** Gates that had a recorded preflight result which was not taken, and why (another commit, stale, failed…). */
  notReused?: Array<{ id: string; why: string }>;
  canary?: CanaryVerdict;
  bake?: BakeStatus & { remaining: string };
  signoffsMissing?: string[];
}

function worst(outcomes: StepOutcome[]): StepOutcome {
  return outcomes.includes('fail') ? 'fail' : outcomes.includes('wait') ? 'wait' : 'go';
}

async function checkGates(
  ctx: Ctx,
  loaded: LoadedConfig,
  state: ReleaseState,
  phase: PhaseConfig,
  style: Style,
  opts: GatherOptions,
): Promise<
  Pick<StepEvidence, 'outcome' | 'reasons' | 'gates' | 'reused' | 'notReused'> & {
    outcome: StepOutcome;
    reasons: string[];
  }
> {
  if (phase.gates.length === 0) return { outcome: 'go', reasons: [], gates: [], reused: [] };
  const [{ buildGateContext }, { runWithProgress }, { planReuse }] = await Promise.all([
    import('../gates/gate-context.js'),
    import('../gates/run-with-progress.js'),
    import('../gates/reuse-context.js'),
  ]);
  const split = await planReuse(ctx, loaded, state, phase.id, phase.gates, {
    fresh: opts.fresh === true,
    stateUrl: opts.stateUrl,
  });
  const reusedById = new Map(split.reused.map((r) => [r.gate.id, r]));
  const notReused = split.run.filter((r) => r.recorded).map((r) => ({ id: r.gate.id, why: r.why }));
  for (const r of notReused)
    ctx.progress(style.dim(`▸ ${r.id}: runs again, the recorded result is not reused: ${r.why}`));
  for (const r of split.reused)
    ctx.progress(
      style.dim(
        `↺ ${r.gate.id} (${r.gate.kind}): reused the pass recorded by preflight at ${r.record.at} (commit ${(r.record.commit ?? '').slice(0, 12)}, ${formatDuration(r.ageMs)} ago): ${r.record.summary}`,
      ),
    );
  const ran = await runWithProgress(
    split.run.map((r) => r.gate),
    buildGateContext(ctx, loaded, phase.id, state),
    ctx,
    style,
  );
  const ranById = new Map(ran.map((r) => [r.id, r]));
  const results: Array<GateResult & { reusedFrom?: ReusedGate }> = phase.gates.map((gate) => {
    const hit = reusedById.get(gate.id);
    if (!hit) return ranById.get(gate.id) as GateResult;
    return {
      id: gate.id,
      kind: gate.kind,
      verdict: 'pass',
      reason: 'ok',
      summary: hit.record.summary,
      evidence: {},
      durationMs: 0,
      reusedFrom: { at: hit.record.at, commit: hit.record.commit ?? '', ageMs: hit.ageMs },
    };
  });
  const effective = (r: GateResult) => (r.verdict === 'inconclusive' && r.inconclusiveAsFail ? 'fail' : r.verdict);
  const reasons = results
    .filter((r) => effective(r) !== 'pass')
    .map((r) => `gate ${r.id}: ${effective(r)} — ${r.summary}${r.hint ? ` (${r.hint})` : ''}`);
  const outcome = worst(
    results.map((r) => (effective(r) === 'pass' ? 'go' : effective(r) === 'fail' ? 'fail' : 'wait')),
  );
  return {
    outcome,
    reasons,
    gates: results.map((r) => ({
      id: r.id,
      kind: r.kind,
      verdict: effective(r),
      summary: r.summary,
      ...(r.hint ? { hint: r.hint } : {}),
      ...(r.reusedFrom ? { reused: r.reusedFrom } : {}),
    })),
    reused: results.flatMap((r) => (r.reusedFrom ? [{ id: r.id, ...r.reusedFrom }] : [])),
    notReused,
  };
}

async function checkCanary(
  ctx: Ctx,
  loaded: LoadedConfig,
  stageId: string,
): Promise<{ outcome: StepOutcome; reasons: string[]; canary?: CanaryVerdict }> {
  const canaryConfig = loaded.config.canary;
  if (!canaryConfig) return { outcome: 'wait', reasons: ['no canary section in the plan'] };
  const { openMetrics } = await import('../metrics/open-metrics.js');
  const { computeAccuracyDelta } = await import('../canary/accuracy-delta.js');
  const { analyzeCanary } = await import('../canary/analyze.js');
  let source;
  try {
    source = await openMetrics(ctx, loaded);
  } catch (error) {
    return { outcome: 'wait', reasons: [`canary: ${(error as Error).message}`] };
  }
  const stage = loaded.config.phases.flatMap((p) => p.rollout?.stages ?? []).find((s) => s.id === stageId);
  const policy = stage?.minSamples ? { ...canaryConfig, minSamples: stage.minSamples } : canaryConfig;
  const canary = await analyzeCanary({
    canary: policy,
    budget: loaded.budget,
    source,
    now: ctx.clock.wallNow?.() ?? ctx.clock.now(),
    release: loaded.config.release,
    accuracyDelta: computeAccuracyDelta(loaded),
  });
  const outcome: StepOutcome = canary.verdict === 'pass' ? 'go' : canary.verdict === 'fail' ? 'fail' : 'wait';
  const reasons =
    canary.verdict === 'pass'
      ? []
      : canary.metrics.filter((m) => m.verdict !== 'pass').map((m) => `canary ${m.id}: ${m.verdict} — ${m.reason}`);
  return { outcome, reasons, canary };
}

/**
 * Everything `advance` needs to know before it may take `step`: the phase's gates and sign-offs when
 * a phase ends or a rollout starts; bake time and the canary verdict between stages.
 */
export async function gatherStepEvidence(
  ctx: Ctx,
  loaded: LoadedConfig,
  state: ReleaseState,
  step: NextStep,
  style: Style,
  opts: GatherOptions,
): Promise<StepEvidence> {
  if (step.kind === 'done' || step.kind === 'blocked')
    return { outcome: 'fail', reasons: [step.kind === 'done' ? 'the release is complete' : step.detail] };
  const phase = loaded.config.phases.find((p) => p.id === step.phase) as PhaseConfig;
  const parts: Array<{ outcome: StepOutcome; reasons: string[] }> = [];
  const evidence: Omit<StepEvidence, 'outcome' | 'reasons'> = {};
  if (step.kind === 'complete-phase' || step.kind === 'start-rollout') {
    const gates = await checkGates(ctx, loaded, state, phase, style, opts);
    parts.push(gates);
    evidence.gates = gates.gates;
    if (gates.reused?.length) evidence.reused = gates.reused;
    if (gates.notReused?.length) evidence.notReused = gates.notReused;
  } else {
    const remaining = formatDuration(step.bake.remainingMs);
    evidence.bake = { ...step.bake, remaining };
    if (step.bake.remainingMs > 0)
      parts.push({
        outcome: 'wait',
        reasons: [`bake time of ${step.from.id} ends in ${remaining} (${step.bake.endsAt})`],
      });
    const canary = await checkCanary(ctx, loaded, step.from.id);
    parts.push(canary);
    if (canary.canary) evidence.canary = canary.canary;
  }
  if (step.kind !== 'next-stage') {
    const missing = missingSignoffs(loaded.config, phase, state);
    evidence.signoffsMissing = missing;
    // Manual gates already report their own sign-off; list only the checklist items no gate names.
    const viaGates = new Set(phase.gates.filter((g) => g.kind === 'manual').map((g) => g.signoff));
    // The completion checklist is signed "before moving to the next phase": a rollout phase is left
    // by finish-rollout, so starting its rollout needs only the phase's own checklist.
    const ownItems = new Set(phase.checklist.map((c) => c.id));
    const neededNow = (m: string) => step.kind === 'complete-phase' || ownItems.has(m);
    const extra = step.kind === 'finish-rollout' ? missing : missing.filter((m) => !viaGates.has(m) && neededNow(m));
    if (extra.length)
      parts.push({
        outcome: 'wait',
        reasons: [`sign-offs missing: ${extra.join(', ')} (rollout signoff ITEM --reason "…")`],
      });
  }
  return { outcome: worst(parts.map((p) => p.outcome)), reasons: parts.flatMap((p) => p.reasons), ...evidence };
}
