import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFlagDocument } from '../../../src/flags/flagd.js';
import { createFileFlagStore, FlagStoreError } from '../../../src/flags/flag-store.js';
import type { FlagSpec } from '../../../src/flags/types.js';

const base: FlagSpec = {
  key: 'reserves_v1.1',
  newVariant: 'reserves_v1.1',
  fallbackVariant: 'reserves_v1.0',
  percent: 1,
  groups: ['internal'],
  killSwitch: false,
};

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rollout-flag-store-'));
  path = join(dir, 'flags.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createFileFlagStore', () => {
  it('reads null before the first write and the document after it', async () => {
    const store = createFileFlagStore({ path, dryRun: false });
    expect(await store.read()).toBeNull();
    const doc = buildFlagDocument([base]);
    const result = await store.write(doc);
    expect(result).toMatchObject({ changed: true, written: true, previousInvalid: false });
    expect(await store.read()).toEqual(doc);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(doc);
  });

  it('does not rewrite an unchanged document', async () => {
    const store = createFileFlagStore({ path, dryRun: false });
    await store.write(buildFlagDocument([base]));
    const before = await stat(path);
    const result = await store.write(buildFlagDocument([base]));
    expect(result).toMatchObject({ changed: false, written: false });
    expect(result.diff.changes).toEqual([]);
    expect((await stat(path)).ino).toBe(before.ino);
  });

  it('dry-run computes the diff and changes nothing', async () => {
    await createFileFlagStore({ path, dryRun: false }).write(buildFlagDocument([base]));
    const original = await readFile(path, 'utf8');
    const dry = createFileFlagStore({ path, dryRun: true });
    const result = await dry.write(buildFlagDocument([{ ...base, percent: 5 }]));
    expect(result.changed).toBe(true);
    expect(result.written).toBe(false);
    expect(result.diff.changes).toContainEqual({
      flag: 'reserves_v1.1',
      field: 'metadata["rollout.stage_percent"]',
      before: 1,
      after: 5,
    });
    expect(await readFile(path, 'utf8')).toBe(original);
    expect(await readdir(dir)).toEqual(['flags.json']);
  });

  it('dry-run on a missing file creates neither the file nor its directory', async () => {
    const nested = join(dir, 'sub', 'flags.json');
    const result = await createFileFlagStore({ path: nested, dryRun: true }).write(buildFlagDocument([base]));
    expect(result.changed).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes atomically: no temp files left, mode 0644 even under a strict umask', async () => {
    const previous = process.umask(0o077);
    try {
      const store = createFileFlagStore({ path: join(dir, 'deep', 'flags.json'), dryRun: false });
      for (const percent of [1, 5, 25]) await store.write(buildFlagDocument([{ ...base, percent }]));
    } finally {
      process.umask(previous);
    }
    expect(await readdir(join(dir, 'deep'))).toEqual(['flags.json']);
    expect((await stat(join(dir, 'deep', 'flags.json'))).mode & 0o777).toBe(0o644);
  });

  it('removes its temp file when the rename fails', async () => {
    await mkdir(join(path, 'blocker'), { recursive: true }); // the target is a non-empty directory
    const store = createFileFlagStore({ path, dryRun: false });
    await expect(store.write(buildFlagDocument([base]))).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['flags.json']);
  });

  it('reports a corrupt file on read and overwrites it on write', async () => {
    await writeFile(path, '{"flags": {"half');
    const store = createFileFlagStore({ path, dryRun: false });
    await expect(store.read()).rejects.toMatchObject({ code: 'FLAG_FILE_INVALID' });
    await expect(store.read()).rejects.toBeInstanceOf(FlagStoreError);
    const result = await store.write(buildFlagDocument([base]));
    expect(result).toMatchObject({ changed: true, written: true, previousInvalid: true });
    expect(await store.read()).toEqual(buildFlagDocument([base]));
  });

  it('rejects JSON that is not a flag document', async () => {
    await writeFile(path, '{"flags": []}');
    await expect(createFileFlagStore({ path, dryRun: false }).read()).rejects.toMatchObject({
      code: 'FLAG_FILE_INVALID',
    });
  });
});
