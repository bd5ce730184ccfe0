import { formatDuration, parseDuration } from '../config/duration.js';
import type { Clock } from '../lifecycle/clock.js';
import type { CheckRunner } from './checks.js';
import type { FaultDriver } from './fault-driver.js';
import type { ProbeOutcome, ProbeRunner } from './probe.js';
import { createTrafficMeter, judgeExercise } from './exercise.js';
import type { ChaosExperiment, ExperimentResult, PhaseSummary, TimelineEvent } from './types.js';

/** Everything an experiment run needs; the world is passed in so tests can drive it with fakes. */
export interface RunExperimentOptions {
  experiment: ChaosExperiment;
  driver: FaultDriver;
  probe: ProbeRunner;
  clock: Clock;
  progress?(line: string): void;
  /** Aborting removes the fault at once and ends the run with verdict `aborted`. */
  signal?: AbortSignal;
  /** Time between probes; reliability.md §7.4 samples every 250 ms. */
  intervalMs?: number;
  /** How long the steady state may take to show `streak` passes in a row before the run is abandoned. */
  steadyTimeoutMs?: number;
  /** Called after the steady state held and right before the fault is injected. */
  beforeInject?(): Promise<void>;
  /** The experiment's X-1 checks (write-read, http-journey), run before, during and after the fault. */
  checks?: CheckRunner[];
}

export const DEFAULT_INTERVAL_MS = 250;
export const DEFAULT_STEADY_TIMEOUT_MS = 10_000;

type Phase = TimelineEvent['phase'];

function createRecorder(clock: Clock) {
  const start = clock.now().getTime();
  const timeline: TimelineEvent[] = [];
  return {
    start,
    timeline,
    elapsed: () => clock.now().getTime() - start,
    add(phase: Phase, event: TimelineEvent['event'], extra: Partial<TimelineEvent> = {}): TimelineEvent {
      const now = clock.now();
      const entry: TimelineEvent = { t: now.getTime() - start, at: now.toISOString(), phase, event, ...extra };
      timeline.push(entry);
      return entry;
    },
  };
}

/** Probe counts of one phase, from the timeline. */
export function summarizePhase(timeline: TimelineEvent[], phase: Phase): PhaseSummary {
  const probes = timeline.filter((e) => e.phase === phase && e.event === 'probe');
  return {
    probes: probes.length,
    passes: probes.filter((e) => e.status === 'pass').length,
    fails: probes.filter((e) => e.status === 'fail').length,
    inconclusive: probes.filter((e) => e.status === 'inconclusive').length,
    maxProbeMs: Math.max(0, ...probes.map((e) => e.durationMs ?? 0)),
  };
}

/** Run one experiment: steady state, fault for `duration`, fault removed, recovery measured. */
export async function runExperiment(o: RunExperimentOptions): Promise<ExperimentResult> {
  const { experiment: x, driver, clock } = o;
  const rec = createRecorder(clock);
  const interval = o.intervalMs ?? DEFAULT_INTERVAL_MS;
  const durationMs = parseDuration(x.duration) ?? 0;
  const objectiveMs = parseDuration(x.recoveryObjective) ?? 30_000;
  const say = (line: string) => o.progress?.(line);
  const aborted = () => o.signal?.aborted === true;

  const probeOnce = async (phase: Phase): Promise<ProbeOutcome & { startedT: number }> => {
    const startedT = rec.elapsed();
    const outcome = await o.probe(x.probe);
    rec.add(phase, 'probe', { status: outcome.status, reason: outcome.reason, durationMs: outcome.durationMs });
    return { ...outcome, startedT };
  };

  /** Probe until `streak` passes in a row; a new streak is not started after `limitT`. Returns the streak's start. */
  const probeUntilStreak = async (phase: Phase, limitT: number): Promise<number | null> => {
    let count = 0;
    let streakStart = 0;
    for (;;) {
      if (aborted()) return null;
      if (count === 0 && rec.elapsed() > limitT) return null;
      const p = await probeOnce(phase);
      if (p.status === 'pass') {
        if (count === 0) streakStart = p.startedT;
        count += 1;
        if (count >= x.streak) return streakStart;
      } else count = 0;
      await clock.sleep(interval, o.signal);
    }
  };

  let faultStartedT: number | null = null;
  let faultEndedT: number | null = null;
  let recoveryMs: number | null = null;
  let verdict: ExperimentResult['verdict'] = 'fail';
  let reason = '';
  const removeFault = async () => {
    if (faultStartedT === null || faultEndedT !== null) return;
    await driver.remove();
    meter.mark();
    faultEndedT = rec.elapsed();
    rec.add('during', 'remove');
    say(`fault removed after ${formatDuration(faultEndedT - faultStartedT)}`);
  };

  const checks = o.checks ?? [];
  const meter = createTrafficMeter(driver);
  try {
    await driver.prepare();
    const targetProblem = (await driver.checkTarget?.()) ?? null;
    say(`${x.id}: checking the steady state (${x.streak} passing probes in a row)`);
    const steadyAt = targetProblem
      ? null
      : await probeUntilStreak('steady', o.steadyTimeoutMs ?? DEFAULT_STEADY_TIMEOUT_MS);
    const checkProblem = steadyAt === null ? null : await firstProblem(checks);
    if (targetProblem) {
      verdict = 'not-exercised';
      reason = `not exercised: ${targetProblem}; nothing was injected`;
      rec.add('steady', 'not-exercised', { reason });
    } else if (checkProblem) {
      verdict = 'not-steady';
      reason = `not steady: ${checkProblem}; nothing was injected`;
      rec.add('steady', 'not-steady', { reason });
    } else if (steadyAt === null) {
      verdict = aborted() ? 'aborted' : 'not-steady';
      const last = rec.timeline.at(-1);
      reason = aborted()
        ? 'interrupted before the fault'
        : `not steady: the probe did not pass ${x.streak} times in a row before the fault${last?.reason ? ` (last: ${last.reason})` : ''}; nothing was injected`;
      rec.add('steady', verdict === 'aborted' ? 'aborted' : 'not-steady', { reason });
    } else {
      await o.beforeInject?.();
      say(`injecting: ${driver.describe()} for ${x.duration}`);
      faultStartedT = rec.elapsed();
      rec.add('during', 'inject', { reason: driver.describe() });
      meter.mark();
      await driver.inject();
      let windowOver = false;
      const window = clock.sleep(Math.max(0, durationMs - (rec.elapsed() - faultStartedT)), o.signal).then(async () => {
        windowOver = true;
        await removeFault();
      });
      while (!windowOver) {
        await Promise.all([probeOnce('during'), ...checks.map((c) => c.during())]);
        if (!windowOver) await Promise.race([clock.sleep(interval, o.signal), window]);
      }
      await window;
      const end = faultEndedT ?? rec.elapsed();
      if (aborted()) {
        verdict = 'aborted';
        reason = 'interrupted: the fault was removed early; no recovery verdict';
        rec.add('recovery', 'aborted', { reason });
      } else {
        const streakStart = await probeUntilStreak('recovery', end + objectiveMs);
        if (streakStart !== null) {
          recoveryMs = Math.max(0, streakStart - end);
          rec.add('recovery', 'recovered', { durationMs: recoveryMs });
          for (const check of checks) await check.after();
        }
        ({ verdict, reason } = judgeRecovery(recoveryMs, objectiveMs, x.streak, aborted()));
        if (verdict === 'fail') rec.add('recovery', 'objective-missed', { reason });
        ({ verdict, reason } = judgeExercise(
          { verdict, reason },
          checks.map((c) => c.result()),
          meter.summary(),
          x.fault.listen,
        ));
        for (const c of checks.map((check) => check.result()))
          rec.add('recovery', 'check', {
            status: c.verdict === 'pass' ? 'pass' : 'fail',
            reason: `${c.id}: ${c.reason}`,
          });
        if (verdict === 'not-exercised') rec.add('recovery', 'not-exercised', { reason });
      }
    }
  } finally {
    // The fault is removed whatever happened above: a throwing probe or driver must not leave it behind.
    await removeFault().catch(() => undefined);
    await driver.close();
  }

  const iso = (t: number | null) => (t === null ? null : new Date(rec.start + t).toISOString());
  return {
    id: x.id,
    title: x.title,
    ...(x.item ? { item: x.item } : {}),
    fault: driver.describe(),
    verdict,
    reason,
    durationMs,
    recoveryObjectiveMs: objectiveMs,
    streak: x.streak,
    intervalMs: interval,
    startedAt: new Date(rec.start).toISOString(),
    faultStartedAt: iso(faultStartedT),
    faultEndedAt: iso(faultEndedT),
    recoveryMs,
    steady: summarizePhase(rec.timeline, 'steady'),
    during: summarizePhase(rec.timeline, 'during'),
    after: summarizePhase(rec.timeline, 'recovery'),
    traffic: meter.summary(),
    checks: checks.map((c) => c.result()),
    timeline: rec.timeline,
  };
}

/** The first check that fails before the fault (checks run one after the other), or null. */
async function firstProblem(checks: CheckRunner[]): Promise<string | null> {
  for (const check of checks) {
    const problem = await check.before();
    if (problem) return problem;
  }
  return null;
}

/** Pass when the probe held `streak` passes in a row starting within the objective. */
export function judgeRecovery(
  recoveryMs: number | null,
  objectiveMs: number,
  streak: number,
  wasAborted: boolean,
): { verdict: ExperimentResult['verdict']; reason: string } {
  if (wasAborted) return { verdict: 'aborted', reason: 'interrupted while measuring recovery; no verdict' };
  if (recoveryMs === null)
    return {
      verdict: 'fail',
      reason: `not recovered: the probe did not pass ${streak} times in a row within ${formatDuration(objectiveMs)} of the fault's end`,
    };
  if (recoveryMs > objectiveMs)
    return {
      verdict: 'fail',
      reason: `recovered in ${formatDuration(recoveryMs)}, beyond the objective of ${formatDuration(objectiveMs)}`,
    };
  return {
    verdict: 'pass',
    reason: `recovered in ${formatDuration(recoveryMs)} (objective ${formatDuration(objectiveMs)})`,
  };
}
