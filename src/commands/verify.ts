import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { renderTable, verdictColor, type Style } from '../output/style.js';
import type { VerifyReport } from '../../engines/verify.js';
import type { CommandResult } from '../output/command-result.js';

/** `rollout verify` options as cli.ts parses them (engine and model are choices, runs and seed integers). */
export interface VerifyOptions {
  engine?: 'reserves' | 'pacing' | 'cohorts';
  model?: 'v1.0' | 'v1.1';
  property?: string;
  path?: string;
  runs?: number;
  seed?: number;
}

/** The engines' property suites and golden accuracy, exactly as the `property` gate runs them. */
export async function runVerifyCommand(options: VerifyOptions, _args: string[], _ctx: Ctx): Promise<CommandResult<VerifyReport>> {
  const { runVerify, VerifyUsageError } = await import('../../engines/verify.js');
  const { model } = options;
  let report: VerifyReport;
  try {
    report = runVerify({
      ...(options.engine !== undefined ? { engine: options.engine } : {}),
      ...(model ? { model } : {}),
      ...(options.property !== undefined ? { property: options.property } : {}),
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.runs !== undefined ? { runs: options.runs } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
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
