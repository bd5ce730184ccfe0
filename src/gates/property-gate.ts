import type { GateConfig } from '../config/schema.js';
import type { VerifyReport } from '../../engines/verify.js';
import { formatNumber } from './compare.js';
import type { GateOutcome } from './types.js';

type PropertyGate = Extract<GateConfig, { kind: 'property' }>;

/**
 * The engines' property suites, the golden cases of the model under release and, when asked,
 * the accuracy of v1.1 against v1.0 (`minAccuracyDelta` on the share of cases, `minAccuracyImprovement`
 * on the error-based accuracy). The suites run synchronously in this process; the runner schedules
 * them after network gates so that their CPU time does not distort latency measurements (see README.md).
 */
export async function judgePropertyGate(gate: PropertyGate): Promise<GateOutcome> {
  const { runVerify, VerifyUsageError } = await import('../../engines/verify.js');
  const engine = gate.engine === 'all' ? undefined : gate.engine;
  let report: VerifyReport;
  try {
    report = runVerify({
      ...(engine ? { engine } : {}),
      ...(gate.model ? { model: gate.model } : {}),
      ...(gate.runs !== undefined ? { runs: gate.runs } : {}),
      ...(gate.seed !== undefined ? { seed: gate.seed } : {}),
    });
  } catch (error) {
    if (error instanceof VerifyUsageError)
      return { verdict: 'fail', reason: 'config', summary: error.message, evidence: {} };
    throw error;
  }
  return judgeVerifyReport(gate, report);
}

/** The verdict of a property gate on a verify report (pure: tests feed it reports of planted bugs). */
export function judgeVerifyReport(gate: PropertyGate, report: VerifyReport): GateOutcome {
  const engine = gate.engine === 'all' ? undefined : gate.engine;
  const source = `rollout verify${engine ? ` --engine ${engine}` : ''}${gate.model ? ` --model ${gate.model}` : ''} --seed ${report.seed} --runs ${report.runs}`;
  const failures = report.properties.filter((p) => p.status === 'fail');
  const a = report.accuracy;
  const details: Record<string, unknown> = {
    seed: report.seed,
    runs: report.runs,
    passed: report.passed,
    failed: report.failed,
    failures: failures.map((p) => ({
      id: p.id,
      engine: p.engine,
      model: p.model,
      error: p.failure?.error,
      counterexample: p.failure?.counterexampleText,
      replay: p.failure?.replayCommand,
    })),
    goldenFailures: report.goldenFailures,
    accuracy: a
      ? {
          delta: a.delta,
          perModel: a.perModel,
          accuracy: a.accuracy,
          perEngine: a.perEngine,
          improvement: a.improvement,
        }
      : null,
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
  if (report.goldenFailures.length > 0) {
    const first = report.goldenFailures[0];
    return {
      verdict: 'fail',
      reason: 'accuracy',
      summary: `${report.goldenFailures.length} golden case(s) wrong in ${report.releaseModel} (first: ${first?.engine} ${first?.id}: ${first?.detail ?? ''})`,
      hint: `rollout verify${engine ? ` --engine ${engine}` : ''} lists every golden case that differs`,
      evidence: {
        source,
        expected: `${report.releaseModel} reproduces every golden case`,
        observed: `${report.goldenFailures.length} wrong`,
        details,
      },
    };
  }
  const wanted = describeAccuracyTarget(gate);
  if (wanted === null) {
    const golden = a
      ? `; ${a.accuracy[report.releaseModel].passed}/${a.accuracy[report.releaseModel].cases} golden cases`
      : '';
    return {
      verdict: 'pass',
      reason: 'ok',
      summary: `${suites}${golden} (seed ${report.seed})`,
      evidence: { source, expected: 'every property holds', observed: `${report.passed} passing`, details },
    };
  }
  if (!a || a.cases.length === 0) {
    return {
      verdict: 'inconclusive',
      reason: 'nan',
      summary: 'no golden cases were scored',
      evidence: { source, expected: wanted, observed: null, details },
    };
  }
  return judgeAccuracy(gate, a, { source, expected: wanted, details }, suites);
}

function describeAccuracyTarget(gate: PropertyGate): string | null {
  const parts: string[] = [];
  if (gate.minAccuracyDelta !== undefined) parts.push(`share-of-cases delta ≥ ${gate.minAccuracyDelta}`);
  if (gate.minAccuracyImprovement !== undefined)
    parts.push(
      `accuracy v1.1 ≥ v1.0 × ${formatNumber(1 + gate.minAccuracyImprovement)} overall, no engine less accurate than in v1.0`,
    );
  return parts.length === 0 ? null : parts.join('; ');
}

type Accuracy = NonNullable<VerifyReport['accuracy']>;

function judgeAccuracy(
  gate: PropertyGate,
  a: Accuracy,
  evidence: { source: string; expected: string; details: Record<string, unknown> },
  suites: string,
): GateOutcome {
  const observed = {
    delta: a.delta,
    improvement: a.improvement,
    accuracy: { 'v1.0': a.accuracy['v1.0'].accuracy, 'v1.1': a.accuracy['v1.1'].accuracy },
  };
  const fail = (summary: string): GateOutcome => ({
    verdict: 'fail',
    reason: 'accuracy',
    summary,
    evidence: { ...evidence, observed },
  });
  if (gate.minAccuracyDelta !== undefined && !(a.delta >= gate.minAccuracyDelta)) {
    return fail(
      `accuracy delta ${formatNumber(a.delta)} < ${gate.minAccuracyDelta} (v1.1 − v1.0 share of golden cases)`,
    );
  }
  if (gate.minAccuracyImprovement !== undefined) {
    // A regression confined to one engine can hide behind large gains elsewhere: judge each engine too.
    for (const [engine, m] of Object.entries(a.perEngine)) {
      if (m['v1.1'].accuracy < m['v1.0'].accuracy) {
        return fail(
          `${engine}: v1.1 accuracy ${pct(m['v1.1'].accuracy)} < v1.0 ${pct(m['v1.0'].accuracy)} on the golden cases`,
        );
      }
    }
    if (a.improvement === null) {
      return {
        verdict: 'inconclusive',
        reason: 'nan',
        summary: 'v1.0 scores 0 on the golden cases: no improvement can be measured',
        evidence: { ...evidence, observed },
      };
    }
    if (a.improvement < gate.minAccuracyImprovement) {
      return fail(
        `accuracy improvement ${signedPct(a.improvement)} < +${pct(gate.minAccuracyImprovement)} over v1.0 (${pct(a.accuracy['v1.1'].accuracy)} vs ${pct(a.accuracy['v1.0'].accuracy)})`,
      );
    }
  }
  const improvement =
    a.improvement === null
      ? ''
      : `; accuracy ${signedPct(a.improvement)} over v1.0 (${pct(a.accuracy['v1.1'].accuracy)} vs ${pct(a.accuracy['v1.0'].accuracy)})`;
  return {
    verdict: 'pass',
    reason: 'ok',
    summary: `${suites}${improvement}; share-of-cases delta ${formatNumber(a.delta)}`,
    evidence: { ...evidence, observed },
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

function signedPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${pct(x)}`;
}
