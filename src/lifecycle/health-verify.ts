import { parseDuration } from '../config/duration.js';
import type { LoadedConfig } from '../config/load.js';
import type { GateConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import type { ReleaseState } from '../state/types.js';

export interface HealthVerdict {
  healthy: boolean;
  summary: string;
  attempts: number;
  checks: Array<{ id: string; verdict: string; summary: string }>;
}

/**
 * After the flag is back on the fallback: the configured health checks (http gates) must all pass,
 * retried every `interval` until `deadline`. No checks configured → healthy by definition, said so.
 */
export async function verifyHealth(ctx: Ctx, loaded: LoadedConfig, state: ReleaseState | null): Promise<HealthVerdict> {
  const full = loaded.config.rollback.full;
  const gates = full.healthChecks
    .map((id) => loaded.config.phases.flatMap((p) => p.gates).find((g) => g.id === id))
    .filter((g): g is GateConfig => g !== undefined);
  if (gates.length === 0)
    return {
      healthy: true,
      summary: 'no health checks configured (rollback.full.healthChecks)',
      attempts: 0,
      checks: [],
    };
  const { runGate } = await import('../gates/index.js');
  const { buildGateContext } = await import('../gates/gate-context.js');
  const gctx = buildGateContext(ctx, loaded, state?.phase ?? loaded.config.phases[0]?.id ?? '', state);
  const deadline = ctx.clock.now().getTime() + (parseDuration(full.deadline) ?? 120_000);
  const interval = parseDuration(full.interval) ?? 10_000;
  let attempts = 0;
  for (;;) {
    attempts++;
    const results = await Promise.all(gates.map((g) => runGate(g, gctx)));
    const checks = results.map((r) => ({ id: r.id, verdict: r.verdict, summary: r.summary }));
    const failing = checks.filter((c) => c.verdict !== 'pass');
    if (failing.length === 0)
      return {
        healthy: true,
        summary: `${checks.length} health check(s) passed on the fallback (attempt ${attempts})`,
        attempts,
        checks,
      };
    if (ctx.clock.now().getTime() + interval > deadline) {
      return {
        healthy: false,
        summary: `${failing.map((c) => `${c.id}: ${c.summary}`).join('; ')} — still failing at the ${full.deadline} deadline after ${attempts} attempt(s)`,
        attempts,
        checks,
      };
    }
    await ctx.clock.sleep(interval);
  }
}
