import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAuditLog } from '../../bench/lib/audit-log.mjs';
import { FileStateStore } from '../../src/state/file-store.js';
import { runCli, tempProject } from '../helpers/cli.js';
import { miniProject } from '../helpers/mini-plan.js';

/** Changes one character of the actor of the first entry after `share` of the file; returns its line number. */
function editActorNear(file: string, share: number): number {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(4096);
    const at = Math.floor(size * share);
    readSync(fd, buf, 0, buf.length, at);
    const lineStart = at + buf.indexOf(0x0a) + 1;
    const actorAt = lineStart + buf.indexOf('"actor":"', lineStart - at) - (lineStart - at) + '"actor":"'.length;
    writeSync(fd, Buffer.from('Z'), 0, 1, actorAt);
    // Line number: newlines before the line start, counted in 4 MiB reads.
    let lines = 0;
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    for (let pos = 0; pos < lineStart; pos += chunk.length) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, lineStart - pos), pos);
      for (let i = chunk.indexOf(0x0a); i !== -1 && i < n; i = chunk.indexOf(0x0a, i + 1)) lines++;
    }
    return lines + 1;
  } finally {
    closeSync(fd);
  }
}

interface Json<T> {
  ok: boolean;
  exitCode: number;
  result: T;
  warnings?: string[];
  error?: { code: string; message: string };
}

describe('a log of 1,000,000 entries', () => {
  it('report, log --limit, log --verify and status all work on it (report lists the latest and counts everything)', async () => {
    const dir = await tempProject();
    try {
      mkdirSync(path.join(dir, '.rollout'), { mode: 0o700 });
      const { head } = writeAuditLog(path.join(dir, '.rollout/audit.jsonl'), 1_000_000);
      const run = (args: string[]) => runCli(args, { cwd: dir, timeoutMs: 180_000 });

      const report = await run(['report', '--json']);
      expect(report.code, report.stderr).toBe(0);
      type ReportJson = Json<{
        history: { entries: number; read: number; resumed: boolean };
        report: {
          omitted: { events: number };
          timeline: unknown[];
          delivery: { runs: number; rollbacks: number; rollbackRate: number };
        };
      }>;
      const first = report.json<ReportJson>().result;
      expect(first.history).toEqual({ entries: 1_000_000, read: 1_000_000, resumed: false });
      const r = first.report;
      expect(r.omitted.events).toBe(1_000_000);
      expect(r.timeline).toHaveLength(1_000);
      expect(r.delivery).toMatchObject({ runs: 2_501, rollbacks: 2_500, rollbackRate: 2_500 / 2_501 });
      const markdown = await run(['report']);
      expect(markdown.code, markdown.stderr).toBe(0);
      expect(markdown.stdout).toContain('A long history (1,000,000 events)');

      const log = await run(['log', '--limit', '5', '--json']);
      expect(log.code, log.stderr).toBe(0);
      const tail = log.json<Json<{ entries: Array<{ seq: number }>; total: number }>>().result;
      expect(tail.entries.map((e) => e.seq)).toEqual([999_996, 999_997, 999_998, 999_999, 1_000_000]);
      expect(tail.total).toBe(1_000_000);

      const verify = await run(['log', '--verify', '--json']);
      expect(verify.code, verify.stderr).toBe(0);
      expect(
        verify.json<Json<{ verification: { ok: boolean; entries: number; head: string } }>>().result.verification,
      ).toMatchObject({ ok: true, entries: 1_000_000, head });

      expect((await run(['status'])).code).toBe(0);

      // The next report goes on from the checkpoint the previous one left: it reads only the new entry.
      await new FileStateStore({ dir: path.join(dir, '.rollout'), clock: { now: () => new Date() } }).appendAudit({
        actor: 'ci',
        op: 'analyze',
        data: { verdict: 'pass' },
      });
      const again = await run(['report', '--json']);
      expect(again.code, again.stderr).toBe(0);
      const resumed = again.json<ReportJson>().result;
      expect(resumed.history).toEqual({ entries: 1_000_001, read: 1, resumed: true });
      expect(resumed.report.omitted.events).toBe(1_000_001);
      expect(resumed.report.delivery).toEqual(r.delivery);

      // An entry edited in the second half (checked by the worker thread) and one in the first: the
      // two-part check names both lines, as the single pass does.
      const file = path.join(dir, '.rollout/audit.jsonl');
      const edits = [0.25, 0.75].map((share) => editActorNear(file, share));
      const tampered = await run(['log', '--verify', '--json']);
      expect(tampered.code).toBe(1);
      const found =
        tampered.json<
          Json<{ verification: { entries: number; problems: Array<{ kind: string; line: number; seq: number }> } }>
        >().result.verification;
      expect(found.entries).toBe(1_000_001);
      expect(found.problems.map((p) => [p.kind, p.line, p.seq])).toEqual(edits.map((line) => ['edited', line, line]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('the audit log file is ours: never a symlink, created 0600, loose modes reported', () => {
  it('refuses a dangling symlinked audit.jsonl: log and report exit 2 naming it; nothing is ever created where it points', async () => {
    const dir = await miniProject();
    for (const reason of ['first', 'second'])
      expect((await runCli(['advance', '--override', '--reason', reason], { cwd: dir })).code).toBe(0);
    const log = path.join(dir, '.rollout/audit.jsonl');
    const outside = path.join(dir, 'outside.jsonl');
    await rm(log);
    symlinkSync(outside, log);

    for (const args of [['log'], ['log', '--verify'], ['report']]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(log);
    }
    // A change is audited fail-open after the state commit (src/lifecycle): it is reported, never written through the link.
    const advance = await runCli(['advance', '--override', '--reason', 'third', '--json'], { cwd: dir });
    expect(advance.stdout).toContain(`${log}: it is a symbolic link`);
    expect(existsSync(outside)).toBe(false);
    expect(lstatSync(log).isSymbolicLink()).toBe(true);
  }, 120_000);

  it('rollback still succeeds with a symlinked log and reports that the audit entry was not written', async () => {
    const dir = await miniProject();
    for (const reason of ['first', 'second', 'third'])
      expect((await runCli(['advance', '--override', '--reason', reason], { cwd: dir })).code).toBe(0);
    const log = path.join(dir, '.rollout/audit.jsonl');
    const outside = path.join(dir, 'outside.jsonl');
    await rm(log);
    symlinkSync(outside, log);
    const r = await runCli(['rollback', '--mode', 'immediate', '--reason', 'error spike', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const result = r.json<Json<{ ok: boolean; recorded: boolean; auditPending?: string }>>().result;
    expect(result).toMatchObject({ ok: true, recorded: true });
    expect(result.auditPending).toContain(`${log}: it is a symbolic link`);
    expect(existsSync(outside)).toBe(false);
    expect(lstatSync(log).isSymbolicLink()).toBe(true);
  }, 120_000);

  it('creates the log 0600 whatever the umask, and warns about a world-writable one', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'rollout-audit-mode-'));
    const previous = process.umask(0);
    try {
      const store = new FileStateStore({ dir: path.join(root, '.rollout'), clock: { now: () => new Date() } });
      await store.appendAudit({ actor: 'ana', op: 'note' });
      expect(statSync(path.join(root, '.rollout/audit.jsonl')).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
      await rm(root, { recursive: true, force: true });
    }
    const dir = await miniProject();
    expect((await runCli(['advance', '--override', '--reason', 'x'], { cwd: dir })).code).toBe(0);
    const log = path.join(dir, '.rollout/audit.jsonl');
    chmodSync(log, 0o666);
    const r = await runCli(['log', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.json<Json<unknown>>().warnings?.join('\n')).toContain(log);
    const human = await runCli(['log'], { cwd: dir });
    expect(human.stderr).toContain(`chmod 0600 ${log}`);
  }, 120_000);
});
