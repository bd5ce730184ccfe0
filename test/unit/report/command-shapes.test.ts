/**
 * The report read against the entries the commands actually write today: `advance` / `override`
 * (src/lifecycle/apply-step.ts: from/to `{ phase, stage, percent }`, StepEvidence), `rollback`
 * (src/lifecycle/rollback.ts and ramp-down.ts: `rollback`, `rollback:verified|unhealthy|step`).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { buildReport } from '../../../src/report/index.js';
import type { AuditEntry } from '../../../src/state/store.js';
import type { HistoryEntry, ReleaseState } from '../../../src/state/types.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { canaryEvidence, makeState } from './release-fixture.js';

const { config } = await loadConfig({ file: 'rollout.yaml', cwd: REPO_ROOT });
const NOW = new Date('2026-05-01T00:00:00.000Z');

const pos = (phase: string | null, stage: string | null = null, percent: number | null = null) => ({
  phase,
  stage,
  percent,
});
const step = (
  serial: number,
  at: string,
  from: ReturnType<typeof pos>,
  to: ReturnType<typeof pos>,
  evidence?: unknown,
  action = 'advance',
): HistoryEntry => ({ serial, at, actor: 'ci', action, from, to, ...(evidence ? { evidence } : {}) });

function stateWith(history: HistoryEntry[], extra: Partial<ReleaseState> = {}): ReleaseState {
  return { ...makeState(), history, evidence: {}, stage: null, rollback: null, ...extra };
}

function audit(seq: number, ts: string, op: string, data: Record<string, unknown>): AuditEntry {
  return { v: 1, seq, ts, prev: 'p', hash: 'h', actor: 'rollout-watch', op, data };
}

describe('report over the entries advance and rollback write', () => {
  it('reads StepEvidence (outcome, gates, canary) and marks the release completed on the last step', () => {
    const stepEvidence = {
      outcome: 'go',
      reasons: [],
      gates: [{ id: 'tests', kind: 'command', verdict: 'pass', summary: 'exit 0' }],
      canary: canaryEvidence(0.01, 300),
    };
    const history = [
      step(1, '2026-04-01T00:00:00.000Z', pos(null), pos('P0')),
      step(2, '2026-04-02T00:00:00.000Z', pos('P0'), pos('P1'), { outcome: 'go', reasons: [], gates: [{}, {}] }),
      step(3, '2026-04-03T00:00:00.000Z', pos('P2'), pos('P2', 'week-1', 1), undefined),
      step(4, '2026-04-10T00:00:00.000Z', pos('P2', 'week-1', 1), pos('P2', 'week-2', 5), stepEvidence),
      step(5, '2026-04-20T00:00:00.000Z', pos('P4'), pos(null, null, 100), { outcome: 'go', reasons: [] }),
    ];
    const report = buildReport(config, stateWith(history, { status: 'completed' }), [], NOW);
    expect(report.decisions.find((d) => d.at === '2026-04-02T00:00:00.000Z')).toMatchObject({
      verdict: 'go',
      summary: '2 gates checked',
      phase: 'P0',
    });
    const stageDecision = report.decisions.find((d) => d.stage === 'week-1')!;
    expect(stageDecision.canary[0]!.verdict).toBe('pass');
    expect(report.visits.at(-1)).toMatchObject({
      stage: 'week-2',
      outcome: 'completed',
      leftAt: '2026-04-20T00:00:00.000Z',
    });
    expect(report.delivery).toMatchObject({ runs: 1, rollbackRate: 0, deploymentSuccessRate: 1, deployments: 2 });
  });

  it('completes a progressive rollback on its last ramp-down step, and an immediate one at once', () => {
    const history = [
      step(1, '2026-04-01T00:00:00.000Z', pos(null), pos('P2', 'week-1', 1)),
      {
        serial: 2,
        at: '2026-04-02T00:00:00.000Z',
        actor: 'rollout-watch',
        action: 'rollback',
        from: { phase: 'P2', stage: 'week-1', percent: 1 },
        to: { mode: 'progressive', steps: 2 },
        reason: 'trigger latency-p95',
      },
      step(3, '2026-04-03T00:00:00.000Z', pos(null), pos('P2', 'week-1', 1), undefined, 'retry'),
      {
        serial: 4,
        at: '2026-04-04T00:00:00.000Z',
        actor: 'oncall',
        action: 'rollback',
        from: { phase: 'P2', stage: 'week-1' },
        to: { mode: 'immediate', killSwitch: true },
        reason: 'manual',
      },
    ];
    const log = [
      audit(1, '2026-04-02T00:02:30.000Z', 'rollback:step', { step: 1, of: 2, percent: 0.5 }),
      audit(2, '2026-04-02T00:05:00.000Z', 'rollback:step', { step: 2, of: 2, percent: 0, killSwitch: true }),
    ];
    const report = buildReport(config, stateWith(history, { status: 'rolled-back' }), log, NOW);
    expect(report.rollbacks.map((r) => [r.mode, r.completedAt])).toEqual([
      ['progressive', '2026-04-02T00:05:00.000Z'],
      ['immediate', '2026-04-04T00:00:00.000Z'],
    ]);
    expect(report.delivery.mttrMs).toBe(150_000);
    expect(report.delivery).toMatchObject({ runs: 2, rollbackRate: 1, deploymentSuccessRate: 0 });
  });

  it('completes a ramp-down whose steps are in the history (covered audit entries dropped), and a resume is not a second rollback', () => {
    const history = [
      step(1, '2026-04-01T00:00:00.000Z', pos(null), pos('P2', 'week-1', 1)),
      {
        serial: 2,
        at: '2026-04-02T00:00:00.000Z',
        actor: 'oncall',
        action: 'rollback',
        from: { phase: 'P2', stage: 'week-1', percent: 1 },
        to: { mode: 'progressive', steps: 2 },
        reason: 'manual',
      },
      {
        serial: 3,
        at: '2026-04-02T00:02:30.000Z',
        actor: 'oncall',
        action: 'rollback:step',
        to: { step: 1, of: 2, percent: 0.5, killSwitch: false },
      },
      {
        serial: 4,
        at: '2026-04-02T00:05:00.000Z',
        actor: 'oncall',
        action: 'rollback:step',
        to: { step: 2, of: 2, percent: 0, killSwitch: true },
      },
    ];
    const log = [
      audit(3, '2026-04-02T00:02:30.000Z', 'rollback:step', { step: 1, of: 2, percent: 0.5 }),
      audit(3, '2026-04-02T00:03:00.000Z', 'rollback:resume', { rollbackId: 'x' }),
      audit(4, '2026-04-02T00:05:00.000Z', 'rollback:step', { step: 2, of: 2, percent: 0, killSwitch: true }),
    ];
    const report = buildReport(config, stateWith(history, { status: 'rolled-back' }), log, NOW);
    expect(report.rollbacks.map((r) => [r.mode, r.completedAt])).toEqual([['progressive', '2026-04-02T00:05:00.000Z']]);
    expect(report.delivery).toMatchObject({ rollbacks: 1, mttrMs: 300_000 });
  });

  it('counts an unhealthy full rollback as failed', () => {
    const history = [
      step(1, '2026-04-01T00:00:00.000Z', pos(null), pos('P2', 'week-1', 1)),
      {
        serial: 2,
        at: '2026-04-02T00:00:00.000Z',
        actor: 'oncall',
        action: 'rollback',
        from: { phase: 'P2', stage: 'week-1' },
        to: { mode: 'full', killSwitch: true },
        reason: 'manual',
      },
    ];
    const report = buildReport(
      config,
      stateWith(history),
      [audit(1, '2026-04-02T00:02:00.000Z', 'rollback:unhealthy', { rollbackId: 'x' })],
      NOW,
    );
    expect(report.rollbacks[0]).toMatchObject({ failed: true, completedAt: null });
    expect(report.delivery).toMatchObject({ mttrMs: null, incompleteRollbacks: 1 });
  });
});

describe('report details', () => {
  it('leaves out decisions without evidence (a manual rollback records an empty trigger) and says "None yet." for empty tables', async () => {
    const { renderMarkdown } = await import('../../../src/report/index.js');
    const history: HistoryEntry[] = [
      { serial: 1, at: '2026-04-01T00:00:00.000Z', actor: 'rollout', action: 'create', to: { release: 'v2.1.0' } },
      {
        serial: 2,
        at: '2026-04-02T00:00:00.000Z',
        actor: 'oncall',
        action: 'rollback',
        from: { phase: 'P0', stage: null },
        to: { mode: 'immediate', killSwitch: true },
        reason: 'drill',
        evidence: { trigger: undefined, evidence: undefined },
      },
    ];
    const report = buildReport(config, stateWith(history, { status: 'rolled-back' }), [], NOW);
    expect(report.decisions).toEqual([]);
    expect(report.delivery.mttrMs).toBe(0);
    const md = renderMarkdown(report);
    expect(md).toContain('## Stages\n\nNone yet.');
    expect(md).toContain('No decision carried evidence.');
  });
});
