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
export async function runVerifyCommand(
  options: VerifyOptions,
  _args: string[],
  _ctx: Ctx,
): Promise<CommandResult<VerifyReport>> {
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
  const golden =
    r.goldenFailures.length > 0 ? `, ${r.goldenFailures.length} golden case(s) wrong in ${r.releaseModel}` : '';
  const rows = r.properties.map((p) => [
    p.engine,
    p.model,
    p.id,
    verdictColor(s, p.status),
    String(p.runs),
    `${p.durationMs.toFixed(0)} ms`,
  ]);
  const out = [renderTable(['engine', 'model', 'property', 'result', 'runs', 'time'], rows)];
  for (const p of r.properties.filter((x) => x.failure)) {
    const f = p.failure!;
    out.push(
      '',
      s.red(`✗ ${p.engine} ${p.model} ${p.id}: ${f.error}`),
      `  counterexample (after ${f.shrinks} shrinks): ${f.counterexampleText}`,
      `  seed ${f.seed}, path ${f.path}`,
      `  replay: ${f.replayCommand}`,
    );
  }
  if (r.accuracy) out.push('', ...renderAccuracy(r, s));
  out.push(
    '',
    `${r.ok ? s.green('ok') : s.red('FAILED')}: ${r.passed} passed, ${r.failed} failed${golden}, ${r.runs} runs each, seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s`,
  );
  return out.join('\n');
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

function renderAccuracy(r: VerifyReport, s: Style): string[] {
  const a = r.accuracy!;
  const out = [s.bold('accuracy on the golden cases (1 − mean relative error against the expected values)')];
  const rows = Object.entries(a.perEngine).map(([engine, m]) => [
    engine,
    `${m['v1.0'].passed}/${m['v1.0'].cases}`,
    percent(m['v1.0'].accuracy),
    `${m['v1.1'].passed}/${m['v1.1'].cases}`,
    percent(m['v1.1'].accuracy),
  ]);
  rows.push([
    'all',
    `${a.accuracy['v1.0'].passed}/${a.accuracy['v1.0'].cases}`,
    percent(a.accuracy['v1.0'].accuracy),
    `${a.accuracy['v1.1'].passed}/${a.accuracy['v1.1'].cases}`,
    percent(a.accuracy['v1.1'].accuracy),
  ]);
  out.push(renderTable(['engine', 'v1.0 cases', 'v1.0 accuracy', 'v1.1 cases', 'v1.1 accuracy'], rows));
  out.push(
    `  improvement of v1.1 over v1.0: ${a.improvement === null ? 'n/a' : `${a.improvement >= 0 ? '+' : ''}${percent(a.improvement)}`}`,
  );
  out.push(`  model_accuracy_delta (share of cases, v1.1 − v1.0): ${a.delta >= 0 ? '+' : ''}${a.delta.toFixed(3)}`);
  for (const g of r.goldenFailures)
    out.push(s.red(`✗ golden ${g.id} (${g.engine} ${g.model}, error ${percent(g.relativeError)}): ${g.detail}`));
  return out;
}
