import { checkMitigation, type MitigationStatus } from '../config/plan-refs.js';
import type { RawConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { describeNextStep, planNextStep, type NextStep } from '../lifecycle/planner.js';
import { describeGate, describeMetric, describeTrigger } from '../output/describe-gate.js';
import type { Style } from '../output/style.js';
import type { ReleaseState } from '../state/types.js';
import { loadConfigFor } from './load-config.js';
import { openState } from '../state/open-state.js';
import type { CommandResult } from '../output/command-result.js';

export interface PlanResult {
  release: string;
  currentPhase: string | null;
  next: NextStep;
  nextText: string;
  phases: Array<{
    id: string;
    title: string;
    current: boolean;
    gates: Array<{ id: string; kind: string; item?: string; title?: string; checks: string; basis: GateBasis }>;
    /** Gates a machine judges from evidence vs gates that wait for a person's sign-off. */
    counts: { evidence: number; signoffs: number };
    checklist: Array<{ id: string; title: string }>;
    stages: Array<{ id: string; percent: number; groups: string[]; bake: string; label?: string }>;
  }>;
  canary: Array<{ id: string; title?: string; rule: string }>;
  triggers: Array<{ id: string; rule: string }>;
  rollback: RawConfig['rollback'];
  /** Over the whole plan. */
  counts: { gates: number; evidence: number; signoffs: number };
  /** The plan's risks; `live` is false when no mitigation acts without a person (see plan-refs.ts). */
  risks: Array<{
    id: string;
    title: string;
    level: RawConfig['risks'][number]['level'];
    note?: string;
    mitigations: MitigationStatus[];
    live: boolean;
  }>;
  successMetrics: Array<{ id: string; title: string; group: string; target: string }>;
}

/** `sign-off`: a manual gate, satisfied by a person's recorded word; `evidence`: every other kind. */
export type GateBasis = 'evidence' | 'sign-off';

function basisOf(kind: string): GateBasis {
  return kind === 'manual' ? 'sign-off' : 'evidence';
}

function countBases(gates: ReadonlyArray<{ kind: string }>): { evidence: number; signoffs: number } {
  const signoffs = gates.filter((g) => basisOf(g.kind) === 'sign-off').length;
  return { evidence: gates.length - signoffs, signoffs };
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
      gates: p.gates.map((g) => ({
        id: g.id,
        kind: g.kind,
        item: g.item,
        title: g.title,
        checks: describeGate(g),
        basis: basisOf(g.kind),
      })),
      counts: countBases(p.gates),
      checklist: [...p.checklist, ...(p.completion === 'default' ? config.completionChecklist : [])].map((c) => ({
        id: c.id,
        title: c.title,
      })),
      stages: (p.rollout?.stages ?? []).map((s) => ({
        id: s.id,
        percent: s.percent,
        groups: s.groups,
        bake: s.bake,
        label: s.label,
      })),
    })),
    canary: (config.canary?.metrics ?? []).map((m) => ({ id: m.id, title: m.title, rule: describeMetric(m) })),
    triggers: config.triggers.map((t) => ({ id: t.id, rule: describeTrigger(t) })),
    rollback: config.rollback,
    counts: {
      gates: config.phases.reduce((n, p) => n + p.gates.length, 0),
      ...countBases(config.phases.flatMap((p) => p.gates)),
    },
    risks: config.risks.map((r) => {
      // validate has already refused a reference to something missing (runbooks included).
      const mitigations = r.mitigations.map((m) => checkMitigation(config, m, null));
      return {
        id: r.id,
        title: r.title,
        level: r.level,
        ...(r.note ? { note: r.note } : {}),
        mitigations,
        live: mitigations.some((m) => m.state === 'live'),
      };
    }),
    successMetrics: config.successMetrics.map((m) => ({ id: m.id, title: m.title, group: m.group, target: m.target })),
  };
}

const LEVEL_MARK = { low: 'low', moderate: 'moderate', high: 'HIGH' } as const;

function renderRisks(plan: PlanResult, s: Style): string[] {
  if (plan.risks.length === 0) return [];
  const dead = plan.risks.filter((r) => !r.live).length;
  const out = ['', s.bold(`Risks (${plan.risks.length}${dead ? `, ${dead} without a live mitigation` : ''})`)];
  for (const r of plan.risks) {
    const flag = r.live ? '' : ` ${s.red('NO LIVE MITIGATION')}${r.mitigations.length ? ' (sign-offs only)' : ''}`;
    out.push(`  ${r.id} [${LEVEL_MARK[r.level]}]: ${r.title}${flag}`);
    const parts = r.mitigations.map((m) =>
      m.state === 'live' ? `${m.kind} ${m.ref}` : s.dim(`${m.kind} ${m.ref} (sign-off)`),
    );
    if (parts.length) out.push(`    ${s.dim('mitigated by')} ${parts.join(', ')}`);
  }
  return out;
}

function renderSuccessMetrics(plan: PlanResult, s: Style): string[] {
  if (plan.successMetrics.length === 0) return [];
  return [
    '',
    s.bold(`Success metrics (${plan.successMetrics.length}; values in rollout report)`),
    ...plan.successMetrics.map((m) => `  ${s.dim(m.group.padEnd(11))} ${m.id}: ${m.target}`),
  ];
}

export function renderPlan(plan: PlanResult, s: Style): string {
  const c = plan.counts;
  const out: string[] = [
    s.bold(`Release ${plan.release}`),
    `${c.gates} gates: ${c.evidence} judged from evidence, ${c.signoffs} human sign-offs`,
    '',
  ];
  for (const phase of plan.phases) {
    out.push(
      `${phase.current ? s.cyan('▶') : ' '} ${s.bold(phase.id)}  ${phase.title}  ${s.dim(`(${phase.counts.evidence} evidence, ${phase.counts.signoffs} sign-off gates)`)}`,
    );
    for (const g of phase.gates)
      out.push(`    ${s.dim(g.kind.padEnd(11))} ${g.id}${g.item ? s.dim(` [${g.item}]`) : ''}: ${g.checks}`);
    if (phase.stages.length) {
      out.push(
        `    ${s.dim('stages')}      ${phase.stages.map((st) => `${st.id} ${st.percent === 0 && st.groups.length ? `${st.groups.join(', ')} only` : `${st.percent} %${st.groups.length ? ` (+${st.groups.join(', ')})` : ''}`}${st.bake !== '0s' ? ` ${st.bake}` : ''}`).join(' → ')}`,
      );
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
  out.push(
    '',
    s.bold('Rollback'),
    `  default ${r.defaultMode}; immediate target ${r.immediate.target}; progressive over ${r.progressive.over} in ${r.progressive.steps} steps; full verifies ${r.full.healthChecks.join(', ') || 'no health checks'} within ${r.full.deadline}`,
  );
  out.push(...renderRisks(plan, s), ...renderSuccessMetrics(plan, s));
  out.push('', `${s.bold('Next:')} ${plan.nextText}`);
  return out.join('\n');
}

export async function runPlan(_options: object, _args: string[], ctx: Ctx): Promise<CommandResult<PlanResult>> {
  const loaded = await loadConfigFor(ctx);
  const state = await openState(ctx, loaded).read();
  const plan = buildPlan(loaded.config, state, ctx.clock.now());
  return { exitCode: EXIT.ok, result: plan, human: (s) => renderPlan(plan, s) };
}
