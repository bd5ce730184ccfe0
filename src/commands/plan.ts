import type { RawConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { describeNextStep, planNextStep, type NextStep } from '../lifecycle/planner.js';
import { describeGate, describeMetric, describeTrigger } from '../output/describe-gate.js';
import type { Style } from '../output/style.js';
import type { ReleaseState } from '../state/types.js';
import { loadConfigFor } from './load-config.js';
import { openState } from './open-state.js';
import type { CommandResult } from './types.js';

export interface PlanResult {
  release: string;
  currentPhase: string | null;
  next: NextStep;
  nextText: string;
  phases: Array<{
    id: string;
    title: string;
    current: boolean;
    gates: Array<{ id: string; kind: string; item?: string; title?: string; checks: string }>;
    checklist: Array<{ id: string; title: string }>;
    stages: Array<{ id: string; percent: number; groups: string[]; bake: string; label?: string }>;
  }>;
  canary: Array<{ id: string; title?: string; rule: string }>;
  triggers: Array<{ id: string; rule: string }>;
  rollback: RawConfig['rollback'];
}

export function buildPlan(config: RawConfig, state: ReleaseState | null, now: Date): PlanResult {
  const next = planNextStep(config, state, now);
  return {
    release: config.release,
    currentPhase: state?.phase ?? null,
    next,
    nextText: describeNextStep(next),
    phases: config.phases.map((p) => ({
      id: p.id,
      title: p.title,
      current: (state?.phase ?? config.phases[0]?.id) === p.id && state?.status !== 'completed',
      gates: p.gates.map((g) => ({ id: g.id, kind: g.kind, item: g.item, title: g.title, checks: describeGate(g) })),
      checklist: [...p.checklist, ...(p.completion === 'default' ? config.completionChecklist : [])].map((c) => ({ id: c.id, title: c.title })),
      stages: (p.rollout?.stages ?? []).map((s) => ({ id: s.id, percent: s.percent, groups: s.groups, bake: s.bake, label: s.label })),
    })),
    canary: (config.canary?.metrics ?? []).map((m) => ({ id: m.id, title: m.title, rule: describeMetric(m) })),
    triggers: config.triggers.map((t) => ({ id: t.id, rule: describeTrigger(t) })),
    rollback: config.rollback,
  };
}

export function renderPlan(plan: PlanResult, s: Style): string {
  const out: string[] = [s.bold(`Release ${plan.release}`), ''];
  for (const phase of plan.phases) {
    out.push(`${phase.current ? s.cyan('▶') : ' '} ${s.bold(phase.id)}  ${phase.title}`);
    for (const g of phase.gates) out.push(`    ${s.dim(g.kind.padEnd(11))} ${g.id}${g.item ? s.dim(` [${g.item}]`) : ''}: ${g.checks}`);
    if (phase.stages.length) {
      out.push(`    ${s.dim('stages')}      ${phase.stages.map((st) => `${st.id} ${st.percent === 0 && st.groups.length ? `${st.groups.join(', ')} only` : `${st.percent} %${st.groups.length ? ` (+${st.groups.join(', ')})` : ''}`}${st.bake !== '0s' ? ` ${st.bake}` : ''}`).join(' → ')}`);
    }
    if (phase.checklist.length) out.push(`    ${s.dim('sign-offs')}   ${phase.checklist.map((c) => c.id).join(', ')}`);
  }
  if (plan.canary.length) {
    out.push('', s.bold('Canary metrics (canary vs baseline)'));
    for (const m of plan.canary) out.push(`  ${m.id}: ${m.rule}`);
  }
  if (plan.triggers.length) {
    out.push('', s.bold('Automatic rollback triggers'));
    for (const t of plan.triggers) out.push(`  ${t.id}: ${t.rule}`);
  }
  const r = plan.rollback;
  out.push('', s.bold('Rollback'), `  default ${r.defaultMode}; immediate target ${r.immediate.target}; progressive over ${r.progressive.over} in ${r.progressive.steps} steps; full verifies ${r.full.healthChecks.join(', ') || 'no health checks'} within ${r.full.deadline}`);
  out.push('', `${s.bold('Next:')} ${plan.nextText}`);
  return out.join('\n');
}

export async function runPlan(_options: Record<string, unknown>, _args: string[], ctx: Ctx): Promise<CommandResult<PlanResult>> {
  const loaded = await loadConfigFor(ctx);
  const state = await openState(ctx, loaded).read();
  const plan = buildPlan(loaded.config, state, ctx.clock.now());
  return { exitCode: EXIT.ok, result: plan, human: (s) => renderPlan(plan, s) };
}
