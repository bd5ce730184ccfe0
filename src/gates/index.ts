/** Gates as the rest of rollout uses them (preflight, advance, rollback health checks, chaos probes). */
export { runGate } from './run-gate.js';
export { runGates, runPool, summarizeVerdicts, DEFAULT_CONCURRENCY } from './run-gates.js';
export type { GateConcurrency, RunGatesOptions } from './run-gates.js';
export { createGateMetrics } from './metrics.js';
export { parseComparison, isSatisfied, formatNumber } from './compare.js';
export type { Comparison } from './compare.js';
export type {
  GateContext,
  GateEvidence,
  GateMetrics,
  GateOutcome,
  GateReason,
  GateResult,
  GateVerdict,
} from './types.js';
