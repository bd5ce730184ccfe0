import { auditHistoryOf } from './audit-access.js';
import type { AuditEntry, StateStore } from './store.js';
import type { ReleaseState } from './types.js';

/**
 * Write the audit entries a crash prevented. The state is committed before its audit entry, so a
 * process killed in between leaves a state serial the log never mentions. Call this while holding
 * the lock (e.g. right after `acquireLock`, or when `state.intent` shows an interrupted operation):
 * every history transition newer than the last `stateSerial` in the log is appended, marked
 * `backfilled`; if the history has no entry for the current serial, a `state:unaudited` entry says so.
 * It runs before every change, so it reads only the end of the log (`lastAuditedSerial`).
 */
export async function backfillAudit(
  store: StateStore,
  state: ReleaseState | null,
  actor: string,
): Promise<AuditEntry[]> {
  const history = auditHistoryOf(store);
  if (!state) {
    // A log that cannot be written (a symlink) is reported before the first state is written.
    await history.check();
    return [];
  }
  const audited = await history.lastAuditedSerial();
  if (audited >= state.serial) return [];
  const written: AuditEntry[] = [];
  const missing = state.history.filter((h) => h.serial > audited && h.serial <= state.serial);
  for (const h of missing) {
    const data = { from: h.from, to: h.to, evidence: h.evidence, at: h.at, backfilled: true, backfilledBy: actor };
    written.push(
      await store.appendAudit({ actor: h.actor, op: h.action, reason: h.reason, data, stateSerial: h.serial }),
    );
  }
  if (!missing.some((h) => h.serial === state.serial)) {
    written.push(
      await store.appendAudit({
        actor,
        op: 'state:unaudited',
        reason: 'the state was written but its audit entry was not (interrupted command)',
        data: { auditedSerial: audited },
        stateSerial: state.serial,
      }),
    );
  }
  return written;
}
