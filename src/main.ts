import { readFileSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import { buildProgram, type Selected } from './cli.js';
import type { CommandResult } from './output/command-result.js';
import { resolveActor, type Ctx, type GlobalOptions } from './context.js';
import { CATALOGUE, EXIT, type ExitCode } from './errors/catalogue.js';
import { formatProblem, toRolloutError } from './errors/rollout-error.js';
import { clockFromEnv } from './lifecycle/clock.js';
import { describeHelp, findCommand } from './output/help-json.js';
import { escapeControl, escapeIdentitiesInPlace, escapeInline, escapeJsonText } from './output/escape.js';
import { createRedactor, redactDeep, type Redactor } from './output/redact.js';
import { createMarkedStyle, plainStyle, shouldColor } from './output/style.js';
import { listWarnings, onWarning } from './output/warnings.js';

function readVersion(): string {
  // dist/src/main.js sits two levels below package.json, the bundle's chunk (dist/bundle/chunks/) three;
  // src/main.ts (in-process tests) one.
  for (const relative of ['../../package.json', '../../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version: string;
      };
      if (pkg.name === 'rollout') return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return 'unknown';
}

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * The one place that prints results and exits. Commands return results; errors with catalogue codes
 * become their documented exit codes; anything else is a bug (exit 70) without a bare stack trace.
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  streams: Streams = process,
): Promise<never> {
  const redact = createRedactor(env);
  // Libraries unref their timers (Slack's retry waits, deadlines). Without a referenced handle the
  // event loop could empty while a command awaits one of them, and Node would exit 0 silently.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let code: ExitCode;
  try {
    code = await runCli(argv, env, streams, redact);
  } finally {
    clearInterval(keepAlive);
  }
  process.exitCode = code;
  // Let pending writes to pipes flush before exiting.
  await new Promise<void>((resolve) => (streams.stdout as NodeJS.WritableStream).write('', () => resolve()));
  process.exit(code);
}

/** Parses, runs and prints one command; the exit code is returned, not taken (in-process tests use this mapping). */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  streams: Streams,
  redact: Redactor,
): Promise<ExitCode> {
  const wantsJson = argv.includes('--json');
  let selected: Selected | null = null;
  let usage = '';
  const program = buildProgram(readVersion(), (s) => (selected = s), {
    writeOut: (s) => streams.stdout.write(redact(s)),
    writeErr: (s) => (usage += s),
  });
  const early = wantsJson ? jsonHelpOrVersion(program, argv.slice(2)) : null;
  if (early) {
    streams.stdout.write(escapeJsonText(JSON.stringify({ ok: true, exitCode: EXIT.ok, ...early }, null, 2)) + '\n');
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok;
      return printError(streams, redact, wantsJson, {
        code: 'E_USAGE',
        message: usage.trim() || error.message,
        exitCode: EXIT.usage,
      });
    }
    throw error;
  }
  if (!selected) return EXIT.ok;
  const chosen: Selected = selected;
  const global = chosen.options as unknown as GlobalOptions;
  onWarning((message) => streams.stderr.write(redact(`rollout: warning: ${escapeControl(message)}`) + '\n'));
  const ctx: Ctx = {
    cwd: process.cwd(),
    env,
    clock: clockFromEnv(env),
    actor: resolveActor(global.actor, env),
    global,
    isTTY: Boolean(streams.stderr.isTTY),
    redact,
    progress: (line) => streams.stderr.write(redact(escapeControl(line)) + '\n'),
    // Cursor home and clear screen, then the frame: a redraw in place, not a scrolling log.
    live: (frame) => streams.stderr.write('\x1b[H\x1b[2J' + redact(escapeControl(frame)) + '\n'),
  };
  try {
    const handler = await chosen.load();
    const outcome: CommandResult = await handler(chosen.options, chosen.args, ctx);
    if (global.json) {
      const doc = {
        ok: outcome.exitCode === EXIT.ok,
        exitCode: outcome.exitCode,
        command: chosen.name,
        result: redactDeep(outcome.result, redact),
        ...warningsField(redact),
      };
      streams.stdout.write(escapeJsonText(JSON.stringify(doc, null, 2)) + '\n');
    } else {
      // Values from files, the environment and other people's command lines reach the terminal only
      // escaped: identities (actor, reason, …) on one line, everything else without control sequences;
      // the style's own colours are placeholders until the text is escaped.
      const marked = shouldColor({ flag: global.color, json: false, isTTY: Boolean(streams.stdout.isTTY), env })
        ? createMarkedStyle()
        : null;
      escapeIdentitiesInPlace(outcome.result);
      const rendered = escapeControl(outcome.human(marked?.style ?? plainStyle));
      const text = marked ? marked.finish(rendered) : rendered;
      if (text) streams.stdout.write(redact(text) + (text.endsWith('\n') ? '' : '\n'));
    }
    return outcome.exitCode;
  } catch (error) {
    const known = toRolloutError(error);
    if (known) {
      return printError(streams, redact, global.json, {
        code: known.code,
        message: known.message,
        exitCode: known.exitCode,
        problems: known.problems.map(formatProblem),
        details: known.details,
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    if (env.ROLLOUT_DEBUG && error instanceof Error && error.stack) streams.stderr.write(redact(error.stack) + '\n');
    return printError(streams, redact, global.json, {
      code: 'E_INTERNAL',
      message: `internal error: ${message}`,
      exitCode: EXIT.internal,
    });
  }
}

/** `--json` with `--help` or `--version`: the help or the version as one JSON document instead of text. */
function jsonHelpOrVersion(program: Command, args: string[]): { command: string; result: unknown } | null {
  const words = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (words.includes('--version') || words.includes('-V'))
    return { command: 'version', result: { version: program.version() } };
  if (!words.includes('--help') && !words.includes('-h')) return null;
  return { command: 'help', result: describeHelp(findCommand(program, words)) };
}

interface PrintedError {
  code: keyof typeof CATALOGUE;
  message: string;
  exitCode: ExitCode;
  problems?: string[];
  details?: Record<string, unknown>;
}

function printError(streams: Streams, redact: Redactor, json: boolean, e: PrintedError): ExitCode {
  const hint = CATALOGUE[e.code].hint;
  const runbook = 'runbook' in CATALOGUE[e.code] ? (CATALOGUE[e.code] as { runbook?: string }).runbook : undefined;
  if (json) {
    const error = {
      code: e.code,
      message: e.message,
      hint,
      runbook,
      problems: e.problems ?? [],
      details: e.details ?? {},
    };
    streams.stdout.write(
      escapeJsonText(
        JSON.stringify(
          { ok: false, exitCode: e.exitCode, error: redactDeep(error, redact), ...warningsField(redact) },
          null,
          2,
        ),
      ) + '\n',
    );
  } else {
    const lines = [...(e.problems ?? []).map(escapeInline), `rollout: ${escapeControl(e.message)}`, `hint: ${hint}`];
    if (runbook) lines.push(`runbook: rollout runbook show ${runbook}`);
    if (e.code === 'E_INTERNAL')
      lines.push(
        'Set ROLLOUT_DEBUG=1 for the stack trace, and report it with `rollout --version` and the command you ran.',
      );
    streams.stderr.write(redact(lines.join('\n')) + '\n');
  }
  return e.exitCode;
}

/** `warnings` for the --json document: present only when something was reported (loose file modes, …). */
function warningsField(redact: Redactor): { warnings?: string[] } {
  const warnings = listWarnings();
  return warnings.length ? { warnings: warnings.map(redact) } : {};
}
