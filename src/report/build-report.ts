import type { RawConfig } from '../config/schema.js';
import type { AuditEntry } from '../state/store.js';
import type { ReleaseState } from '../state/types.js';
import { computeDelivery, type DeliveryMetrics } from './delivery.js';
import { collectEvents, type ReleaseEvent } from './events.js';
import { findCanaryEvidence } from './evidence.js';
import { walkEvents, type Decision, type RollbackRecord, type Visit } from './timeline.js';

/** One evaluation of one canary metric, for the canary-vs-baseline chart. */
export interface CanaryPoint {
  label: string;
  at: string;
  stage: string | null;
  run: number;
  verdict: string;
  baseline: number | null;
  canary: number | null;
  baselineN?: number;
  canaryN?: number;
}

/** Everything the Markdown and HTML renderers show; also the `--json` result of `rollout report`. */
export interface ReleaseReport {
  release: string;
  generatedAt: string;
  status: ReleaseState['status'];
  phase: string | null;
  stage: string | null;
  timeline: ReleaseEvent[];
  visits: Visit[];
  decisions: Decision[];
  overrides: ReleaseEvent[];
  rollbacks: RollbackRecord[];
  delivery: DeliveryMetrics;
  /** Per canary metric id, its evaluations in time order. */
  canarySeries: Record<string, CanaryPoint[]>;
}

function toPoints(decisions: Decision[], state: ReleaseState | null, runs: number): Record<string, CanaryPoint[]> {
  const series: Record<string, CanaryPoint[]> = {};
  const add = (d: { at: string; stage: string | null; run: number }, label: string, evidence: ReturnType<typeof findCanaryEvidence>) => {
    for (const ev of evidence) {
      for (const m of ev.metrics) {
        (series[m.id] ??= []).push({
          label, at: d.at, stage: d.stage, run: d.run, verdict: m.verdict,
          baseline: m.baseline?.value ?? null, canary: m.canary?.value ?? null,
          ...(typeof m.baseline?.n === 'number' ? { baselineN: m.baseline.n } : {}),
          ...(typeof m.canary?.n === 'number' ? { canaryN: m.canary.n } : {}),
        });
      }
    }
  };
  for (const d of decisions) add(d, `${d.stage ?? d.phase ?? '?'}${runs > 1 ? ` #${d.run}` : ''}`, d.canary);
  // The current stage's latest verdict lives only in state.evidence until a transition carries it.
  const stage = state?.stage?.id;
  const run = Math.max(1, runs);
  const evidence = stage ? state?.evidence[`canary:${stage}`] : undefined;
  if (stage && evidence !== undefined && !decisions.some((d) => d.run === run && d.stage === stage && d.canary.length > 0)) {
    const at = (evidence as { at?: unknown } | null)?.at;
    add({ at: typeof at === 'string' ? at : state!.stage!.startedAt, stage, run }, `${stage}${runs > 1 ? ` #${run}` : ''} (latest)`, findCanaryEvidence(evidence));
  }
  return series;
}

/** The release report: pure over config, state, audit log and the clock. */
export function buildReport(config: RawConfig, state: ReleaseState | null, audit: AuditEntry[], now: Date): ReleaseReport {
  const timeline = collectEvents(state, audit);
  const walk = walkEvents(timeline, config, state);
  return {
    release: config.release,
    generatedAt: now.toISOString(),
    status: state?.status ?? 'not-started',
    phase: state?.phase ?? null,
    stage: state?.stage?.id ?? null,
    timeline,
    visits: walk.visits,
    decisions: walk.decisions,
    overrides: timeline.filter((e) => e.kind === 'override'),
    rollbacks: walk.rollbacks,
    delivery: computeDelivery(walk, now),
    canarySeries: toPoints(walk.decisions, state, walk.runs.length),
  };
}
