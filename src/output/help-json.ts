import type { Command, Option } from 'commander';

export interface HelpOption {
  flags: string;
  description: string;
  default?: unknown;
}

/** `rollout [command] --help --json`: the same help as data, for tools that build on the CLI. */
export interface HelpDocument {
  command: string;
  usage: string;
  description: string;
  arguments: Array<{ name: string; description: string; required: boolean; variadic: boolean }>;
  options: HelpOption[];
  globalOptions: HelpOption[];
  commands: Array<{ name: string; description: string }>;
}

/** The command the words name (`state migrate` → that subcommand); options and unknown words are passed over. */
export function findCommand(program: Command, words: readonly string[]): Command {
  let cmd = program;
  for (const word of words) {
    if (word === '--') break;
    const sub = cmd.commands.find((c) => c.name() === word);
    if (sub) cmd = sub;
  }
  return cmd;
}

export function describeHelp(cmd: Command): HelpDocument {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  const globals: Option[] = [];
  for (let c = cmd.parent; c; c = c.parent) globals.push(...c.options);
  const option = (o: Option): HelpOption => ({
    flags: o.flags,
    description: o.description,
    ...(o.defaultValue !== undefined ? { default: o.defaultValue as unknown } : {}),
  });
  return {
    command: names.join(' '),
    usage: `${names.join(' ')} ${cmd.usage()}`,
    description: cmd.description(),
    arguments: cmd.registeredArguments.map((a) => ({
      name: a.name(),
      description: a.description,
      required: a.required,
      variadic: a.variadic,
    })),
    options: [...cmd.options.map(option), { flags: '-h, --help', description: 'display help for command' }],
    globalOptions: globals.map(option),
    commands: cmd.commands
      .filter((c) => !(c as Command & { _hidden?: boolean })._hidden)
      .map((c) => ({ name: c.name(), description: c.description() })),
  };
}
