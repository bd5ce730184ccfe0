import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cli.js';

/**
 * kill -9 of a process that started local services (the demo's PostgreSQL and unleash-server, the suite's
 * own): its exit hooks never run, and the reaper (src/demo/reaper.ts) must stop what it left. Each case runs
 * a separate Node process on the built modules (dist/src), waits until it reports what it started, kills it
 * with SIGKILL and watches what remains.
 */
const dist = (file: string) => path.join(REPO_ROOT, 'dist/src', file);

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c().catch(() => undefined);
  cleanup = [];
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `source` (an ES module) in a new process; resolves with it and the JSON of its first line. */
async function started(source: string): Promise<{ child: ChildProcess; report: Record<string, unknown> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-reaper-test-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'parent.mjs');
  await writeFile(file, source);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.push(async () => void child.kill('SIGKILL'));
  let errors = '';
  child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the parent exited (${code}) before reporting: ${errors}`)));
  });
  return { child, report: JSON.parse(line) as Record<string, unknown> };
}

async function killed(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('the reaper of local services', () => {
  it('kills the processes and removes the directories a killed process left', async () => {
    const { child, report } = await started(`
      import { spawn } from 'node:child_process';
      import { mkdtempSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const { startReaper } = await import(${JSON.stringify(dist('demo/reaper.js'))});
      const sleeper = spawn('sleep', ['300'], { stdio: 'ignore', detached: true });
      sleeper.unref();
      const dir = mkdtempSync(join(tmpdir(), 'rollout-reaped-'));
      startReaper({ kill: [sleeper.pid], remove: [dir] });
      console.log(JSON.stringify({ pid: sleeper.pid, dir }));
      setInterval(() => {}, 1000);
    `);
    const pid = report.pid as number;
    const dir = report.dir as string;
    cleanup.push(async () => void (alive(pid) && process.kill(pid, 'SIGKILL')));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    expect(alive(pid)).toBe(true);
    await killed(child);
    await until('the left process is killed', () => !alive(pid), 10_000);
    await until('the left directory is removed', () => !existsSync(dir), 10_000);
  });

  it('does nothing once disarmed, and does not keep its starter running', async () => {
    const { child, report } = await started(`
      import { spawn } from 'node:child_process';
      const { startReaper } = await import(${JSON.stringify(dist('demo/reaper.js'))});
      const sleeper = spawn('sleep', ['300'], { stdio: 'ignore', detached: true });
      sleeper.unref();
      const reaper = startReaper({ kill: [sleeper.pid] });
      reaper.disarm();
      console.log(JSON.stringify({ pid: sleeper.pid }));
    `);
    const pid = report.pid as number;
    cleanup.push(async () => void (alive(pid) && process.kill(pid, 'SIGKILL')));
    // The starter ends by itself: neither the reaper nor its pipe holds it.
    await until('the starter exits', () => child.exitCode !== null, 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(alive(pid)).toBe(true);
  });

  it('stops a real PostgreSQL cluster and removes it after a kill -9 of the process that started it', async () => {
    const { child, report } = await started(`
      import { readFileSync } from 'node:fs';
      import { join } from 'node:path';
      const { startPostgres } = await import(${JSON.stringify(dist('demo/local-postgres.js'))});
      const pg = await startPostgres();
      const postmaster = Number(readFileSync(join(pg.root, 'data', 'postmaster.pid'), 'utf8').split('\\n')[0]);
      console.log(JSON.stringify({ root: pg.root, postmaster }));
      setInterval(() => {}, 1000);
    `);
    const postmaster = report.postmaster as number;
    const root = report.root as string;
    cleanup.push(async () => void (alive(postmaster) && process.kill(postmaster, 'SIGKILL')));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    expect(alive(postmaster)).toBe(true);
    await killed(child);
    await until('PostgreSQL is stopped', () => !alive(postmaster), 30_000);
    await until('its directory is removed', () => !existsSync(root), 30_000);
  }, 120_000);

  it('kills an unleash-server after a kill -9 of the process that started it', async () => {
    const install = await mkdtemp(path.join(tmpdir(), 'rollout-fake-unleash-'));
    cleanup.push(() => rm(install, { recursive: true, force: true }));
    const pkg = path.join(install, 'node_modules/unleash-server');
    await mkdir(path.join(pkg, 'dist'), { recursive: true });
    await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: 'unleash-server', version: '6.9.9' }));
    // Answers /health like the real server; nothing else is needed to start it.
    await writeFile(
      path.join(pkg, 'dist/server.js'),
      `require('node:http').createServer((q, r) => r.end('ok')).listen(Number(process.env.HTTP_PORT), '127.0.0.1');`,
    );
    const { child, report } = await started(`
      const { startUnleashServer, findUnleashServer } = await import(${JSON.stringify(dist('demo/local-unleash.js'))});
      const postgres = { createDatabase: async () => 'postgres://127.0.0.1:1/unused' };
      const install = findUnleashServer([${JSON.stringify(pkg)}]);
      const server = await startUnleashServer(postgres, { adminToken: '*:*.x', install });
      console.log(JSON.stringify({ pid: server.pid }));
      setInterval(() => {}, 1000);
    `);
    const pid = report.pid as number;
    cleanup.push(async () => void (alive(pid) && process.kill(pid, 'SIGKILL')));
    expect(alive(pid)).toBe(true);
    await killed(child);
    await until('unleash-server is killed', () => !alive(pid), 10_000);
  }, 60_000);
});
