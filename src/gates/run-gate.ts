import type { GateConfig } from '../config/schema.js';
import { redactDeep } from '../output/redact.js';
import type { GateContext, GateOutcome, GateResult } from './types.js';

/**
 * Runs one gate of any kind and returns its result: never throws for a gate that cannot decide
 * (an unexpected error is an inconclusive result naming it), applies `onInconclusive: fail`, and
 * redacts every string before the result leaves. Each kind's module is loaded only when used.
 */
export async function runGate(gate: GateConfig, ctx: GateContext): Promise<GateResult> {
  const started = performance.now();
  let outcome: GateOutcome;
  try {
    outcome = await judge(gate, ctx);
  } catch (error) {
    outcome = {
      verdict: 'inconclusive',
      reason: 'error',
      summary: `the gate could not run: ${(error as Error).message ?? String(error)}`,
      evidence: {},
    };
  }
  const durationMs = Math.round(performance.now() - started);
  const asFail = outcome.verdict === 'inconclusive' && gate.onInconclusive === 'fail';
  const result: GateResult = {
    id: gate.id,
    kind: gate.kind,
    ...(gate.title ? { title: gate.title } : {}),
    ...(gate.item ? { item: gate.item } : {}),
    ...outcome,
    ...(asFail
      ? { verdict: 'fail' as const, inconclusiveAsFail: true, summary: `${outcome.summary} (onInconclusive: fail)` }
      : {}),
    durationMs,
  };
  return redactDeep(stripUndefined(result), ctx.redact);
}

async function judge(gate: GateConfig, ctx: GateContext): Promise<GateOutcome> {
  switch (gate.kind) {
    case 'command':
      return (await import('./command-gate.js')).judgeCommandGate(gate, ctx);
    case 'prometheus':
      return (await import('./prometheus-gate.js')).judgePrometheusGate(gate, ctx);
    case 'http':
      return (await import('./http-gate.js')).judgeHttpGate(gate, ctx);
    case 'property':
      return (await import('./property-gate.js')).judgePropertyGate(gate);
    case 'perf-budget':
      return (await import('./perf-budget-gate.js')).judgePerfBudgetGate(gate, ctx);
    case 'file':
      return (await import('./file-gate.js')).judgeFileGate(gate, ctx);
    case 'soak':
      return (await import('./soak-gate.js')).judgeSoakGate(gate, ctx);
    case 'manual':
      return (await import('./manual-gate.js')).judgeManualGate(gate, ctx);
    case 'chaos':
      return (await import('./chaos-gate.js')).judgeChaosGate(gate, ctx);
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
