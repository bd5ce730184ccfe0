import path from 'node:path';
import { EXIT } from '../errors/catalogue.js';
import { formatProblem, RolloutError } from '../errors/rollout-error.js';
import { isGitHubActions, problemAnnotations } from '../output/annotations.js';
import type { Ctx } from '../context.js';
import type { CommandResult } from '../output/command-result.js';
import { loadConfigFor } from './load-config.js';

export interface ValidateResult {
  file: string;
  budget: string | null;
  counts: {
    phases: number;
    gates: number;
    checklist: number;
    stages: number;
    metrics: number;
    triggers: number;
    chaos: number;
  };
  warnings: string[];
}

export async function runValidate(
  options: { cache?: boolean },
  _args: string[],
  ctx: Ctx,
): Promise<CommandResult<ValidateResult>> {
  // Validation is a pure function of the bytes (plan and budget) and the rollout version, so a result
  // cached for exactly those is the same answer; --no-cache validates from scratch.
  const github = isGitHubActions(ctx.env);
  const loaded = await loadConfigFor(ctx, { noCache: options.cache === false }).catch((error: unknown) => {
    // In GitHub Actions every positioned problem also becomes an annotation on its line of the plan.
    if (github && error instanceof RolloutError)
      for (const line of problemAnnotations(error.problems)) ctx.progress(line);
    throw error;
  });
  if (github) for (const line of problemAnnotations(loaded.warnings)) ctx.progress(line);
  const { config } = loaded;
  const result: ValidateResult = {
    file: path.relative(ctx.cwd, loaded.file),
    budget: loaded.budget ? config.budget : null,
    counts: {
      phases: config.phases.length,
      gates: config.phases.reduce((n, p) => n + p.gates.length, 0),
      checklist: config.phases.reduce((n, p) => n + p.checklist.length, config.completionChecklist.length),
      stages: config.phases.reduce((n, p) => n + (p.rollout?.stages.length ?? 0), 0),
      metrics: config.canary?.metrics.length ?? 0,
      triggers: config.triggers.length,
      chaos: config.chaos.length,
    },
    warnings: loaded.warnings.map(formatProblem),
  };
  return {
    exitCode: EXIT.ok,
    result,
    human: (s) => {
      const c = result.counts;
      const lines = [
        ...result.warnings.map((w) => s.yellow(w)),
        `${s.green('ok')} ${result.file}: ${c.phases} phases, ${c.gates} gates, ${c.checklist} checklist items, ${c.stages} stages, ${c.metrics} canary metrics, ${c.triggers} triggers, ${c.chaos} chaos experiments`,
        result.budget ? `${s.green('ok')} ${result.budget}` : s.dim(`(no performance budget file at ${config.budget})`),
      ];
      return lines.join('\n');
    },
  };
}
