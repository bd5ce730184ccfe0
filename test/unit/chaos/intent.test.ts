import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  claimIntent,
  cleanStaleIntent,
  intentPath,
  isProcessAlive,
  readIntent,
  releaseIntent,
  resolveIntentDir,
  type ChaosIntent,
} from '../../../src/chaos/intent.js';
import { MEMORY_MARKER, startMemoryPressure } from '../../../src/chaos/memory-pressure.js';

const HOST = 'test-host';
const intent = (pid: number, processes: ChaosIntent['processes'] = []): ChaosIntent => ({
  v: 1,
  experimentId: 'x',
  pid,
  host: HOST,
  startedAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
  fault: { type: 'memory-pressure', megabytes: 8 },
  processes,
});

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.once('exit', r));
  return child.pid as number;
}

describe('write-ahead chaos intent', () => {
  it('is claimed exclusively: a second claim returns the live holder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'chaos-intent-'));
    expect(await claimIntent(dir, intent(process.pid))).toBeNull();
    const holder = await claimIntent(dir, { ...intent(process.pid), experimentId: 'other' });
    expect(holder?.experimentId).toBe('x');
    expect(await cleanStaleIntent(dir, HOST)).toBeNull(); // its owner (this process) is alive
    await releaseIntent(dir);
    expect(existsSync(intentPath(dir))).toBe(false);
  });

  it('a record whose run is dead is cleaned: its marked processes are killed, the record removed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'chaos-intent-'));
    const hog = await startMemoryPressure({ megabytes: 8, maxLifetimeMs: 60_000, experimentId: 'x' });
    const unrelated = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await claimIntent(
        dir,
        intent(await deadPid(), [
          { pid: hog.pid, marker: MEMORY_MARKER },
          { pid: unrelated.pid as number, marker: MEMORY_MARKER },
        ]),
      );
      const cleaned = await cleanStaleIntent(dir, HOST);
      expect(cleaned?.killed).toEqual([hog.pid]);
      await vi.waitUntil(() => !isProcessAlive(hog.pid), { timeout: 10_000, interval: 20 });
      // a pid without the marker in its command line is never killed (it may have been recycled)
      expect(isProcessAlive(unrelated.pid as number)).toBe(true);
      expect(await readIntent(dir)).toBeNull();
      expect(existsSync(intentPath(dir))).toBe(false);
    } finally {
      unrelated.kill('SIGKILL');
      await hog.stop();
    }
  });

  it('leaves a record of another host alone (its pid means nothing here)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'chaos-intent-'));
    await claimIntent(dir, intent(await deadPid()));
    expect(await cleanStaleIntent(dir, 'another-host')).toBeNull();
    expect(await readIntent(dir)).not.toBeNull();
  });

  it('a torn record from a crash mid-write does not block the next run once it is old', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'chaos-intent-'));
    await writeFile(intentPath(dir), '{"v":1,"experi');
    expect(await readIntent(dir)).toBeNull();
    const { utimes } = await import('node:fs/promises');
    const old = new Date(Date.now() - 60_000);
    await utimes(intentPath(dir), old, old);
    await cleanStaleIntent(dir, HOST);
    expect(await claimIntent(dir, intent(process.pid))).toBeNull();
  });

  it('lives in the file: state directory, or .rollout under cwd for other backends', () => {
    expect(resolveIntentDir('file:.rollout', '/repo')).toBe('/repo/.rollout');
    expect(resolveIntentDir('file:/var/state', '/repo')).toBe('/var/state');
    expect(resolveIntentDir('file:///var/state', '/repo')).toBe('/var/state');
    expect(resolveIntentDir('postgres://db/rollout', '/repo')).toBe('/repo/.rollout');
  });
});

describe('memory pressure', () => {
  it('allocates resident memory in a child that ends on its own at its deadline', async () => {
    const hog = await startMemoryPressure({ megabytes: 32, maxLifetimeMs: 300, experimentId: 'x' });
    expect(hog.rssBytes).toBeGreaterThan(32 * 1024 * 1024);
    // No one stops it: it ends by itself (a test timeout here means it never would).
    await vi.waitUntil(() => !isProcessAlive(hog.pid), { timeout: 10_000, interval: 20 });
    await hog.stop();
  });
});
