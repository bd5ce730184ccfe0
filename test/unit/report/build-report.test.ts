import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { buildReport, classifyOp, collectEvents, readPosition, renderMarkdown } from '../../../src/report/index.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { HISTORY, NOW, makeAudit, makeState } from './release-fixture.js';

const { config } = await loadConfig({ file: 'rollout.yaml', cwd: REPO_ROOT });
const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('collectEvents', () => {
  it('merges history with audit-only entries, in time order, without duplicating transitions', () => {
    const events = collectEvents(makeState(), makeAudit());
    expect(events).toHaveLength(HISTORY.length + 1);
    const completion = events.find((e) => e.op === 'rollback:verified')!;
    expect(completion.source).toBe('audit');
    expect(events.indexOf(completion)).toBe(events.findIndex((e) => e.op === 'rollback') + 1);
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort());
  });

  it('classifies ops through the mapping table, with a prefix fallback and "other" for the unknown', () => {
    expect(classifyOp('rollback')).toBe('rollback-started');
    expect(classifyOp('rollback:verified')).toBe('rollback-completed');
    expect(classifyOp('advance:stage')).toBe('advanced');
    expect(classifyOp('stage-changed')).toBe('advanced');
    expect(classifyOp('something-new')).toBe('other');
  });
});

describe('readPosition', () => {
  it('reads the shapes a transition may record', () => {
    expect(readPosition({ phase: 'P2', stage: { index: 1, id: 'week-2' } }, config)).toEqual({
      phase: 'P2',
      stage: 'week-2',
      percent: 5,
    });
    expect(readPosition({ index: 2, id: 'week-3', percent: 25 }, config)).toEqual({
      phase: 'P2',
      stage: 'week-3',
      percent: 25,
    });
    expect(readPosition('P1', config)).toEqual({ phase: 'P1' });
    expect(readPosition('week-4', config)).toEqual({ phase: 'P2', stage: 'week-4', percent: 50 });
    expect(readPosition({ position: { phase: 'P3', stage: null } }, config)).toEqual({ phase: 'P3', stage: null });
    expect(readPosition({ item: 'backlog-clean' }, config)).toEqual({});
  });
});

describe('buildReport on a release with one rollback and a retry', () => {
  const report = buildReport(config, makeState(), makeAudit(), NOW);

  it('cuts the release into phase and stage visits, run by run', () => {
    expect(report.visits.map((v) => [v.run, v.phase, v.stage, v.outcome])).toEqual([
      [1, 'P0', null, 'advanced'],
      [1, 'P1', null, 'advanced'],
      [1, 'P2', null, 'advanced'],
      [1, 'P2', 'week-1', 'advanced'],
      [1, 'P2', 'week-2', 'rolled-back'],
      [2, 'P2', 'week-1', 'advanced'],
      [2, 'P2', 'week-2', 'advanced'],
      [2, 'P2', 'week-3', 'current'],
    ]);
  });

  it('records the rollback with its recovery time from the audit-only completion', () => {
    expect(report.rollbacks).toEqual([
      expect.objectContaining({
        startedAt: '2026-03-20T14:00:00.000Z',
        completedAt: '2026-03-20T14:02:30.000Z',
        mode: 'full',
        stage: 'week-2',
        run: 1,
        actor: 'rollout-watch',
        failed: false,
      }),
    ]);
  });

  it('computes the delivery figures', () => {
    const d = report.delivery;
    expect(d.deployments).toBe(5);
    expect(d.failedDeployments).toBe(1);
    expect(d.deploymentSuccessRate).toBe(0.75);
    expect(d.runs).toBe(2);
    expect(d.rollbackRate).toBe(0.5);
    expect(d.mttrMs).toBe(150_000);
    expect(d.incompleteRollbacks).toBe(0);
    const stage = (id: string) => d.timePerStage.find((s) => s.stage === id)!;
    expect(stage('week-1')).toMatchObject({ visits: 2, totalMs: 11 * DAY, ongoing: false, percent: 1 });
    expect(stage('week-2')).toMatchObject({ visits: 2, totalMs: DAY + 4 * HOUR + 7 * DAY + HOUR });
    expect(stage('week-3')).toMatchObject({ visits: 1, totalMs: 2 * DAY + 2 * HOUR, ongoing: true });
    expect(d.timePerPhase.map((p) => p.phase)).toEqual(['P0', 'P1', 'P2']);
    expect(d.timePerPhase[1]!.totalMs).toBe(7 * DAY);
    expect(d.timePerPhase.map((p) => p.visits)).toEqual([1, 1, 2]);
  });

  it('keeps each decision with its evidence, and lists the override', () => {
    const rollback = report.decisions.find((d) => d.op === 'rollback')!;
    expect(rollback).toMatchObject({ stage: 'week-2', run: 1, verdict: 'fail' });
    expect(rollback.canary[0]!.metrics[0]).toMatchObject({
      id: 'error_rate',
      verdict: 'fail',
      canary: { value: 0.031, n: 1800 },
    });
    expect(report.decisions.find((d) => d.op === 'advance' && d.phase === 'P0')).toMatchObject({
      verdict: 'pass',
      summary: '14 gates passed',
      canary: [],
    });
    expect(report.overrides.map((o) => [o.actor, o.reason])).toEqual([
      ['carol', 'bake shortened: the fix was verified on the 1 % cohort'],
    ]);
  });

  it("follows each canary metric over the stages, ending with the current stage's latest verdict", () => {
    const points = report.canarySeries.error_rate!;
    expect(points.map((p) => p.label)).toEqual([
      'week-1 #1',
      'week-2 #1',
      'week-1 #2',
      'week-2 #2',
      'week-3 #2 (latest)',
    ]);
    expect(points.map((p) => p.canary)).toEqual([0.011, 0.031, 0.0102, 0.0099, 0.0098]);
    expect(points.every((p) => p.baseline === 0.01)).toBe(true);
    expect(Object.keys(report.canarySeries).sort()).toEqual(['error_rate', 'latency_p95', 'wizard_completion_rate']);
  });

  it('renders Markdown with the delivery table, stages, rollbacks, overrides and evidence', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('# Release report v2.1.0');
    expect(md).toContain('| Deployment success rate | 75.0 % (4 of 5 stage deployments) |');
    expect(md).toContain('| Rollback rate | 50.0 % (1 rollback in 2 runs) |');
    expect(md).toContain('| Mean time to recovery | 2m 30s |');
    // no target of its own: the plan's success metrics judge the figures, and this report has none
    expect(md).toContain('_The plan sets no target for these figures');
    expect(md).toContain('| P2 · week-1 (1 %) | 2 | 11d |  |');
    expect(md).toMatch(
      /\| 2026-03-20 14:00Z \| 2026-03-20 14:02Z \| 2m 30s \| full \| P2 · week-2 \| rollout-watch \| trigger error-rate: canary 3\.1 % vs baseline 1\.0 % \|/,
    );
    expect(md).toContain(
      '| error_rate | fail | 1.00 % (52000) | 3.10 % (1800) | 1.00e-6 | canary 3.1 % vs baseline 1.0 % |',
    );
    expect(md).toContain('carol');
  });
  it('the delivery figures point at the success metrics that judge them, when the plan has derived ones', () => {
    const judged = {
      ...report,
      successMetrics: [
        {
          id: 'rollback-rate',
          title: 'Rollback rate',
          group: 'technical' as const,
          target: '<5%',
          expect: '< 0.05',
          source: 'derived: rollback-rate',
          value: 0.5,
          display: '50.0 %',
          status: 'not-met' as const,
        },
      ],
    };
    const md = renderMarkdown(judged);
    expect(md).toContain("_Judged against the plan's targets under Success metrics._");
    expect(md).not.toContain('The plan sets no target');
    expect(md).toContain('| technical | Rollback rate | <5% (< 0.05) | 50.0 % | NOT MET | derived: rollback-rate |');
  });
});

describe('buildReport edge cases', () => {
  it('takes the completion time from the state when the log has none, and reports n/a with nothing to measure', () => {
    const state = makeState();
    const audit = makeAudit().filter((a) => a.op !== 'rollback:verified');
    expect(buildReport(config, state, audit, NOW).delivery.mttrMs).toBe(150_000);
    const fresh = buildReport(
      config,
      { ...state, history: state.history.slice(0, 1), rollback: null, evidence: {}, stage: null },
      [],
      NOW,
    );
    expect(fresh.delivery).toMatchObject({ deploymentSuccessRate: null, mttrMs: null, rollbackRate: 0, runs: 1 });
    expect(renderMarkdown(fresh)).toContain('| Mean time to recovery | n/a |');
  });

  it('counts a rollback that failed as not recovered', () => {
    const audit = makeAudit().map((a) => (a.op === 'rollback:verified' ? { ...a, op: 'rollback:unhealthy' } : a));
    const state = { ...makeState(), rollback: { ...makeState().rollback!, completedAt: undefined } };
    const d = buildReport(config, state, audit, NOW).delivery;
    expect(d.mttrMs).toBeNull();
    expect(d.incompleteRollbacks).toBe(1);
  });

  it('escapes table cells that contain pipes', () => {
    const state = makeState();
    state.history[2]!.reason = 'a | b';
    expect(renderMarkdown(buildReport(config, state, [], NOW))).toContain('a \\| b');
  });
});
