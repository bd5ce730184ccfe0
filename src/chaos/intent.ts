import { readFileSync } from 'node:fs';
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { readTextOrNull, writeFileAtomic } from '../state/atomic-file.js';

/**
 * The write-ahead record of a running experiment (`<state dir>/chaos-active.json`), written before
 * anything is injected and removed after the fault is gone. A record whose process is dead is a fault
 * a killed run left behind: the next `rollout chaos` command undoes it (the stale-lock pattern).
 */
export interface ChaosIntent {
  v: 1;
  experimentId: string;
  pid: number;
  host: string;
  startedAt: string;
  /** The latest moment the fault may still be active; the run's own watchdog removes it by then. */
  expiresAt: string;
  fault: { type: string; listen?: string; target?: string; megabytes?: number };
  /** Processes started to create the fault (memory pressure): killed by cleanup. */
  processes: Array<{ pid: number; marker: string }>;
}

/** What cleaning a stale record did. */
export interface StaleCleanup {
  intent: ChaosIntent;
  killed: number[];
  notes: string[];
}

export const INTENT_FILE = 'chaos-active.json';
const TORN_RECORD_AGE_MS = 10_000;

export function intentPath(stateDir: string): string {
  return path.join(stateDir, INTENT_FILE);
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readIntent(stateDir: string): Promise<ChaosIntent | null> {
  const text = await readTextOrNull(intentPath(stateDir));
  if (text === null) return null;
  try {
    return JSON.parse(text) as ChaosIntent;
  } catch {
    return null; // a torn record from a crash mid-write: nothing was injected yet
  }
}

/**
 * Create the record exclusively. Returns the live holder instead when another run owns it, so two
 * experiments never inject at once; call `cleanStaleIntent` first to clear a dead holder.
 */
export async function claimIntent(stateDir: string, intent: ChaosIntent): Promise<ChaosIntent | null> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  try {
    const fh = await open(intentPath(stateDir), 'wx', 0o600);
    try {
      await fh.writeFile(JSON.stringify(intent, null, 2));
      await fh.sync();
    } finally {
      await fh.close();
    }
    return null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readIntent(stateDir)) ?? intent;
  }
}

/** Replace the record (same owner), e.g. to add the pid of a process the fault started. */
export async function updateIntent(stateDir: string, intent: ChaosIntent): Promise<void> {
  await writeFileAtomic(intentPath(stateDir), JSON.stringify(intent, null, 2));
}

/** Remove the record if it is this process's. */
export async function releaseIntent(stateDir: string, pid: number = process.pid): Promise<void> {
  const current = await readIntent(stateDir);
  if (current && current.pid !== pid) return;
  await unlink(intentPath(stateDir)).catch(() => undefined);
}

function hasMarker(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    return false;
  }
}

/**
 * Undo what a dead run left behind: kill the processes it started (only if they still carry the
 * marker), then delete the record. Returns null when there is no record or its owner is alive, or
 * when it belongs to another host (its pid means nothing here; the caller reports it instead).
 */
export async function cleanStaleIntent(stateDir: string, host: string = hostname()): Promise<StaleCleanup | null> {
  const intent = await readIntent(stateDir);
  if (!intent) {
    // A torn record parses as null but still blocks the exclusive create: remove it once it is old
    // enough that it cannot be a record another run is writing right now.
    const info = await stat(intentPath(stateDir)).catch(() => null);
    if (info && Date.now() - info.mtimeMs > TORN_RECORD_AGE_MS)
      await unlink(intentPath(stateDir)).catch(() => undefined);
    return null;
  }
  if (intent.host !== host || isProcessAlive(intent.pid)) return null;
  const killed: number[] = [];
  const notes: string[] = [`run pid ${intent.pid} of ${intent.experimentId} is no longer running`];
  for (const p of intent.processes) {
    if (isProcessAlive(p.pid) && hasMarker(p.pid, p.marker)) {
      process.kill(p.pid, 'SIGKILL');
      killed.push(p.pid);
      notes.push(`killed ${p.marker} process ${p.pid}`);
    }
  }
  if (intent.fault.listen)
    notes.push(
      `the fault proxy on ${intent.fault.listen} died with the run: nothing forwards to ${intent.fault.target ?? 'the target'} there until the next run`,
    );
  await unlink(intentPath(stateDir)).catch(() => undefined);
  return { intent, killed, notes };
}

/**
 * Where the record lives: the `file:` state directory, or `.rollout/` under cwd for other backends
 * (the fault and its record are local to this machine whatever backend holds the release).
 */
export function resolveIntentDir(stateUrl: string, cwd: string): string {
  if (!stateUrl.startsWith('file:')) return path.resolve(cwd, '.rollout');
  const rest = stateUrl.slice('file:'.length);
  if (rest.startsWith('//')) return new URL(stateUrl).pathname;
  return path.resolve(cwd, rest);
}
