import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTextOrNull, syncDirectory, writeFileAtomic } from '../../../src/state/atomic-file.js';
import type { CrashPointName } from '../../../src/state/crash-points.js';
import { runNodeScript, writeChildScript } from '../../helpers/crash.js';

// The one atomic writer every file of the program goes through (state, flag file, outbox, intent,
// recordings, config cache, watch progress). A child process is killed with SIGKILL between its
// steps: whatever a reader finds afterwards is the old or the new content in full.
const CHILD = `
import { readFileSync } from 'node:fs';
const { writeFileAtomic } = await import(STATE + 'atomic-file.js');
const [target, source, withPoints] = process.argv.slice(2);
await writeFileAtomic(target, readFileSync(source, 'utf8'), { mode: 0o644, crashPoints: withPoints === 'yes' });
process.stdout.write('done');
`;

const STEPS: Array<[CrashPointName, 'old' | 'new']> = [
  ['state:after-temp-write', 'old'],
  ['state:after-fsync', 'old'],
  ['state:after-rename', 'new'],
  ['state:after-dir-fsync', 'new'],
];

let root: string;
let target: string;
const OLD = `${JSON.stringify({ version: 'old', pad: 'o'.repeat(1000) })}\n`;
const NEW = `${JSON.stringify({ version: 'new', pad: 'n'.repeat(200_000) })}\n`;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rollout-atomic-'));
  target = join(root, 'doc.json');
  writeFileSync(target, OLD, { mode: 0o600 });
  writeFileSync(join(root, 'new.txt'), NEW);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const scratchFiles = () => readdirSync(root).filter((n) => n.startsWith('doc.json.tmp-'));

describe('writeFileAtomic, killed between its steps', () => {
  it.each(STEPS)('SIGKILL at %s leaves the %s content in full', async (point, survivor) => {
    const script = writeChildScript(root, 'child.mjs', CHILD);
    const result = await runNodeScript(script, [target, join(root, 'new.txt'), 'yes'], { ROLLOUT_CRASH_AT: point });
    expect(result.signal, `child did not reach ${point}: ${result.stderr}`).toBe('SIGKILL');
    expect(result.stdout).toBe('');
    expect(await readTextOrNull(target)).toBe(survivor === 'old' ? OLD : NEW);
    // Before the rename the new bytes sit only in a scratch file beside the target, never in it.
    expect(scratchFiles()).toHaveLength(survivor === 'old' ? 1 : 0);
  });

  it('passes no crash point unless asked: an armed point does not stop a flag or outbox write', async () => {
    const script = writeChildScript(root, 'child.mjs', CHILD);
    const result = await runNodeScript(script, [target, join(root, 'new.txt'), 'no'], {
      ROLLOUT_CRASH_AT: 'state:after-temp-write',
    });
    expect(result).toMatchObject({ code: 0, signal: null, stdout: 'done' });
    expect(readFileSync(target, 'utf8')).toBe(NEW);
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(scratchFiles()).toEqual([]);
  });
});

describe('writeFileAtomic in process', () => {
  it('applies the mode whatever the umask, 0600 by default', async () => {
    const previous = process.umask(0o077);
    try {
      await writeFileAtomic(join(root, 'shared.json'), '{}', { mode: 0o644 });
    } finally {
      process.umask(previous);
    }
    await writeFileAtomic(join(root, 'private.json'), '{}');
    expect(statSync(join(root, 'shared.json')).mode & 0o777).toBe(0o644);
    expect(statSync(join(root, 'private.json')).mode & 0o777).toBe(0o600);
  });

  it('creates missing directories only when given dirMode', async () => {
    const nested = join(root, 'a', 'b', 'doc.json');
    await expect(writeFileAtomic(nested, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    await writeFileAtomic(nested, 'x', { dirMode: 0o700 });
    expect(readFileSync(nested, 'utf8')).toBe('x');
    expect(statSync(join(root, 'a', 'b')).mode & 0o777).toBe(0o700);
  });

  it('a failed rename leaves the target untouched and no scratch file', async () => {
    const dirTarget = join(root, 'is-a-dir');
    mkdirSync(join(dirTarget, 'child'), { recursive: true });
    await expect(writeFileAtomic(dirTarget, 'x')).rejects.toMatchObject({
      code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/),
    });
    expect(statSync(dirTarget).isDirectory()).toBe(true);
    expect(readdirSync(root).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('the same write twice is the same file', async () => {
    await writeFileAtomic(target, NEW);
    await writeFileAtomic(target, NEW);
    expect(readFileSync(target, 'utf8')).toBe(NEW);
    expect(scratchFiles()).toEqual([]);
  });
});

describe('readTextOrNull and syncDirectory', () => {
  it('a missing file is null; a directory or an unreadable file is an error', async () => {
    expect(await readTextOrNull(join(root, 'missing.json'))).toBeNull();
    await expect(readTextOrNull(root)).rejects.toMatchObject({ code: 'EISDIR' });
    if (process.getuid?.() !== 0) {
      writeFileSync(join(root, 'locked.json'), 'x', { mode: 0o000 });
      await expect(readTextOrNull(join(root, 'locked.json'))).rejects.toMatchObject({ code: 'EACCES' });
    }
  });

  it('a directory that is not there is an error, not a tolerated platform limit', async () => {
    await expect(syncDirectory(join(root, 'gone'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(syncDirectory(root)).resolves.toBeUndefined();
  });
});
