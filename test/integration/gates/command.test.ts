import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GateConfig } from '../../../src/config/schema.js';
import { runGate } from '../../../src/gates/run-gate.js';
import { renderJUnit } from '../../../src/output/junit.js';
import { gateContext } from '../../unit/gates/context.js';

const NODE = process.execPath;

const command = (run: string[], extra: Partial<Extract<GateConfig, { kind: 'command' }>> = {}): GateConfig => ({
  id: 'cmd',
  kind: 'command',
  run,
  timeout: '20s',
  env: [],
  ...extra,
});

/** True while `pid` is a live process (a zombie waiting to be reaped counts as dead). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/** A node script that starts a grandchild (same process group), records its pid, then never exits. */
function hangingParent(pidFile: string, ignoreTerm: boolean): string[] {
  const trap = ignoreTerm ? "process.on('SIGTERM', () => {});" : '';
  const grandchild = `${trap} setInterval(() => {}, 1000);`;
  const parent = `
    ${trap}
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' });
    require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
    console.log('started grandchild', child.pid);
    setInterval(() => {}, 1000);`;
  return [NODE, '-e', parent];
}

async function readPid(file: string): Promise<number> {
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
  return Number(await readFile(file, 'utf8'));
}

describe('command gates', () => {
  it('pass on exit 0 and fail on any other exit code, keeping the output tail', async () => {
    const ok = await runGate(command([NODE, '-e', 'console.log("all green")']), gateContext());
    expect(ok).toMatchObject({ verdict: 'pass', reason: 'ok', evidence: { observed: 0 } });
    expect(ok.output).toBe('all green');
    const bad = await runGate(command([NODE, '-e', 'console.error("3 tests failed"); process.exit(3)']), gateContext());
    expect(bad).toMatchObject({
      verdict: 'fail',
      reason: 'exit-code',
      summary: 'exit 3',
      evidence: { observed: 3, expected: 'exit 0 within 20s' },
    });
    expect(bad.output).toContain('3 tests failed');
  });

  it('a program that does not exist fails with spawn-error', async () => {
    const r = await runGate(
      command(['definitely-not-a-program-xyz']),
      gateContext({ env: { PATH: process.env.PATH } }),
    );
    expect(r).toMatchObject({ verdict: 'fail', reason: 'spawn-error' });
    expect(r.summary).toContain('ENOENT');
  });

  it('on timeout, kills the whole process group: the grandchild does not survive', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-cmd-'));
    const pidFile = path.join(dir, 'grandchild.pid');
    const pending = runGate(command(hangingParent(pidFile, false), { timeout: '1s' }), gateContext());
    const grandchild = await readPid(pidFile);
    expect(isAlive(grandchild)).toBe(true);
    const r = await pending;
    expect(r).toMatchObject({ verdict: 'fail', reason: 'timeout' });
    expect(r.summary).toMatch(/^timed out after 1s; process group killed \(SIGTERM\)/);
    expect(r.output).toContain('started grandchild');
    expect(await waitUntilDead(grandchild)).toBe(true);
  });

  it('SIGKILLs the group after the grace period when the command ignores SIGTERM', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-cmd-'));
    const pidFile = path.join(dir, 'grandchild.pid');
    const pending = runGate(
      command(hangingParent(pidFile, true), { timeout: '1s' }),
      gateContext({ killGraceMs: 300 }),
    );
    const grandchild = await readPid(pidFile);
    const r = await pending;
    expect(r).toMatchObject({ verdict: 'fail', reason: 'timeout', evidence: { details: { signal: 'SIGKILL' } } });
    expect(r.summary).toContain('SIGKILL after 300ms grace');
    expect(await waitUntilDead(grandchild)).toBe(true);
  });

  it('reaps what a finished command left running in its group', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-cmd-'));
    const pidFile = path.join(dir, 'daemon.pid');
    const script = `
      const { spawn } = require('node:child_process');
      const d = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
      require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(d.pid));
      d.unref();
      process.exit(0);`;
    const r = await runGate(command([NODE, '-e', script], { timeout: '30s' }), gateContext());
    expect(r.verdict).toBe('pass');
    expect(await waitUntilDead(await readPid(pidFile))).toBe(true);
  });

  it('passes only allow-listed variables, and redacts secrets in the output and the JUnit report', async () => {
    const secret = 'tok-9f8e7d6c5b4a39281';
    const env = { SOMETHING_TOKEN: secret, HARMLESS: 'yes', OTHER_SECRET: 'not-for-this-command' };
    const print = [
      NODE,
      '-e',
      'console.log("token=" + process.env.SOMETHING_TOKEN); console.log("keys=" + Object.keys(process.env).sort().join(","))',
    ];
    const allowed = await runGate(command(print, { env: ['SOMETHING_TOKEN', 'HARMLESS'] }), gateContext({ env }));
    expect(allowed.output).toContain('token=[REDACTED]');
    expect(allowed.output).toContain('keys=HARMLESS,SOMETHING_TOKEN');
    expect(JSON.stringify(allowed)).not.toContain(secret);
    const junit = renderJUnit({
      name: 'P0',
      phase: 'P0',
      release: 'v2.1.0',
      timestamp: 'now',
      durationMs: 1,
      results: [allowed],
    });
    expect(junit).toContain('token=[REDACTED]');
    expect(junit).not.toContain(secret);

    const notAllowed = await runGate(command(print, { env: ['HARMLESS'] }), gateContext({ env }));
    expect(notAllowed.output).toContain('token=undefined');
    expect(notAllowed.output).toMatch(/^keys=HARMLESS$/m);
    expect(notAllowed.output).not.toContain('SOMETHING_TOKEN');
  });

  it('passes shell syntax literally: nothing is executed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-cmd-'));
    const marker = path.join(dir, 'pwned');
    const payload = `$(touch ${marker}); rm -rf ${dir} \`touch ${marker}\` && touch ${marker} | tee ${marker}`;
    const r = await runGate(command(['echo', payload]), gateContext({ env: { PATH: process.env.PATH } }));
    expect(r.verdict).toBe('pass');
    expect(r.output).toBe(payload);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(dir)).toBe(true);
  });

  it('runs in cwd relative to the plan directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-cmd-'));
    await mkdir(path.join(dir, 'sub'));
    const r = await runGate(
      command([NODE, '-e', 'console.log(process.cwd())'], { cwd: 'sub' }),
      gateContext({ planDir: dir }),
    );
    expect(r.output).toBe(path.join(dir, 'sub'));
  });
});
