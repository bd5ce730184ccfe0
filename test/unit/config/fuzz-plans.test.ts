import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli as spawnCli, REPO_ROOT } from '../../helpers/cli.js';
import { miniPlan } from '../../helpers/mini-plan.js';
import { createRedactor } from '../../../src/output/redact.js';
import { runCli } from '../../../src/main.js';

/**
 * Mutated plans (types, ranges, unicode, control characters, templates, durations, depth, size)
 * through validate, plan, preflight (offline gates only, no Prometheus configured), alerts and
 * dashboard. In-process through main.ts's own runCli, so the error → exit-code mapping is the real
 * CLI's; a small sample through the real binary. Invariant: a documented exit code other than 70,
 * no stack trace, done within the time limit. fast-check prints the seed and the counterexample;
 * FUZZ_SEED=<seed> replays a run, FUZZ_RUNS=<n> changes its length.
 */
const DOCUMENTED = new Set([0, 1, 2, 3, 4, 5, 6]);
const STACK = /\n\s+at .+[:(]\d+:\d+\)?|Maximum call stack|TimeoutOverflowWarning|please use YAML\./;
const PER_COMMAND_MS = 10_000;
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

const VALID_DURATIONS = ['1h30m', '10m', '48h', '7d', '1d12h', '90s', '1m500ms', '2w', '5m', '1s'];
const DURATIONS = [
  '30d',
  '25d',
  '24d',
  '99999999999999999999d',
  '1h30m',
  '30m1h',
  '1m1m',
  '0s',
  '0ms',
  '1ms',
  '500ms',
  '7d',
  '2w',
  '48h',
  '10m',
  '5y',
  '1d24h',
  '',
];
const TEMPLATES = [
  '{{release}}',
  '{{variant}}',
  '{{window}}',
  '{{ window',
  '{{nope}}',
  '`{{variant}}`',
  '"{{variant}}"',
  "'{{release}}'",
  '[{{window}}]',
  '{{variant}}',
  '=~"{{variant}}"',
  '# {{x}}',
  '}}{{',
  '{{release}}`',
];
const PATHS = [
  '/dev/zero',
  '/dev/urandom',
  '.',
  '..',
  '/tmp',
  '../../etc/passwd',
  'flags/../../x.json',
  '',
  ' ',
  'a\nb',
  'ü/🚀.json',
];
const NASTY = [
  '\u001b[31m',
  '\n',
  '\r\n',
  '\u0000',
  '\u0085',
  '\u009b2J',
  '\u202e',
  '\u2066',
  '\ufeff',
  '\ud83d\ude80',
  'ı',
  'ǅ',
  '\t',
  '"',
  "'",
  '`',
  '\\',
  '*&a',
  '!tag',
  '%',
  '@',
  '---',
  '...',
  '- ',
  ': ',
  '#',
  '{',
  '[',
  'baseline * 1.5',
  'budget.p95Max',
  '.nan',
  '.inf',
  '1e400',
  '-0',
  '0x10',
  '~',
  'null',
  'true',
  'y',
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Op =
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'splice'; at: number; text: string; offset: number }
  | { kind: 'duration'; at: number; value: string }
  | { kind: 'restring'; at: number; value: string };
type TextOp =
  | { kind: 'insert'; offset: number; text: string }
  | { kind: 'truncate'; offset: number }
  | { kind: 'append'; text: string }
  | { kind: 'deep'; depth: number; flow: boolean };

const nasty = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const scalar: fc.Arbitrary<Json> = fc.oneof(
  nasty,
  fc.constantFrom(...DURATIONS, ...TEMPLATES),
  fc.integer(),
  fc.constantFrom(0, -1, 1, 100, 101, 0.5, 1e308, -1e308, 2 ** 31, Number.MAX_SAFE_INTEGER + 2, 1e-320),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.constantFrom('id', 'kind', 'window', 'query', 'x', 'percent', 'run'), scalar, {
      maxKeys: 3,
    }),
  },
  { weight: 1, arbitrary: fc.nat({ max: 60 }).map((depth) => nest(depth)) },
);
// Weighted towards mutations that keep the plan's shape, so that many plans get past validate and
// reach the commands' run-time paths (rendering, alerts, dashboard, preflight).
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('splice' as const),
      at: fc.nat(),
      text: fc.oneof(fc.constantFrom(...TEMPLATES, ...NASTY), nasty),
      offset: fc.nat(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('duration' as const),
      at: fc.nat(),
      value: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...VALID_DURATIONS) }, fc.constantFrom(...DURATIONS)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('restring' as const),
      at: fc.nat(),
      value: fc.oneof(fc.constantFrom(...PATHS, ...NASTY), fc.string({ unit: 'grapheme', maxLength: 20 })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('splice' as const),
      at: fc.nat(),
      text: fc.constantFrom(
        ',r="{{release}}"',
        ' or vector(0)',
        ' * 1',
        '{{window}}',
        ',v=~"{{variant}}"',
        'é',
        '🚀',
        '\\',
      ),
      offset: fc.nat(),
    }),
  },
);
const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    offset: fc.nat(),
    text: fc.oneof(fc.constantFrom(...NASTY, '\n---\n', '\n  - - - - x\n', '&a [*a, *a]', '<<: *a\n'), nasty),
  }),
  fc.record({ kind: fc.constant('truncate' as const), offset: fc.nat() }),
  fc.record({
    kind: fc.constant('append' as const),
    text: fc.constantFrom('---\nversion: 1\n', 'x: 1\n', '\u0000', `pad: "${'x'.repeat(1024 * 1024)}"\n`),
  }),
  fc.record({ kind: fc.constant('deep' as const), depth: fc.constantFrom(31, 33, 200, 20_000), flow: fc.boolean() }),
);
const mutation = fc.record({
  base: fc.constantFrom('repo', 'mini'),
  ops: fc.array(op, { minLength: 1, maxLength: 2 }),
  text: fc.option(textOp, { freq: 8 }),
});

function nest(depth: number): Json {
  let v: Json = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

/** Every [parent, key] in the document, in a stable order; ops pick one by index. */
function slots(root: Json): Array<[Json[] | Record<string, Json>, string | number]> {
  const out: Array<[Json[] | Record<string, Json>, string | number]> = [];
  const walk = (node: Json) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        out.push([node, i]);
        walk(child);
      });
    } else if (node && typeof node === 'object') {
      for (const [k, child] of Object.entries(node)) {
        out.push([node, k]);
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

function applyOp(root: Json, o: Op): void {
  const all = slots(root);
  if (all.length === 0) return;
  const textAt = (s: [unknown, unknown]) => (s[0] as Record<string, unknown>)[s[1] as string];
  const strings = all.filter((s) => typeof textAt(s) === 'string');
  // Durations replace durations and splices mostly go into templates, so the plan keeps its shape.
  const durations = strings.filter((s) => /^\d+(ms|s|m|h|d|w)/.test(textAt(s) as string));
  const templates = strings.filter(
    (s) => (textAt(s) as string).includes('{{') || (o.at % 3 === 0 && /^(canary|baseline|release)$/.test(String(s[1]))),
  );
  const pool =
    o.kind === 'duration'
      ? durations.length
        ? durations
        : strings
      : o.kind === 'splice'
        ? o.at % 4 === 0 || !templates.length
          ? strings
          : templates
        : o.kind === 'restring'
          ? strings
          : all;
  const slot = pool[o.at % Math.max(1, pool.length)];
  if (!slot) return;
  const [parent, key] = slot as [Record<string | number, Json>, string | number];
  if (o.kind === 'replace' || o.kind === 'duration' || o.kind === 'restring') parent[key] = o.value;
  else if (o.kind === 'splice') {
    const s = String(parent[key]);
    const at = o.offset % (s.length + 1);
    parent[key] = s.slice(0, at) + o.text + s.slice(at);
  } else if (o.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key] as Json));
}

function applyText(text: string, t: TextOp | null): string {
  if (!t) return text;
  if (t.kind === 'insert') {
    const at = t.offset % (text.length + 1);
    return text.slice(0, at) + t.text + text.slice(at);
  }
  if (t.kind === 'truncate') return text.slice(0, t.offset % (text.length + 1));
  if (t.kind === 'append') return text + t.text;
  const deep = t.flow
    ? `${'['.repeat(t.depth)}${']'.repeat(t.depth)}`
    : `\n${Array.from({ length: Math.min(t.depth, 400) }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} x`;
  return text.replace(/^phases:/m, `deep: ${deep}\nphases:`);
}

let bases: Record<'repo' | 'mini', Json>;
let work: string;

beforeAll(async () => {
  bases = {
    repo: parse(await readFile(path.join(REPO_ROOT, 'rollout.yaml'), 'utf8')) as Json,
    mini: parse(miniPlan()) as Json,
  };
  work = await mkdtemp(path.join(tmpdir(), 'rollout-fuzz-'));
  await cp(path.join(REPO_ROOT, '.perf-budget.json'), path.join(work, '.perf-budget.json'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function planText(m: { base: 'repo' | 'mini'; ops: Op[]; text: TextOp | null }): string {
  const doc = structuredClone(bases[m.base]) as Record<string, Json>;
  for (const o of m.ops) applyOp(doc, o);
  // The plan's own `state:` could name a database; the fuzz always runs on a throwaway file state.
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) delete doc.state;
  return applyText(stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }), m.text);
}

type LoosePlan = { phases?: Array<{ id?: unknown; gates?: Array<{ id?: unknown; kind?: unknown }> }> } | null;

function parseLoosely(text: string): LoosePlan {
  try {
    return parse(text) as LoosePlan;
  } catch {
    return null; // unparsable: validate reports it
  }
}

/** Gates preflight may run in a fuzz: none spawns a process or opens a connection (Prometheus has no URL here). */
const OFFLINE_GATES = new Set(['prometheus', 'file', 'soak', 'manual']);

/** The commands every plan goes through, with the offline gates of a phase for preflight. */
function commandsFor(text: string): string[][] {
  const commands = [['validate', '--no-cache'], ['plan', '--json'], ['alerts'], ['dashboard']];
  const doc = parseLoosely(text);
  const phase = Array.isArray(doc?.phases)
    ? doc.phases.find((p) => Array.isArray(p?.gates) && p.gates.some((g) => OFFLINE_GATES.has(String(g?.kind))))
    : undefined;
  const ids = (phase?.gates ?? [])
    .filter((g) => OFFLINE_GATES.has(String(g?.kind)) && typeof g.id === 'string')
    .map((g) => g.id as string);
  if (phase && typeof phase.id === 'string' && ids.length > 0)
    commands.push(['preflight', '--phase', phase.id, '--only', ...ids]);
  return commands;
}

function sink(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c.toString()), done()) });
  return { stream, text: () => chunks.join('') };
}

async function runInProcess(planFile: string, args: string[]): Promise<{ code: number; out: string; ms: number }> {
  const env = { HOME: work, ROLLOUT_NO_CACHE: '1', NO_COLOR: '1', USER: 'fuzz' };
  const stdout = sink();
  const stderr = sink();
  const started = Date.now();
  const argv = ['node', 'rollout', '-c', planFile, '--state', `file:${path.join(work, '.rollout')}`, ...args];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), PER_COMMAND_MS)));
  const code = await Promise.race([
    runCli(argv, env, { stdout: stdout.stream, stderr: stderr.stream }, createRedactor(env)),
    timeout,
  ]);
  clearTimeout(timer);
  return { code, out: stdout.text() + stderr.text(), ms: Date.now() - started };
}

describe('fuzzed plans', () => {
  it(`${RUNS} mutated plans through validate, plan, preflight, alerts and dashboard in-process: documented exit codes, no stack traces, in time`, async () => {
    let cases = 0;
    const codes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const text = planText(m);
        const file = path.join(work, 'rollout.yaml');
        await writeFile(file, text);
        for (const args of commandsFor(text)) {
          const r = await runInProcess(file, args);
          // A plan validate rejects is rejected the same way by every command (they share the loader).
          const rejected = args[0] === 'validate' && r.code === 2;
          cases += 1;
          codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
          const where = `${args.join(' ')} → exit ${r.code} in ${r.ms} ms\n${r.out.slice(0, 2000)}`;
          if (r.code === -1) throw new Error(`did not end within ${PER_COMMAND_MS} ms: ${where}`);
          if (!DOCUMENTED.has(r.code)) throw new Error(`undocumented exit code: ${where}`);
          if (STACK.test(r.out)) throw new Error(`stack trace or raw library message: ${where}`);
          if (rejected) break;
        }
      }),
      {
        numRuns: RUNS,
        ...(SEED !== undefined ? { seed: SEED } : {}),
        endOnFailure: true,
        interruptAfterTimeLimit: 50_000,
        markInterruptAsFailure: false,
      },
    );
    expect(cases).toBeGreaterThan(0);
    console.log(`fuzz: ${cases} command runs; exit codes ${JSON.stringify(Object.fromEntries(codes))}`);
  }, 90_000);

  it('a sample through the real CLI binary: same invariant', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const dir = await mkdtemp(path.join(tmpdir(), 'rollout-fuzz-cli-'));
        await cp(path.join(REPO_ROOT, '.perf-budget.json'), path.join(dir, '.perf-budget.json'));
        const text = planText(m);
        await writeFile(path.join(dir, 'rollout.yaml'), text);
        for (const args of [['validate'], ['alerts'], ['dashboard']]) {
          const r = await spawnCli(args, {
            cwd: dir,
            env: { ROLLOUT_NO_CACHE: '1', HOME: dir },
            timeoutMs: PER_COMMAND_MS,
          });
          const where = `${args.join(' ')} → exit ${r.code}\n${(r.stdout + r.stderr).slice(0, 2000)}`;
          if (r.code === null || !DOCUMENTED.has(r.code)) throw new Error(`undocumented exit or timeout: ${where}`);
          if (STACK.test(r.stderr)) throw new Error(`stack trace: ${where}`);
        }
        await rm(dir, { recursive: true, force: true });
      }),
      { numRuns: 4, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
  }, 90_000);
});
