import type { SuccessMetricResult } from './success-metrics.js';
import type { RawConfig } from '../config/schema.js';
import type { AuditEntry } from '../state/store.js';
import type { ReleaseState } from '../state/types.js';
import { AlertNoiseTally, type AlertNoise, type AlertNoiseData } from './alert-noise.js';
import { computeDelivery, type DeliveryMetrics } from './delivery.js';
import { KeepLast, type KeepLastData } from './bounded.js';
import { EventOrder, type EventOrderData, type ReleaseEvent } from './events.js';
import { findCanaryEvidence } from './evidence.js';
import { describeMetricCharts, type MetricChartInfo } from './metric-limits.js';
import { WatchLooks, type WatchLook, type WatchLooksData } from './watch-looks.js';
import { scheduleFromState, type ScheduleComparison } from './schedule.js';
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
  /** `stage-end`: a recorded canary analysis (advance, analyze, a rollback's evidence); `watch`: one look of `rollout watch`. */
  source: 'stage-end' | 'watch';
  /** Watch looks: the trigger, and the limit it compared the canary with at that look. */
  trigger?: string;
  limit?: number | null;
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
  /** Alerts and automatic rollbacks, and how many were later judged false (src/report/alert-noise.ts). */
  alertNoise: AlertNoise;
  /** The plan's success metrics, each with its value and met / not met / unknown (src/report/success-metrics.ts). */
  successMetrics?: SuccessMetricResult[];
  /** Per canary metric id, its evaluations (stage-end analyses and watch looks) in time order. */
  canarySeries: Record<string, CanaryPoint[]>;
  /** Per canary metric of the plan: the unit its values are shown in and the limits drawn over them. */
  canaryMetrics: Record<string, MetricChartInfo>;
  /** Each phase and stage (and the release), planned (`expectedDuration`, bake) against actual. */
  schedule: ScheduleComparison;
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
    /** Watch looks thinned out of long stages, or of stages beyond the visits limit. */
    looks?: number;
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
          source: 'stage-end',
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

const LOOK_VERDICTS: Record<string, string> = { fired: 'fail', ok: 'pass' };

/** Watch looks as chart points of their metrics, merged with the stage-end points in time order. */
function addLooks(series: Record<string, CanaryPoint[]>, looks: WatchLook[], visits: Visit[], runs: number): void {
  for (const look of looks) {
    // The run of the stage visit the look was made in; the run its entry was read in when that visit is not kept.
    const t = Date.parse(look.at);
    const visit = visits.find(
      (v) => v.stage === look.stage && Date.parse(v.enteredAt) <= t && (v.leftAt === null || t <= Date.parse(v.leftAt)),
    );
    const l = visit ? { ...look, run: visit.run } : look;
    for (const v of l.values) {
      (series[v.metric] ??= []).push({
        label: `${l.stage ?? '?'}${runs > 1 ? ` #${l.run}` : ''} watch ${l.look}`,
        at: l.at,
        stage: l.stage,
        run: l.run,
        verdict: LOOK_VERDICTS[v.status] ?? 'inconclusive',
        source: 'watch',
        trigger: v.trigger,
        baseline: v.baseline,
        canary: v.value,
        limit: v.limit,
      });
    }
  }
  for (const points of Object.values(series)) points.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/**
 * Adds the looks of the watch progress file that the log does not hold: a watch still running, or one
 * that stopped because the release changed under it (it records no stop then). A look the log already
 * holds (same time and trigger) is not added twice; a file of another release or of no known shape adds nothing.
 */
export function addProgressLooks(report: ReleaseReport, progress: unknown): void {
  const p = progress !== null && typeof progress === 'object' ? (progress as Record<string, unknown>) : null;
  if (!p || p.release !== report.release || typeof p.scope !== 'string' || !Array.isArray(p.series)) return;
  const looks = new WatchLooks(1);
  looks.push(
    { at: report.generatedAt, kind: 'other', op: 'watch:stop', actor: 'watch', data: p, source: 'audit' },
    report.delivery.runs,
  );
  const seen = new Set<string>();
  for (const points of Object.values(report.canarySeries))
    for (const pt of points) if (pt.source === 'watch') seen.add(`${pt.at}\u0000${pt.trigger}`);
  const fresh = looks
    .toArray()
    .map((l) => ({ ...l, values: l.values.filter((v) => !seen.has(`${l.at}\u0000${v.trigger}`)) }))
    .filter((l) => l.values.length > 0);
  addLooks(report.canarySeries, fresh, report.visits, report.delivery.runs);
}

/** A report builder between two audit entries, as plain data: what a checkpoint stores (src/report/checkpoint.ts). */
export interface ReportBuilderData {
  events: number;
  timeline: KeepLastData<ReleaseEvent>;
  overrides: KeepLastData<ReleaseEvent>;
  walker: WalkerData;
  order: EventOrderData;
  /** Absent in checkpoints written before watch looks were charted. */
  looks?: WatchLooksData;
  noise: AlertNoiseData;
}

/** Feeds every event to the walk and keeps the most recent ones for display. */
export class ReportBuilder {
  private readonly walker: Walker;
  private readonly timeline: KeepLast<ReleaseEvent>;
  private readonly overrides: KeepLast<ReleaseEvent>;
  private readonly order: EventOrder;
  private readonly looks: WatchLooks;
  private readonly noise: AlertNoiseTally;
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
    this.looks = new WatchLooks(limits.visits, saved?.looks);
    this.events = saved?.events ?? 0;
    this.noise = new AlertNoiseTally(config, saved?.noise);
    this.order = new EventOrder(state, (e) => this.take(e), saved?.order);
  }

  static canResume(state: ReleaseState | null, saved: ReportBuilderData): boolean {
    return EventOrder.canResume(state, saved.order);
  }

  add(entry: AuditEntry): void {
    this.noise.push(entry);
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
      looks: this.looks.data(),
      noise: this.noise.data(),
    };
  }

  finish(): ReleaseReport {
    this.order.finish();
    const walk = this.walker.finish(this.state);
    const timeline = this.timeline.toArray();
    const overrides = this.overrides.toArray();
    const looks = this.looks.data();
    const omitted = {
      events: this.events,
      timeline: this.timeline.dropped,
      ...walk.omitted,
      overrides: this.overrides.dropped,
      ...(looks.dropped ? { looks: looks.dropped } : {}),
    };
    const truncated =
      omitted.timeline + omitted.visits + omitted.decisions + omitted.rollbacks + omitted.overrides + looks.dropped > 0;
    const canarySeries = toPoints(walk.decisions, this.state, walk.runs);
    addLooks(canarySeries, this.looks.toArray(), walk.visits, walk.runs);
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
      canarySeries,
      canaryMetrics: describeMetricCharts(this.config),
      schedule: scheduleFromState(this.config, this.state, this.now),
      alertNoise: this.noise.finish(),
      ...(truncated ? { omitted } : {}),
    };
  }

  private take(e: ReleaseEvent): void {
    this.events += 1;
    this.timeline.push(e);
    if (e.kind === 'override') this.overrides.push(e);
    this.looks.push(e, this.walker.currentRun);
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
