import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import type { MetricsSource } from '../metrics/types.js';
import { openState } from '../state/open-state.js';
import type { ReleaseState } from '../state/types.js';
import type { FlagReader, SimulatedApp } from './app.js';
import type { SimulationClock } from './sim-clock.js';
import type { DemoStep } from './types.js';
import type { DemoUnleash } from './unleash-server.js';

/** Everything one demo run works with: the real commands get `ctx`, whose clock and metrics are simulated. */
export interface DemoWorld {
  ctx: Ctx;
  loaded: LoadedConfig;
  clock: SimulationClock;
  app: SimulatedApp;
  /** Where the application reads the flag: the flagd file, or the Unleash toggle. */
  flagReader: FlagReader;
  /** The Unleash server the flag lives on (`--provider unleash`), else null. */
  unleash: DemoUnleash | null;
  source: MetricsSource;
  steps: DemoStep[];
  /** A line of the demo's own story (stderr), stamped with the simulated time. */
  narrate(line: string): void;
}

const PERSONAS = ['qa-lead (simulated)', 'sre-on-call (simulated)', 'release-manager (simulated)'];

/** `day 3 14:05`: days since the demo began, and the simulated time of day (UTC). */
export function formatSimTime(start: Date, at: Date): string {
  const day = Math.floor((at.getTime() - start.getTime()) / 86_400_000) + 1;
  return `day ${day} ${at.toISOString().slice(11, 16)}`;
}

export function recordStep(w: DemoWorld, step: Omit<DemoStep, 'at'>): DemoStep {
  const full = { at: w.clock.now().toISOString(), ...step };
  w.steps.push(full);
  return full;
}

export function readRelease(w: DemoWorld): Promise<ReleaseState | null> {
  return openState(w.ctx, w.loaded).read();
}

/** Records the sign-offs `items` of `phaseId`, each by a simulated person, with `rollout signoff`. */
export async function signItems(w: DemoWorld, phaseId: string, items: string[]): Promise<void> {
  const { runSignoff } = await import('../commands/signoff.js');
  w.narrate(`${phaseId}: sign-offs by simulated people: ${items.join(', ')}`);
  for (const [i, item] of items.entries()) {
    const actor = PERSONAS[i % PERSONAS.length] as string;
    const out = await runSignoff(
      { phase: phaseId, reason: `simulated sign-off: ${item} checked (rollout demo)` },
      [item],
      { ...w.ctx, actor },
    );
    recordStep(w, {
      step: `signoff ${phaseId} ${item}`,
      outcome: out.result.alreadySigned ? 'already signed' : 'signed',
      exitCode: out.exitCode,
      detail: `by ${actor}`,
    });
  }
}

/** `rollout preflight --phase ID`, as CI would run it. */
export async function runPhasePreflight(w: DemoWorld, phaseId: string): Promise<DemoStep> {
  const { runPreflight } = await import('../commands/preflight.js');
  w.narrate(`rollout preflight --phase ${phaseId} (real gates; Prometheus gates read the simulated metrics)`);
  const out = await runPreflight({ phase: phaseId }, [], w.ctx);
  const c = out.result.counts;
  const step = recordStep(w, {
    step: `preflight ${phaseId}`,
    outcome: out.result.verdict,
    exitCode: out.exitCode,
    detail: `${c.pass} passed, ${c.fail} failed, ${c.inconclusive} inconclusive`,
  });
  w.narrate(`preflight ${phaseId}: ${step.outcome} (${step.detail})`);
  return step;
}

/** `rollout advance`: one step forward if the evidence says so. */
export async function advanceOnce(w: DemoWorld): Promise<{ moved: boolean; step: DemoStep }> {
  const { runAdvance } = await import('../commands/advance.js');
  const out = await runAdvance({}, [], w.ctx);
  const r = out.result;
  const where = (p: typeof r.to) =>
    p
      ? `${p.phase ?? 'complete'}${p.stage ? `/${p.stage}` : ''}${p.percent !== null && p.percent !== undefined ? ` (${p.percent} %)` : ''}`
      : '?';
  const canary = r.evidence?.canary ? `; canary ${r.evidence.canary.verdict}: ${r.evidence.canary.summary}` : '';
  const detail = r.moved
    ? `${where(r.from)} → ${where(r.to)}${canary}`
    : `${r.description}: ${(r.evidence?.reasons ?? []).join('; ')}${canary}`;
  const step = recordStep(w, {
    step: 'advance',
    outcome: r.moved ? 'advanced' : 'not advanced',
    exitCode: out.exitCode,
    detail,
  });
  w.narrate(`rollout advance → ${step.outcome}: ${detail}`);
  const canaryVerdict = r.evidence?.canary;
  if (canaryVerdict)
    w.narrate(
      `  canary evidence: the last ${canaryVerdict.window} of simulated traffic (model_accuracy_delta: the real golden cases)`,
    );
  for (const m of canaryVerdict?.metrics ?? []) {
    const n =
      m.canary.n !== null && m.baseline.n !== null ? ` [n: canary ${m.canary.n}, baseline ${m.baseline.n}]` : '';
    w.narrate(`    ${m.id}: ${m.verdict} — ${m.reason}${n}`);
  }
  return { moved: r.moved, step };
}
