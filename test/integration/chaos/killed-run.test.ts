/**
 * `kill -9` of a running `rollout chaos run` leaves its fault behind (here: the memory-pressure
 * process); the next `rollout chaos` command finds the record of a dead run, removes the fault and
 * audits it. Runs the built CLI (dist/, built by the test command) because the run must be its own process.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intentPath, isProcessAlive, readIntent, type ChaosIntent } from '../../../src/chaos/intent.js';
import { systemClock } from '../../../src/lifecycle/clock.js';
import { createStateStore } from '../../../src/state/factory.js';
import { REPO_ROOT, runCli } from '../../helpers/cli.js';
import { writeProject } from './harness.js';

let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function waitFor<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a chaos run killed with SIGKILL', () => {
  it('leaves a fault that the next chaos command detects, removes and audits', async () => {
    const dir = await writeProject([
      {
        id: 'mem-kill',
        title: 'Memory pressure, run killed',
        fault: { type: 'memory-pressure', megabytes: 32 },
        duration: '60s',
        probe: { id: 'p', kind: 'http', url },
      },
    ]);
    const stateDir = path.join(dir, '.rollout');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/rollout'), 'chaos', 'run', 'mem-kill'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', USER: 'tester' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    const intent = await waitFor<ChaosIntent>('the fault to be injected', async () => {
      const i = await readIntent(stateDir);
      return i && i.processes.length > 0 ? i : null;
    }).catch((error: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${error.message}\n${stderr}`);
    });
    expect(intent.pid).toBe(child.pid);
    const hog = intent.processes[0]?.pid as number;

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(isProcessAlive(hog)).toBe(true); // the fault outlived the run
    expect(existsSync(intentPath(stateDir))).toBe(true);

    const next = await runCli(['chaos', 'list', '--json'], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    const cleaned = next.json<{
      result: { cleaned: { killed: number[]; intent: ChaosIntent } | null; active: unknown };
    }>().result;
    expect(cleaned.cleaned?.killed).toEqual([hog]);
    expect(cleaned.cleaned?.intent.experimentId).toBe('mem-kill');
    expect(cleaned.active).toBeNull();
    await waitFor('the memory hog to exit', async () => (isProcessAlive(hog) ? null : true), 5_000);
    expect(existsSync(intentPath(stateDir))).toBe(false);

    const store = createStateStore(`file:${stateDir}`, { cwd: dir, clock: systemClock });
    const audit = await store.readAudit();
    expect(audit.map((e) => e.op)).toEqual(['chaos:start', 'chaos:cleanup']);
    expect((await store.verifyAudit()).ok).toBe(true);

    // and the next run is not blocked by the dead run's record
    const again = await runCli(['chaos', 'list'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/cleaned up/);
  });

  it('SIGTERM instead: the run removes the fault itself, audits an aborted run and exits 3', async () => {
    const dir = await writeProject([
      {
        id: 'mem-term',
        title: 'Memory pressure, run stopped',
        fault: { type: 'memory-pressure', megabytes: 32 },
        duration: '60s',
        probe: { id: 'p', kind: 'http', url },
      },
    ]);
    const stateDir = path.join(dir, '.rollout');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/rollout'), 'chaos', 'run', 'mem-term', '--json'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', USER: 'tester' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const intent = await waitFor<ChaosIntent>('the fault to be injected', async () => {
      const i = await readIntent(stateDir);
      return i && i.processes.length > 0 ? i : null;
    });
    const hog = intent.processes[0]?.pid as number;
    child.kill('SIGTERM');
    expect(await exited).toBe(3);
    expect(isProcessAlive(hog)).toBe(false);
    expect(existsSync(intentPath(stateDir))).toBe(false);
    const doc = JSON.parse(stdout) as { exitCode: number; result: { experiment: { verdict: string } } };
    expect(doc.result.experiment.verdict).toBe('aborted');
    const store = createStateStore(`file:${stateDir}`, { cwd: dir, clock: systemClock });
    expect((await store.readAudit()).map((e) => e.op)).toEqual(['chaos:start', 'chaos:run']);
  });
});
