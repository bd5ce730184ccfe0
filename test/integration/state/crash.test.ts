import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_CRASH_POINTS } from '../../../src/state/crash-points.js';
import type { CrashPointName } from '../../../src/state/crash-points.js';
import { backfillAudit } from '../../../src/state/audit-backfill.js';
import { FileStateStore } from '../../../src/state/file-store.js';
import { createInitialState } from '../../../src/state/types.js';
import type { ReleaseState } from '../../../src/state/types.js';
import { runNodeScript, writeChildScript } from '../../helpers/crash.js';

// The child does what a mutating command does: lock, read, write the next state, audit, unlock.
const CHILD = `
import { readFileSync } from 'node:fs';
const { FileStateStore } = await import(STATE + 'file-store.js');
const [dir, nextPath] = process.argv.slice(2);
const store = new FileStateStore({ dir, clock: { now: () => new Date('2026-05-01T12:30:00.000Z') } });
const lock = await store.acquireLock({ actor: 'child', operation: 'advance' });
const current = await store.read();
const stored = await store.write(JSON.parse(readFileSync(nextPath, 'utf8')), { expectSerial: current.serial, lock });
await store.appendAudit({ actor: 'child', op: 'advance', stateSerial: stored.serial, data: { to: stored.phase } });
await store.releaseLock(lock);
process.stdout.write('done');
`;

/** Points reached before the new state.json is renamed into place: the old state must survive. */
const BEFORE_RENAME = new Set<CrashPointName>(['lock:after-create', 'state:after-temp-write', 'state:after-fsync']);
/** Points reached after the child's audit line is fully written. */
const AFTER_AUDIT_LINE = new Set<CrashPointName>(['audit:after-append', 'audit:after-fsync']);

const clock = { now: () => new Date('2026-05-01T12:00:00.000Z') };
const serialise = (s: ReleaseState) => `${JSON.stringify(s, null, 2)}\n`;
let root: string;
let dir: string;
let script: string;
let nextPath: string;
let oldState: ReleaseState;
let newState: ReleaseState;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'rollout-crash-'));
  dir = join(root, '.rollout');
  script = writeChildScript(root, 'child.mjs', CHILD);
  const store = new FileStateStore({ dir, clock });
  const lock = await store.acquireLock({ actor: 'setup', operation: 'init' });
  oldState = await store.write(createInitialState('v2.1.0', 'sha256:cfg', clock.now()), { expectSerial: 0, lock });
  await store.appendAudit({ actor: 'setup', op: 'init', stateSerial: 1 });
  await store.releaseLock(lock);
  const next: ReleaseState = {
    ...oldState,
    status: 'in-progress',
    phase: 'P2',
    phaseStartedAt: '2026-05-01T12:30:00.000Z',
    evidence: { 'preflight:P1': { verdict: 'pass', detail: 'x'.repeat(50_000) } },
    history: [
      ...oldState.history,
      { at: '2026-05-01T12:30:00.000Z', actor: 'child', action: 'advance', to: { phase: 'P2' }, serial: 2 },
    ],
  };
  nextPath = join(root, 'next.json');
  writeFileSync(nextPath, JSON.stringify(next));
  newState = { ...next, serial: 2 };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('crash consistency of the file state store', () => {
  it('completes normally when no crash point is armed (control)', async () => {
    const result = await runNodeScript(script, [dir, nextPath]);
    expect(result).toMatchObject({ code: 0, signal: null, stdout: 'done' });
    const store = new FileStateStore({ dir, clock });
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(serialise(newState));
    expect(await store.readLock()).toBeNull();
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 2 });
  });

  it.each(STATE_CRASH_POINTS.map((p) => [p]))(
    'after SIGKILL at %s: state is exactly old or new, and the next command recovers',
    async (point) => {
      const result = await runNodeScript(script, [dir, nextPath], { ROLLOUT_CRASH_AT: point });
      expect(result.signal, `child did not reach ${point}: ${result.stderr}`).toBe('SIGKILL');
      expect(result.stdout).toBe('');

      const expected = BEFORE_RENAME.has(point) ? oldState : newState;
      expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(serialise(expected));
      const store = new FileStateStore({ dir, clock });
      expect(await store.read()).toEqual(expected);

      const scratch = readdirSync(dir).filter((f) => f.startsWith('state.json.tmp-'));
      expect(scratch).toHaveLength(point === 'state:after-temp-write' || point === 'state:after-fsync' ? 1 : 0);

      const afterCrash = await store.verifyAudit();
      expect(afterCrash.tampered).toBe(false);
      expect(afterCrash.problems.map((p) => p.kind)).toEqual(point === 'audit:torn-line' ? ['truncated-tail'] : []);
      const ops = (await store.readAudit()).map((e) => [e.op, e.stateSerial]);
      expect(ops).toEqual(
        AFTER_AUDIT_LINE.has(point)
          ? [
              ['init', 1],
              ['advance', 2],
            ]
          : [['init', 1]],
      );

      // The next command: takes over the dead child's lock, sweeps its scratch files, writes, audits.
      const lock = await store.acquireLock({ actor: 'recovery', operation: 'advance' });
      expect(lock.takenOverFrom).toMatchObject({ actor: 'child', pid: result.pid });
      expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      const current = (await store.read())!;
      const backfilled = await backfillAudit(store, current, 'recovery');
      const stateWithoutAudit = !BEFORE_RENAME.has(point) && !AFTER_AUDIT_LINE.has(point);
      expect(backfilled.map((e) => [e.op, e.actor, e.stateSerial])).toEqual(
        stateWithoutAudit ? [['advance', 'child', 2]] : [],
      );
      if (stateWithoutAudit)
        expect(backfilled[0]!.data).toMatchObject({ backfilled: true, backfilledBy: 'recovery', to: { phase: 'P2' } });
      const written = await store.write({ ...current, phase: 'P3' }, { expectSerial: current.serial, lock });
      expect(written.serial).toBe(expected.serial + 1);
      await store.appendAudit({ actor: 'recovery', op: 'advance', stateSerial: written.serial });
      expect(await store.releaseLock(lock)).toBe(true);

      const final = await store.verifyAudit();
      expect(final).toMatchObject({ ok: true, tampered: false });
      const finalOps = (await store.readAudit()).map((e) => e.op);
      expect(finalOps.includes('audit:repair')).toBe(point === 'audit:torn-line');
      expect(finalOps.slice(-3)).toEqual(
        stateWithoutAudit
          ? ['lock:takeover', 'advance', 'advance']
          : [AFTER_AUDIT_LINE.has(point) ? 'advance' : 'init', 'lock:takeover', 'advance'],
      );
    },
  );
});
