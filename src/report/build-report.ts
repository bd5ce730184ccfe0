import type { RawConfig } from '../config/schema.js';
import type { AuditEntry } from '../state/store.js';
import type { ReleaseState } from '../state/types.js';
import { computeDelivery, type DeliveryMetrics } from './delivery.js';
import { KeepLast, type KeepLastData } from './bounded.js';
import { EventOrder, type EventOrderData, type ReleaseEvent } from './events.js';
import { findCanaryEvidence } from './evidence.js';
import {
  REPORT_LIMITS,
  Walker,
  type Decision,
  type ReportLimits,
  type RollbackRecord,
  type Visit,
  type WalkerData,
} from './timeline.js';

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
  /**
   * Present when the history is longer than the report shows: how many of the earliest timeline
   * events, visits, decisions, rollbacks and overrides were left out. Delivery figures count them all.
   */
  omitted?: {
    events: number;
    timeline: number;
    visits: number;
    decisions: number;
    rollbacks: number;
    overrides: number;
  };
}

function toPoints(decisions: Decision[], state: ReleaseState | null, runs: number): Record<string, CanaryPoint[]> {
  const series: Record<string, CanaryPoint[]> = {};
  const add = (
    d: { at: string; stage: string | null; run: number },
    label: string,
    evidence: ReturnType<typeof findCanaryEvidence>,
  ) => {
    for (const ev of evidence) {
      for (const m of ev.metrics) {
        (series[m.id] ??= []).push({
          label,
          at: d.at,
          stage: d.stage,
          run: d.run,
          verdict: m.verdict,
          baseline: m.baseline?.value ?? null,
          canary: m.canary?.value ?? null,
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
  if (
    stage &&
    evidence !== undefined &&
    !decisions.some((d) => d.run === run && d.stage === stage && d.canary.length > 0)
  ) {
    const at = typeof evidence === 'object' && evidence !== null && 'at' in evidence ? evidence.at : undefined;
    add(
      { at: typeof at === 'string' ? at : state.stage!.startedAt, stage, run },
      `${stage}${runs > 1 ? ` #${run}` : ''} (latest)`,
      findCanaryEvidence(evidence),
    );
  }
  return series;
}

/** A report builder between two audit entries, as plain data: what a checkpoint stores (src/report/checkpoint.ts). */
export interface ReportBuilderData {
  events: number;
  timeline: KeepLastData<ReleaseEvent>;
  overrides: KeepLastData<ReleaseEvent>;
  walker: WalkerData;
  order: EventOrderData;
}

/** Feeds every event to the walk and keeps the most recent ones for display. */
export class ReportBuilder {
  private readonly walker: Walker;
  private readonly timeline: KeepLast<ReleaseEvent>;
  private readonly overrides: KeepLast<ReleaseEvent>;
  private readonly order: EventOrder;
  private events: number;

  /**
   * `saved` goes on from an earlier builder's `data()` over the same plan and limits, whose state's
   * history this state extends (check with `ReportBuilder.canResume`); the next entry to `add` is
   * the one after the last that builder took.
   */
  constructor(
    private readonly config: RawConfig,
    private readonly state: ReleaseState | null,
    private readonly now: Date,
    limits: ReportLimits = REPORT_LIMITS,
    saved?: ReportBuilderData,
  ) {
    this.walker = new Walker(config, now, limits, saved?.walker);
    this.timeline = new KeepLast(limits.timeline, saved?.timeline);
    this.overrides = new KeepLast(limits.overrides, saved?.overrides);
    this.events = saved?.events ?? 0;
    this.order = new EventOrder(state, (e) => this.take(e), saved?.order);
  }

  static canResume(state: ReleaseState | null, saved: ReportBuilderData): boolean {
    return EventOrder.canResume(state, saved.order);
  }

  add(entry: AuditEntry): void {
    this.order.add(entry);
  }

  /** The builder as plain data, before `finish` (which settles open visits and rollbacks against the clock and the state). */
  data(): ReportBuilderData {
    return {
      events: this.events,
      timeline: this.timeline.data(),
      overrides: this.overrides.data(),
      walker: this.walker.data(),
      order: this.order.data(this.state),
    };
  }

  finish(): ReleaseReport {
    this.order.finish();
    const walk = this.walker.finish(this.state);
    const timeline = this.timeline.toArray();
    const overrides = this.overrides.toArray();
    const omitted = {
      events: this.events,
      timeline: this.timeline.dropped,
      ...walk.omitted,
      overrides: this.overrides.dropped,
    };
    const truncated = omitted.timeline + omitted.visits + omitted.decisions + omitted.rollbacks + omitted.overrides > 0;
    return {
      release: this.config.release,
      generatedAt: this.now.toISOString(),
      status: this.state?.status ?? 'not-started',
      phase: this.state?.phase ?? null,
      stage: this.state?.stage?.id ?? null,
      timeline,
      visits: walk.visits,
      decisions: walk.decisions,
      overrides,
      rollbacks: walk.rollbacks,
      delivery: computeDelivery(walk),
      canarySeries: toPoints(walk.decisions, this.state, walk.runs),
      ...(truncated ? { omitted } : {}),
    };
  }

  private take(e: ReleaseEvent): void {
    this.events += 1;
    this.timeline.push(e);
    if (e.kind === 'override') this.overrides.push(e);
    this.walker.push(e);
  }
}

/** The release report: pure over config, state, audit log and the clock. */
export function buildReport(
  config: RawConfig,
  state: ReleaseState | null,
  audit: Iterable<AuditEntry>,
  now: Date,
  limits: ReportLimits = REPORT_LIMITS,
): ReleaseReport {
  const builder = new ReportBuilder(config, state, now, limits);
  for (const entry of audit) builder.add(entry);
  return builder.finish();
}

/**
 * The same report from a log read one entry at a time (`scan` calls `visit` for each entry in log
 * order): memory is bounded by the limits and the plan, not by the length of the history.
 */
export async function buildReportFromLog(
  config: RawConfig,
  state: ReleaseState | null,
  scan: (visit: (entry: AuditEntry) => void) => Promise<void>,
  now: Date,
  limits: ReportLimits = REPORT_LIMITS,
): Promise<{ report: ReleaseReport; entries: number }> {
  const builder = new ReportBuilder(config, state, now, limits);
  let entries = 0;
  await scan((entry) => {
    entries += 1;
    builder.add(entry);
  });
  return { report: builder.finish(), entries };
}
