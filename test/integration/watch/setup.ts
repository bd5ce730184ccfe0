/** A temporary copy of the repository plan with the release sitting in P2 / week-1 (1 %). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import type { Ctx } from '../../../src/context.js';
import { createFakeClock, type Clock } from '../../../src/lifecycle/clock.js';
import { syncFlagFiles } from '../../../src/lifecycle/flag-sync.js';
import { createRedactor } from '../../../src/output/redact.js';
import { createStateStore } from '../../../src/state/factory.js';
import { createInitialState, type ReleaseState } from '../../../src/state/types.js';
import { tempProject } from '../../helpers/cli.js';

export async function projectAtStage(opts: {
  stageStart: Date;
  yamlPatch?: (text: string) => string;
}): Promise<string> {
  const dir = await tempProject(['rollout.yaml', '.perf-budget.json']);
  if (opts.yamlPatch) {
    const file = path.join(dir, 'rollout.yaml');
    await writeFile(file, opts.yamlPatch(await readFile(file, 'utf8')));
  }
  const loaded = await loadConfig({ file: 'rollout.yaml', cwd: dir });
  const at = opts.stageStart.toISOString();
  const base = createInitialState(loaded.config.release, loaded.hash, opts.stageStart);
  const state: ReleaseState = {
    ...base,
    status: 'in-progress',
    phase: 'P2',
    phaseStartedAt: at,
    stage: { index: 0, id: 'week-1', startedAt: at },
    flags: { 'reserves_v1.1': { percent: 1, groups: ['internal'], killSwitch: false, updatedAt: at } },
  };
  const store = createStateStore('file:.rollout', { cwd: dir, clock: createFakeClock(opts.stageStart) });
  const lock = await store.acquireLock({ actor: 'setup', operation: 'setup' });
  await store.write(state, { expectSerial: 0, lock });
  await store.releaseLock(lock);
  await syncFlagFiles(loaded.config, dir, state.flags, { dryRun: false, env: {}, redact: (t) => t });
  return dir;
}

export function testCtx(dir: string, env: Record<string, string>, clock: Clock, lines: string[]): Ctx {
  return {
    cwd: dir,
    env,
    clock,
    actor: 'watcher',
    global: { config: 'rollout.yaml', json: true, color: false },
    progress: (l) => lines.push(l),
    isTTY: false,
    redact: createRedactor(env),
  };
}

/** The application's health endpoint; `status` can be changed while the test runs. */
export async function startHealthServer(): Promise<{ url: string; status: { code: number }; close(): Promise<void> }> {
  const status = { code: 200 };
  const server: Server = createServer((_req, res) => res.writeHead(status.code).end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    status,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
