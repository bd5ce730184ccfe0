import type { GateConfig } from '../config/schema.js';
import { formatNumber } from './compare.js';
import type { GateOutcome } from './types.js';

type PropertyGate = Extract<GateConfig, { kind: 'property' }>;

/**
 * The engines' property suites (and, with `minAccuracyDelta`, the golden accuracy delta v1.1 − v1.0).
 * The suites run synchronously in this process; the runner schedules them after network gates so
 * that their CPU time does not distort latency measurements (see README.md).
 */
export async function judgePropertyGate(gate: PropertyGate): Promise<GateOutcome> {
  const { runVerify, VerifyUsageError } = await import('../../engines/verify.js');
  const engine = gate.engine === 'all' ? undefined : gate.engine;
  let report: ReturnType<typeof runVerify>;
  try {
    report = runVerify({
      ...(engine ? { engine } : {}),
      ...(gate.model ? { model: gate.model } : {}),
      ...(gate.runs !== undefined ? { runs: gate.runs } : {}),
      ...(gate.seed !== undefined ? { seed: gate.seed } : {}),
      accuracy: gate.minAccuracyDelta !== undefined,
    });
  } catch (error) {
    if (error instanceof VerifyUsageError) return { verdict: 'fail', reason: 'config', summary: error.message, evidence: {} };
    throw error;
  }
  const source = `rollout verify${engine ? ` --engine ${engine}` : ''}${gate.model ? ` --model ${gate.model}` : ''} --seed ${report.seed} --runs ${report.runs}`;
  const failures = report.properties.filter((p) => p.status === 'fail');
  const details: Record<string, unknown> = {
    seed: report.seed,
    runs: report.runs,
    passed: report.passed,
    failed: report.failed,
    failures: failures.map((p) => ({ id: p.id, engine: p.engine, model: p.model, error: p.failure?.error, counterexample: p.failure?.counterexampleText, replay: p.failure?.replayCommand })),
  };
  const suites = `${report.passed}/${report.properties.length} properties hold`;
  if (failures.length > 0) {
    const first = failures[0];
    return {
      verdict: 'fail',
      reason: 'property-failed',
      summary: `${failures.length} of ${report.properties.length} properties fail (first: ${first?.engine} ${first?.model} ${first?.id}: ${first?.failure?.error ?? ''})`,
      hint: first?.failure?.replayCommand,
      evidence: { source, expected: 'every property holds', observed: `${report.failed} failing`, details },
    };
  }
  if (gate.minAccuracyDelta === undefined) {
    return { verdict: 'pass', reason: 'ok', summary: `${suites} (seed ${report.seed})`, evidence: { source, expected: 'every property holds', observed: `${report.passed} passing`, details } };
  }
  const delta = report.accuracy?.delta ?? Number.NaN;
  const accuracy = report.accuracy ? { delta, perModel: report.accuracy.perModel } : null;
  const evidence = { source, expected: `accuracy delta ≥ ${gate.minAccuracyDelta}`, observed: delta, details: { ...details, accuracy } };
  if (Number.isNaN(delta)) return { verdict: 'inconclusive', reason: 'nan', summary: 'no golden cases were scored', evidence };
  if (delta >= gate.minAccuracyDelta) return { verdict: 'pass', reason: 'ok', summary: `${suites}; accuracy delta ${formatNumber(delta)} ≥ ${gate.minAccuracyDelta}`, evidence };
  return { verdict: 'fail', reason: 'accuracy', summary: `accuracy delta ${formatNumber(delta)} < ${gate.minAccuracyDelta} (v1.1 − v1.0 on the golden cases)`, evidence };
}
