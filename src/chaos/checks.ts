import { randomBytes } from 'node:crypto';
import type { ExperimentCheckConfig } from '../config/schema.js';
import { createCheckRequester, type CheckRequester } from './check-http.js';
import type { CheckResult } from './types.js';

/**
 * One X-1 acceptance check of an experiment, driven by the run at three moments: `before` the fault
 * (a problem there means the system was not steady: nothing is injected), once per probe tick
 * `during` the fault, and `after` recovery. `result` is the verdict over all three.
 */
export interface CheckRunner {
  readonly id: string;
  before(): Promise<string | null>;
  during(): Promise<void>;
  after(): Promise<void>;
  result(): CheckResult;
}

type WriteRead = Extract<ExperimentCheckConfig, { kind: 'write-read' }>;
type Journey = Extract<ExperimentCheckConfig, { kind: 'http-journey' }>;

/** At most this many lost or changed keys are named in the reason; the counts say how many in all. */
const NAMED_PROBLEMS = 3;

/**
 * "No data corruption or loss": a write is acknowledged when the application answers it with the
 * expected status. Writes the application refuses during the fault are graceful degradation; every
 * acknowledged one (before and during the fault) must read back with exactly its value after
 * recovery, and a fresh write must read back too.
 */
function createWriteRead(check: WriteRead, request: CheckRequester, runId: string): CheckRunner {
  const acknowledged = new Map<string, string>();
  const counts = { written: 0, acknowledged: 0, refused: 0, verified: 0, lost: 0, changed: 0 };
  const problems: string[] = [];
  let sequence = 0;
  let afterDone = false;

  const write = async (): Promise<{ key: string; value: string } | null> => {
    sequence += 1;
    const key = `rollout-chaos-${runId}-${sequence}`;
    const value = `${key}-${randomBytes(6).toString('hex')}`;
    counts.written += 1;
    const answer = await request(check.write, { key, value, run: runId });
    if (!answer.ok) {
      counts.refused += 1;
      return null;
    }
    counts.acknowledged += 1;
    acknowledged.set(key, value);
    return { key, value };
  };

  const verify = async (key: string, value: string): Promise<string | null> => {
    const answer = await request(check.read, { key, value, run: runId });
    if (!answer.ok) {
      counts.lost += 1;
      return `acknowledged write ${key} is gone (${answer.reason})`;
    }
    if (!(answer.body ?? '').includes(value)) {
      counts.changed += 1;
      return `acknowledged write ${key} reads back changed (expected ${value}, got ${JSON.stringify((answer.body ?? '').slice(0, 80))})`;
    }
    counts.verified += 1;
    return null;
  };

  return {
    id: check.id,
    async before() {
      const first = await write();
      if (!first) return `check ${check.id}: the write before the fault was not acknowledged`;
      const problem = await verify(first.key, first.value);
      return problem && `check ${check.id}: ${problem} before the fault`;
    },
    async during() {
      await write();
    },
    async after() {
      afterDone = true;
      for (const [key, value] of acknowledged) {
        const problem = await verify(key, value);
        if (problem) problems.push(problem);
      }
      const fresh = await write();
      if (!fresh) problems.push('a write after recovery was not acknowledged');
      else {
        const problem = await verify(fresh.key, fresh.value);
        if (problem) problems.push(`after recovery: ${problem}`);
      }
    },
    result() {
      const base = { id: check.id, kind: check.kind, counts: { ...counts } };
      if (!afterDone) return { ...base, verdict: 'not-run', reason: 'not run after the fault (no recovery)' };
      if (problems.length === 0)
        return {
          ...base,
          verdict: 'pass',
          reason: `${counts.verified} acknowledged writes read back unchanged (${counts.refused} refused during the fault)`,
        };
      const more = problems.length > NAMED_PROBLEMS ? ` (+${problems.length - NAMED_PROBLEMS} more)` : '';
      return {
        ...base,
        verdict: 'fail',
        reason: `data lost or changed: ${problems.slice(0, NAMED_PROBLEMS).join('; ')}${more}`,
      };
    },
  };
}

/** "User experience remains functional": the scripted journey passes in every phase it lists. */
function createJourney(check: Journey, request: CheckRequester, runId: string): CheckRunner {
  const counts = { runs: 0, passed: 0, failed: 0 };
  let firstFailure: string | null = null;
  let afterDone = false;
  let sequence = 0;

  const runJourney = async (): Promise<string | null> => {
    sequence += 1;
    const vars = { run: `${runId}-${sequence}`, key: `rollout-chaos-${runId}-j${sequence}`, value: runId };
    for (const [i, step] of check.steps.entries()) {
      const answer = await request(step, vars);
      if (!answer.ok) return `step ${i + 1}${step.name ? ` (${step.name})` : ''}: ${answer.reason}`;
    }
    return null;
  };
  const record = async (phase: 'before' | 'during' | 'after'): Promise<string | null> => {
    if (!check.when.includes(phase)) return null;
    counts.runs += 1;
    const problem = await runJourney();
    if (!problem) {
      counts.passed += 1;
      return null;
    }
    counts.failed += 1;
    firstFailure ??= `${phase} the fault, ${problem}`;
    return problem;
  };

  return {
    id: check.id,
    async before() {
      const problem = await record('before');
      return problem && `check ${check.id}: the journey failed before the fault: ${problem}`;
    },
    async during() {
      await record('during');
    },
    async after() {
      afterDone = true;
      await record('after');
    },
    result() {
      const base = { id: check.id, kind: check.kind, counts: { ...counts } };
      if (firstFailure)
        return {
          ...base,
          verdict: 'fail',
          reason: `the journey failed ${counts.failed} of ${counts.runs} times; first: ${firstFailure}`,
        };
      if (!afterDone && check.when.includes('after'))
        return { ...base, verdict: 'not-run', reason: 'not run after the fault (no recovery)' };
      return { ...base, verdict: 'pass', reason: `the journey passed ${counts.passed} of ${counts.runs} times` };
    },
  };
}

/** A check whose requests cannot be sent (its URL variable is unset): the run is not steady. */
function createUnrunnable(check: ExperimentCheckConfig, problem: string): CheckRunner {
  return {
    id: check.id,
    before: () => Promise.resolve(problem),
    during: () => Promise.resolve(),
    after: () => Promise.resolve(),
    result: () => ({ id: check.id, kind: check.kind, verdict: 'not-run', reason: problem, counts: {} }),
  };
}

export function createCheckRunner(
  check: ExperimentCheckConfig,
  options: { env: NodeJS.ProcessEnv; fetch?: typeof fetch; runId?: string },
): CheckRunner {
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const request = createCheckRequester(check, options.env, options.fetch);
  if ('problem' in request) return createUnrunnable(check, request.problem);
  return check.kind === 'write-read' ? createWriteRead(check, request, runId) : createJourney(check, request, runId);
}
