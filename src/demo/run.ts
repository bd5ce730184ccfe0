import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatDuration, parseDuration } from '../config/duration.js';
import { loadConfig } from '../config/load.js';
import type { PhaseConfig, RawConfig } from '../config/schema.js';
import type { Ctx } from '../context.js';
import { requiredSignoffs } from '../lifecycle/planner.js';
import type { WatchSummary } from '../watch/loop.js';
import { createSimulatedApp, fileFlagReader, REGRESSION_PROFILE } from './app.js';
import { evaluateFinalFlag, readAudit } from './outcome.js';
import { writeDemoProject, type DemoFlagPlacement } from './plan.js';
import { createSimulatedSource } from './metrics.js';
import { createSimulationClock } from './sim-clock.js';
import {
  advanceOnce,
  formatSimTime,
  readRelease,
  recordStep,
  runPhasePreflight,
  signItems,
  type DemoWorld,
} from './steps.js';
import type { DemoResult } from './types.js';
import type { DemoUnleash } from './unleash-server.js';

/** Options of one demo run. */
export interface DemoOptions {
  seed: number;
  /** Keep the temporary project directory instead of removing it. */
  keep: boolean;
  /** Where the temporary directory is created (default: the system's). */
  parent?: string;
  /** Where the flag lives: the flagd file (default, no service) or a real Unleash server. */
  provider?: 'flagd-file' | 'unleash';
  /** `--unleash-server <dir>`: where unleash-server is installed (only looked up when no UNLEASH_URL is set). */
  unleashServer?: string;
}

/** The simulated release begins on a Monday morning (UTC); only the clock says so. */
export const DEMO_START = new Date('2026-03-02T08:00:00Z');
export const REGRESSION_STAGE = 'week-3';
const MINUTE = 60_000;
const BEFORE_DECISION_MS = 60 * MINUTE;
const WATCH_WARMUP_MS = 10 * MINUTE;
const REGRESSION_AFTER_MS = 20 * MINUTE;
const WATCH_LIMIT_MS = 6 * 60 * MINUTE;
const AFTER_ROLLBACK_MS = 5 * MINUTE;
const CLOCK_NOTE =
  'simulated clock: only the hour before each decision (and the 25 % stage under watch) is simulated minute by minute; the rest of each 7-day bake is skipped without traffic';

/** The environment the real commands see: no Slack token, no Prometheus URL, no state URL. */
function pickEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'NO_COLOR', 'FORCE_COLOR', 'TMPDIR'];
  return Object.fromEntries(keep.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
}

async function createWorld(outer: Ctx, dir: string, seed: number, unleash: DemoUnleash | null): Promise<DemoWorld> {
  const placement: DemoFlagPlacement = unleash
    ? { provider: 'unleash', project: unleash.info.project, environment: unleash.info.environment }
    : { provider: 'flagd-file' };
  const project = await writeDemoProject(dir, placement);
  const loaded = await loadConfig({ file: 'rollout.yaml', cwd: dir });
  const flag = loaded.config.flags[0] as RawConfig['flags'][number];
  const flagReader = unleash
    ? (await import('./unleash-flag.js')).unleashFlagReader(unleash.api, {
        key: flag.key,
        newVariant: flag.variants.new,
        fallbackVariant: flag.variants.fallback,
      })
    : fileFlagReader(project.flagFile, flag.key, flag.variants.new);
  const app = createSimulatedApp({
    seed,
    flag: flagReader,
    newVariant: flag.variants.new,
    fallbackVariant: flag.variants.fallback,
  });
  const clock = createSimulationClock(DEMO_START, (end) => app.simulateMinute(end));
  const source = createSimulatedSource({ ledger: app.ledger, config: loaded.config, now: () => clock.now() });
  const secret = unleash?.secret;
  const ctx: Ctx = {
    cwd: dir,
    env: { ...pickEnv(outer.env), ...unleash?.env },
    clock,
    actor: 'release-manager (simulated)',
    global: { config: 'rollout.yaml', json: false, color: outer.global.color },
    progress: (line) => outer.progress(line.replace(/^/gm, '      │ ')),
    isTTY: outer.isTTY,
    // A locally generated admin token is unknown to the outer redaction: scrub it here too.
    redact: secret ? (text) => outer.redact(text).split(secret).join('[REDACTED]') : outer.redact,
    metricsSource: source,
  };
  const narrate = (line: string) => outer.progress(`▸ ${formatSimTime(DEMO_START, clock.now())} (simulated) ${line}`);
  return { ctx, loaded, clock, app, flagReader, unleash, source, steps: [], narrate };
}

/** Sign-offs a phase needs before `advance` leaves it (a rollout phase: before its rollout starts). */
function itemsToSign(config: RawConfig, phase: PhaseConfig): string[] {
  if (!phase.rollout) return requiredSignoffs(config, phase);
  return [
    ...new Set([
      ...phase.checklist.map((c) => c.id),
      ...phase.gates.flatMap((g) => (g.kind === 'manual' ? [g.signoff] : [])),
    ]),
  ];
}

/** Phases up to the rollout: sign-offs, preflight of the first phase, advance. False if a step was refused. */
async function walkPhases(w: DemoWorld): Promise<boolean> {
  const phases = w.loaded.config.phases;
  for (const phase of phases) {
    await signItems(w, phase.id, itemsToSign(w.loaded.config, phase));
    if (phase === phases[0]) await runPhasePreflight(w, phase.id);
    if (!(await advanceOnce(w)).moved) return false;
    if (phase.rollout) return true;
  }
  return false;
}

/** Stage after stage: skip to the last hour of the bake, serve it, ask `advance`. Returns the stages reached. */
async function walkStages(w: DemoWorld, until: string): Promise<string[]> {
  const reached: string[] = [];
  const stages = w.loaded.config.phases.flatMap((p) => p.rollout?.stages ?? []);
  for (;;) {
    const state = await readRelease(w);
    if (!state?.stage) return reached;
    reached.push(state.stage.id);
    if (state.stage.id === until) return reached;
    const bake = parseDuration(stages.find((s) => s.id === state.stage?.id)?.bake ?? '0s') ?? 0;
    const skip = Date.parse(state.stage.startedAt) + bake - BEFORE_DECISION_MS - w.clock.now().getTime();
    if (skip > 0) {
      w.narrate(
        `${state.stage.id}: skipping ${formatDuration(skip)} of the bake (no traffic simulated), then simulating its last ${BEFORE_DECISION_MS / MINUTE} minutes`,
      );
      w.clock.jump(skip);
    }
    await w.clock.simulate(BEFORE_DECISION_MS);
    if (!(await advanceOnce(w)).moved) return reached;
  }
}

/** The 25 % stage: healthy traffic, then a regression in the new variant, with the real `watch` loop running. */
async function watchRegression(w: DemoWorld): Promise<{ summary: WatchSummary; injectAt: number }> {
  const { runWatch } = await import('../watch/loop.js');
  const { createWatchPorts } = await import('../watch/ports.js');
  w.narrate(
    `${REGRESSION_STAGE} began; simulating ${WATCH_WARMUP_MS / MINUTE} minutes of traffic, then starting rollout watch (1-minute looks)`,
  );
  await w.clock.simulate(WATCH_WARMUP_MS);
  const injectAt = w.clock.now().getTime() + REGRESSION_AFTER_MS;
  w.app.injectRegression(REGRESSION_PROFILE, injectAt);
  let announced = false;
  const summary = await runWatch({
    ctx: w.ctx,
    loaded: w.loaded,
    source: w.source,
    ports: createWatchPorts(w.ctx, w.loaded),
    intervalMs: parseDuration(w.loaded.config.watch.interval) ?? MINUTE,
    forMs: WATCH_LIMIT_MS,
    onLook: (look) => {
      if (announced || Date.parse(look.at) < injectAt) return;
      announced = true;
      const { fallback, new: healthy } = w.app.profiles;
      w.narrate(
        `REGRESSION INJECTED into ${w.app.newVariant} (simulated): error rate ${pct(healthy.errorRate)} → ${pct(REGRESSION_PROFILE.errorRate)} (baseline ${pct(fallback.errorRate)}), median latency ${healthy.latencyMedianMs} → ${REGRESSION_PROFILE.latencyMedianMs} ms`,
      );
    },
  });
  recordStep(w, {
    step: `watch ${REGRESSION_STAGE}`,
    outcome: summary.stop === 'rollback' ? 'rolled back' : summary.stop,
    exitCode: summary.exitCode,
    detail: summary.message,
  });
  w.narrate(`rollout watch stopped (exit ${summary.exitCode}): ${summary.message}`);
  return { summary, injectAt };
}

function pct(x: number): string {
  return `${Number((x * 100).toFixed(2))} %`;
}

/** A few more simulated minutes after the rollback: who is served what now. */
async function serveAfterRollback(w: DemoWorld): Promise<NonNullable<DemoResult['afterRollback']>> {
  await w.clock.simulate(AFTER_ROLLBACK_MS);
  const at = w.clock.now().getTime();
  const requests = Object.fromEntries(
    [w.app.newVariant, w.app.fallbackVariant].map((v) => [
      v,
      w.app.ledger.sum('requests', v, at, AFTER_ROLLBACK_MS).value,
    ]),
  );
  w.narrate(
    `after the rollback, ${AFTER_ROLLBACK_MS / MINUTE} simulated minutes: ${Object.entries(requests)
      .map(([v, n]) => `${v} ${n} requests`)
      .join(', ')}`,
  );
  return { minutes: AFTER_ROLLBACK_MS / MINUTE, requests };
}

function describeDetection(
  w: DemoWorld,
  watched: { summary: WatchSummary; injectAt: number } | null,
): DemoResult['detection'] {
  const fired = watched?.summary.fired;
  if (!watched || !fired)
    return {
      detected: false,
      trigger: null,
      detail: watched?.summary.message ?? `the release never reached ${REGRESSION_STAGE}`,
      at: null,
      minutes: null,
      looks: watched?.summary.looks ?? 0,
      sequentialPValue: null,
      requestsSinceInjection: {},
      watchSamples: null,
    };
  const at = Date.parse(watched.summary.endedAt);
  const span = at - watched.injectAt;
  const requestsSinceInjection = Object.fromEntries(
    [w.app.newVariant, w.app.fallbackVariant].map((v) => [v, w.app.ledger.sum('requests', v, at, span).value]),
  );
  return {
    detected: fired.action === 'rollback',
    trigger: fired.id,
    detail: fired.detail,
    at: new Date(at).toISOString(),
    minutes: span / MINUTE,
    looks: watched.summary.looks,
    sequentialPValue: fired.pValue ?? null,
    requestsSinceInjection,
    watchSamples: fired.samples ?? null,
  };
}

/**
 * The whole simulated release, start to audit; the temporary project is removed unless `keep`. With
 * `provider: 'unleash'` the flag lives on a real Unleash server (UNLEASH_URL, or a local one started here and
 * stopped at the end, also on an error or a signal).
 */
export async function runDemoRelease(outer: Ctx, opts: DemoOptions): Promise<DemoResult> {
  if (opts.provider !== 'unleash') return runInProject(outer, opts, null);
  const { withDemoUnleash } = await import('./unleash-server.js');
  const { result, info } = await withDemoUnleash(
    {
      env: outer.env,
      cwd: outer.cwd,
      keep: opts.keep,
      progress: (line) => outer.progress(`▸ ${line}`),
      ...(opts.unleashServer ? { serverDir: opts.unleashServer } : {}),
    },
    (unleash, onDir) => runInProject(outer, opts, unleash, onDir),
  );
  if (result.flagProvider.kind === 'unleash') result.flagProvider.cleanup = info.cleanup;
  return result;
}

async function runInProject(
  outer: Ctx,
  opts: DemoOptions,
  unleash: DemoUnleash | null,
  onDir?: (dir: string) => void,
): Promise<DemoResult> {
  const dir = await mkdtemp(path.join(opts.parent ?? tmpdir(), 'rollout-demo-'));
  onDir?.(dir);
  try {
    const w = await createWorld(outer, dir, opts.seed, unleash);
    if (unleash) {
      const removed = await unleash.prepareToggle(w.loaded.config.flags[0]?.key ?? '', w.loaded.config.release);
      if (removed) w.narrate(removed);
    }
    w.narrate(
      `project ${dir}: embedded plan ${w.loaded.config.release}, ${w.app.users.length} simulated users, seed ${opts.seed}; ${
        unleash
          ? `the flag is a toggle on the ${unleash.info.server} Unleash server ${unleash.info.url} (project ${unleash.info.project}, environment ${unleash.info.environment}); traffic, metrics and clock are simulated`
          : 'no external service is contacted'
      }`,
    );
    w.narrate(
      `simulating ${BEFORE_DECISION_MS / MINUTE} minutes of traffic before the release (no flag ${unleash ? 'toggle' : 'file'} yet: everyone on ${w.app.fallbackVariant})`,
    );
    await w.clock.simulate(BEFORE_DECISION_MS);
    const inRollout = await walkPhases(w);
    const stagesReached = inRollout ? await walkStages(w, REGRESSION_STAGE) : [];
    const watched = stagesReached.includes(REGRESSION_STAGE) ? await watchRegression(w) : null;
    const rollback = watched?.summary.rollback ?? null;
    const afterRollback = rollback?.ok ? await serveAfterRollback(w) : null;
    const detection = describeDetection(w, watched);
    const [audit, finalFlag] = await Promise.all([readAudit(w), evaluateFinalFlag(w)]);
    const healthy = w.app.profiles.new;
    const percent =
      w.loaded.config.phases.flatMap((p) => p.rollout?.stages ?? []).find((s) => s.id === REGRESSION_STAGE)?.percent ??
      0;
    const ok = detection.detected && Boolean(rollback?.ok) && finalFlag.allFallback && audit.verified;
    return {
      simulated: true,
      ok,
      seed: opts.seed,
      flagProvider: unleash
        ? { kind: 'unleash', ...unleash.info, flagReadErrors: w.app.flagReadErrors }
        : { kind: 'flagd-file' },
      release: w.loaded.config.release,
      dir,
      kept: opts.keep,
      clock: {
        startedAt: DEMO_START.toISOString(),
        endedAt: w.clock.now().toISOString(),
        simulatedMinutes: w.clock.simulatedMinutes,
        note: CLOCK_NOTE,
      },
      traffic: {
        users: w.app.users.length,
        requestsPerMinute: w.app.requestsPerMinute,
        requests: w.app.ledger.totals(),
      },
      steps: w.steps,
      stagesReached,
      regression: watched
        ? {
            stage: REGRESSION_STAGE,
            percent,
            variant: w.app.newVariant,
            injectedAt: new Date(watched.injectAt).toISOString(),
            before: { errorRate: healthy.errorRate, latencyMedianMs: healthy.latencyMedianMs },
            after: { errorRate: REGRESSION_PROFILE.errorRate, latencyMedianMs: REGRESSION_PROFILE.latencyMedianMs },
          }
        : null,
      detection,
      watch: watched
        ? {
            exitCode: watched.summary.exitCode,
            stop: watched.summary.stop,
            message: watched.summary.message,
            looks: watched.summary.looks,
            alerted: watched.summary.alerted,
          }
        : null,
      rollback: rollback
        ? { ok: rollback.ok, mode: rollback.mode, rollbackId: rollback.rollbackId, problems: rollback.problems }
        : null,
      afterRollback,
      finalFlag,
      audit,
    };
  } finally {
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}
