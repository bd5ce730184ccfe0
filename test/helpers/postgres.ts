/**
 * A throwaway PostgreSQL cluster for tests (src/demo/local-postgres.ts, shared with `rollout demo --provider
 * unleash` and the benchmarks), and child processes on the built state layer for multi-process tests.
 */
import { fork, type ChildProcess, type Serializable } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export {
  findPostgresBin,
  getFreePort,
  startPostgres,
  type LocalPostgres as TestPostgres,
} from '../../src/demo/local-postgres.js';

// ---------------------------------------------------------------------------------------------
// Child processes on the built state layer (dist/), for multi-process tests.

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** URL of `dist/src/state/` (with a trailing slash); fails loudly when the build is missing. */
export function distStateUrl(): string {
  const dir = join(repoRoot, 'dist/src/state');
  if (!existsSync(join(dir, 'postgres/create.js'))) {
    throw new Error(
      `${dir}/postgres/create.js is missing: run \`npm run build\` first (the test command builds dist/ before the tests)`,
    );
  }
  return pathToFileURL(`${dir}/`).href;
}

/** Write `body` as an ES module in `dir`, with `STATE` bound to the URL of `dist/src/state/`. */
export function writeDistChildScript(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `const STATE = ${JSON.stringify(distStateUrl())};\n${body}\n`);
  return path;
}

/** A long-lived child process answering requests over IPC, one answer per request. */
export interface IpcWorker {
  readonly pid: number;
  readonly process: ChildProcess;
  request<T = unknown>(message: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Start `count` node processes running `script` (argv: `args(i)`); each must answer every message
 * it receives with exactly one `process.send(...)`. Starting them once and driving many rounds over
 * IPC keeps a 20-process, 20-round test within seconds on a small machine.
 */
export async function startIpcWorkers(
  count: number,
  script: string,
  args: (i: number) => string[],
  env: Record<string, string> = {},
): Promise<IpcWorker[]> {
  const workers = Array.from({ length: count }, (_, i) => {
    const child = fork(script, args(i), {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const waiting: Array<(value: unknown) => void> = [];
    const failures: Array<(error: Error) => void> = [];
    child.on('message', (message) => {
      failures.shift();
      waiting.shift()?.(message);
    });
    child.on('exit', (code, signal) => {
      for (const fail of failures.splice(0))
        fail(new Error(`worker ${i} (pid ${child.pid}) exited (${code ?? signal}) before answering`));
      waiting.length = 0;
    });
    const worker: IpcWorker = {
      pid: child.pid ?? -1,
      process: child,
      request<T>(message: unknown) {
        return new Promise<T>((resolve, reject) => {
          waiting.push(resolve as (value: unknown) => void);
          failures.push(reject);
          child.send(message as Serializable);
        });
      },
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGKILL');
        await exited;
      },
    };
    return worker;
  });
  await Promise.all(workers.map((w) => w.request({ type: 'ping' })));
  return workers;
}
