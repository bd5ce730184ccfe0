import type {
  DeliveryResult,
  Notifier,
  ReleaseEvent,
  RollbackEvent,
  StageChangedEvent,
} from '../../../src/notify/types.js';

export const AT = '2026-03-14T09:26:53.000Z';

export function stageEvent(overrides: Partial<StageChangedEvent> = {}): StageChangedEvent {
  return {
    type: 'stage-changed',
    release: 'v2.1.0',
    at: AT,
    flag: 'reserves_v1.1',
    fromPercent: 5,
    toPercent: 25,
    groups: ['beta-testers'],
    actor: 'alice',
    verdictSummary: 'error rate pass (p=0.41)',
    ...overrides,
  };
}

export function rollbackEvent(overrides: Partial<RollbackEvent> = {}): RollbackEvent {
  return {
    type: 'rollback',
    release: 'v2.1.0',
    at: AT,
    rollbackId: 'rb-7',
    flag: 'reserves_v1.1',
    mode: 'immediate',
    reason: 'p95 latency 612 ms > 400 ms',
    trigger: 'p95-latency',
    evidence: 'canary p95 612 ms vs 380 ms',
    actor: 'watch',
    ...overrides,
  };
}

/** One of every event type, for tests that must cover the whole union. */
export function everyEvent(): ReleaseEvent[] {
  return [
    {
      type: 'phase-changed',
      release: 'v2.1.0',
      at: AT,
      from: 'foundation',
      to: 'core-logic',
      actor: 'alice',
      reason: 'gates green',
    },
    stageEvent(),
    {
      type: 'override',
      release: 'v2.1.0',
      at: AT,
      actor: 'bob',
      reason: 'known flaky metric',
      overriddenEvidence: 'wizard completion inconclusive (n=412)',
    },
    {
      type: 'signoff',
      release: 'v2.1.0',
      at: AT,
      item: 'security-review',
      phase: 'foundation',
      actor: 'carol',
      reason: 'reviewed PR 81',
    },
    rollbackEvent(),
    {
      type: 'rollback-failed',
      release: 'v2.1.0',
      at: AT,
      rollbackId: 'rb-7',
      flag: 'reserves_v1.1',
      mode: 'full',
      error: 'health check /healthz 503',
      step: 'health-verification',
      actor: 'watch',
    },
    {
      type: 'alert',
      release: 'v2.1.0',
      at: AT,
      title: 'business metric degraded',
      detail: 'reserve accuracy 97.1% < 99%: manual review',
      severity: 'warning',
    },
    {
      type: 'watch-error',
      release: 'v2.1.0',
      at: AT,
      error: 'prometheus unreachable',
      consecutiveErrors: 3,
      action: 'hold-and-alert',
    },
  ];
}

/** A notifier whose answers the test scripts; records what it was asked to send. */
export function scriptedNotifier(
  name: string,
  answers: (DeliveryResult | 'hang' | 'throw')[],
  fallback: DeliveryResult = { status: 'delivered' },
) {
  const sent: ReleaseEvent[] = [];
  const notifier: Notifier = {
    name,
    send(event, options) {
      sent.push(event);
      const answer = answers.shift() ?? fallback;
      if (answer === 'throw') return Promise.reject(new Error('boom'));
      if (answer === 'hang') {
        return new Promise((resolve) =>
          options?.signal?.addEventListener('abort', () =>
            resolve({ status: 'failed', retryable: true, error: 'aborted' }),
          ),
        );
      }
      return Promise.resolve(answer);
    },
  };
  return { notifier, sent };
}

export function createTestClock(start = Date.parse(AT)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}
