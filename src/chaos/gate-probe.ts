import type { GateConfig } from '../config/schema.js';
import type { GateContext } from '../gates/types.js';
import type { ProbeRunner } from './probe.js';

/**
 * A probe backed by the gates module, for prometheus and command probes. HTTP probes keep the
 * built-in probe: it is lighter per call, and a probe runs every 250 ms for the whole experiment.
 */
export function createGateProbe(gctx: GateContext, http: ProbeRunner): ProbeRunner {
  return async (gate: GateConfig) => {
    if (gate.kind === 'http') return http(gate);
    const { runGate } = await import('../gates/run-gate.js');
    const result = await runGate(gate, gctx);
    return { status: result.verdict, reason: result.summary, durationMs: result.durationMs };
  };
}
