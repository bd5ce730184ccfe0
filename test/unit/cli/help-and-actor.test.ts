import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli.js';
import { resolveActor } from '../../../src/context.js';
import { describeHelp, findCommand } from '../../../src/output/help-json.js';

const program = buildProgram('1.2.3', () => undefined, { writeOut: () => undefined, writeErr: () => undefined });

function leaves(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => (c.commands.length ? [c, ...leaves(c)] : [c]));
}

describe('help', () => {
  it("every subcommand's --help lists the global options", () => {
    const all = leaves(program).filter((c) => c.name() !== '__complete');
    expect(all.length).toBeGreaterThan(25);
    for (const cmd of all) {
      const text = cmd.helpInformation();
      expect(text, cmd.name()).toContain('Global Options:');
      for (const flag of ['-c, --config <file>', '--state <url>', '--json', '--no-color', '--actor <name>'])
        expect(text, `${cmd.name()} ${flag}`).toContain(flag);
    }
  });

  it('the JSON help names the command path, its arguments, options with defaults, and the global options', () => {
    const doc = describeHelp(findCommand(program, ['--json', 'runbook', '--help']));
    expect(doc.command).toBe('rollout runbook');
    expect(doc.arguments).toEqual([
      { name: 'action', description: 'list | show | run', required: true, variadic: false },
      { name: 'id', description: 'runbook id (the file name without .md)', required: false, variadic: false },
    ]);
    expect(describeHelp(findCommand(program, ['status'])).options).toContainEqual({
      flags: '--history <n>',
      description: 'history entries to show',
      default: 5,
    }); // parsed: the handler receives a number
    expect(doc.globalOptions.map((o) => o.flags)).toContain('--state <url>');
    expect(findCommand(program, ['state', 'repair']).name()).toBe('repair');
  });
});

describe('actor', () => {
  it('falls back to the operating system user name when $USER and $USERNAME are unset', () => {
    expect(resolveActor(undefined, {}, () => 'deploy')).toBe('deploy');
    expect(resolveActor(undefined, {}, () => null)).toBe('unknown');
    expect(resolveActor(undefined, { USER: 'ana' }, () => 'deploy')).toBe('ana');
    expect(resolveActor('bob', { ROLLOUT_ACTOR: 'x' }, () => 'deploy')).toBe('bob');
    // The real lookup answers on this machine.
    expect(resolveActor(undefined, {})).not.toBe('unknown');
  });
});
