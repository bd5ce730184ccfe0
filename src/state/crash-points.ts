/**
 * Named crash points for crash-consistency tests. When `ROLLOUT_CRASH_AT` names a point, reaching
 * it kills the process with SIGKILL: no exit handlers, no flushing, exactly like `kill -9` or a
 * power cut as far as this process's own writes are concerned.
 */

/** Every point the state layer passes through, in the order a write + audit append reaches them. */
export const STATE_CRASH_POINTS = [
  'lock:after-create',
  'state:after-temp-write',
  'state:after-fsync',
  'state:after-rename',
  'state:after-dir-fsync',
  'audit:torn-line',
  'audit:after-append',
  'audit:after-fsync',
] as const;

/** The release lifecycle's own points (advance and rollback), between their side effects. */
export const LIFECYCLE_CRASH_POINTS = [
  'advance:after-intent',
  'advance:after-flags',
  'advance:after-state',
  'rollback:after-flags',
  'rollback:after-step',
  'rollback:step-after-state',
] as const;

export const CRASH_POINTS = [...STATE_CRASH_POINTS, ...LIFECYCLE_CRASH_POINTS] as const;

/** Name of a crash point. */
export type CrashPointName = (typeof CRASH_POINTS)[number];

// Read once: the variable is set by the test that spawns the process, never changed afterwards.
const armedAt: string | undefined = process.env.ROLLOUT_CRASH_AT || undefined;

/** True when the process is set to die at `name` (lets a caller tear a write before dying). */
export function isCrashPointArmed(name: CrashPointName): boolean {
  return armedAt === name;
}

/** Kill the current process with SIGKILL if `ROLLOUT_CRASH_AT` equals `name`; otherwise do nothing. */
export function crashPoint(name: CrashPointName): void {
  if (armedAt === undefined || armedAt !== name) return;
  process.kill(process.pid, 'SIGKILL');
}
