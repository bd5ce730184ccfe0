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
  const golden = r.goldenFailures.length > 0 ? `, ${r.goldenFailures.length} golden case(s) wrong in ${r.releaseModel}` : '';
  const rows = r.properties.map((p) => [p.engine, p.model, p.id, verdictColor(s, p.status), String(p.runs), `${p.durationMs.toFixed(0)} ms`]);
  const out = [renderTable(['engine', 'model', 'property', 'result', 'runs', 'time'], rows)];
  for (const p of r.properties.filter((x) => x.failure)) {
    const f = p.failure!;
    out.push('', s.red(`✗ ${p.engine} ${p.model} ${p.id}: ${f.error}`), `  counterexample (after ${f.shrinks} shrinks): ${f.counterexampleText}`, `  seed ${f.seed}, path ${f.path}`, `  replay: ${f.replayCommand}`);
  }
  if (r.accuracy) out.push('', ...renderAccuracy(r, s));
  out.push('', `${r.ok ? s.green('ok') : s.red('FAILED')}: ${r.passed} passed, ${r.failed} failed${golden}, ${r.runs} runs each, seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

function renderAccuracy(r: VerifyReport, s: Style): string[] {
  const a = r.accuracy!;
  const out = [s.bold('accuracy on the golden cases (1 − mean relative error against the expected values)')];
  const rows = Object.entries(a.perEngine).map(([engine, m]) => [
    engine, `${m['v1.0'].passed}/${m['v1.0'].cases}`, percent(m['v1.0'].accuracy), `${m['v1.1'].passed}/${m['v1.1'].cases}`, percent(m['v1.1'].accuracy),
  ]);
  rows.push(['all', `${a.accuracy['v1.0'].passed}/${a.accuracy['v1.0'].cases}`, percent(a.accuracy['v1.0'].accuracy), `${a.accuracy['v1.1'].passed}/${a.accuracy['v1.1'].cases}`, percent(a.accuracy['v1.1'].accuracy)]);
  out.push(renderTable(['engine', 'v1.0 cases', 'v1.0 accuracy', 'v1.1 cases', 'v1.1 accuracy'], rows));
  out.push(`  improvement of v1.1 over v1.0: ${a.improvement === null ? 'n/a' : `${a.improvement >= 0 ? '+' : ''}${percent(a.improvement)}`}`);
  out.push(`  model_accuracy_delta (share of cases, v1.1 − v1.0): ${a.delta >= 0 ? '+' : ''}${a.delta.toFixed(3)}`);
  for (const g of r.goldenFailures) out.push(s.red(`✗ golden ${g.id} (${g.engine} ${g.model}, error ${percent(g.relativeError)}): ${g.detail}`));
  return out;
}
