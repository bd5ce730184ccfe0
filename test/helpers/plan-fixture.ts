/**
 * A project shaped like the repository's own release: its `rollout.yaml`, `.perf-budget.json` and
 * `runbooks/`, plus a CHANGELOG that mentions the release. The `npm …` command gates are swapped for
 * a quick real command (running `npm test` inside a test would run the suite recursively); the
 * property, perf-budget, Prometheus, http, file and soak gates stay as the plan wrote them.
 *
 * Also here: the Prometheus series the plan's gates and canary policy read, and the flag file of a
 * project as the real flagd evaluator sees it.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { evaluateFlag, evaluateShare, type ShareResult } from '../../src/flags/evaluate.js';
import type { FlagdDocument } from '../../src/flags/types.js';
import { canarySeries, healthyArm, type ArmTraffic } from './canary-series.js';
import { REPO_ROOT } from './cli.js';
import { counterSeries, histogramSeries, type OpenMetricsSeries } from './prometheus.js';

/** The command the `npm …` gates run instead: a real process that passes at once. */
export const QUICK_COMMAND = '[node, -e, "process.exit(0)"]';
export const FLAG_KEY = 'reserves_v1.1';
export const NEW_VARIANT = 'reserves_v1.1';
export const FALLBACK_VARIANT = 'reserves_v1.0';
export const DAY_MS = 24 * 3600 * 1000;

export interface PlanProjectOptions {
  /** Rewrites the plan text after the command swap (e.g. shorter bakes). */
  edit?: (plan: string) => string;
  /** Parent directory of the project (default: the system temp directory). */
  parent?: string;
}

/** A temporary project directory holding the plan; `remove()` deletes it. */
export interface PlanProject {
  dir: string;
  planFile: string;
  /** The flag file the plan names (`flags/flags.json`), absolute. */
  flagFile: string;
  readPlan(): Promise<string>;
  writePlan(text: string): Promise<void>;
  remove(): Promise<void>;
}

/** Replaces every `run: [npm, …]` argv of the plan with QUICK_COMMAND; throws if none was found. */
export function swapCommandGates(plan: string, command = QUICK_COMMAND): string {
  const swapped = plan.replace(/run: \[npm, [^\]]*\]/g, `run: ${command}`);
  if (swapped === plan || /run: \[npm/.test(swapped))
    throw new Error('plan-fixture: the plan has no `run: [npm, …]` gates to swap (did rollout.yaml change?)');
  return swapped;
}

export async function createPlanProject(options: PlanProjectOptions = {}): Promise<PlanProject> {
  const dir = await mkdtemp(path.join(options.parent ?? tmpdir(), 'rollout-plan-'));
  await cp(path.join(REPO_ROOT, '.perf-budget.json'), path.join(dir, '.perf-budget.json'));
  await cp(path.join(REPO_ROOT, 'runbooks'), path.join(dir, 'runbooks'), { recursive: true });
  const plan = swapCommandGates(await readFile(path.join(REPO_ROOT, 'rollout.yaml'), 'utf8'));
  const release = (parse(plan) as { release: string }).release;
  await writeFile(path.join(dir, 'rollout.yaml'), options.edit ? options.edit(plan) : plan);
  await writeFile(
    path.join(dir, 'CHANGELOG.md'),
    `# Changelog\n\n## [${release.replace(/^v/, '')}] ${release}\n\n### Changed\n- Reserves model v1.1 behind the \`${FLAG_KEY}\` flag.\n`,
  );
  return projectAt(dir);
}

/** A copy of an existing project (plan, flag files and `.rollout/` state), e.g. one per crash point. */
export async function cloneProject(source: PlanProject): Promise<PlanProject> {
  const dir = await mkdtemp(path.join(path.dirname(source.dir), 'rollout-plan-'));
  await cp(source.dir, dir, { recursive: true });
  return projectAt(dir);
}

function projectAt(dir: string): PlanProject {
  const planFile = path.join(dir, 'rollout.yaml');
  return {
    dir,
    planFile,
    flagFile: path.join(dir, 'flags/flags.json'),
    readPlan: () => readFile(planFile, 'utf8'),
    writePlan: (text) => writeFile(planFile, text),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Loopback latency budgets (the P1 health check's 400 ms) measure the shared test machine, not the
 * release; tests about something else relax them to 5 s so a busy neighbour cannot fail their setup.
 */
export function relaxLatency(plan: string): string {
  return plan.replace(/maxLatency: \d+ms/g, 'maxLatency: 5s');
}

interface PlanShape {
  completionChecklist?: Array<{ id: string }>;
  phases: Array<{
    id: string;
    completion?: string;
    checklist?: Array<{ id: string }>;
    gates?: Array<{ kind: string; signoff?: string }>;
    rollout?: { stages: Array<{ id: string; percent: number; groups?: string[]; bake?: string }> };
  }>;
}

/**
 * The checklist items a phase needs before it can be left, read from the plan text: its own
 * checklist, the sign-offs its manual gates name, and the completion checklist (unless
 * `completion: none`). `own` leaves the completion checklist out.
 */
export function phaseSignoffs(plan: string, phaseId: string, which: 'all' | 'own' | 'completion' = 'all'): string[] {
  const doc = parse(plan) as PlanShape;
  const phase = doc.phases.find((p) => p.id === phaseId);
  if (!phase) throw new Error(`plan-fixture: no phase ${phaseId}`);
  const own = [
    ...(phase.checklist ?? []).map((c) => c.id),
    ...(phase.gates ?? []).flatMap((g) => (g.kind === 'manual' && g.signoff ? [g.signoff] : [])),
  ];
  const completion = phase.completion === 'none' ? [] : (doc.completionChecklist ?? []).map((c) => c.id);
  const pick = which === 'own' ? own : which === 'completion' ? completion : [...own, ...completion];
  return [...new Set(pick)];
}

/** The stages of the plan's progressive rollout (id, percent, groups, bake). */
export function rolloutStages(plan: string): Array<{ id: string; percent: number; groups: string[]; bake: string }> {
  const doc = parse(plan) as PlanShape;
  const stages = doc.phases.flatMap((p) => p.rollout?.stages ?? []);
  return stages.map((s) => ({ id: s.id, percent: s.percent, groups: s.groups ?? [], bake: s.bake ?? '0s' }));
}

// ---- The metrics the plan reads ----

export interface PlanSeriesOptions {
  /** "Now" in Unix seconds; history is written before it and live data after it. */
  now: number;
  /** Traffic data continues this long after `now` (default 2 h), so the canary window never runs dry during a long test. */
  aheadMinutes?: number;
  /** The canary arm (default: healthy, identical to the baseline). */
  canary?: ArmTraffic;
  /** Staging traffic of the last 25 h for the soak gates (default: well within budget). */
  staging?: { errorRate?: number; latencySeconds?: number };
}

/** A gauge sampled every `stepS` seconds over [start, end]. */
function gaugeSeries(
  name: string,
  start: number,
  end: number,
  stepS: number,
  value: (t: number) => number,
): OpenMetricsSeries {
  const samples: Array<{ t: number; v: number }> = [];
  for (let t = start; t <= end; t += stepS) samples.push({ t, v: value(t) });
  return { name, labels: {}, samples };
}

/**
 * Everything the plan's Prometheus gates and canary policy query: `guardian_green` = 1 for 49 h,
 * request counters and the latency histogram per variant (two arms, 1.5 h back and `aheadMinutes`
 * ahead), wizard and fund-setup counters, `process_resident_memory_bytes`, and 8 days of
 * `circuit_breaker_recovery_seconds` below 30 s. Prometheus serves backfilled samples with future
 * timestamps like any other, so range queries at the wall-clock "now" of a later moment still see a
 * full 30 min window.
 */
export function buildPlanSeries(options: PlanSeriesOptions): OpenMetricsSeries[] {
  const now = options.now;
  const ahead = (options.aheadMinutes ?? 120) * 60;
  const end = now + ahead;
  const trafficMinutes = Math.round((end - (now - 90 * 60)) / 60);
  return [
    gaugeSeries('guardian_green', now - 49 * 3600, end, 300, () => 1),
    gaugeSeries('process_resident_memory_bytes', now - 90 * 60, end, 60, (t) => 180e6 + (t % 600) * 1e4),
    gaugeSeries('circuit_breaker_recovery_seconds', now - 8 * 24 * 3600, end, 1800, (t) => 4 + ((t / 1800) % 7) * 3),
    ...canarySeries({
      end,
      minutes: trafficMinutes,
      arms: { [FALLBACK_VARIANT]: healthyArm(), [NEW_VARIANT]: options.canary ?? healthyArm() },
    }),
    ...stagingSoakSeries(now - 25 * 3600, end, options.staging ?? {}),
  ];
}

/** Staging traffic for the soak gates: 120 requests a minute, 0.2 % errors, latency around 180 ms. */
export function stagingSoakSeries(
  start: number,
  end: number,
  opts: { errorRate?: number; latencySeconds?: number },
): OpenMetricsSeries[] {
  const env = { env: 'staging' };
  const errors = Math.round(120 * (opts.errorRate ?? 0.002) * 10) / 10;
  return [
    counterSeries({
      name: 'http_requests_total',
      labels: { ...env, status: '200' },
      start,
      end,
      increment: 120 - errors,
    }),
    counterSeries({ name: 'http_requests_total', labels: { ...env, status: '500' }, start, end, increment: errors }),
    ...histogramSeries({
      name: 'http_request_duration_seconds',
      labels: env,
      buckets: [0.1, 0.2, 0.3, 0.4, 0.6, 1],
      start,
      end,
      observe: () => [0.9, 1, 1.05, 1.1].map((f) => f * (opts.latencySeconds ?? 0.18)),
    }),
  ];
}

// ---- The flag file, as applications evaluate it ----

/** The project's flag file, or null when `rollout` has not written it yet. */
export async function readFlagDocument(project: PlanProject): Promise<FlagdDocument | null> {
  try {
    return JSON.parse(await readFile(project.flagFile, 'utf8')) as FlagdDocument;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** `count` user ids that look like an application's (`user-0` …). */
export function userKeys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `user-${i}`);
}

/** Who gets the new variant among `keys` (no groups in the context), evaluated by flagd-core. */
export function evaluateCohort(doc: FlagdDocument, keys: string[]): ShareResult & { cohort: Set<string> } {
  const share = evaluateShare(doc, FLAG_KEY, keys, { collectKeys: true });
  return { ...share, cohort: new Set(share.keysWithNewVariant ?? []) };
}

/** The variant flagd-core serves to `key` as a member of `groups`. */
export function variantFor(doc: FlagdDocument, key: string, groups: string[]): string | null {
  return evaluateFlag(doc, FLAG_KEY, { targetingKey: key, groups }).variant;
}

// ---- Getting a release to its progressive rollout ----

type RunRollout = (args: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>;

/**
 * From a fresh state to the first stage of P2, the way a release captain gets there: every sign-off
 * of P0 and P1 and P2's own, and `rollout advance` three times (P0 → P1 → P2 → week-1). The gates
 * are real, so `run` must carry ROLLOUT_PROMETHEUS_URL and APP_BASE_URL.
 */
export async function advanceToFirstStage(plan: string, run: RunRollout): Promise<void> {
  const steps: Array<{ phase: string; which: 'all' | 'own' }> = [
    { phase: 'P0', which: 'all' },
    { phase: 'P1', which: 'all' },
    { phase: 'P2', which: 'own' },
  ];
  for (const { phase, which } of steps) {
    for (const item of phaseSignoffs(plan, phase, which)) {
      const r = await run(['signoff', item, '--reason', `verified ${item}`]);
      if (r.code !== 0) throw new Error(`signoff ${item} exited ${r.code}: ${r.stderr}`);
    }
    const r = await run(['advance']);
    if (r.code !== 0) throw new Error(`advance in ${phase} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  }
}

/** One experiment of `walkChaos`: its id and the base URL its probe and checks use (through its proxy). */
export interface WalkExperiment {
  id: string;
  url: string;
}

/**
 * Replaces the plan's `chaos:` section with quick stand-ins under the same ids, so that a walk can
 * produce the chaos gate's evidence with real `rollout chaos run`s in seconds: a 20 ms latency fault
 * for 1 s in front of the app on each of `listenPorts` (the probe and the journey go through it, so
 * the fault is exercised), and 16 MB of memory pressure. The real faults against PostgreSQL and
 * Redis are tested in test/integration/chaos/.
 */
export function walkChaos(
  plan: string,
  appPort: number,
  listenPorts: [number, number, number],
): { plan: string; experiments: WalkExperiment[] } {
  const section = /^chaos:\n(?:[ #].*\n|\n)*/m;
  if (!section.test(plan)) throw new Error('plan-fixture: the plan has no chaos: section (did rollout.yaml change?)');
  const ids = ['db-connection-drop', 'redis-unavailable', 'api-latency'] as const;
  const common = (id: string) =>
    `duration: 1s, streak: 1, recoveryObjective: 30s, probe: { id: ${id}-probe, kind: http, urlEnv: CHAOS_APP_URL, path: /health }, checks: [{ id: journey, kind: http-journey, urlEnv: CHAOS_APP_URL, steps: [{ path: / }, { path: /health, bodyMatches: ok }] }]`;
  const lines = ids.map(
    (id, i) =>
      `  - { id: ${id}, title: ${id}, item: X-1, fault: { type: latency, latency: 20ms, listen: "127.0.0.1:${listenPorts[i]}", target: "127.0.0.1:${appPort}" }, ${common(id)} }`,
  );
  lines.push(
    `  - { id: memory-pressure, title: memory, item: X-1, fault: { type: memory-pressure, megabytes: 16 }, ${common('memory')} }`,
  );
  const experiments = [
    ...ids.map((id, i) => ({ id, url: `http://127.0.0.1:${listenPorts[i]}` })),
    { id: 'memory-pressure', url: `http://127.0.0.1:${appPort}` },
  ];
  return { plan: plan.replace(section, `chaos:\n${lines.join('\n')}\n`), experiments };
}
