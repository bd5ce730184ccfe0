import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command, Option } from 'commander';
import type { RawConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { runbookDirs } from '../runbooks/library.js';
import { loadConfigFor } from './load-config.js';
import type { CommandResult } from '../output/command-result.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/**
 * The scripts ask `rollout __complete -- WORD…` for candidates at each TAB, so ids come from the plan
 * as it is now (stages, gates, checklist items, flags, chaos experiments) and from the runbook
 * directories, never from a copy that went stale when the plan changed.
 */
const SCRIPTS: Record<Shell, string> = {
  bash: `# rollout completion for bash: eval "$(rollout completion bash)" in ~/.bashrc
_rollout() {
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(rollout __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "\${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _rollout rollout
`,
  zsh: `#compdef rollout
# rollout completion for zsh: eval "$(rollout completion zsh)" in ~/.zshrc (after compinit)
_rollout() {
  local -a candidates
  candidates=("\${(@f)$(rollout __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -- "\${candidates[@]}"
}
compdef _rollout rollout
`,
  fish: `# rollout completion for fish: rollout completion fish > ~/.config/fish/completions/rollout.fish
function __rollout_complete
  set -l words (commandline -opc)
  set -e words[1]
  rollout __complete -- $words (commandline -ct) 2>/dev/null
end
complete -c rollout -f -a '(__rollout_complete)'
`,
};

export interface CompletionResult {
  shell: Shell;
  script: string;
}

/** `rollout completion bash|zsh|fish`: the script to source. */
export async function runCompletion(
  _options: object,
  args: string[],
  _ctx: Ctx,
): Promise<CommandResult<CompletionResult>> {
  const shell = args[0];
  if (!SHELLS.includes(shell as Shell))
    throw new RolloutError('E_USAGE', `unknown shell "${shell ?? ''}"; expected one of ${SHELLS.join(', ')}`, {
      details: { shell },
    });
  const result = { shell: shell as Shell, script: SCRIPTS[shell as Shell] };
  return { exitCode: EXIT.ok, result, human: () => result.script };
}

/** `rollout __complete -- WORD… CURRENT`: one candidate per line for the word being typed. */
export async function runComplete(
  _options: object,
  args: string[],
  ctx: Ctx,
): Promise<CommandResult<{ candidates: string[] }>> {
  const { buildProgram } = await import('../cli.js');
  const program = buildProgram('', () => undefined, { writeOut: () => undefined, writeErr: () => undefined });
  const candidates = await completeWords(program, args, () => planIds(ctx));
  const current = args[args.length - 1] ?? '';
  const result = { candidates: candidates.filter((c) => c.startsWith(current)) };
  return { exitCode: EXIT.ok, result, human: () => result.candidates.join('\n') };
}

/** Ids the plan defines, by the option or argument that takes them. Empty when the plan does not load. */
export interface PlanIds {
  phases: string[];
  stages: string[];
  gates: string[];
  checklist: string[];
  flags: string[];
  chaos: string[];
  runbooks: string[];
}

/** Value choices for options that take one (`--mode im<TAB>`). */
const OPTION_VALUES: Record<string, (ids: PlanIds) => string[]> = {
  '--phase': (ids) => ids.phases,
  '--stage': (ids) => ids.stages,
  '--from': (ids) => ids.stages,
  '--only': (ids) => ids.gates,
  '--mode': () => ['immediate', 'progressive', 'full'],
  '--scenario': () => ['aa', 'regression'],
  '--engine': () => ['reserves', 'pacing', 'cohorts'],
  '--model': () => ['v1.0', 'v1.1'],
};

/** Positional arguments: `flags <action> [flag]`, `runbook <action> [id]`, … */
const POSITIONALS: Record<string, Array<(ids: PlanIds, previous: string[]) => string[]>> = {
  flags: [
    () => ['list', 'show', 'eval', 'export'],
    (ids, prev) => (prev[0] === 'show' || prev[0] === 'eval' ? ids.flags : []),
  ],
  runbook: [
    () => ['list', 'show', 'run'],
    (ids, prev) => (prev[0] === 'show' || prev[0] === 'run' ? ids.runbooks : []),
  ],
  chaos: [() => ['list', 'run'], (ids, prev) => (prev[0] === 'run' ? ids.chaos : [])],
  signoff: [(ids) => ids.checklist],
  completion: [() => [...SHELLS]],
};

/**
 * The candidates for the last of `words` (the words after `rollout`, the last one being typed):
 * subcommands, then the command's options and the global ones, option values and positional ids.
 */
export async function completeWords(program: Command, words: string[], ids: () => Promise<PlanIds>): Promise<string[]> {
  const typed = words.slice(0, -1);
  const current = words[words.length - 1] ?? '';
  let cmd = program;
  const positional: string[] = [];
  let path = '';
  for (let i = 0; i < typed.length; i++) {
    const word = typed[i] as string;
    if (word.startsWith('-')) {
      if (takesValue(cmd, program, word)) i++;
      continue;
    }
    const sub = positional.length === 0 ? cmd.commands.find((c) => c.name() === word) : undefined;
    if (sub) {
      cmd = sub;
      path = path ? `${path} ${word}` : word;
    } else positional.push(word);
  }
  const previous = typed[typed.length - 1];
  if (previous?.startsWith('-') && takesValue(cmd, program, previous)) {
    const values = OPTION_VALUES[previous];
    return values ? values(await ids()) : [];
  }
  if (current.startsWith('-')) return optionsOf(cmd, program);
  const visible = cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden).map((c) => c.name());
  if (visible.length && positional.length === 0) return visible;
  const slot = POSITIONALS[path]?.[positional.length];
  return slot ? slot(await ids(), positional) : [];
}

function allOptions(cmd: Command, program: Command): readonly Option[] {
  const own = [...cmd.options];
  for (let c = cmd.parent; c; c = c.parent) own.push(...c.options);
  return cmd === program ? program.options : own;
}

function optionsOf(cmd: Command, program: Command): string[] {
  const names = allOptions(cmd, program).flatMap((o) => [o.long, o.short].filter((x): x is string => Boolean(x)));
  return [...new Set([...names, '--help'])];
}

function takesValue(cmd: Command, program: Command, word: string): boolean {
  const option = allOptions(cmd, program).find((o) => o.long === word || o.short === word);
  return Boolean(option && (option.required || option.optional));
}

async function planIds(ctx: Ctx): Promise<PlanIds> {
  let config: RawConfig | null = null;
  let runbooksDir = path.resolve(ctx.cwd, 'runbooks');
  try {
    const loaded = await loadConfigFor(ctx);
    config = loaded.config;
    runbooksDir = path.resolve(loaded.dir, config.runbooks);
  } catch {
    // A plan that does not load completes no ids; commands and options still complete.
  }
  const dirs = runbookDirs(runbooksDir);
  const runbooks = (await Promise.all(dirs.map((d) => readdir(d).catch(() => [] as string[]))))
    .flat()
    .filter((n) => n.endsWith('.md') && n !== 'README.md')
    .map((n) => n.slice(0, -3));
  const phases = config?.phases ?? [];
  return {
    phases: phases.map((p) => p.id),
    stages: phases.flatMap((p) => p.rollout?.stages.map((s) => s.id) ?? []),
    gates: phases.flatMap((p) => p.gates.map((g) => g.id)),
    checklist: [
      ...phases.flatMap((p) => p.checklist.map((c) => c.id)),
      ...(config?.completionChecklist.map((c) => c.id) ?? []),
    ],
    flags: config?.flags.map((f) => f.key) ?? [],
    chaos: config?.chaos.map((c) => c.id) ?? [],
    runbooks: [...new Set(runbooks)].sort(),
  };
}
