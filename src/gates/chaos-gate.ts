import { experimentDigest, readResult } from '../chaos/results.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import type { GateConfig } from '../config/schema.js';
import type { GateContext, GateOutcome, GateReason } from './types.js';

type ChaosGate = Extract<GateConfig, { kind: 'chaos' }>;

/** One experiment's standing: pass, or the reason its last recorded run does not count. */
interface Standing {
  id: string;
  ok: boolean;
  reason: GateReason;
  text: string;
  ranAt?: string;
  verdict?: string;
  recoveryMs?: number | null;
  file?: string;
}

async function judgeExperiment(id: string, maxAgeMs: number, ctx: GateContext): Promise<Standing> {
  const experiment = ctx.chaos?.experiments.find((x) => x.id === id);
  if (!ctx.chaos || !experiment)
    return { id, ok: false, reason: 'chaos-missing', text: `${id}: no such chaos experiment in the plan` };
  const found = await readResult(ctx.chaos.dir, id);
  if (found.status === 'missing')
    return { id, ok: false, reason: 'chaos-missing', text: `${id}: never run here`, file: found.file };
  if (found.status === 'corrupt')
    return {
      id,
      ok: false,
      reason: 'chaos-corrupt',
      text: `${id}: the recorded result ${found.file} ${found.problem}; run the experiment again`,
      file: found.file,
    };
  const { record } = found;
  const r = record.result;
  const base = { id, file: found.file, ranAt: record.recordedAt, verdict: r.verdict, recoveryMs: r.recoveryMs };
  if (record.experimentDigest !== experimentDigest(experiment))
    return {
      ...base,
      ok: false,
      reason: 'chaos-changed',
      text: `${id}: the experiment changed in the plan after its last run (${record.recordedAt})`,
    };
  const ageMs = ctx.clock.now().getTime() - Date.parse(record.recordedAt);
  if (ageMs > maxAgeMs)
    return {
      ...base,
      ok: false,
      reason: 'chaos-stale',
      text: `${id}: last run ${formatDuration(ageMs)} ago (${record.recordedAt}), older than ${formatDuration(maxAgeMs)}`,
    };
  if (ageMs < -60_000)
    return {
      ...base,
      ok: false,
      reason: 'chaos-corrupt',
      text: `${id}: recorded at ${record.recordedAt}, in the future: check this machine's clock`,
    };
  if (r.verdict === 'pass') return { ...base, ok: true, reason: 'ok', text: `${id}: PASS — ${r.reason}` };
  const reason: GateReason = r.verdict === 'not-exercised' ? 'chaos-not-exercised' : 'chaos-failed';
  return { ...base, ok: false, reason, text: `${id}: ${r.verdict.toUpperCase()} — ${r.reason}` };
}

/**
 * Each named experiment needs a recorded run that passed, of its current definition, no older than
 * `maxAge`. Anything else fails the gate with the reason: the evidence is a run someone has to make
 * (`rollout chaos run ID`), and waiting will not produce it.
 */
export async function judgeChaosGate(gate: ChaosGate, ctx: GateContext): Promise<GateOutcome> {
  const maxAgeMs = parseDuration(gate.maxAge) ?? 7 * 24 * 3600_000;
  const standings = await Promise.all(gate.experiments.map((id) => judgeExperiment(id, maxAgeMs, ctx)));
  const failing = standings.filter((s) => !s.ok);
  const evidence = {
    expected: `a passing run within ${gate.maxAge} of ${gate.experiments.join(', ')}`,
    observed: `${standings.length - failing.length}/${standings.length} passing`,
    source: ctx.chaos?.dir ?? 'no chaos results directory',
    details: { experiments: standings },
  };
  if (failing.length === 0)
    return {
      verdict: 'pass',
      reason: 'ok',
      summary: `${standings.length} chaos experiments passed: ${standings.map((s) => `${s.id} (${s.ranAt})`).join(', ')}`,
      evidence,
    };
  return {
    verdict: 'fail',
    reason: (failing[0] as Standing).reason,
    summary: failing.map((s) => s.text).join('; '),
    hint: `rollout chaos run ${failing.map((s) => s.id).join(' / ')} (see docs/chaos.md for the dependencies each needs)`,
    evidence,
  };
}
