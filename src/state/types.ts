import { randomUUID } from 'node:crypto';

/** Where the progressive rollout currently stands inside the current phase. */
export type StagePosition = {
  /** Zero-based position of the stage in the phase's `stages` list. */
  index: number;
  /** Stage id as written in `rollout.yaml` (e.g. `stage-2`). */
  id: string;
  /** ISO time the stage began; bake times are measured from here, so they survive restarts. */
  startedAt: string;
};

/** The last value `rollout` wrote for one feature flag. */
export type FlagState = {
  /** Percentage (0–100) of users served the new variant. */
  percent: number;
  /** Groups that always get the new variant, whatever the percentage. */
  groups: string[];
  /** True while the kill switch serves the fallback variant to everyone. */
  killSwitch: boolean;
  /** ISO time of the last change to this flag. */
  updatedAt: string;
  /**
   * The flag file (as written in the plan) this position was written to. A rollback also switches
   * off a file the plan no longer names, so moving `file:` mid-release cannot leave users behind.
   */
  file?: string;
  /** Every flag file this flag was written to in this release (a plan that moved `file:` leaves the old one behind). */
  files?: string[];
  /**
   * sha256 of the flag document the last step wrote for this flag (the whole file). With a shared state,
   * `status` on any machine compares its local file with it; `flags sync` rewrites the file from the state.
   */
  sha256?: string;
};

/** A human checklist item recorded with `rollout signoff`. */
export type Signoff = {
  /** Checklist item id. */
  item: string;
  /** Phase the item belongs to. */
  phase: string;
  /** Who signed off. */
  actor: string;
  /** ISO time of the sign-off. */
  at: string;
  /** Why the actor considers the item done. */
  reason: string;
};

/**
 * A multi-step operation that has started but not finished. It is written before the first side
 * effect, so that after a crash the next command can finish or undo it instead of guessing.
 */
export type Intent = {
  /** Unique id of the operation (idempotency key). */
  id: string;
  /** What kind of operation, e.g. `advance`, `rollback`. */
  kind: string;
  /** The position the operation is moving to; its shape depends on `kind`. */
  target: unknown;
  /** ISO time the operation started. */
  startedAt: string;
  /** Who started it. */
  actor: string;
};

/** One step of a progressive rollback ramp-down, with an absolute time so it can resume after a crash. */
export type RollbackStep = {
  /** Absolute flag percentage to set (never a decrement, so redoing a step is harmless). */
  percent: number;
  /** ISO time before which this step must not run. */
  notBefore: string;
  /** True once the step has been applied. */
  done: boolean;
};

/** The rollback in progress or last completed. */
export type RollbackState = {
  /** Unique id of the rollback. */
  id: string;
  /** `immediate`, `progressive` or `full`. */
  mode: string;
  /** ISO time the rollback started. */
  startedAt: string;
  /** Why it was started (trigger name or the operator's reason). */
  reason: string;
  /** The ramp-down plan of a progressive rollback. */
  steps?: RollbackStep[];
  /** ISO time the rollback finished; absent while it is still running. */
  completedAt?: string;
  /** Who started it. */
  actor?: string;
  /** Where the release stood when it was rolled back: `retry` restores this cohort by default. */
  from?: { phase: string | null; stage: string | null; percent: number | null; groups: string[] };
  /** The process running a progressive ramp-down, so `status` and a second `--resume` can see it. */
  runner?: { actor: string; pid: number; host: string; startedAt: string; heartbeatAt: string };
};

/** One transition of the release, kept in the state for `status` (the audit log is the full record). */
export type HistoryEntry = {
  /** ISO time of the transition. */
  at: string;
  /** Who made it. */
  actor: string;
  /** What was done, e.g. `advance`, `rollback`, `signoff`. */
  action: string;
  /** Position before the transition. */
  from?: unknown;
  /** Position after the transition. */
  to?: unknown;
  /** The operator's reason, if one was given. */
  reason?: string;
  /** Evidence the decision was based on (verdicts, sample sizes). */
  evidence?: unknown;
  /** The state serial this transition produced. */
  serial: number;
};

/** Lifecycle of a release. */
export type ReleaseStatus = 'not-started' | 'in-progress' | 'completed' | 'rolled-back';

/**
 * The persisted position of one release; every write replaces it as a whole. The document's types are
 * type aliases, not interfaces, so that `state-schema.ts` can check at compile time that every state the
 * code builds has the shape its schema accepts (an interface is not assignable to the schema's loose
 * objects, which keep fields a newer version adds).
 */
export type ReleaseState = {
  /** Version of this document's shape; bumped with a migration when the shape changes. */
  schemaVersion: 1;
  /** Release being rolled out, e.g. `v2.1.0`. */
  release: string;
  /** UUID fixed at creation; a write whose lineage differs belongs to another release history. */
  lineage: string;
  /** Incremented by one on every successful write; the compare-and-set guard and fencing token. */
  serial: number;
  /** sha256 of the `rollout.yaml` the last transition was made with (detects config drift mid-rollout). */
  configHash: string;
  /** Lifecycle of the release. */
  status: ReleaseStatus;
  /** Current phase id, or null before the first phase starts. */
  phase: string | null;
  /** ISO time the current phase began. */
  phaseStartedAt: string | null;
  /** Progressive-rollout position within the current phase, or null outside a rollout. */
  stage: StagePosition | null;
  /** Flags `rollout` manages, keyed by flag name. */
  flags: Record<string, FlagState>;
  /** Recorded human sign-offs. */
  signoffs: Signoff[];
  /** Latest results keyed by what produced them, e.g. `preflight:P0`, `canary:stage-2`. */
  evidence: Record<string, unknown>;
  /** The in-flight multi-step operation, for crash recovery; null when none. */
  intent: Intent | null;
  /** The rollback in progress or last completed; null when none happened. */
  rollback: RollbackState | null;
  /** Transitions so far, oldest first. */
  history: HistoryEntry[];
};

/**
 * A fresh, never-written state. Its serial is 0, the same serial `write` expects when no state
 * exists yet, so the first write stores serial 1; the `create` history entry already names that serial.
 */
export function createInitialState(release: string, configHash: string, clockNow: Date): ReleaseState {
  return {
    schemaVersion: 1,
    release,
    lineage: randomUUID(),
    serial: 0,
    configHash,
    status: 'not-started',
    phase: null,
    phaseStartedAt: null,
    stage: null,
    flags: {},
    signoffs: [],
    evidence: {},
    intent: null,
    rollback: null,
    history: [{ at: clockNow.toISOString(), actor: 'rollout', action: 'create', to: { release }, serial: 1 }],
  };
}
