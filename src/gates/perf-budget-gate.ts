import path from 'node:path';
import { loadBudget } from '../config/validate-text.js';
import type { GateConfig, PerfBudget } from '../config/schema.js';
import { formatNumber } from './compare.js';
import type { HotPathMeasurement } from '../../engines/perf.js';
import { checkRegressions, readPerfBaseline, writePerfBaseline, type PerfBaseline } from './perf-regression.js';
import type { GateContext, GateEvidence, GateOutcome } from './types.js';

type PerfBudgetGate = Extract<GateConfig, { kind: 'perf-budget' }>;

/** One measured hot path against its budget: evidence per engine and model. */
export interface HotPathEvidence {
  hotPath: string;
  engine: string;
  model: string;
  medianMs: number;
  budgetMs: number | null;
  /** median / budget; above 1 is over budget. */
  ratio: number | null;
}

/** Engine hot-path medians (`measureHotPaths`) against `.perf-budget.json` `hotPaths`. */
export async function judgePerfBudgetGate(gate: PerfBudgetGate, ctx: GateContext): Promise<GateOutcome> {
  const source = gate.budget;
  const read = await readBudget(gate, ctx);
  if ('problem' in read) return { verdict: 'fail', reason: 'config', summary: read.problem, evidence: { source } };
  const hotPaths = read.budget.hotPaths;
  if (Object.keys(hotPaths).length === 0) {
    return {
      verdict: 'inconclusive',
      reason: 'no-budget',
      summary: `${gate.budget} has no hotPaths`,
      hint: 'add hotPaths (milliseconds per hot path) to the budget file',
      evidence: { source },
    };
  }
  const { measureHotPaths } = await import('../../engines/perf.js');
  const measured = await measureHotPaths({ runs: gate.runs });
  const rows: HotPathEvidence[] = measured.map((m) => {
    const budgetMs = hotPaths[m.hotPath] ?? null;
    return {
      hotPath: m.hotPath,
      engine: m.engine,
      model: m.model,
      medianMs: round(m.medianMs),
      budgetMs,
      ratio: budgetMs ? round(m.medianMs / budgetMs, 3) : null,
    };
  });
  const judged = rows.filter((r) => r.ratio !== null);
  const over = judged.filter((r) => (r.ratio as number) > 1);
  const unmeasured = Object.keys(hotPaths).filter((h) => !rows.some((r) => r.hotPath === h));
  const worst = [...judged].sort((a, b) => (b.ratio as number) - (a.ratio as number))[0];
  const evidence = {
    source,
    expected: 'every hot-path median ≤ its budget',
    observed: worst
      ? `${worst.hotPath} ${worst.model}: ${formatNumber(worst.medianMs)}ms of ${worst.budgetMs}ms`
      : undefined,
    details: { runs: gate.runs, hotPaths: rows, unmeasured },
  };
  if (judged.length === 0) {
    // The gate measures the hot paths of the engines that ship with rollout, nothing else; say so, and
    // what to do for a service's own hot paths, instead of leaving "no budget" unexplained.
    const known = [...new Set(rows.map((r) => r.hotPath))].join(', ');
    return {
      verdict: 'inconclusive',
      reason: 'no-budget',
      summary: `no measured hot path has a budget: ${gate.budget} names ${unmeasured.join(', ') || 'none'}; this gate measures only rollout's engine hot paths (${known})`,
      hint: 'for your own code\'s hot paths, run your benchmark as a `command` gate that exits non-zero over budget (docs/operations.md, "Performance budgets")',
      evidence,
    };
  }
  if (over.length > 0) {
    const list = over.map((r) => `${r.hotPath} ${r.model} ${formatNumber(r.medianMs)}ms > ${r.budgetMs}ms`).join(', ');
    return { verdict: 'fail', reason: 'over-budget', summary: `over budget: ${list}`, evidence };
  }
  const within = `${judged.length} measurements within budget (worst ${worst?.hotPath} ${worst?.model} at ${Math.round((worst?.ratio ?? 0) * 100)} %)`;
  if (!gate.regression) return { verdict: 'pass', reason: 'ok', summary: within, evidence };
  return judgeAgainstAcceptedRun(gate.regression, ctx, measured, { within, evidence });
}

type Regression = NonNullable<PerfBudgetGate['regression']>;

/** Within budget: now compare with the last accepted run, and accept this one when it is no slower. */
async function judgeAgainstAcceptedRun(
  policy: Regression,
  ctx: GateContext,
  measured: HotPathMeasurement[],
  r: { within: string; evidence: GateEvidence },
): Promise<GateOutcome> {
  const file = path.resolve(ctx.planDir, policy.baseline);
  const current = Object.fromEntries(measured.map((m) => [`${m.hotPath} ${m.model}`, m.samples]));
  let baseline: PerfBaseline | null;
  try {
    baseline = await readPerfBaseline(file, policy.baseline);
  } catch (error) {
    return { verdict: 'fail', reason: 'config', summary: (error as Error).message, evidence: r.evidence };
  }
  const checks = baseline ? checkRegressions(current, baseline, policy) : [];
  const evidence: GateEvidence = {
    ...r.evidence,
    expected: `${r.evidence.expected}; no hot path significantly slower (p < ${policy.alpha}) and ≥ ${Math.round(policy.minRelativeChange * 100)} % slower than the run accepted ${baseline?.acceptedAt ?? '(none yet)'}`,
    details: {
      ...r.evidence.details,
      regression: { baseline: policy.baseline, acceptedAt: baseline?.acceptedAt ?? null, checks },
    },
  };
  const regressed = checks.filter((c) => c.regressed);
  if (regressed.length > 0) {
    const list = regressed
      .map(
        (c) =>
          `${c.key} ${formatNumber(c.medianMs)}ms vs ${formatNumber(c.baselineMedianMs)}ms (+${Math.round(c.relativeChange * 100)} %, p ${c.pValue.toExponential(1)})`,
      )
      .join(', ');
    return {
      verdict: 'fail',
      reason: 'regression',
      summary: `slower than the accepted run: ${list}`,
      hint: `a deliberate slowdown is accepted by deleting ${policy.baseline} (the next passing run becomes the baseline)`,
      evidence,
    };
  }
  await writePerfBaseline(file, { version: 1, acceptedAt: ctx.clock.now().toISOString(), samples: current });
  const note = baseline
    ? `no regression against the run accepted ${baseline.acceptedAt}`
    : `first accepted run recorded in ${policy.baseline}`;
  return { verdict: 'pass', reason: 'ok', summary: `${r.within}; ${note}`, evidence };
}

async function readBudget(
  gate: PerfBudgetGate,
  ctx: GateContext,
): Promise<{ budget: PerfBudget } | { problem: string }> {
  const file = path.resolve(ctx.planDir, gate.budget);
  if (ctx.budget && ctx.budgetFile && path.resolve(ctx.planDir, ctx.budgetFile) === file) return { budget: ctx.budget };
  const loaded = await loadBudget(file, gate.budget);
  if (loaded.missing) return { problem: `${gate.budget}: no such file` };
  if (!loaded.budget) return { problem: `${gate.budget}: ${loaded.problems.map((p) => p.message).join('; ')}` };
  return { budget: loaded.budget };
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
