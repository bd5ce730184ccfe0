import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { evaluateShare } from '../../src/flags/evaluate.js';
import type { FlagdDocument } from '../../src/flags/types.js';
import { runCli, type CliRun } from './cli.js';
import { miniProject } from './mini-plan.js';

/** Users evaluated with flagd-core in the safety-path tests. */
export const KEYS = Array.from({ length: 5_000 }, (_, i) => `user-${i}`);
export const FLAG = 'reserves_v1.1';

/** A health endpoint that always answers 200 (the mini plan's P1 gate needs one). */
export async function startHealthServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/health`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function flagDoc(dir: string, file = 'flags/flags.json'): Promise<FlagdDocument> {
  return JSON.parse(await readFile(path.join(dir, file), 'utf8')) as FlagdDocument;
}

/** How many of KEYS (and of the plan's groups) get the new variant from the file, as flagd-core evaluates it. */
export async function newVariantUsers(dir: string, file = 'flags/flags.json'): Promise<number> {
  const doc = await flagDoc(dir, file);
  return (
    evaluateShare(doc, FLAG, KEYS, { variant: 'reserves_v1.1' }).withNewVariant +
    evaluateShare(doc, FLAG, KEYS.slice(0, 200), { groups: ['internal'], variant: 'reserves_v1.1' }).withNewVariant +
    evaluateShare(doc, FLAG, KEYS.slice(0, 200), { groups: ['beta_users'], variant: 'reserves_v1.1' }).withNewVariant
  );
}

export interface SafetyProject {
  dir: string;
  env: Record<string, string>;
  cli(args: string[], env?: Record<string, string>): Promise<CliRun>;
}

/**
 * A fresh mini release walked to stage `s1` (10 % + internal) through the real CLI. With a
 * PostgreSQL URL every command runs with `--state <url>`.
 */
export async function projectAtFirstStage(
  healthUrl: string,
  opts: {
    stateUrl?: string;
    rollback?: string;
    planEdit?: (plan: string) => string;
    beforeWalk?: (dir: string) => Promise<void>;
  } = {},
): Promise<SafetyProject> {
  const dir = await miniProject({ healthUrl, ...(opts.rollback ? { rollback: opts.rollback } : {}) });
  if (opts.planEdit) {
    const { writeFile } = await import('node:fs/promises');
    const file = path.join(dir, 'rollout.yaml');
    await writeFile(file, opts.planEdit(await readFile(file, 'utf8')));
  }
  await opts.beforeWalk?.(dir);
  const env: Record<string, string> = {};
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli([...args, ...(opts.stateUrl ? ['--state', opts.stateUrl] : [])], {
      cwd: dir,
      env: { ...env, ...extra },
      timeoutMs: 120_000,
    });
  for (let i = 0; i < 3; i++) {
    const r = await cli(['advance', '--reason', 'test walk']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }
  const status = (await cli(['status', '--json'])).json<{ result: { stage: { id: string } } }>();
  expect(status.result.stage.id).toBe('s1');
  return { dir, env, cli };
}

/** Audit entries as `rollout log --json` returns them. */
export async function auditOps(
  p: SafetyProject,
): Promise<Array<{ op: string; data?: Record<string, unknown>; stateSerial?: number }>> {
  const r = await p.cli(['log', '--json', '--limit', '500']);
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ result: { entries: Array<{ op: string; data?: Record<string, unknown>; stateSerial?: number }> } }>()
    .result.entries;
}

export interface StatusJson {
  status: string;
  serial: number;
  stage: { id: string } | null;
  flags: Record<string, { percent: number; killSwitch: boolean; groups: string[] }>;
  interrupted?: { kind: string; files: Array<{ serves: string }> };
  rampDown?: { running: boolean; runner: string; done: number; steps: number };
  lock: unknown;
}

export async function statusOf(p: SafetyProject): Promise<StatusJson> {
  const r = await p.cli(['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ result: StatusJson }>().result;
}
