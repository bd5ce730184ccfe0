/** Shared set-up of the Chaos Lite integration tests: the fixture app, a project directory, a Ctx. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Ctx } from '../../../src/context.js';
import { systemClock } from '../../../src/lifecycle/clock.js';

const APP = path.resolve(import.meta.dirname, '../../fixtures/chaos-app/server.mjs');

export interface ChaosApp {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Start the fixture app; `pgUrl` and `redisAddr` point at the fault proxy's listen port or straight at the server. */
export async function startChaosApp(options: {
  tuning: 'good' | 'bad';
  pgUrl: string;
  redisAddr: string;
  /** A planted defect (see server.mjs): `ack-lost-writes` or `funds-need-redis`. */
  bug?: string;
}): Promise<ChaosApp> {
  const child: ChildProcess = spawn(process.execPath, [APP], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      PG_URL: options.pgUrl,
      REDIS_ADDR: options.redisAddr,
      CHAOS_APP_TUNING: options.tuning,
      ...(options.bug ? { CHAOS_APP_BUG: options.bug } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`chaos app exited (${code}): ${err}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A project directory with a minimal plan holding the given chaos experiments. */
export async function writeProject(chaos: unknown[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-chaos-'));
  const plan = { version: 1, release: 'v2.1.0', phases: [{ id: 'P3', title: 'Stability and operations' }], chaos };
  // JSON is YAML: the plan stays readable in a failure message without a YAML writer.
  await writeFile(path.join(dir, 'rollout.yaml'), JSON.stringify(plan, null, 2));
  return dir;
}

/** A command context for in-process runs; progress lines are collected for failure messages. */
export function makeCtx(cwd: string, env: Record<string, string> = {}): Ctx & { lines: string[] } {
  const lines: string[] = [];
  return {
    cwd,
    env,
    clock: systemClock,
    actor: 'chaos-test',
    global: { config: 'rollout.yaml', json: true, color: false },
    progress: (line) => lines.push(line),
    isTTY: false,
    redact: (s) => s,
    lines,
  };
}
