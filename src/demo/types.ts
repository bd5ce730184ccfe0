import type { DemoUnleashInfo } from './unleash-server.js';

/** One decision the demo asked the real commands for, and what they answered. */
export interface DemoStep {
  /** Simulated time of the step (ISO). */
  at: string;
  /** e.g. `preflight P0`, `advance`, `signoff P1 chaos-ready`, `watch week-3`. */
  step: string;
  /** What the command decided: `pass`, `advanced`, `not advanced`, `signed`, `rolled back`, … */
  outcome: string;
  exitCode: number;
  detail: string;
}

/** How a variant behaved, as the simulation was told (not as measured). */
export interface ProfileSummary {
  errorRate: number;
  latencyMedianMs: number;
}

/** Who got what from the flag at the end: flagd-core on the file, or the Unleash evaluation `flags eval` uses. */
export interface FlagUserEvaluation {
  key: string;
  groups: string[];
  variant: string | null;
  reason: string;
  detail: string;
}

/** The result of `rollout demo`: the `--json` document carries it whole. */
export interface DemoResult {
  /** Always true: nothing in this result comes from real users or real services. */
  simulated: true;
  ok: boolean;
  seed: number;
  /** Where the flag lived: the flagd file (no service), or a toggle on a real Unleash server. */
  flagProvider: { kind: 'flagd-file' } | ({ kind: 'unleash'; flagReadErrors: number } & DemoUnleashInfo);
  release: string;
  /** The temporary project directory (removed at the end unless `--keep`). */
  dir: string;
  kept: boolean;
  clock: { startedAt: string; endedAt: string; simulatedMinutes: number; note: string };
  traffic: { users: number; requestsPerMinute: number; requests: Record<string, number> };
  steps: DemoStep[];
  stagesReached: string[];
  regression: {
    stage: string;
    percent: number;
    variant: string;
    injectedAt: string;
    before: ProfileSummary;
    after: ProfileSummary;
  } | null;
  detection: {
    detected: boolean;
    trigger: string | null;
    detail: string;
    at: string | null;
    /** Simulated minutes from the injection to the rollback. */
    minutes: number | null;
    looks: number;
    /** The sequential test's always-valid p-value at the firing look (the detail names every test's p-value). */
    sequentialPValue: number | null;
    /** Requests each arm served from the injection to the rollback, counted by the simulated application. */
    requestsSinceInjection: Record<string, number>;
    /** Requests watch had accumulated per arm since it started (its own counts, from the increments). */
    watchSamples: { canary: number; baseline: number } | null;
  };
  watch: { exitCode: number; stop: string; message: string; looks: number; alerted: string[] } | null;
  rollback: { ok: boolean; mode: string; rollbackId: string; problems: string[] } | null;
  /** Traffic served in the simulated minutes after the rollback, per variant. */
  afterRollback: { minutes: number; requests: Record<string, number> } | null;
  finalFlag: {
    allFallback: boolean;
    usersOnNewVariant: number;
    users: FlagUserEvaluation[];
    /** Unleash: the toggle as the admin API returned it at the end (`enabled: false` = the kill switch). */
    toggle?: { enabled: boolean; strategies: Array<{ title: string; rollout: string; constraints: string[] }> } | null;
  };
  audit: { entries: number; ops: string[]; verified: boolean; head: string | null; lines: string[] };
}
