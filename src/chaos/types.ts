import type { z } from 'zod';
import type { chaosExperiment } from '../config/schema.js';

/** One Chaos Lite experiment of `rollout.yaml` (`chaos:`), defaults applied. */
export type ChaosExperiment = z.infer<typeof chaosExperiment>;

/**
 * How an experiment ended. `not-steady` and `aborted` mean no verdict on recovery could be reached;
 * `not-exercised` means the fault was never met: nothing listened on the target, or the application
 * sent nothing through the fault proxy while the fault was on. None of them is a pass.
 */
export type ExperimentVerdict = 'pass' | 'fail' | 'not-steady' | 'not-exercised' | 'aborted';

/** Cumulative counts of what went through the fault proxy (see `ProxyTraffic`). */
export interface TrafficCounts {
  connections: number;
  bytesFromClients: number;
  bytesFromTarget: number;
}

/** What the application sent through the fault proxy in each phase; absent for faults without a proxy. */
export interface TrafficSummary {
  steady: TrafficCounts;
  during: TrafficCounts;
  after: TrafficCounts;
}

/** The outcome of one X-1 check (`checks:` of an experiment). */
export interface CheckResult {
  id: string;
  kind: 'write-read' | 'http-journey';
  verdict: 'pass' | 'fail' | 'not-run';
  reason: string;
  /** Runs per phase: journeys run; write-read counts writes attempted, acknowledged and verified. */
  counts: Record<string, number>;
}

/** A moment of the run; `t` is milliseconds since the run started. */
export interface TimelineEvent {
  t: number;
  at: string;
  phase: 'steady' | 'during' | 'recovery';
  event:
    | 'probe'
    | 'inject'
    | 'remove'
    | 'recovered'
    | 'not-steady'
    | 'not-exercised'
    | 'aborted'
    | 'objective-missed'
    | 'check';
  status?: 'pass' | 'fail' | 'inconclusive';
  reason?: string;
  durationMs?: number;
}

/** Probe counts of one phase of the run. */
export interface PhaseSummary {
  probes: number;
  passes: number;
  fails: number;
  inconclusive: number;
  /** The slowest probe: bounded during a fault means the application's timeouts fired. */
  maxProbeMs: number;
}

/** The outcome of `rollout chaos run`. */
export interface ExperimentResult {
  id: string;
  title: string;
  item?: string;
  fault: string;
  verdict: ExperimentVerdict;
  reason: string;
  durationMs: number;
  recoveryObjectiveMs: number;
  streak: number;
  intervalMs: number;
  startedAt: string;
  faultStartedAt: string | null;
  faultEndedAt: string | null;
  /** From the fault's removal to the start of the first probe of `streak` passes in a row; null when it never recovered. */
  recoveryMs: number | null;
  steady: PhaseSummary;
  during: PhaseSummary;
  after: PhaseSummary;
  /** Traffic through the fault proxy per phase; null for a fault without a proxy (memory pressure). */
  traffic: TrafficSummary | null;
  checks: CheckResult[];
  timeline: TimelineEvent[];
}
