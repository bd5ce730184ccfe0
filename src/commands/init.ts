import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { genericRunbookDir } from '../runbooks/package-root.js';
import type { CommandResult } from '../output/command-result.js';

/** The generic runbooks shipped with rollout (one per exit code, plus the alert response), as files for `dir`. */
async function genericRunbooks(dir: string): Promise<Array<[string, string]>> {
  const source = genericRunbookDir();
  const names = (await readdir(source)).filter((n) => n.endsWith('.md') && n !== 'README.md').sort();
  return Promise.all(
    names.map(async (n): Promise<[string, string]> => [
      path.join(dir, n),
      await readFile(path.join(source, n), 'utf8'),
    ]),
  );
}

export const STARTER_PLAN = `# yaml-language-server: $schema=./rollout.schema.json
# A starter release plan. \`rollout validate\` checks it; \`rollout plan\` shows it.
version: 1
release: v1.0.0
budget: .perf-budget.json

metrics:
  prometheus:
    urlEnv: ROLLOUT_PROMETHEUS_URL

flags:
  - key: new_feature
    variants: { new: "on", fallback: "off" }
    file: flags/flags.json

phases:
  - id: preflight
    title: Pre-flight validation
    gates:
      - { id: tests, kind: command, run: [npm, test], timeout: 20m, env: [PATH, HOME] }
      - { id: perf-budget, kind: perf-budget }
      - id: error-rate
        kind: prometheus
        query: sum(rate(http_requests_total{status=~"5.."}[{{window}}])) / sum(rate(http_requests_total[{{window}}]))
        window: 1h
        expect: "< 0.01"
  - id: rollout
    title: Progressive rollout
    rollout:
      flag: new_feature
      stages:
        - { id: internal, percent: 1, groups: [internal], bake: 1d }
        - { id: five, percent: 5, bake: 1d }
        - { id: half, percent: 50, bake: 1d }
        - { id: all, percent: 100 }

canary:
  window: 30m
  minSamples: 1000
  arms: { label: variant, canary: "on", baseline: "off" }
  metrics:
    - id: error_rate
      kind: ratio
      events: sum(increase(http_requests_total{variant="{{variant}}",status=~"5.."}[{{window}}]))
      total: sum(increase(http_requests_total{variant="{{variant}}"}[{{window}}]))
      direction: lower-is-better
      maxRelativeChange: 0.10

triggers:
  - { id: error-rate, metric: error_rate, above: baseline * 1.5, window: 10m }
`;

export const STARTER_BUDGET = `${JSON.stringify({ hotPaths: {}, p95Max: 400, heapDeltaMax: 15, errorRateMax: 1 }, null, 2)}\n`;

export interface InitResult {
  written: string[];
}

/**
 * A project that stands alone: the plan, the budget, the JSON Schema the plan's first line points
 * editors at, and the generic runbooks for rollout's exit codes (to adapt; `runbook show` finds them).
 * All files or none: existing files are checked before anything is created.
 */
export async function runInit(_options: object, _args: string[], ctx: Ctx): Promise<CommandResult<InitResult>> {
  const planFile = path.resolve(ctx.cwd, ctx.global.config);
  const dir = path.dirname(planFile);
  const { buildJsonSchema } = await import('./schema.js');
  const files: Array<[string, string]> = [
    [planFile, STARTER_PLAN],
    [path.join(dir, '.perf-budget.json'), STARTER_BUDGET],
    [path.join(dir, 'rollout.schema.json'), `${JSON.stringify(buildJsonSchema(), null, 2)}\n`],
    ...(await genericRunbooks(path.join(dir, 'runbooks'))),
  ];
  await mkdir(path.join(dir, 'runbooks'), { recursive: true });
  const handles: FileHandle[] = [];
  try {
    for (const [file] of files) handles.push(await open(file, 'wx', 0o644));
  } catch (error) {
    await Promise.all(handles.map(async (h) => h.close()));
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      // Remove only the files this run created empty a moment ago.
      await Promise.all(files.slice(0, handles.length).map(([file]) => rm(file)));
      const existing = (error as NodeJS.ErrnoException).path ?? '';
      throw new RolloutError(
        'E_INIT_EXISTS',
        `${path.relative(ctx.cwd, existing) || existing} already exists; nothing was written`,
      );
    }
    throw error;
  }
  await Promise.all(files.map(async ([, text], i) => handles[i]?.writeFile(text)));
  await Promise.all(handles.map(async (h) => h.close()));
  const written = files.map(([file]) => path.relative(ctx.cwd, file));
  return {
    exitCode: EXIT.ok,
    result: { written },
    human: (s) =>
      [
        ...written.map((f) => `${s.green('wrote')} ${f}`),
        'next: edit the plan, then `rollout validate` and `rollout plan`; adapt runbooks/ to your service.',
      ].join('\n'),
  };
}
