import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../../src/config/load.js';
import { config as configSchema, type RawConfig } from '../../../src/config/schema.js';
import { computeTarget } from '../../../src/lifecycle/apply-step.js';
import { planNextStep, unfinishedKillSwitch, type NextStep } from '../../../src/lifecycle/planner.js';
import { planRampDown } from '../../../src/lifecycle/rollback.js';
import { createInitialState, type ReleaseState } from '../../../src/state/types.js';
import { miniPlan } from '../../helpers/mini-plan.js';

/** The pure cores of the safety path: the planner, the step target and the ramp-down plan. */
const NOW = new Date('2026-03-01T00:00:00Z');

function planWith(stages: Array<{ id: string; percent: number; groups?: string[] }>): RawConfig {
  const raw = parse(miniPlan()) as { phases: Array<{ rollout?: { stages: unknown[] } }> };
  const rollout = raw.phases.find((p) => p.rollout)?.rollout as { stages: unknown[] };
  rollout.stages = stages.map((s) => ({ id: s.id, percent: s.percent, groups: s.groups ?? [], bake: '0s' }));
  return configSchema.parse(raw);
}

function loadedOf(config: RawConfig): LoadedConfig {
  return { config, dir: '/nonexistent', hash: 'h', file: 'rollout.yaml' } as unknown as LoadedConfig;
}

function fresh(config: RawConfig): ReleaseState {
  return {
    ...createInitialState(config.release, 'h', NOW),
    phase: config.phases[0]?.id ?? null,
    phaseStartedAt: NOW.toISOString(),
    status: 'in-progress',
  };
}

/** Applies the step the planner proposes, as advance does once the evidence says go. */
function take(config: RawConfig, state: ReleaseState, step: NextStep): ReleaseState {
  const t = computeTarget(loadedOf(config), state, step, NOW, { override: false });
  return {
    ...state,
    phase: t.phase,
    phaseStartedAt: t.phaseStartedAt,
    stage: t.stage,
    status: t.status,
    flags: t.flags,
    serial: state.serial + 1,
  };
}

const STAGES = [
  { id: 's1', percent: 1, groups: ['internal'] },
  { id: 's2', percent: 5 },
  { id: 's3', percent: 25 },
  { id: 's4', percent: 100 },
];

describe('planNextStep', () => {
  it('walks phase by phase and stage by stage to done', () => {
    const config = planWith(STAGES);
    let state = fresh(config);
    const kinds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const step = planNextStep(config, state, NOW);
      kinds.push(
        step.kind === 'next-stage' || step.kind === 'start-rollout' ? `${step.kind}:${step.to.id}` : step.kind,
      );
      if (step.kind === 'done') break;
      state = take(config, state, step);
    }
    expect(kinds).toEqual([
      'complete-phase',
      'complete-phase',
      'start-rollout:s1',
      'next-stage:s2',
      'next-stage:s3',
      'next-stage:s4',
      'finish-rollout',
      'done',
    ]);
  });

  it.each([
    ['rolled-back', (s: ReleaseState): ReleaseState => ({ ...s, status: 'rolled-back' }), 'rolled-back'],
    [
      'a rollback in progress',
      (s: ReleaseState): ReleaseState => ({
        ...s,
        rollback: { id: 'r', mode: 'progressive', startedAt: NOW.toISOString(), reason: 'x' },
      }),
      'rollback-in-progress',
    ],
    ['a phase the plan no longer has', (s: ReleaseState): ReleaseState => ({ ...s, phase: 'P9' }), 'plan-mismatch'],
    [
      'a stage the plan no longer has',
      (s: ReleaseState): ReleaseState => ({
        ...s,
        phase: 'P2',
        stage: { index: 1, id: 'gone', startedAt: NOW.toISOString() },
      }),
      'plan-mismatch',
    ],
  ])('is blocked on %s', (_name, edit, reason) => {
    const config = planWith(STAGES);
    const step = planNextStep(config, edit(fresh(config)), NOW);
    expect(step).toMatchObject({ kind: 'blocked', reason });
  });

  it('an immediate rollback whose kill switch never went on is finished by `rollout rollback`, not `--resume` (which only continues ramp-downs)', () => {
    const config = planWith(STAGES);
    const at = NOW.toISOString();
    const inStage: ReleaseState = {
      ...fresh(config),
      status: 'in-progress',
      phase: 'P2',
      stage: { index: 0, id: 's1', startedAt: at },
      flags: { 'reserves_v1.1': { percent: 1, groups: [], killSwitch: false, updatedAt: at } },
    };
    const rollback = (mode: string) => ({ id: 'r', mode, startedAt: at, reason: 'watch: trigger error-rate fired' });
    const detail = (s: ReleaseState) => (planNextStep(config, s, NOW) as { detail?: string }).detail;

    const failed = { ...inStage, rollback: rollback('immediate') };
    expect(unfinishedKillSwitch(config, failed)).toMatchObject({ id: 'r', mode: 'immediate' });
    expect(detail(failed)).toBe(
      'the immediate rollback did not complete: the kill switch is not in place; `rollout rollback` turns it on',
    );
    // A full rollback whose switch IS on waits for its health check: `rollout rollback` again, still not --resume.
    const unhealthy: ReleaseState = {
      ...inStage,
      rollback: rollback('full'),
      flags: { 'reserves_v1.1': { percent: 0, groups: [], killSwitch: true, updatedAt: at } },
    };
    expect(unfinishedKillSwitch(config, unhealthy)).toBeNull();
    expect(detail(unhealthy)).toBe('the full rollback did not complete; `rollout rollback` finishes it');
    // A ramp-down has its runner and --resume; a completed rollback is no longer unfinished.
    const ramp = { ...inStage, rollback: { ...rollback('progressive'), steps: [] } };
    expect(unfinishedKillSwitch(config, ramp)).toBeNull();
    expect(detail(ramp)).toBe('a rollback is in progress; `rollout rollback --resume` finishes it');
    expect(
      unfinishedKillSwitch(config, { ...failed, rollback: { ...rollback('immediate'), completedAt: at } }),
    ).toBeNull();
    expect(unfinishedKillSwitch(config, inStage)).toBeNull();
  });

  it('finds the current stage by id, not by its stored index', () => {
    const config = planWith([{ id: 's0', percent: 0.5 }, ...STAGES]);
    const state: ReleaseState = {
      ...fresh(config),
      phase: 'P2',
      stage: { index: 0, id: 's1', startedAt: NOW.toISOString() },
    };
    expect(planNextStep(config, state, NOW)).toMatchObject({
      kind: 'next-stage',
      from: { id: 's1' },
      to: { id: 's2', percent: 5 },
    });
  });

  it('never skips a stage and never lowers the percentage, whatever stages are inserted or removed around the current one (property)', () => {
    const stagesArb = fc
      .uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 8 })
      .map((ps) => [...ps].sort((a, b) => a - b).map((p, i) => ({ id: `st${p}`, percent: Math.min(100, p / 10), i })));
    fc.assert(
      fc.property(
        stagesArb,
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 1000 }), { maxLength: 3 }),
        (stages, at, inserted) => {
          const current = stages[at % stages.length]!;
          const before = planWith(stages);
          const state: ReleaseState = {
            ...fresh(before),
            phase: 'P2',
            stage: { index: at % stages.length, id: current.id, startedAt: NOW.toISOString() },
            flags: {
              'reserves_v1.1': {
                percent: current.percent,
                groups: [],
                killSwitch: false,
                updatedAt: NOW.toISOString(),
              },
            },
          };
          // Insert stages (keeping the order by percent) and check the planner still moves to the next id in order.
          const extra = inserted
            .map((p) => ({ id: `new${p}`, percent: Math.min(100, p / 10) }))
            .filter((e) => !stages.some((s) => s.id === e.id));
          const merged = [...stages, ...extra]
            .filter((s, i, all) => all.findIndex((x) => x.id === s.id) === i)
            .sort((a, b) => a.percent - b.percent || a.id.localeCompare(b.id));
          const config = planWith(merged);
          const step = planNextStep(config, state, NOW);
          const idx = merged.findIndex((s) => s.id === current.id);
          if (idx === merged.length - 1) return step.kind === 'finish-rollout';
          if (step.kind !== 'next-stage') return false;
          const next = take(config, state, step);
          return step.to.id === merged[idx + 1]!.id && (next.flags['reserves_v1.1']?.percent ?? 0) >= current.percent;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('computeTarget', () => {
  it('records the flag file with the position, so a rollback finds a file the plan later moved', () => {
    const config = planWith(STAGES);
    const state: ReleaseState = { ...fresh(config), phase: 'P2' };
    const step = planNextStep(config, state, NOW);
    const t = computeTarget(loadedOf(config), state, step, NOW, { override: false });
    expect(t.flags['reserves_v1.1']).toMatchObject({
      percent: 1,
      groups: ['internal'],
      killSwitch: false,
      file: 'flags/flags.json',
    });
    expect(t.stage).toMatchObject({ id: 's1' });
  });

  it('refuses a blocked step with the code whose exit code says what to do', () => {
    const config = planWith(STAGES);
    const state: ReleaseState = { ...fresh(config), status: 'rolled-back' };
    expect(() =>
      computeTarget(loadedOf(config), state, planNextStep(config, state, NOW), NOW, { override: false }),
    ).toThrow(expect.objectContaining({ code: 'E_RELEASE_ROLLED_BACK' }));
  });
});

describe('planRampDown', () => {
  it('goes down in equal absolute steps at evenly spaced absolute times, ending at 0 (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 100, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1_000, max: 86_400_000 }),
        (from, steps, over) => {
          const plan = planRampDown(from, steps, over, NOW);
          expect(plan).toHaveLength(steps);
          expect(plan.at(-1)?.percent).toBe(0);
          expect(Date.parse(plan.at(-1)!.notBefore) - NOW.getTime()).toBeCloseTo(over, 0);
          for (let i = 0; i < plan.length; i++) {
            expect(plan[i]!.done).toBe(false);
            expect(plan[i]!.percent).toBeLessThanOrEqual(i === 0 ? from : plan[i - 1]!.percent);
            if (i > 0) expect(Date.parse(plan[i]!.notBefore)).toBeGreaterThan(Date.parse(plan[i - 1]!.notBefore));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
