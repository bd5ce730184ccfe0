export type {
  ReleaseState,
  ReleaseStatus,
  StagePosition,
  FlagState,
  Signoff,
  Intent,
  RollbackState,
  RollbackStep,
  HistoryEntry,
} from './types.js';
export { createInitialState } from './types.js';
export type {
  AuditEntry,
  AuditInput,
  AuditProblem,
  AuditProblemKind,
  AuditVerification,
  Clock,
  LockHandle,
  LockInfo,
  StateStore,
} from './store.js';
export {
  AuditWriteError,
  LockBusyError,
  LockLostError,
  StaleStateError,
  StateBackendUnavailableError,
  StateCorruptError,
  StateError,
  StateUrlError,
} from './errors.js';
export { createStateStore } from './factory.js';
export type { StateStoreContext } from './factory.js';
export { DEFAULT_STATE_DIR, FileStateStore } from './file-store.js';
export type { FileStateStoreOptions } from './file-store.js';
export { canonicalJson } from './canonical-json.js';
export { AUDIT_GENESIS, hashAuditEntry, verifyAuditLog, parseAuditLog } from './audit-chain.js';
export { acquireLockWithin } from './lock-wait.js';
export type { LockWaitOptions } from './lock-wait.js';
export { backfillAudit } from './audit-backfill.js';
