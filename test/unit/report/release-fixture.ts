/**
 * A release built from object literals: P0 → P1 → P2, stages week-1 and week-2, a rollback during
 * week-2 (error rate), a retry from week-1, an override that shortened week-1's bake, and week-3
 * currently baking. Times are fixed so durations can be asserted exactly.
 */
import { AUDIT_GENESIS, chainEntry, typicalEntry } from '../../../bench/lib/audit-log.mjs';
import { createAuditEntry } from '../../../src/state/audit-chain.js';
import type { AuditEntry } from '../../../src/state/store.js';
import type { HistoryEntry, ReleaseState } from '../../../src/state/types.js';

export const NOW = new Date('2026-04-03T12:00:00.000Z');

const metric = (
  id: string,
  verdict: string,
  baseline: [number, number],
  canary: [number, number],
  pValue: number | null,
  reason = '',
) => ({
  id,
  verdict,
  baseline: { value: baseline[0], n: baseline[1] },
  canary: { value: canary[0], n: canary[1] },
  pValue,
  reason,
});

export function canaryEvidence(errorCanary: number, p95Canary: number, verdict = 'pass') {
  return {
    verdict,
    summary: verdict === 'pass' ? 'all metrics within limits' : 'error_rate regressed',
    metrics: [
      metric(
        'error_rate',
        errorCanary > 0.015 ? 'fail' : 'pass',
        [0.01, 52000],
        [errorCanary, 1800],
        errorCanary > 0.015 ? 1e-6 : 0.41,
        errorCanary > 0.015 ? 'canary 3.1 % vs baseline 1.0 %' : '',
      ),
      metric('latency_p95', 'pass', [310, 52000], [p95Canary, 1800], null),
      metric('wizard_completion_rate', 'pass', [0.962, 4000], [0.958, 210], 0.62),
    ],
  };
}

const h = (
  serial: number,
  at: string,
  action: string,
  actor: string,
  rest: Partial<HistoryEntry> = {},
): HistoryEntry => ({ serial, at, action, actor, ...rest });

export const HISTORY: HistoryEntry[] = [
  h(1, '2026-03-02T09:00:00.000Z', 'create', 'rollout', { to: { release: 'v2.1.0' } }),
  h(2, '2026-03-02T09:00:05.000Z', 'advance', 'ci', { from: null, to: { phase: 'P0' } }),
  h(3, '2026-03-02T15:00:00.000Z', 'signoff', 'alice', {
    to: { item: 'backlog-clean' },
    reason: 'backlog triaged, no P0/P1',
  }),
  h(4, '2026-03-03T10:00:00.000Z', 'advance', 'ci', {
    from: { phase: 'P0' },
    to: { phase: 'P1' },
    evidence: { verdict: 'pass', summary: '14 gates passed' },
  }),
  h(5, '2026-03-10T10:00:00.000Z', 'advance', 'ci', {
    from: { phase: 'P1' },
    to: { phase: 'P2' },
    evidence: { verdict: 'pass', summary: '12 gates passed' },
  }),
  h(6, '2026-03-12T10:00:00.000Z', 'advance', 'alice', {
    from: { phase: 'P2', stage: null },
    to: { phase: 'P2', stage: { index: 0, id: 'week-1', percent: 1 } },
  }),
  h(7, '2026-03-19T10:00:00.000Z', 'advance', 'alice', {
    from: { phase: 'P2', stage: { index: 0, id: 'week-1' } },
    to: { phase: 'P2', stage: { index: 1, id: 'week-2', percent: 5 } },
    evidence: { canary: canaryEvidence(0.011, 320) },
  }),
  h(8, '2026-03-20T14:00:00.000Z', 'rollback', 'rollout-watch', {
    from: { phase: 'P2', stage: { index: 1, id: 'week-2' } },
    to: { mode: 'full', killSwitch: true },
    reason: 'trigger error-rate: canary 3.1 % vs baseline 1.0 %',
    evidence: canaryEvidence(0.031, 330, 'fail'),
  }),
  h(9, '2026-03-21T09:00:00.000Z', 'retry', 'bob', {
    from: { status: 'rolled-back' },
    to: { phase: 'P2', stage: { index: 0, id: 'week-1', percent: 1 } },
    reason: 'rounding fix deployed (#1234)',
  }),
  h(10, '2026-03-25T09:00:00.000Z', 'override', 'carol', {
    from: { phase: 'P2', stage: { index: 0, id: 'week-1' } },
    to: { phase: 'P2', stage: { index: 1, id: 'week-2', percent: 5 } },
    reason: 'bake shortened: the fix was verified on the 1 % cohort',
    evidence: canaryEvidence(0.0102, 312),
  }),
  h(11, '2026-04-01T10:00:00.000Z', 'advance', 'alice', {
    from: { phase: 'P2', stage: { index: 1, id: 'week-2' } },
    to: { phase: 'P2', stage: { index: 2, id: 'week-3', percent: 25 } },
    evidence: canaryEvidence(0.0099, 305),
  }),
];

export function makeState(): ReleaseState {
  return {
    schemaVersion: 1,
    release: 'v2.1.0',
    lineage: '7c1d3f5e-0000-4000-8000-000000000001',
    serial: HISTORY.length,
    configHash: 'sha256-fixture',
    status: 'in-progress',
    phase: 'P2',
    phaseStartedAt: '2026-03-10T10:00:00.000Z',
    stage: { index: 2, id: 'week-3', startedAt: '2026-04-01T10:00:00.000Z' },
    flags: {
      'reserves_v1.1': {
        percent: 25,
        groups: ['beta_users', 'internal'],
        killSwitch: false,
        updatedAt: '2026-04-01T10:00:00.000Z',
      },
    },
    signoffs: [
      {
        item: 'backlog-clean',
        phase: 'P0',
        actor: 'alice',
        at: '2026-03-02T15:00:00.000Z',
        reason: 'backlog triaged, no P0/P1',
      },
    ],
    evidence: { 'canary:week-3': { ...canaryEvidence(0.0098, 300), at: '2026-04-03T11:00:00.000Z' } },
    intent: null,
    rollback: {
      id: 'rb-1',
      mode: 'full',
      startedAt: '2026-03-20T14:00:00.000Z',
      reason: 'trigger error-rate',
      completedAt: '2026-03-20T14:02:30.000Z',
    },
    history: structuredClone(HISTORY),
  };
}

/** What the audit log holds: one entry per transition, plus the full rollback's health verification, which is audit-only (as in src/lifecycle/rollback.ts). */
export function makeAuditInputs(): Array<{
  actor: string;
  op: string;
  reason?: string;
  data?: unknown;
  stateSerial?: number;
}> {
  const inputs: Array<{ actor: string; op: string; reason?: string; data?: unknown; stateSerial?: number }> =
    HISTORY.map((e) => ({
      actor: e.actor,
      op: e.action,
      ...(e.reason ? { reason: e.reason } : {}),
      data: { from: e.from, to: e.to, evidence: e.evidence },
      stateSerial: e.serial,
    }));
  inputs.splice(8, 0, {
    actor: 'rollout-watch',
    op: 'rollback:verified',
    reason: 'health-endpoint healthy',
    data: { at: '2026-03-20T14:02:30.000Z', rollbackId: 'rb-1' },
  });
  return inputs;
}

/** Audit entries as the store returns them (chain fields are irrelevant to the report). */
export function makeAudit(): AuditEntry[] {
  return makeAuditInputs().map((input, i) => {
    const data = input.data as { at?: string } | undefined;
    const serial = input.stateSerial;
    const ts = data?.at ?? HISTORY.find((e) => e.serial === serial)?.at ?? NOW.toISOString();
    return { ...input, v: 1, seq: i + 1, ts, prev: `sha256:${i}`, hash: `sha256:${i + 1}` };
  });
}

/** `makeAuditInputs` as a real hash chain, each entry at the time of its transition. */
export function makeChainedAudit(): AuditEntry[] {
  let prev = AUDIT_GENESIS;
  return makeAuditInputs().map((input, i) => {
    const at =
      (input.data as { at?: string } | undefined)?.at ??
      HISTORY.find((h) => h.serial === input.stateSerial)?.at ??
      NOW.toISOString();
    const e = createAuditEntry(input, i + 1, prev, at);
    prev = e.hash;
    return e;
  });
}

/** A long, release-like hash-chained log (advances, analyses, a rollback and a retry every 400 entries), as bench/ writes it. */
export function generatedAudit(count: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = AUDIT_GENESIS;
  let serial = 0;
  for (let i = 0; i < count; i++) {
    const fields = typicalEntry(i, serial + 1);
    if (fields.stateSerial !== undefined) serial += 1;
    const { entry } = chainEntry(i + 1, prev, fields);
    prev = entry.hash;
    out.push(entry as unknown as AuditEntry);
  }
  return out;
}

/** One look of `rollout watch` as it records it (src/watch/types.ts WatchLookPoint): error rate and p95 latency. */
function watchLook(look: number, at: string, error: number, p95: number, fired = false) {
  return {
    at,
    look,
    values: [
      {
        trigger: 'error-rate',
        metric: 'error_rate',
        action: 'rollback',
        status: fired ? 'fired' : 'ok',
        value: error,
        baseline: 0.01,
        limit: 0.015,
      },
      {
        trigger: 'latency-p95',
        metric: 'latency_p95',
        action: 'rollback',
        status: 'ok',
        value: p95,
        baseline: null,
        limit: 400,
      },
    ],
  };
}

export const WEEK2_SCOPE = 'P2/week-2@2026-03-19T10:00:00.000Z';

/**
 * Two runs of `rollout watch` during the first week-2: the first stopped after three looks, the
 * second caught the regression at its second look (look 5) and rolled back.
 */
export function makeWatchAuditInputs(): Array<{ actor: string; op: string; data: unknown }> {
  const first = [
    watchLook(1, '2026-03-19T12:00:00.000Z', 0.0104, 318),
    watchLook(2, '2026-03-20T00:00:00.000Z', 0.0108, 322),
    watchLook(3, '2026-03-20T12:00:00.000Z', 0.0121, 326),
  ];
  const second = [
    watchLook(4, '2026-03-20T13:00:00.000Z', 0.0142, 329),
    watchLook(5, '2026-03-20T13:59:00.000Z', 0.031, 335, true),
  ];
  const stop = (at: string, stop: string, series: unknown[]) => ({
    actor: 'rollout-watch',
    op: 'watch:stop',
    data: { stop, exitCode: stop === 'rollback' ? 4 : 0, scope: WEEK2_SCOPE, looks: 0, holding: false, at, series },
  });
  return [stop('2026-03-20T12:30:00.000Z', 'for-elapsed', first), stop('2026-03-20T14:00:10.000Z', 'rollback', second)];
}
