import { createServer, type Server } from 'node:http';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAdvance } from '../../../src/commands/advance.js';
import { runStatus } from '../../../src/commands/status.js';
import { RolloutError } from '../../../src/errors/rollout-error.js';
import { createFakeClock } from '../../../src/lifecycle/clock.js';
import { initialPlan, makeProject, modelCtx } from '../../helpers/lifecycle-model.js';

/**
 * E_LOCK_LOST says whether the flag was already written. The lock is broken (as `unlock --force`
 * from another terminal would) at a named point of advance: right after the flag files were written,
 * or right after the intent, before them. The crash-point module is replaced so the point breaks the
 * lock instead of killing the process; everything else is the real file store.
 */
const hook = vi.hoisted(() => ({ at: '', dir: '' }));
vi.mock('../../../src/state/crash-points.js', async (importOriginal) => {
  const real = await importOriginal<Record<string, unknown>>();
  const { rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  return {
    ...real,
    isCrashPointArmed: () => false,
    crashPoint: (name: string) => {
      if (name === hook.at) rmSync(join(hook.dir, '.rollout', 'lock.json'), { force: true });
    },
  };
});

let server: Server;
let healthUrl = '';
beforeAll(async () => {
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  healthUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/health`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function projectAtFirstStage() {
  const dir = await makeProject(initialPlan(), healthUrl);
  const cache = await mkdtemp(path.join(tmpdir(), 'rollout-cache-'));
  const clock = createFakeClock(new Date());
  const ctx = modelCtx(dir, clock, cache, []);
  for (let i = 0; i < 3; i++) await runAdvance({ reason: 'walk' }, [], ctx);
  return { dir, ctx };
}

describe('E_LOCK_LOST', () => {
  it('after the flag was written: the message says so, and the state holds the step as interrupted', async () => {
    const { dir, ctx } = await projectAtFirstStage();
    hook.dir = dir;
    hook.at = 'advance:after-flags';
    const error = await runAdvance({ override: true, reason: 'to s2' }, [], ctx).then(
      () => null,
      (e: unknown) => e,
    );
    hook.at = '';
    expect(error).toBeInstanceOf(RolloutError);
    expect((error as RolloutError).code).toBe('E_LOCK_LOST');
    expect((error as RolloutError).message).toMatch(/ALREADY written/);
    const status = (await runStatus({ history: 5 }, [], ctx)).result;
    expect(status.interrupted?.kind).toBe('advance');
    expect(status.interrupted?.files[0]?.serves).toContain('50 %');
    // The next advance finishes the same step.
    await runAdvance({}, [], ctx);
    expect((await runStatus({ history: 5 }, [], ctx)).result.stage?.id).toBe('s2');
    await rm(dir, { recursive: true, force: true });
  });

  it('a step that changes no flag: the message says no flag file was changed, and the state did not move', async () => {
    // The flag file the first step writes, already in place: the step itself changes no flag.
    const other = await makeProject(initialPlan(), healthUrl);
    await runAdvance(
      { reason: 'P0 done' },
      [],
      modelCtx(other, createFakeClock(new Date()), await mkdtemp(path.join(tmpdir(), 'rollout-cache-')), []),
    );
    const dir = await makeProject(initialPlan(), healthUrl);
    await mkdir(path.join(dir, 'flags'));
    await copyFile(path.join(other, 'flags/flags.json'), path.join(dir, 'flags/flags.json'));
    const ctx = modelCtx(dir, createFakeClock(new Date()), await mkdtemp(path.join(tmpdir(), 'rollout-cache-')), []);
    hook.dir = dir;
    hook.at = 'advance:after-intent';
    const error = await runAdvance({ reason: 'P0 done' }, [], ctx).then(
      () => null,
      (e: unknown) => e,
    );
    hook.at = '';
    expect(error).toBeInstanceOf(RolloutError);
    expect((error as RolloutError).code).toBe('E_LOCK_LOST');
    expect((error as RolloutError).message, (error as RolloutError).message).toContain('No flag file was changed');
    const status = (await runStatus({ history: 5 }, [], ctx)).result;
    expect(status.phase).toBe('P0');
    await rm(dir, { recursive: true, force: true });
  });
});
