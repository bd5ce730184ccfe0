import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { RolloutError, type Problem } from '../errors/rollout-error.js';
import { readPlanFile } from './read-plan.js';
import { genericRunbookDir } from '../runbooks/package-root.js';
import { checkOutcomes } from './outcome-rules.js';
import { checkRules } from './rules.js';
import type { PerfBudget, RawConfig } from './schema.js';
import { matchTable } from './schema-table.js';
import { SCHEMA_TABLE } from './schema-table.generated.js';
import { locate, parseYamlSource, type YamlSource } from './yaml-source.js';

/**
 * Parse → schema → rules for both files. A valid file is matched against the schema table, which gives
 * zod's result without building zod's schema (schema-table.ts); zod and its error messages load only
 * for a file the table does not accept. load.ts imports this module only when the plan needs checking.
 */
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
  const matched = matchTable(SCHEMA_TABLE, 'config', parsed.source.data);
  if (matched) {
    const config = matched.data as RawConfig;
    return { ...(await checkAll(display, config, parsed.source, dir, cwd)), config };
  }
  const [{ config: configSchema, PARSE_ONCE }, { issuesToProblems }, { pruneToValid }] = await Promise.all([
    import('./schema.js'),
    import('./issues.js'),
    import('./partial.js'),
  ]);
  const result = configSchema.safeParse(parsed.source.data, PARSE_ONCE);
  if (!result.success) {
    // Report the schema's problems and, in the same run, what the cross-field rules find in the rest.
    const schemaProblems = issuesToProblems(result.error.issues, parsed.source, configSchema);
    const partial = pruneToValid(configSchema, parsed.source);
    if (!partial) return { problems: schemaProblems, config: null, budget: null };
    const rest = await checkAll(display, partial.config, partial.source, dir, cwd);
    // A reference names a left-out item by its id, or a gate by `PHASE/id`.
    const mentionsLeftOut = (p: Problem) =>
      [...partial.leftOut].some((id) => p.message.includes(`"${id}"`) || p.message.includes(`/${id}"`));
    const seen = new Set(schemaProblems.map((p) => `${p.line}:${p.col}:${p.message}`));
    const extra = rest.problems.filter((p) => !mentionsLeftOut(p) && !seen.has(`${p.line}:${p.col}:${p.message}`));
    return { problems: sortByPosition([...schemaProblems, ...extra]), config: null, budget: null };
  }
  return { ...(await checkAll(display, result.data, parsed.source, dir, cwd)), config: result.data };
}

function sortByPosition(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : a.file.localeCompare(b.file)));
}

/** Budget file and cross-field rules, for a plan that passed the schema (or the part of one that did). */
async function checkAll(
  display: string,
  config: RawConfig,
  source: YamlSource,
  dir: string,
  cwd: string,
): Promise<{ problems: Problem[]; budget: PerfBudget | null; budgetFile: string }> {
  const parsed = { source };
  const budgetFile = path.resolve(dir, config.budget);
  const budgetResult = await loadBudget(budgetFile, path.relative(cwd, budgetFile) || config.budget).catch(
    (error: unknown) => {
      // An unreadable budget (a directory, a pipe, too large) is a problem of the plan's `budget:` line.
      if (!(error instanceof RolloutError)) throw error;
      return {
        budget: null,
        missing: false,
        problems: [{ file: display, ...locate(parsed.source, ['budget']), message: `budget: ${error.message}` }],
      };
    },
  );
  const needsBudget = config.phases.some((p) => p.gates.some((g) => g.kind === 'perf-budget'));
  const problems = [...budgetResult.problems];
  if (budgetResult.missing && needsBudget) {
    problems.push({
      file: display,
      line: 1,
      col: 1,
      message: `performance budget ${config.budget} does not exist, and a perf-budget gate needs it`,
    });
  }
  problems.push(...checkRules(config, parsed.source, budgetResult.budget));
  const namesRunbooks = config.risks.some((r) => r.mitigations.some((m) => 'runbook' in m));
  const runbooks = namesRunbooks ? await listRunbookIds(path.resolve(dir, config.runbooks)) : null;
  problems.push(...checkOutcomes(config, parsed.source, runbooks));
  return { problems, budget: budgetResult.budget, budgetFile };
}

/** `.perf-budget.json` is JSON, which is YAML: parsing it as YAML keeps line and column for errors. */
export async function loadBudget(
  file: string,
  display: string,
): Promise<{ budget: PerfBudget | null; problems: Problem[]; missing: boolean }> {
  const text = await readText(file, display);
  if (text === null) return { budget: null, problems: [], missing: true };
  const parsed = parseYamlSource(display, text);
  if (!parsed.source) return { budget: null, problems: parsed.problems, missing: false };
  const matched = matchTable(SCHEMA_TABLE, 'perfBudget', parsed.source.data);
  if (matched) return { budget: matched.data as PerfBudget, problems: [], missing: false };
  const [{ perfBudget: budgetSchema, PARSE_ONCE }, { issuesToProblems }] = await Promise.all([
    import('./schema.js'),
    import('./issues.js'),
  ]);
  const result = budgetSchema.safeParse(parsed.source.data, PARSE_ONCE);
  if (!result.success)
    return {
      budget: null,
      problems: issuesToProblems(result.error.issues, parsed.source, budgetSchema),
      missing: false,
    };
  return { budget: result.data, problems: [], missing: false };
}

/**
 * Runbook ids a plan's risks may name: the files of its runbooks directory and the generic ones; null
 * when the directory does not exist (a plan copied without it), so references are warned about, not refused.
 */
async function listRunbookIds(dir: string): Promise<Set<string> | null> {
  const own = await readdir(dir).catch(() => null);
  if (own === null) return null;
  const names = [...own, ...(await readdir(genericRunbookDir()).catch(() => [] as string[]))];
  return new Set(names.filter((n) => n.endsWith('.md') && n !== 'README.md').map((n) => n.slice(0, -3)));
}
