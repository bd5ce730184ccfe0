import type { z } from 'zod';
import type { chaosExperiment } from '../config/schema.js';

/** One Chaos Lite experiment of `rollout.yaml` (`chaos:`), defaults applied. */
export type ChaosExperiment = z.infer<typeof chaosExperiment>;

/** How an experiment ended. `not-steady` and `aborted` mean no verdict on recovery could be reached. */
export type ExperimentVerdict = 'pass' | 'fail' | 'not-steady' | 'aborted';

/** A moment of the run; `t` is milliseconds since the run started. */
export interface TimelineEvent {
  t: number;
  at: string;
  phase: 'steady' | 'during' | 'recovery';
  event: 'probe' | 'inject' | 'remove' | 'recovered' | 'not-steady' | 'aborted' | 'objective-missed';
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
  timeline: TimelineEvent[];
}
