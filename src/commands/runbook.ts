import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { formatProblem, RolloutError, type Problem } from '../errors/rollout-error.js';
import { redactDeep } from '../output/redact.js';
import { execStep } from '../runbooks/exec-step.js';
import { findRunbook, listRunbooks, runbookDirs } from '../runbooks/library.js';
import { findPackageRoot } from '../runbooks/package-root.js';
import type { Runbook } from '../runbooks/parse.js';
import { renderRun, renderRunbook } from '../runbooks/render.js';
import { runRunbook as walkRunbook, type RunbookRunResult } from '../runbooks/run-runbook.js';
import { loadConfigFor } from './load-config.js';
import { openState } from '../state/open-state.js';
import type { CommandResult, MutatingOptions } from '../output/command-result.js';

export interface RunbookListResult {
  runbooks: Array<Pick<Runbook, 'id' | 'title' | 'when' | 'codes' | 'triggers' | 'file'> & { steps: number }>;
  problems: string[];
}

/** How the command talks to the operator; the CLI uses the terminal, tests pass their own. */
export interface RunbookIo {
  interactive: boolean;
  confirm(question: string): Promise<boolean>;
}

/** Ask on the terminal: stdin for the answer, stderr for the question so --json stdout stays clean. */
export const terminalIo: RunbookIo = {
  interactive: Boolean(process.stdin.isTTY),
  async confirm(question) {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^\s*y(es)?\s*$/i.test(await rl.question(question));
    } finally {
      rl.close();
    }
  },
};

/**
 * The plan is loaded if it can be, for its `runbooks:` directory and release name; if it cannot,
 * the runbooks still work: the one for a broken rollout.yaml is needed exactly then.
 */
async function tryLoadConfig(ctx: Ctx): Promise<LoadedConfig | null> {
  try {
    return await loadConfigFor(ctx);
  } catch {
    return null;
  }
}

/** `rollout runbook` options as cli.ts parses them; --reason is also {{reason}} in rollout steps. */
export interface RunbookOptions extends MutatingOptions {
  yes?: boolean;
}

export function runRunbook(options: RunbookOptions, args: string[], ctx: Ctx): Promise<CommandResult> {
  return runRunbookWith(options, args, ctx, terminalIo);
}

export async function runRunbookWith(
  options: RunbookOptions,
  args: string[],
  ctx: Ctx,
  io: RunbookIo,
): Promise<CommandResult> {
  const [action, id] = args;
  const loaded = await tryLoadConfig(ctx);
  const projectDir = loaded ? path.resolve(loaded.dir, loaded.config.runbooks) : path.resolve(ctx.cwd, 'runbooks');
  const dirs = runbookDirs(projectDir);
  if (action === 'list') {
    const { runbooks, problems } = await listRunbooks(dirs);
    const result: RunbookListResult = {
      runbooks: runbooks.map((r) => ({
        id: r.id,
        title: r.title,
        when: r.when,
        codes: r.codes,
        triggers: r.triggers,
        file: r.file,
        steps: r.steps.length,
      })),
      problems: problems.map(formatProblem),
    };
    return {
      exitCode: problems.length ? EXIT.usage : EXIT.ok,
      result,
      human: (s) => renderList(result, s.bold, s.dim, problems),
    };
  }
  if (action !== 'show' && action !== 'run')
    throw new RolloutError('E_USAGE', `unknown runbook action "${action}": use list, show <id> or run <id>`);
  if (!id)
    throw new RolloutError('E_USAGE', `runbook ${action} needs a runbook id; \`rollout runbook list\` shows them`);
  const runbook = await findRunbook(dirs, id);
  if (action === 'show') return { exitCode: EXIT.ok, result: runbook, human: (s) => renderRunbook(runbook, s) };
  const yes = options.yes === true;
  const dryRun = options.dryRun === true;
  if (!yes && !dryRun && !io.interactive) {
    throw new RolloutError(
      'E_USAGE',
      'stdin is not a terminal, so the steps cannot be confirmed one by one: pass --yes to run them all without asking, or --dry-run to only print them',
    );
  }
  const result = await walkRunbook({
    runbook,
    yes,
    dryRun,
    confirm: (q) => io.confirm(q),
    exec: execStep,
    rolloutPrefix: rolloutPrefix(ctx),
    env: ctx.env,
    vars: {
      reason: options.reason || `runbook ${runbook.id}`,
      actor: ctx.actor,
      runbook: runbook.id,
      release: loaded?.config.release ?? 'unknown',
    },
    clock: ctx.clock,
    progress: ctx.progress,
    audit: async (op, data) => {
      const store = openState(ctx, loaded);
      const reason = options.reason;
      await store.appendAudit(redactDeep({ actor: ctx.actor, op, ...(reason ? { reason } : {}), data }, ctx.redact));
    },
  });
  return { exitCode: exitFor(result), result, human: (s) => renderRun(result, s) };
}

function exitFor(result: RunbookRunResult) {
  return result.status === 'stopped' ? EXIT.fail : EXIT.ok;
}

/** `rollout` steps run this same CLI with the operator's config, state and actor. */
function rolloutPrefix(ctx: Ctx): string[] {
  const bin = path.join(findPackageRoot(), 'bin', 'rollout');
  const globals = ['-c', path.resolve(ctx.cwd, ctx.global.config), '--actor', ctx.actor];
  if (ctx.global.state) globals.push('--state', ctx.global.state);
  return [process.execPath, bin, ...globals];
}

function renderList(
  r: RunbookListResult,
  bold: (s: string) => string,
  dim: (s: string) => string,
  problems: Problem[],
): string {
  const lines = r.runbooks.map(
    (b) => `${bold(b.id.padEnd(34))} ${b.title}\n${' '.repeat(35)}${dim(b.when.replace(/\s+/g, ' ').slice(0, 110))}`,
  );
  if (problems.length) lines.push('', 'problems:', ...r.problems.map((p) => `  ${p}`));
  return lines.join('\n') || 'no runbooks found';
}
