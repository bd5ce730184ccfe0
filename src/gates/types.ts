import type { ChaosExperiment } from '../chaos/types.js';
import type { GateConfig, PerfBudget } from '../config/schema.js';
import type { Clock } from '../lifecycle/clock.js';
import type { MetricsSource } from '../metrics/types.js';
import type { Redactor } from '../output/redact.js';
import type { ReleaseState } from '../state/types.js';

/** The three answers a gate can give. Missing evidence is never a pass. */
export type GateVerdict = 'pass' | 'fail' | 'inconclusive';

/**
 * Why a gate ended the way it did, in stable machine terms (tests and renderers key on it):
 * `ok` for a judged value, otherwise the kind of missing or broken evidence.
 */
export type GateReason =
  | 'ok'
  | 'threshold'
  | 'no-url'
  | 'no-credentials'
  | 'empty'
  | 'nan'
  | 'too-many-series'
  | 'http-error'
  | 'malformed'
  | 'impossible-value'
  | 'timeout'
  | 'unreachable'
  | 'bad-query'
  | 'not-recorded'
  | 'exit-code'
  | 'spawn-error'
  | 'not-started'
  | 'soaking'
  | 'awaiting-signoff'
  | 'missing-file'
  | 'no-match'
  | 'config'
  | 'property-failed'
  | 'accuracy'
  | 'over-budget'
  | 'regression'
  | 'no-budget'
  | 'chaos-missing'
  | 'chaos-corrupt'
  | 'chaos-stale'
  | 'chaos-changed'
  | 'chaos-not-exercised'
  | 'chaos-failed'
  | 'error';

/** What a gate saw, as data: rendered in the summary table, JUnit properties and `--json`. */
export interface GateEvidence {
  /** The value seen (a number, a status code, an exit code, a duration…), when one was seen. */
  observed?: unknown;
  /** The threshold it was judged against, in words or as a comparison (`< 0.01`). */
  expected?: string;
  /** What was asked: the PromQL sent, the argv run, the URL fetched, the file read. */
  source?: string;
  /** Kind-specific details (series, per-hot-path medians, failing properties, who signed off…). */
  details?: Record<string, unknown>;
}

/** The outcome of one gate. Every string in it may reach a CI log: it is redacted before it leaves. */
export interface GateResult {
  id: string;
  kind: GateConfig['kind'];
  title?: string;
  item?: string;
  verdict: GateVerdict;
  reason: GateReason;
  /** One line a human reads in the CI log. */
  summary: string;
  /** What to do next when the gate did not pass for want of evidence (e.g. which variable to set). */
  hint?: string;
  /** True when an inconclusive outcome was turned into a failure by `onInconclusive: fail`. */
  inconclusiveAsFail?: boolean;
  evidence: GateEvidence;
  /** Wall-clock milliseconds the gate took. */
  durationMs: number;
  /** The last lines of a command's output, redacted. */
  output?: string;
}

/** What a gate judge returns before the runner adds identity, timing and `onInconclusive`. */
export type GateOutcome = Omit<GateResult, 'id' | 'kind' | 'title' | 'item' | 'durationMs' | 'inconclusiveAsFail'>;

/**
 * The world a gate runs in. Everything outside the process comes through here, so the same gates
 * serve `preflight`, `advance`, rollback health checks and chaos probes.
 */
export interface GateContext {
  /** Directory of the plan: relative paths in gates (cwd, file, budget) resolve against it. */
  planDir: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  redact: Redactor;
  /** The release id (`{{release}}` in file gates). */
  release: string;
  /** The phase whose gates run (soak and manual gates look it up in the state). */
  phase: string;
  /** The release state as read before the run; null before the first write. */
  state: ReleaseState | null;
  /** The plan's performance budget (`budget:`), when loaded. */
  budget?: PerfBudget | null;
  /** The plan's budget file, relative to `planDir` (to know when a gate names the same file). */
  budgetFile?: string;
  /** Metrics for prometheus gates; see `createGateMetrics`. Absent → prometheus gates are inconclusive. */
  metrics?: GateMetrics;
  /** The plan's chaos experiments and the directory their recorded runs live in, for chaos gates. */
  chaos?: { dir: string; experiments: ChaosExperiment[] };
  /** Grace between SIGTERM and SIGKILL for command gates (default 5 s). */
  killGraceMs?: number;
  /** Cancels running gates (e.g. Ctrl-C); commands are killed like on a timeout. */
  signal?: AbortSignal;
}

/** How prometheus gates reach Prometheus: one shared source, created on first use. */
export interface GateMetrics {
  /** The source, or why there is none (no URL set, bad URL) with a hint naming the variable. */
  get(): Promise<{ source: MetricsSource } | { problem: string; hint: string }>;
  /** Per-query deadline (ms). */
  timeoutMs: number;
}
