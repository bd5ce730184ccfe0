import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readGitHead, readSourceIdentity } from '../../../src/lifecycle/source-identity.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const dirs: string[] = [];

async function checkout(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-identity-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('the source commit a step is taken with', () => {
  it('a branch ref, from a subdirectory of the checkout', async () => {
    const dir = await checkout({
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/refs/heads/main': `${A}\n`,
      'plan/x': '',
    });
    expect(await readGitHead(path.join(dir, 'plan'))).toBe(A);
  });

  it('a detached HEAD, and a ref only in packed-refs', async () => {
    expect(await readGitHead(await checkout({ '.git/HEAD': `${B}\n` }))).toBe(B);
    const packed = await checkout({
      '.git/HEAD': 'ref: refs/heads/rel',
      '.git/packed-refs': `# pack-refs\n${A} refs/heads/rel\n`,
    });
    expect(await readGitHead(packed)).toBe(A);
  });

  it('a linked worktree: HEAD in its own git dir, refs in the common one', async () => {
    const dir = await checkout({
      'main/.git/refs/heads/h1': `${B}\n`,
      'main/.git/worktrees/wt/HEAD': 'ref: refs/heads/h1\n',
      'main/.git/worktrees/wt/commondir': '../..\n',
      'wt/.git': 'gitdir: ../main/.git/worktrees/wt\n',
    });
    expect(await readGitHead(path.join(dir, 'wt'))).toBe(B);
  });

  it('no checkout, or a damaged HEAD: unknown, never an error', async () => {
    const none = await checkout({ 'rollout.yaml': '' });
    expect(await readSourceIdentity(none, 'h', {})).toEqual({ planHash: 'h', commit: null });
    expect(await readSourceIdentity(await checkout({ '.git/HEAD': 'garbage' }), 'h', {})).toEqual({
      planHash: 'h',
      commit: null,
    });
  });

  it('a CI variable naming the commit wins; a malformed one is ignored', async () => {
    const dir = await checkout({ '.git/HEAD': `${A}\n` });
    expect((await readSourceIdentity(dir, 'h', { GITHUB_SHA: B.toUpperCase() })).commit).toBe(B);
    expect((await readSourceIdentity(dir, 'h', { GITHUB_SHA: 'not-a-sha' })).commit).toBe(A);
  });
});
