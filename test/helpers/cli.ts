import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(REPO_ROOT, 'bin/rollout');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

/** Spawns the real `bin/rollout` (built into dist/ by the test command) and collects its output. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  if (!existsSync(path.join(REPO_ROOT, 'dist/src/main.js')))
    throw new Error('dist/ is missing: run `npm run build` (the test command does) before the e2e tests');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NO_COLOR: '1',
    USER: 'tester',
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, json: <T>() => JSON.parse(stdout) as T });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A temporary project directory holding a copy of the given repository files. */
export async function tempProject(files: string[] = ['rollout.yaml', '.perf-budget.json']): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-test-'));
  for (const f of files) await cp(path.join(REPO_ROOT, f), path.join(dir, f), { recursive: true });
  return dir;
}
