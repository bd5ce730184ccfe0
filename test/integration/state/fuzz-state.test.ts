import { createServer, type Server } from 'node:http';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateShare } from '../../../src/flags/evaluate.js';
import type { FlagdDocument } from '../../../src/flags/types.js';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { miniProject } from '../../helpers/mini-plan.js';

/*
 * Damage the files of `.rollout/` (state, lock, audit log) in every way a disk, a person or a script can,
 * then run `status`, `advance` and `rollback` through the real CLI. Whatever the damage:
 * - the exit code is a documented one (0–6), never 70 and never a crash;
 * - no stack trace is printed; with --json, stdout is one JSON document carrying that exit code;
 * - a rollback that exits 0 has switched everyone to the fallback variant.
 * FUZZ_SEED=<seed> (and FUZZ_PATH) replay a failure; FUZZ_RUNS changes the number of runs.
 */

const DOCUMENTED = [0, 1, 2, 3, 4, 5, 6];
const RUNS = Number(process.env.FUZZ_RUNS ?? 24);
const KEYS = Array.from({ length: 1_000 }, (_, i) => `user-${i}`);

type Target = 'state.json' | 'lock.json' | 'audit.jsonl' | '.rollout';
type Damage =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'truncate'; keep: number }
  | { kind: 'json'; value: unknown }
  | { kind: 'field'; field: string; value: unknown }
  | { kind: 'huge'; what: 'string' | 'number' | 'depth' | 'array' }
  | { kind: 'symlink'; dangling: boolean }
  | { kind: 'directory' }
  | { kind: 'mode'; mode: number };

interface Case {
  /** `P1`: the next advance passes its gates and writes (lock, state, audit); `s1`: 10 % on the new variant. */
  at: 'P1' | 's1';
  target: Target;
  damage: Damage;
  command: 'status' | 'advance' | 'rollback';
  json: boolean;
}

const STATE_FIELDS = [
  'schemaVersion',
  'release',
  'lineage',
  'serial',
  'configHash',
  'status',
  'phase',
  'phaseStartedAt',
  'stage',
  'flags',
  'signoffs',
  'evidence',
  'intent',
  'rollback',
  'history',
  'flags.reserves_v1.1.percent',
  'flags.reserves_v1.1.killSwitch',
  'stage.startedAt',
  'stage.index',
  'history.0.at',
];

const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
  fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({
    kind: fc.constant('field' as const),
    field: fc.constantFrom(...STATE_FIELDS),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constant(undefined),
      fc.constantFrom(1000, -1, 1e308, 'exploded', '', null),
    ),
  }),
  fc.record({
    kind: fc.constant('huge' as const),
    what: fc.constantFrom('string' as const, 'number' as const, 'depth' as const, 'array' as const),
  }),
  fc.record({ kind: fc.constant('symlink' as const), dangling: fc.boolean() }),
  fc.record({ kind: fc.constant('directory' as const) }),
  fc.record({ kind: fc.constant('mode' as const), mode: fc.constantFrom(0o000, 0o666, 0o777, 0o200) }),
);

const caseArb: fc.Arbitrary<Case> = fc.record({
  at: fc.constantFrom('P1' as const, 's1' as const),
  target: fc.constantFrom<Target>('state.json', 'state.json', 'lock.json', 'audit.jsonl', '.rollout'),
  damage: damageArb,
  command: fc.constantFrom('status' as const, 'advance' as const, 'rollback' as const),
  json: fc.boolean(),
});

function setPath(doc: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  // flag names contain a dot: rejoin "reserves_v1" + "1"
  const parts: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === 'reserves_v1' && keys[i + 1] === '1') {
      parts.push('reserves_v1.1');
      i++;
    } else parts.push(keys[i] as string);
  }
  let node: unknown = doc;
  for (const key of parts.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null || typeof node !== 'object') return;
  const last = parts[parts.length - 1] as string;
  if (value === undefined) delete (node as Record<string, unknown>)[last];
  else (node as Record<string, unknown>)[last] = value;
}

function hugeText(what: 'string' | 'number' | 'depth' | 'array', original: Record<string, unknown>): string {
  switch (what) {
    case 'string':
      return JSON.stringify({ ...original, release: 'x'.repeat(2_000_000) });
    case 'number':
      return JSON.stringify({
        ...original,
        serial: 1e308,
        flags: {
          'reserves_v1.1': {
            percent: Number.MAX_VALUE,
            groups: [],
            killSwitch: false,
            updatedAt: new Date(8.64e15).toISOString(),
          },
        },
      });
    case 'depth':
      return `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    case 'array':
      return JSON.stringify({
        ...original,
        history: Array.from({ length: 50_000 }, (_, i) => ({ at: 'now', actor: 'a', action: 'x', serial: i })),
      });
  }
}

/** Apply `damage` to `target` inside the project's `.rollout/`. */
async function applyDamage(dir: string, target: Target, damage: Damage): Promise<void> {
  const stateDir = path.join(dir, '.rollout');
  const file = path.join(stateDir, target === '.rollout' ? '' : target);
  const original = await readFile(
    path.join(stateDir, target === 'lock.json' || target === '.rollout' ? 'state.json' : target),
    'utf8',
  );
  const stateDoc = JSON.parse(await readFile(path.join(stateDir, 'state.json'), 'utf8')) as Record<string, unknown>;
  if (target === '.rollout') {
    // the state location itself: replaced by a file, a link, or given a loose mode
    if (damage.kind === 'mode') return chmod(stateDir, damage.mode | 0o700);
    if (damage.kind === 'symlink') {
      const real = `${stateDir}.real`;
      await cp(stateDir, real, { recursive: true });
      await rm(stateDir, { recursive: true });
      return symlink(damage.dangling ? `${real}.missing` : real, stateDir);
    }
    await rm(stateDir, { recursive: true });
    return writeFile(stateDir, damage.kind === 'bytes' ? damage.bytes : 'not a directory\n');
  }
  switch (damage.kind) {
    case 'bytes':
      return writeFile(file, damage.bytes);
    case 'truncate':
      return writeFile(file, original.slice(0, Math.floor(original.length * damage.keep)));
    case 'json':
      return writeFile(file, JSON.stringify(damage.value));
    case 'field': {
      const doc =
        target === 'state.json'
          ? stateDoc
          : { token: 't', pid: 1, host: 'h', actor: 'a', operation: 'o', startedAt: 'now' };
      setPath(doc, damage.field, damage.value);
      if (target === 'audit.jsonl') return writeFile(file, `${original}${JSON.stringify(doc)}\n`);
      return writeFile(file, JSON.stringify(doc, null, 2));
    }
    case 'huge':
      return writeFile(file, hugeText(damage.what, stateDoc));
    case 'symlink': {
      const real = path.join(dir, `elsewhere-${target}`);
      await writeFile(real, original);
      await rm(file, { force: true });
      return symlink(damage.dangling ? `${real}.missing` : real, file);
    }
    case 'directory':
      await rm(file, { force: true });
      return mkdir(file);
    case 'mode':
      await writeFile(file, original, { flag: 'wx' }).catch(() => undefined); // lock.json does not exist at rest
      return chmod(file, damage.mode);
  }
}

async function newVariantShare(dir: string): Promise<number> {
  const doc = JSON.parse(await readFile(path.join(dir, 'flags/flags.json'), 'utf8')) as FlagdDocument;
  return evaluateShare(doc, 'reserves_v1.1', KEYS).withNewVariant;
}

function checkRun(c: Case, r: CliRun): void {
  const where = `${c.command}${c.json ? ' --json' : ''} at ${c.at} after ${c.target} ${JSON.stringify(c.damage).slice(0, 200)}\nstdout: ${r.stdout.slice(0, 1500)}\nstderr: ${r.stderr.slice(0, 1500)}`;
  expect(r.signal, where).toBeNull();
  expect(DOCUMENTED, where).toContain(r.code);
  expect(r.stdout + r.stderr, where).not.toMatch(/\n\s+at (?:async )?\S+ \(?\S+:\d+:\d+\)?/);
  expect(r.stderr, where).not.toMatch(/This is a bug/);
  if (c.json) {
    const doc = JSON.parse(r.stdout) as { exitCode: number };
    expect(doc.exitCode, where).toBe(r.code);
  }
}

let server: Server;
const templates: Record<Case['at'], string> = { P1: '', s1: '' };

beforeAll(async () => {
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = await miniProject({
    healthUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/health`,
  });
  for (let i = 0; i < 3; i++) {
    const r = await runCli(['advance', '--reason', 'walk'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    if (i === 0) {
      templates.P1 = await mkdtemp(path.join(tmpdir(), 'rollout-fuzz-P1-'));
      await cp(dir, templates.P1, { recursive: true });
    }
  }
  templates.s1 = dir;
  expect(await newVariantShare(templates.s1)).toBeGreaterThan(0);
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  for (const dir of Object.values(templates)) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('damaged state, lock and audit files before status, advance and rollback (real CLI)', () => {
  it(
    'documented exit codes only, no stack traces, and a rollback that succeeds serves the fallback',
    async () => {
      const counts: Record<string, number> = {};
      const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const dir = await mkdtemp(path.join(tmpdir(), 'rollout-fuzz-'));
          try {
            await cp(templates[c.at], dir, { recursive: true });
            await applyDamage(dir, c.target, c.damage);
            const args = c.command === 'status' ? ['status'] : [c.command, '--reason', 'fuzz'];
            const r = await runCli(c.json ? [...args, '--json'] : args, { cwd: dir, timeoutMs: 45_000 });
            const key = `${c.command}@${c.at} → ${r.code}`;
            counts[key] = (counts[key] ?? 0) + 1;
            checkRun(c, r);
            if (c.command === 'rollback' && r.code === 0)
              expect(await newVariantShare(dir), `rollback exit 0 after ${c.target} ${c.damage.kind}`).toBe(0);
          } finally {
            await chmod(path.join(dir, '.rollout'), 0o700).catch(() => undefined);
            await rm(dir, { recursive: true, force: true });
          }
        }),
        {
          numRuns: RUNS,
          ...(seed === undefined ? {} : { seed }),
          ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
          verbose: 1,
          endOnFailure: true,
        },
      );
      process.stderr.write(`fuzz-state outcomes over ${RUNS} runs: ${JSON.stringify(counts)}\n`);
    },
    Math.max(240_000, RUNS * 5_000),
  );
});
