import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  computeOutboxId,
  createFileOutbox,
  createMemoryOutbox,
  createOutboxEntry,
  OUTBOX_FILE,
} from '../../../src/notify/outbox.js';
import { rollbackEvent, stageEvent } from './fixtures.js';

describe('computeOutboxId', () => {
  it('does not depend on the order of the event keys', () => {
    const all = Object.entries(stageEvent());
    fc.assert(
      fc.property(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), (entries) => {
        const reordered = Object.fromEntries(entries) as ReturnType<typeof stageEvent>;
        expect(computeOutboxId('slack', reordered)).toBe(computeOutboxId('slack', stageEvent()));
      }),
    );
  });

  it('differs by target and by event content', () => {
    const id = computeOutboxId('slack', stageEvent());
    expect(computeOutboxId('incident', stageEvent())).not.toBe(id);
    expect(computeOutboxId('slack', stageEvent({ toPercent: 50 }))).not.toBe(id);
    expect(computeOutboxId('slack', stageEvent({ at: '2026-03-14T09:27:00.000Z' }))).not.toBe(id);
  });
});

describe('memory outbox', () => {
  it('appends idempotently, updates and removes by id', async () => {
    const outbox = createMemoryOutbox();
    const entry = createOutboxEntry('slack', stageEvent(), 1000);
    await outbox.append(entry);
    await outbox.append({ ...entry, attempts: 9 });
    expect(await outbox.list()).toEqual([entry]);
    await outbox.update({ ...entry, attempts: 2, lastError: 'slack: HTTP 500' });
    expect((await outbox.list())[0]).toMatchObject({ attempts: 2, lastError: 'slack: HTTP 500' });
    await outbox.remove('missing');
    await outbox.remove(entry.id);
    expect(await outbox.list()).toEqual([]);
  });

  it('hands out copies, so callers cannot change stored entries by accident', async () => {
    const outbox = createMemoryOutbox();
    await outbox.append(createOutboxEntry('slack', stageEvent(), 0));
    const [listed] = await outbox.list();
    if (listed !== undefined) listed.attempts = 42;
    expect((await outbox.list())[0]?.attempts).toBe(0);
  });
});

describe('file outbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'rollout-outbox-')), 'state');
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('keeps entries across instances in a 0600 file and leaves no temporary files', async () => {
    const first = createFileOutbox(dir);
    const a = createOutboxEntry('slack', stageEvent(), 1);
    const b = createOutboxEntry('incident', rollbackEvent(), 2);
    await Promise.all([first.append(a), first.append(b)]);
    await first.update({ ...b, attempts: 1, lastError: 'incident: slack: HTTP 500' });
    const second = createFileOutbox(dir);
    expect((await second.list()).map((e) => [e.target, e.attempts])).toEqual([
      ['slack', 0],
      ['incident', 1],
    ]);
    expect((await stat(join(dir, OUTBOX_FILE))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual([OUTBOX_FILE]);
    await second.remove(a.id);
    expect((await createFileOutbox(dir).list()).map((e) => e.id)).toEqual([b.id]);
  });

  it('serialises concurrent changes within a process without losing any', async () => {
    const outbox = createFileOutbox(dir);
    const entries = Array.from({ length: 20 }, (_, i) => createOutboxEntry('slack', stageEvent({ toPercent: i }), i));
    await Promise.all(entries.map((e) => outbox.append(e)));
    expect(await outbox.list()).toHaveLength(20);
  });

  it('moves an unreadable file aside instead of failing every notification', async () => {
    const outbox = createFileOutbox(dir);
    await outbox.append(createOutboxEntry('slack', stageEvent(), 1));
    await writeFile(join(dir, OUTBOX_FILE), '{"version":1,"entr');
    await outbox.append(createOutboxEntry('slack', rollbackEvent(), 2));
    expect((await outbox.list()).map((e) => e.event.type)).toEqual(['rollback']);
    const names = await readdir(dir);
    const corrupt = names.find((n) => n.startsWith(`${OUTBOX_FILE}.corrupt-`));
    expect(corrupt).toBeDefined();
    expect(await readFile(join(dir, corrupt as string), 'utf8')).toBe('{"version":1,"entr');
  });
});
