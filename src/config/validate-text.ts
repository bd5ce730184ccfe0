import path from 'node:path';
import { RolloutError, type Problem } from '../errors/rollout-error.js';
import { issuesToProblems } from './issues.js';
import { readPlanFile } from './read-plan.js';
import { checkRules } from './rules.js';
import { config as configSchema, perfBudget as budgetSchema, type PerfBudget, type RawConfig } from './schema.js';
import { locate, parseYamlSource, type YamlSource } from './yaml-source.js';

/** Parse → schema → rules for both files. Loads zod and yaml: load.ts imports this only when needed. */
export async function readText(file: string, display: string): Promise<string | null> {
  return readPlanFile(file, display);
}

export async function validateText(
  display: string,
  text: string,
  dir: string,
  cwd: string,
): Promise<{ problems: Problem[]; config: RawConfig | null; budget: PerfBudget | null; budgetFile?: string }> {
  const parsed = parseYamlSource(display, text);
  if (!parsed.source) return { problems: parsed.problems, config: null, budget: null };
  const result = configSchema.safeParse(parsed.source.data);
  if (!result.success) {
    return { problems: issuesToProblems(result.error.issues, parsed.source, configSchema), config: null, budget: null };
  }
  const config = result.data;
  const budgetFile = path.resolve(dir, config.budget);
  const budgetResult = await loadBudget(budgetFile, path.relative(cwd, budgetFile) || config.budget).catch((error: unknown) => {
    // An unreadable budget (a directory, a pipe, too large) is a problem of the plan's `budget:` line.
    if (!(error instanceof RolloutError)) throw error;
    return { budget: null, missing: false, problems: [{ file: display, ...locate(parsed.source as YamlSource, ['budget']), message: `budget: ${error.message}` }] };
  });
  const needsBudget = config.phases.some((p) => p.gates.some((g) => g.kind === 'perf-budget'));
  const problems = [...budgetResult.problems];
  if (budgetResult.missing && needsBudget) {
    problems.push({ file: display, line: 1, col: 1, message: `performance budget ${config.budget} does not exist, and a perf-budget gate needs it` });
  }
  problems.push(...checkRules(config, parsed.source, budgetResult.budget));
  return { problems, config, budget: budgetResult.budget, budgetFile };
}

/** `.perf-budget.json` is JSON, which is YAML: parsing it as YAML keeps line and column for errors. */
export async function loadBudget(file: string, display: string): Promise<{ budget: PerfBudget | null; problems: Problem[]; missing: boolean }> {
  const text = await readText(file, display);
  if (text === null) return { budget: null, problems: [], missing: true };
  const parsed = parseYamlSource(display, text);
  if (!parsed.source) return { budget: null, problems: parsed.problems, missing: false };
  const result = budgetSchema.safeParse(parsed.source.data);
  if (!result.success) return { budget: null, problems: issuesToProblems(result.error.issues, parsed.source, budgetSchema), missing: false };
  return { budget: result.data, problems: [], missing: false };
}
