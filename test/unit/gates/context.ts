import { createGateMetrics } from '../../../src/gates/metrics.js';
import type { GateContext } from '../../../src/gates/types.js';
import { createFakeClock } from '../../../src/lifecycle/clock.js';
import { createRedactor } from '../../../src/output/redact.js';
import { createInitialState, type ReleaseState } from '../../../src/state/types.js';

/** A gate context over plain data; `env` feeds both the gates and the redactor, as in the CLI. */
export function gateContext(overrides: Partial<GateContext> & { env?: NodeJS.ProcessEnv } = {}): GateContext {
  const env = overrides.env ?? {};
  return {
    planDir: process.cwd(),
    clock: createFakeClock(new Date('2026-03-01T12:00:00Z')),
    redact: createRedactor(env),
    release: 'v2.1.0',
    phase: 'P0',
    state: null,
    metrics: createGateMetrics({ urlEnv: 'ROLLOUT_PROMETHEUS_URL', timeout: '10s', retries: 2 }, env),
    ...overrides,
    env,
  };
}

/** A state in `phase`, begun at `phaseStartedAt`, with optional sign-offs. */
export function stateIn(phase: string, phaseStartedAt: string, extra: Partial<ReleaseState> = {}): ReleaseState {
  return {
    ...createInitialState('v2.1.0', 'hash', new Date(phaseStartedAt)),
    status: 'in-progress',
    phase,
    phaseStartedAt,
    ...extra,
  };
}
