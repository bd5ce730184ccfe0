import { formatDuration, parseDuration } from '../config/duration.js';
import type { GateConfig } from '../config/schema.js';
import type { GateContext, GateOutcome } from './types.js';

type SoakGate = Extract<GateConfig, { kind: 'soak' }>;

/**
 * Time since the phase (or the current stage) began, from the state. Not started, or not long
 * enough yet, is inconclusive: the evidence is still accumulating, nothing is wrong.
 */
export function judgeSoakGate(gate: SoakGate, ctx: GateContext): GateOutcome {
  const requiredMs = parseDuration(gate.duration) ?? 0;
  const expected = `≥ ${gate.duration} since the ${gate.since} began`;
  const inPhase = ctx.state?.phase === ctx.phase;
  const startedAt = !inPhase
    ? null
    : gate.since === 'phase'
      ? (ctx.state?.phaseStartedAt ?? null)
      : (ctx.state?.stage?.startedAt ?? null);
  if (!startedAt) {
    return {
      verdict: 'inconclusive',
      reason: 'not-started',
      summary: `soak begins when the ${gate.since} starts`,
      hint:
        gate.since === 'phase'
          ? `\`rollout advance\` starts ${ctx.phase}`
          : 'the soak is measured from the current stage',
      evidence: { expected },
    };
  }
  const elapsedMs = Math.max(0, ctx.clock.now().getTime() - Date.parse(startedAt));
  const remainingMs = Math.max(0, requiredMs - elapsedMs);
  const details = {
    startedAt,
    elapsedMs,
    requiredMs,
    remainingMs,
    endsAt: new Date(Date.parse(startedAt) + requiredMs).toISOString(),
  };
  const evidence = {
    expected,
    observed: formatDuration(elapsedMs),
    source: `${gate.since} started ${startedAt}`,
    details,
  };
  if (remainingMs === 0)
    return {
      verdict: 'pass',
      reason: 'ok',
      summary: `soaked ${formatDuration(elapsedMs)} of ${gate.duration}`,
      evidence,
    };
  return {
    verdict: 'inconclusive',
    reason: 'soaking',
    summary: `soaking: ${formatDuration(elapsedMs)} of ${gate.duration}, ${formatDuration(remainingMs)} left`,
    evidence,
  };
}
