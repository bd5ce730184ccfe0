import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildPlan } from '../../../src/commands/plan.js';
import { config as configSchema } from '../../../src/config/schema.js';
import { validateText } from '../../../src/config/validate-text.js';
import { PLAN_TEXT, ROOT } from '../report/outcome-fixture.js';

/** The repository plan with one line replaced; each problem must point at the line and column of the bad reference. */
async function validateWith(from: string, to: string) {
  expect(PLAN_TEXT).toContain(from);
  const text = PLAN_TEXT.replace(from, to);
  const { problems } = await validateText('rollout.yaml', text, ROOT, ROOT);
  const at = (needle: string) => {
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes(needle));
    return { line: line + 1, col: (lines[line] ?? '').indexOf(needle) + 1 };
  };
  return { errors: problems.filter((p) => p.severity !== 'warning'), at };
}

describe('validate: success metrics and risks refer to things the plan has', () => {
  it('the repository plan validates clean, with twelve success metrics and nine risks', async () => {
    const { problems, config } = await validateText('rollout.yaml', PLAN_TEXT, ROOT, ROOT);
    expect(problems.filter((p) => p.severity !== 'warning')).toEqual([]);
    expect(config?.successMetrics).toHaveLength(12);
    expect(config?.risks).toHaveLength(9);
  });

  it.each([
    [
      '{ gate: P0/canary-aa-level }',
      '{ gate: P0/canary-aa-levle }',
      'P0/canary-aa-levle',
      'is not a gate of any phase',
    ],
    ['{ gate: invariants }', '{ gate: soak-in-staging }', 'soak-in-staging', 'is not a gate of any phase'],
    [
      '{ metric: fund_setup_success_rate }',
      '{ metric: fund_setup_rate }',
      'fund_setup_rate',
      'not defined under canary.metrics',
    ],
    ['{ trigger: fund-setup }', '{ trigger: fund-setup-alert }', 'fund-setup-alert', 'not defined under triggers'],
    ['{ chaos: api-latency }', '{ chaos: api-slowness }', 'api-slowness', 'not defined under chaos'],
    ['{ runbook: model-rollback }', '{ runbook: model-rolback }', 'model-rolback', 'is not in runbooks/'],
    ['{ signoff: chaos-reviewed }', '{ signoff: chaos-run }', 'chaos-run', 'not a checklist item'],
  ])('risk mitigation %s → %s: error at the reference', async (from, to, needle, message) => {
    const { errors, at } = await validateWith(from, to);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'rollout.yaml', ...at(needle) });
    expect(errors[0]?.message).toContain(message);
  });

  it('a bare gate id used by two phases is ambiguous: write PHASE/id', async () => {
    // P0 and (renamed) P2 both have a rollback-verified gate: the bare reference is ambiguous.
    const text = PLAN_TEXT.replace('{ id: kill-switch-tested, item: C-2', '{ id: rollback-verified, item: C-2').replace(
      '{ gate: P0/rollback-verified }',
      '{ gate: rollback-verified }',
    );
    const { problems } = await validateText('rollout.yaml', text, ROOT, ROOT);
    const errors = problems.filter((p) => p.severity !== 'warning');
    // …and the risk that named the renamed gate now names a gate that is gone.
    expect(errors.map((p) => p.message)).toEqual([
      expect.stringContaining('gate "kill-switch-tested" is not a gate of any phase'),
      expect.stringContaining('gate "rollback-verified" is in phases P0, P2; write PHASE/rollback-verified'),
    ]);
  });

  it.each([
    [
      'source: { kind: canary, metric: wizard_completion_rate, arm: canary }',
      'source: { kind: canary, metric: wizard_rate, arm: canary }',
      'wizard_rate',
      'not defined under canary.metrics',
    ],
    [
      'source: { kind: gate, gate: P2/accuracy }',
      'source: { kind: gate, gate: P3/accuracy }',
      'P3/accuracy',
      'is not a gate of any phase',
    ],
    [
      'source: { kind: signoff, item: team-confidence }',
      'source: { kind: signoff, item: team-confidance }',
      'team-confidance',
      'not a checklist item',
    ],
    [
      'expect: "< 0.05", source: { kind: derived, measure: alert-noise }',
      'source: { kind: derived, measure: alert-noise }',
      'id: alert-noise',
      'needs expect',
    ],
    [
      'source: { kind: signoff, item: api-docs }',
      'expect: "== 1", source: { kind: signoff, item: api-docs }',
      '"== 1", source: { kind: signoff',
      'remove expect',
    ],
  ])('success metric %s → %s: error at the reference', async (from, to, needle, message) => {
    const { errors, at } = await validateWith(from, to);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(message);
    expect(errors[0]?.line).toBe(at(needle).line);
  });

  it('a derived measure that does not exist is a schema error with the choices', async () => {
    const { errors, at } = await validateWith('measure: alert-noise', 'measure: alert-nosie');
    expect(errors[0]).toMatchObject(at('alert-nosie'));
    expect(errors[0]?.message).toContain('did you mean "alert-noise"');
  });

  it('a mitigation with two keys, and a duplicate risk id, are refused', async () => {
    const two = await validateWith('{ trigger: fund-setup }', '{ trigger: fund-setup, metric: error_rate }');
    expect(two.errors.length).toBeGreaterThan(0);
    expect(two.errors[0]?.line).toBe(two.at('{ trigger: fund-setup, metric: error_rate }').line);
    const dup = await validateWith('  - id: user-adoption-patterns', '  - id: chaos-testing-results');
    expect(dup.errors.map((e) => e.message)).toEqual([
      expect.stringContaining('duplicate risk id "chaos-testing-results"'),
    ]);
  });
});

describe('rollout plan: risks and their live mitigations', () => {
  const config = configSchema.parse(parse(PLAN_TEXT));

  it('every risk of the repository plan has a live mitigation; threshold sensitivity is the A/A gate of P0', () => {
    const plan = buildPlan(config, null, new Date());
    expect(plan.risks.map((r) => [r.id, r.live])).toEqual(plan.risks.map((r) => [r.id, true]));
    const canary = plan.risks.find((r) => r.id === 'canary-threshold-sensitivity');
    expect(canary?.mitigations.find((m) => m.state === 'live')).toMatchObject({
      kind: 'gate',
      ref: 'P0/canary-aa-level',
    });
    const gate = config.phases[0]?.gates.find((g) => g.id === 'canary-aa-level');
    expect(gate).toMatchObject({ kind: 'command', run: ['npm', 'run', 'canary:aa'] });
  });

  it('a risk mitigated by sign-offs and manual gates only is flagged; so is one with no mitigation', () => {
    const edited = configSchema.parse(
      parse(
        PLAN_TEXT.replace(
          'mitigations: [{ gate: P0/canary-aa-level }, { signoff: override-verified }]',
          'mitigations: [{ gate: P4/override-verified }, { signoff: override-verified }]',
        ).replace(
          'mitigations: [{ gate: changelog }, { gate: runbooks-published }, { signoff: api-docs }]',
          'mitigations: []',
        ),
      ),
    );
    const plan = buildPlan(edited, null, new Date());
    const dead = plan.risks.filter((r) => !r.live);
    expect(dead.map((r) => r.id)).toEqual(['documentation-updates', 'canary-threshold-sensitivity']);
    expect(dead[1]?.mitigations.map((m) => m.state)).toEqual(['sign-off', 'sign-off']);
  });
});
