import path from 'node:path';
import { formatDuration, parseDuration } from '../config/duration.js';
import type { GateConfig } from '../config/schema.js';
import { createOutputTail } from './output-tail.js';
import { killProcessGroup, trackGroup } from './process-group.js';
import type { GateContext, GateOutcome } from './types.js';

type CommandGate = Extract<GateConfig, { kind: 'command' }>;

const DEFAULT_GRACE_MS = 5000;

/**
 * Runs an argv without a shell, in its own process group, with only the allow-listed variables.
 * On timeout the whole group gets SIGTERM, then SIGKILL after the grace period; when the command
 * ends, whatever it left running in its group is killed too, so no gate leaves orphans behind.
 */
export async function judgeCommandGate(
  gate: CommandGate,
  ctx: Pick<GateContext, 'planDir' | 'env' | 'redact' | 'killGraceMs' | 'signal'>,
): Promise<GateOutcome> {
  const [program, ...args] = gate.run as [string, ...string[]];
  const cwd = path.resolve(ctx.planDir, gate.cwd ?? '.');
  const timeoutMs = parseDuration(gate.timeout) ?? 600_000;
  const graceMs = ctx.killGraceMs ?? DEFAULT_GRACE_MS;
  const env = pickEnv(ctx.env, gate.env);
  const tail = createOutputTail();
  const source = gate.run.map(quoteArg).join(' ');
  const expected = `exit 0 within ${gate.timeout}`;

  const { execa } = await import('execa');
  const child = execa(program, args, {
    cwd,
    env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    windowsHide: true,
  });
  child.stdout?.on('data', (c: Buffer) => tail.push(c));
  child.stderr?.on('data', (c: Buffer) => tail.push(c));
  const pid = child.pid;
  const untrack = pid ? trackGroup(pid) : () => undefined;
  let stopped: 'timeout' | 'aborted' | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: 'timeout' | 'aborted') => {
    if (stopped || !pid) return;
    stopped = why;
    killProcessGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => killProcessGroup(pid, 'SIGKILL'), graceMs);
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const onAbort = () => stop('aborted');
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  // The leader's exit is the end of the command: reap what it left in its group, which also closes
  // pipes a background grandchild would otherwise hold open forever.
  child.once('exit', () => pid && killProcessGroup(pid, 'SIGKILL'));
  const result = await child;
  clearTimeout(timer);
  clearTimeout(killTimer);
  ctx.signal?.removeEventListener('abort', onAbort);
  untrack();

  const output = ctx.redact(tail.text());
  const details = {
    cwd: path.relative(ctx.planDir, cwd) || '.',
    env: gate.env,
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    outputBytes: tail.bytes,
  };
  const evidence = { source, expected, observed: result.exitCode ?? result.signal ?? null, details };
  if (stopped) {
    const how =
      result.signal === 'SIGKILL' ? `SIGKILL after ${formatDuration(graceMs)} grace` : `${result.signal ?? 'SIGTERM'}`;
    const summary =
      stopped === 'timeout'
        ? `timed out after ${gate.timeout}; process group killed (${how})`
        : `cancelled; process group killed (${how})`;
    return { verdict: 'fail', reason: 'timeout', summary, evidence, output };
  }
  const spawnError = (result as { cause?: unknown }).cause as NodeJS.ErrnoException | undefined;
  if (result.exitCode === undefined && spawnError?.code) {
    return {
      verdict: 'fail',
      reason: 'spawn-error',
      summary: `cannot run ${program}: ${spawnError.code}`,
      hint:
        spawnError.code === 'ENOENT' ? `is ${program} installed, and PATH in the gate's env allow-list?` : undefined,
      evidence,
      output,
    };
  }
  if (result.exitCode === 0) return { verdict: 'pass', reason: 'ok', summary: 'exit 0', evidence, output };
  const summary =
    result.exitCode !== undefined ? `exit ${result.exitCode}` : `killed by ${result.signal ?? 'a signal'}`;
  return { verdict: 'fail', reason: 'exit-code', summary, evidence, output };
}

/** Only the named variables reach the command: a secret is passed only when the plan names it. */
export function pickEnv(env: NodeJS.ProcessEnv, allow: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of allow) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
