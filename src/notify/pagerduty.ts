import { describeEvent } from './format.js';
import { scrubSecrets } from './redact.js';
import type { RollbackEvent } from './types.js';

/** Where and how to send PagerDuty Events v2 (or a compatible webhook). */
export interface PagerDutyOptions {
  /** Events endpoint, e.g. https://events.pagerduty.com/v2/enqueue (loopback in tests). */
  url: string;
  /** Integration routing key, read from the environment; never logged or put in an error. */
  routingKey: string;
  /** `payload.source`; default `rollout`. */
  source?: string;
  /** Request timeout; default 5000 ms. */
  timeoutMs?: number;
}

/** The JSON body of an Events v2 `trigger`. */
export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component: string;
    group: string;
    custom_details: Record<string, string>;
  };
}

/** A failed trigger; `message` never contains the routing key. */
export class PagerDutyError extends Error {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = 'PagerDutyError';
    this.retryable = retryable;
  }
}

// PagerDuty truncates summaries at 1024 characters and limits dedup keys to 255.
const SUMMARY_MAX = 1024;
const DEDUP_KEY_MAX = 255;

export function buildPagerDutyTrigger(
  event: RollbackEvent,
  dedupKey: string,
  routingKey: string,
  source = 'rollout',
): PagerDutyTrigger {
  const details: Record<string, string> = {
    release: event.release,
    rollbackId: event.rollbackId,
    flag: event.flag,
    mode: event.mode,
    reason: event.reason,
    actor: event.actor,
  };
  if (event.trigger !== undefined) details.trigger = event.trigger;
  if (event.evidence !== undefined) details.evidence = event.evidence;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey.slice(0, DEDUP_KEY_MAX),
    payload: {
      summary: `${describeEvent(event)}: ${event.reason}`.slice(0, SUMMARY_MAX),
      source,
      severity: 'critical',
      timestamp: event.at,
      component: event.flag,
      group: event.release,
      custom_details: details,
    },
  };
}

/** POST a trigger; resolves on 2xx, otherwise rejects with a redacted {@link PagerDutyError}. */
export async function sendPagerDutyTrigger(
  body: PagerDutyTrigger,
  options: PagerDutyOptions,
  signal?: AbortSignal,
): Promise<void> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5000);
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
  } catch (error) {
    // Node's fetch says only "fetch failed"; the useful part (ECONNREFUSED, timeout) is in the cause.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const what =
      [cause?.code, cause?.message, error instanceof Error ? error.message : undefined].find(
        (v) => typeof v === 'string',
      ) ?? 'request failed';
    throw new PagerDutyError(scrubSecrets(`pagerduty: ${what}`, [options.routingKey]), true);
  }
  // Drain the body so the socket is released; its content is not needed (and could echo input).
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return;
  const retryable = response.status === 429 || response.status >= 500;
  throw new PagerDutyError(`pagerduty: HTTP ${response.status}`, retryable);
}
