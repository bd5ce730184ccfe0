import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/state/file-store.js';
import { runCli } from '../helpers/cli.js';
import { miniProject } from '../helpers/mini-plan.js';

const clock = { now: () => new Date() };

describe('the release lock and the audit log through the CLI', () => {
  it('a held lock makes a mutating command exit 5 naming the holder; unlock needs --force and --reason and is audited', async () => {
    const dir = await miniProject();
    expect((await runCli(['signoff', 'quick', '--reason', 'x'], { cwd: dir })).code).toBe(2); // not a checklist item
    // This test process holds the lock: a live pid on this host, so it is not taken over.
    const store = new FileStateStore({ dir: path.join(dir, '.rollout'), clock });
    const handle = await store.acquireLock({ actor: 'alice', operation: 'advance' });
    const busy = await runCli(['advance'], { cwd: dir });
    expect(busy.code).toBe(5);
    expect(busy.stderr).toContain(`held by alice (advance, pid ${process.pid}`);
    const status = await runCli(['status', '--json'], { cwd: dir });
    expect(status.json<{ result: { lock: { actor: string } } }>().result.lock.actor).toBe('alice');
    expect((await runCli(['unlock', '--reason', 'stuck'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['unlock', '--force'], { cwd: dir })).code).toBe(2);
    const dry = await runCli(['unlock', '--force', '--reason', 'stuck', '--dry-run'], { cwd: dir });
    expect(dry.stdout).toContain('would break the lock held by alice');
    expect((await runCli(['advance'], { cwd: dir })).code).toBe(5);
    const unlock = await runCli(['unlock', '--force', '--reason', 'the CI job was cancelled', '--actor', 'bob'], {
      cwd: dir,
    });
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(unlock.stdout).toContain('broke the lock held by alice');
    const log = await runCli(['log', '--json'], { cwd: dir });
    const entry = log
      .json<{ result: { entries: Array<{ op: string; actor: string; reason: string }> } }>()
      .result.entries.find((e) => e.op === 'unlock');
    expect(entry).toMatchObject({ actor: 'bob', reason: 'the CI job was cancelled' });
    expect((await runCli(['advance'], { cwd: dir })).code).toBe(0);
    // The old holder wakes up: its lock is gone, so it can no longer write.
    expect(await store.releaseLock(handle)).toBe(false);
  }, 120_000);

  it('log --verify names an edited, a deleted and a reordered entry', async () => {
    const dir = await miniProject();
    for (let i = 0; i < 2; i++)
      expect((await runCli(['advance', '--override', '--reason', `step ${i}`], { cwd: dir })).code).toBe(0);
    expect((await runCli(['log', '--verify'], { cwd: dir })).code).toBe(0);
    const file = path.join(dir, '.rollout/audit.jsonl');
    const original = await readFile(file, 'utf8');
    const lines = original.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);

    await writeFile(file, original.replace('step 0', 'step zero'));
    const edited = await runCli(['log', '--verify', '--json'], { cwd: dir });
    expect(edited.code).toBe(1);
    expect(
      edited.json<{ result: { verification: { problems: Array<{ kind: string; line: number }> } } }>().result
        .verification.problems[0],
    ).toMatchObject({ kind: 'edited', line: 1 });

    await writeFile(file, [lines[1]].join('\n') + '\n');
    const deleted = await runCli(['log', '--verify'], { cwd: dir });
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toMatch(/deleted/);

    await writeFile(file, [lines[1], lines[0]].join('\n') + '\n');
    const reordered = await runCli(['log', '--verify'], { cwd: dir });
    expect(reordered.code).toBe(1);
    expect(reordered.stdout).toMatch(/reordered/);
    expect(reordered.stdout).toContain('does NOT verify');
  }, 120_000);
});
