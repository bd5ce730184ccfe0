/**
 * Types shared by the notification layer: the events a release announces, the notifier adapter
 * interface and the outbox that keeps undelivered notifications until a later flush.
 *
 * A notification never fails or delays a release step: notifiers return a {@link DeliveryResult}
 * instead of throwing, and whatever was not delivered stays in the {@link Outbox}.
 */

/** Fields every event carries. `at` is an ISO-8601 timestamp taken from the caller's clock. */
export interface EventBase {
  /** Release identifier, e.g. `v2.1.0`. */
  release: string;
  /** When the change happened (ISO-8601); part of the event's identity for de-duplication. */
  at: string;
}

/** The release moved from one phase to the next. */
export interface PhaseChangedEvent extends EventBase {
  type: 'phase-changed';
  from: string;
  to: string;
  actor: string;
  reason?: string;
}

/** The progressive rollout moved from one stage (percentage) to another. */
export interface StageChangedEvent extends EventBase {
  type: 'stage-changed';
  flag: string;
  fromPercent: number;
  toPercent: number;
  /** Groups that always receive the new variant at this stage. */
  groups: string[];
  actor: string;
  /** One-line summary of the canary verdict that allowed the step. */
  verdictSummary?: string;
}

/** Someone advanced although the evidence said no; `reason` is mandatory. */
export interface OverrideEvent extends EventBase {
  type: 'override';
  actor: string;
  reason: string;
  /** Summary of the failing or inconclusive evidence that was overridden. */
  overriddenEvidence: string;
}

/** A human checklist item was signed off. */
export interface SignoffEvent extends EventBase {
  type: 'signoff';
  item: string;
  phase: string;
  actor: string;
  reason: string;
}

/** How a rollback is carried out (see the rollback command). */
export type RollbackMode = 'immediate' | 'progressive' | 'full';

/** A rollback happened. Also opens an incident (de-duplicated by `release` + `rollbackId`). */
export interface RollbackEvent extends EventBase {
  type: 'rollback';
  /** Stable id of this rollback; with `release` it forms the incident key. */
  rollbackId: string;
  flag: string;
  mode: RollbackMode;
  reason: string;
  /** The rollback trigger that fired, when `watch` rolled back on its own. */
  trigger?: string;
  /** Summary of the evidence behind the decision. */
  evidence?: string;
  actor: string;
}

/** A rollback could not be completed; a human is needed. */
export interface RollbackFailedEvent extends EventBase {
  type: 'rollback-failed';
  rollbackId?: string;
  flag: string;
  mode: RollbackMode;
  /** What went wrong (already redacted by the caller's error path). */
  error: string;
  /** The step that failed, e.g. `health-verification`. */
  step?: string;
  actor: string;
}

/** Severity of an {@link AlertEvent}; also used for PagerDuty payloads. */
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** Something needs a human look without an automatic action, e.g. "business metric degraded → manual review". */
export interface AlertEvent extends EventBase {
  type: 'alert';
  title: string;
  detail: string;
  severity: AlertSeverity;
}

/** `watch` could not evaluate its triggers (metrics source down, query errors). */
export interface WatchErrorEvent extends EventBase {
  type: 'watch-error';
  error: string;
  consecutiveErrors: number;
  /** What watch does about it, e.g. `hold-and-alert` or `rollback`. */
  action?: string;
}

/** Every event the release announces. Discriminated by `type`. */
export type ReleaseEvent =
  | PhaseChangedEvent
  | StageChangedEvent
  | OverrideEvent
  | SignoffEvent
  | RollbackEvent
  | RollbackFailedEvent
  | AlertEvent
  | WatchErrorEvent;

/** The `type` tags of {@link ReleaseEvent}. */
export type ReleaseEventType = ReleaseEvent['type'];

/** Outcome of one delivery attempt. Notifiers never throw; they return this. */
export type DeliveryResult =
  | { status: 'delivered' }
  | {
      status: 'failed';
      /** False for problems a retry cannot fix (bad token, unknown channel); the entry is kept anyway. */
      retryable: boolean;
      /** Short, redacted description; never contains a token or routing key. */
      error: string;
      /** Server-requested wait (HTTP 429 Retry-After), in milliseconds. */
      retryAfterMs?: number;
    };

/** Options of one delivery attempt. */
export interface SendOptions {
  /** Aborted when the caller's deadline passes; the notifier stops its request and its retries. */
  signal?: AbortSignal;
}

/** A destination for release events (Slack, console, incident tooling). */
export interface Notifier {
  /** Stable name, recorded in outbox entries so a retry goes to the same destination only. */
  readonly name: string;
  /** Whether this notifier handles the event at all (e.g. incidents only for rollbacks). Default: all. */
  accepts?(event: ReleaseEvent): boolean;
  /** Deliver once (the adapter may retry briefly inside). Must not throw. */
  send(event: ReleaseEvent, options?: SendOptions): Promise<DeliveryResult>;
}

/** A notification waiting for (re)delivery to one notifier. */
export interface OutboxEntry {
  /** Deterministic de-duplication key: a hash of the target and the event. */
  id: string;
  /** Name of the {@link Notifier} this entry is for. */
  target: string;
  event: ReleaseEvent;
  /** Delivery attempts made so far. */
  attempts: number;
  /** Epoch milliseconds before which the entry is not retried. */
  nextAttemptAt: number;
  /** Redacted error of the last attempt, or null before the first attempt. */
  lastError: string | null;
}

/**
 * Durable store of undelivered notifications. The state layer implements it for its backends;
 * `createMemoryOutbox` and `createFileOutbox` are the implementations in this folder.
 */
export interface Outbox {
  /** Add an entry; an entry with the same id already present is kept as it is (idempotent). */
  append(entry: OutboxEntry): Promise<void>;
  /** All entries, oldest first. */
  list(): Promise<OutboxEntry[]>;
  /** Remove an entry; removing a missing id is not an error. */
  remove(id: string): Promise<void>;
  /** Replace an existing entry (matched by id); a missing id is ignored. */
  update(entry: OutboxEntry): Promise<void>;
}

/** The part of the shared clock this layer needs. `now()` may return epoch ms or a Date. */
export interface NotifyClock {
  now(): number | Date;
}

/** Where console output goes (a Writable such as process.stderr, or a test sink). */
export interface TextSink {
  write(chunk: string): unknown;
}
