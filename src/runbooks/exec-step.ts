import type { StepExecutor } from './run-runbook.js';

const TAIL_LINES = 20;

/**
 * The default executor: execa without a shell, with exactly the environment given, stdin closed
 * (a runbook step must not wait for input the operator cannot see coming), output streamed line by
 * line and the whole process group killed on timeout.
 */
export const execStep: StepExecutor = async (argv, options) => {
  const { execa } = await import('execa');
  const [file, ...args] = argv;
  if (!file) return { exitCode: null, timedOut: false, outputTail: 'empty command' };
  const tail: string[] = [];
  const child = execa(file, args, {
    shell: false,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    reject: false,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 2_000,
    lines: false,
    buffer: false,
  });
  let pending = '';
  child.all?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      options.onOutput(line);
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    }
  });
  const result = await child;
  if (pending) {
    options.onOutput(pending);
    tail.push(pending);
  }
  const notFound = (result as { code?: string }).code === 'ENOENT';
  return {
    exitCode: notFound ? 127 : (result.exitCode ?? null),
    timedOut: Boolean(result.timedOut),
    outputTail: notFound ? `${file}: command not found` : tail.slice(-TAIL_LINES).join('\n'),
  };
};
