import type { GateConfig } from '../config/schema.js';
import type { GateContext, GateOutcome } from './types.js';

type ManualGate = Extract<GateConfig, { kind: 'manual' }>;

/**
 * A recorded sign-off passes with who, when and why. A missing one is inconclusive, not failed:
 * nothing is wrong yet, a person has still to vouch for the item (exit 3 says "wait", exit 1 "broken").
 */
export function judgeManualGate(gate: ManualGate, ctx: GateContext): GateOutcome {
  const signoff = ctx.state?.signoffs.find((s) => s.item === gate.signoff && s.phase === ctx.phase);
  const expected = `sign-off ${gate.signoff}`;
  if (!signoff) {
    return {
      verdict: 'inconclusive',
      reason: 'awaiting-signoff',
      summary: `waiting for sign-off ${gate.signoff}`,
      hint: `rollout signoff ${gate.signoff} --reason "…"${ctx.state?.phase && ctx.state.phase !== ctx.phase ? ` --phase ${ctx.phase}` : ''}`,
      evidence: { expected },
    };
  }
  return {
    verdict: 'pass',
    reason: 'ok',
    summary: `signed off by ${signoff.actor} at ${signoff.at}: ${signoff.reason}`,
    evidence: {
      expected,
      observed: signoff.actor,
      details: { actor: signoff.actor, at: signoff.at, reason: signoff.reason },
    },
  };
}
