import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { renderTable, verdictColor, type Style } from '../output/style.js';
import type { VerifyReport } from '../../engines/verify.js';
import type { CommandResult } from '../output/command-result.js';

function parseInteger(value: unknown, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new RolloutError('E_USAGE', `${flag} ${String(value)}: a whole number ≥ ${min}`);
  return n;
}

/** The engines' property suites and golden accuracy, exactly as the `property` gate runs them. */
export async function runVerifyCommand(options: Record<string, unknown>, _args: string[], _ctx: Ctx): Promise<CommandResult<VerifyReport>> {
  const { runVerify, VerifyUsageError } = await import('../../engines/verify.js');
  const model = options.model as string | undefined;
  if (model !== undefined && model !== 'v1.0' && model !== 'v1.1') throw new RolloutError('E_USAGE', `--model ${model}: v1.0 or v1.1`);
  let report: VerifyReport;
  try {
    report = runVerify({
      ...(typeof options.engine === 'string' ? { engine: options.engine } : {}),
      ...(model ? { model } : {}),
      ...(typeof options.property === 'string' ? { property: options.property } : {}),
      ...(typeof options.path === 'string' ? { path: options.path } : {}),
      ...(options.runs !== undefined ? { runs: parseInteger(options.runs, '--runs', 1) } : {}),
      ...(options.seed !== undefined ? { seed: parseInteger(options.seed, '--seed', -0x80000000) } : {}),
    });
  } catch (error) {
    if (error instanceof VerifyUsageError) throw new RolloutError('E_USAGE', error.message);
    throw error;
  }
  return { exitCode: report.ok ? EXIT.ok : EXIT.fail, result: report, human: (s) => renderVerify(report, s) };
}

function renderVerify(r: VerifyReport, s: Style): string {
  const rows = r.properties.map((p) => [p.engine, p.model, p.id, verdictColor(s, p.status), String(p.runs), `${p.durationMs.toFixed(0)} ms`]);
  const out = [renderTable(['engine', 'model', 'property', 'result', 'runs', 'time'], rows)];
  for (const p of r.properties.filter((x) => x.failure)) {
    const f = p.failure!;
    out.push('', s.red(`✗ ${p.engine} ${p.model} ${p.id}: ${f.error}`), `  counterexample (after ${f.shrinks} shrinks): ${f.counterexampleText}`, `  seed ${f.seed}, path ${f.path}`, `  replay: ${f.replayCommand}`);
  }
  if (r.accuracy) {
    const a = r.accuracy;
    out.push('', s.bold('accuracy on the golden cases'));
    for (const [model, score] of Object.entries(a.perModel)) out.push(`  ${model}: ${score.passed}/${score.cases} (${(score.score * 100).toFixed(1)} %)`);
    out.push(`  model_accuracy_delta (v1.1 − v1.0): ${a.delta >= 0 ? '+' : ''}${a.delta.toFixed(3)}`);
  }
  out.push('', `${r.ok ? s.green('ok') : s.red('FAILED')}: ${r.passed} passed, ${r.failed} failed, ${r.runs} runs each, seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}
