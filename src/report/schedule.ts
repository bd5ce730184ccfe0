import { formatDuration, parseDuration, parseExpectedDuration } from '../config/duration.js';
import type { RawConfig } from '../config/schema.js';
import type { ReleaseState } from '../state/types.js';
import { computeDelivery, type TimeInStep } from './delivery.js';
import { collectEvents, type ReleaseEvent } from './events.js';
import { walkEvents } from './timeline.js';

/** What the plan says a phase or stage should take: a range (`1-2 weeks`), or a minimum (a stage's bake). */
export interface PlannedDuration {
  text: string;
  minMs: number;
  /** Null for a minimum only (a stage without `expectedDuration`: its bake time). */
  maxMs: number | null;
}

/** One phase or stage: planned against actual. */
export interface ScheduleRow {
  phase: string;
  stage: string | null;
  planned: PlannedDuration | null;
  /** Time spent there so far (all runs); null when the release has not been there. */
  actualMs: number | null;
  state: 'not-started' | 'running' | 'done';
  /** Actual above the planned maximum (a running step is flagged as soon as it passes it). */
  overrun: boolean;
  /** By how much, when overrun. */
  overByMs?: number;
}

/** `status` and `report`: each phase (then its stages) and the whole release, planned against actual. */
export interface ScheduleComparison {
  rows: ScheduleRow[];
  overall: {
    planned: PlannedDuration | null;
    actualMs: number | null;
    running: boolean;
    overrun: boolean;
    overByMs?: number;
  };
}

function plannedOf(text: string | undefined): PlannedDuration | null {
  if (text === undefined) return null;
  const range = parseExpectedDuration(text);
  return range ? { text, ...range } : null;
}

/** The release's plan: the sum of its phases' ranges. */
function sumOf(parts: PlannedDuration[]): PlannedDuration {
  const minMs = parts.reduce((a, p) => a + p.minMs, 0);
  const maxMs = parts.reduce((a, p) => a + (p.maxMs ?? p.minMs), 0);
  const text = minMs === maxMs ? formatDuration(minMs) : `${formatDuration(minMs)} – ${formatDuration(maxMs)}`;
  return { text: `${text} (the phases)`, minMs, maxMs };
}

function row(
  phase: string,
  stage: string | null,
  planned: PlannedDuration | null,
  time: TimeInStep | undefined,
): ScheduleRow {
  const actualMs = time ? time.totalMs : null;
  const over = planned?.maxMs != null && actualMs !== null ? actualMs - planned.maxMs : 0;
  return {
    phase,
    stage,
    planned,
    actualMs,
    state: !time ? 'not-started' : time.ongoing ? 'running' : 'done',
    overrun: over > 0,
    ...(over > 0 ? { overByMs: over } : {}),
  };
}

/**
 * Planned against actual, pure over the plan, the per-step times and the release's span. Phases without
 * `expectedDuration` have no plan (never an overrun); a stage without one is planned at its bake, as a minimum.
 */
export function compareSchedule(
  config: RawConfig,
  times: { timePerPhase: TimeInStep[]; timePerStage: TimeInStep[] },
  span: { startedAt: string | null; endedAt: string | null; now: Date },
): ScheduleComparison {
  const phases = new Map(times.timePerPhase.map((t) => [t.phase, t]));
  const stages = new Map(times.timePerStage.map((t) => [`${t.phase}\u0000${t.stage ?? ''}`, t]));
  const rows: ScheduleRow[] = [];
  for (const p of config.phases) {
    rows.push(row(p.id, null, plannedOf(p.expectedDuration), phases.get(p.id)));
    for (const s of p.rollout?.stages ?? []) {
      const bake = parseDuration(s.bake) ?? 0;
      const planned =
        plannedOf(s.expectedDuration) ??
        (bake > 0 ? { text: `≥ ${formatDuration(bake)} (bake)`, minMs: bake, maxMs: null } : null);
      rows.push(row(p.id, s.id, planned, stages.get(`${p.id}\u0000${s.id}`)));
    }
  }
  const phaseRows = rows.filter((r) => r.stage === null);
  const planned = phaseRows.every((r) => r.planned?.maxMs != null)
    ? sumOf(phaseRows.map((r) => r.planned as PlannedDuration))
    : null;
  const start = span.startedAt ? Date.parse(span.startedAt) : NaN;
  const end = span.endedAt ? Date.parse(span.endedAt) : span.now.getTime();
  const actualMs = Number.isFinite(start) ? Math.max(0, end - start) : null;
  const over = planned?.maxMs != null && actualMs !== null ? actualMs - planned.maxMs : 0;
  return {
    rows,
    overall: {
      planned,
      actualMs,
      running: actualMs !== null && span.endedAt === null,
      overrun: over > 0,
      ...(over > 0 ? { overByMs: over } : {}),
    },
  };
}

/**
 * The comparison from the state alone (its history holds every transition), so `status` does not read the
 * audit log and `report` shows the same figures. The release is in its first phase from the state's creation.
 */
export function scheduleFromState(config: RawConfig, state: ReleaseState | null, now: Date): ScheduleComparison {
  const events = collectEvents(state, []);
  const created = events.find((e) => e.kind === 'created');
  const first = config.phases[0]?.id;
  if (created && first) {
    const start: ReleaseEvent = { ...created, kind: 'advanced', op: 'start', to: { phase: first, stage: null } };
    events.splice(events.indexOf(created) + 1, 0, start);
  }
  const walk = walkEvents(events, config, state, now);
  const delivery = computeDelivery(walk);
  const ended = state?.status === 'completed' || state?.status === 'rolled-back';
  const lastLeft = walk.visits.reduce<string | null>((a, v) => (v.leftAt && (!a || v.leftAt > a) ? v.leftAt : a), null);
  return compareSchedule(config, delivery, {
    startedAt: created?.at ?? walk.visits[0]?.enteredAt ?? null,
    endedAt: ended ? lastLeft : null,
    now,
  });
}

/** `1-2 weeks` / `≥ 1d (bake)` / `—`. */
export function formatPlanned(p: PlannedDuration | null): string {
  return p ? p.text : '—';
}

/** `3d 4h`, `3d 4h so far`, `OVERRUN by 1d`, `—`. */
export function formatActual(
  r: { actualMs: number | null; overrun: boolean; overByMs?: number },
  running: boolean,
): string {
  if (r.actualMs === null) return '—';
  const text = `${formatDuration(r.actualMs)}${running ? ' so far' : ''}`;
  return r.overrun ? `${text} — OVERRUN by ${formatDuration(r.overByMs ?? 0)}` : text;
}

/** Rows of the planned-vs-actual table (step, planned, actual, state): phases, their stages, then the release. */
export function scheduleRows(c: ScheduleComparison): string[][] {
  const rows = c.rows.map((x) => [
    x.stage ? `${x.phase} · ${x.stage}` : x.phase,
    formatPlanned(x.planned),
    formatActual(x, x.state === 'running'),
    x.state,
  ]);
  const o = c.overall;
  const state = o.running ? 'running' : o.actualMs === null ? 'not-started' : 'done';
  rows.push(['release', formatPlanned(o.planned), formatActual(o, o.running), state]);
  return rows;
}
