import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { MAX_PLAN_BYTES, readPlanFile } from '../../../src/config/read-plan.js';
import { judgeFileGate } from '../../../src/gates/file-gate.js';
import type { GateContext } from '../../../src/gates/types.js';
import { systemClock } from '../../../src/lifecycle/clock.js';
import { readRawPlan } from '../../../src/lifecycle/kill-switch.js';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'rollout-read-plan-'));
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string; problems?: unknown[] }> {
  try {
    await p;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('reading a plan file safely (-c)', () => {
  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const dir = await tempDir();
    const fifo = path.join(dir, 'plan.fifo');
    execFileSync('mkfifo', [fifo]);
    // Waiting for a writer would never end: that it answers at all, with this refusal, is the point.
    const error = await rejection(readPlanFile(fifo, 'plan.fifo'));
    expect(error.code).toBe('E_CONFIG');
    expect(error.message).toContain('not a regular file (a named pipe)');
  });

  it('refuses the rollback fast path a FIFO too (readRawPlan)', async () => {
    const dir = await tempDir();
    const fifo = path.join(dir, 'rollout.yaml');
    execFileSync('mkfifo', [fifo]);
    const error = await rejection(readRawPlan(fifo));
    expect(error.code).toBe('E_CONFIG');
  });

  it('the fast path reads flags[].publish before validation; a timeout the schema would refuse becomes the default', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'rollout.yaml');
    const plan = (publish: string) =>
      `version: 1\nrelease: r\nflags:\n  - key: a\n    variants: { new: "on", fallback: "off" }\n    publish: ${publish}\nphases: []\n`;
    const publishOf = async (publish: string) => {
      await writeFile(file, plan(publish));
      return (await readRawPlan(file)).targets[0]?.publish;
    };
    expect(
      await publishOf('{ run: [kubectl, apply, -k, flags/], env: [KUBECONFIG, 3], timeout: 20s, cwd: deploy }'),
    ).toEqual({ run: ['kubectl', 'apply', '-k', 'flags/'], env: ['KUBECONFIG'], timeout: '20s', cwd: 'deploy' });
    expect((await publishOf('{ run: [kubectl], timeout: 2h }'))?.timeout).toBe('30s');
    expect((await publishOf('{ run: [kubectl], timeout: soon }'))?.timeout).toBe('30s');
    expect((await publishOf('{ run: [kubectl] }'))?.timeout).toBe('30s');
    expect(await publishOf('{ run: "kubectl apply" }')).toBeUndefined();
    expect(await publishOf('{ run: [] }')).toBeUndefined();
  });

  it.each(['/dev/zero', '/dev/urandom'])('refuses %s without reading it', async (device) => {
    const before = process.memoryUsage().rss;
    const error = await rejection(readPlanFile(device, device));
    expect(error.message).toContain('not a regular file (a device)');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a directory', async () => {
    const error = await rejection(readPlanFile(await tempDir(), 'dir'));
    expect(error.message).toContain('a directory');
  });

  it('refuses a file over the limit by its size', async () => {
    const dir = await tempDir();
    const big = path.join(dir, 'big.yaml');
    await writeFile(big, 'a'.repeat(MAX_PLAN_BYTES + 10));
    expect((await rejection(readPlanFile(big, 'big.yaml'))).message).toContain(`larger than ${MAX_PLAN_BYTES} bytes`);
    await writeFile(big, 'a: 1\n');
    expect(await readPlanFile(big, 'big.yaml', 5)).toBe('a: 1\n');
    expect((await rejection(readPlanFile(big, 'big.yaml', 4))).message).toContain('larger than 4 bytes');
  });

  it('returns null for a missing file', async () => {
    expect(await readPlanFile(path.join(await tempDir(), 'nope.yaml'), 'nope.yaml')).toBeNull();
  });

  it('reports a binary file as not UTF-8 with its position, without its bytes', async () => {
    const dir = await tempDir();
    const bin = path.join(dir, 'bin.yaml');
    await writeFile(bin, Buffer.from([0x61, 0x3a, 0x0a, 0x62, 0xff, 0xfe, 0x0a]));
    const error = await rejection(readPlanFile(bin, 'bin.yaml'));
    expect(error.message).toContain('not UTF-8 text (invalid byte at line 2, column 2)');
  });

  it('never echoes a mistaken .env file in the error', async () => {
    const dir = await tempDir();
    await writeFile(
      path.join(dir, '.env'),
      'DATABASE_PASSWORD=hunter2-hunter2-hunter2\nAPI_TOKEN=abcdefabcdefabcdef\n',
    );
    const error = await rejection(loadConfig({ file: '.env', cwd: dir }));
    const all = JSON.stringify(error) + error.message;
    expect(all).toContain('the file is not a rollout plan');
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('abcdefabcdef');
  });

  it('a file gate naming a FIFO or /dev/zero fails at once instead of hanging or reading 512 MB', async () => {
    const dir = await tempDir();
    execFileSync('mkfifo', [path.join(dir, 'CHANGELOG.md')]);
    const ctx = {
      planDir: dir,
      env: {},
      clock: systemClock,
      redact: (t: string) => t,
      release: 'v1',
      phase: 'P0',
      state: null,
    } as GateContext;
    for (const file of ['CHANGELOG.md', '/dev/zero']) {
      const outcome = await judgeFileGate({ id: 'c', kind: 'file', path: file, contains: '{{release}}' }, ctx);
      expect(outcome.verdict).toBe('fail');
      expect(outcome.summary).toContain('not a regular file');
    }
  });
});
