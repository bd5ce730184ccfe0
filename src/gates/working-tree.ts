import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { WorkingTree } from './reuse.js';

/**
 * The commit of the git working tree that holds `dir`, and whether it has changes. Untracked files
 * count (a new test file changes what a suite runs); ignored files and the paths in `exclude` (the
 * state directory and the flag files rollout itself writes) do not. Null, with the reason, when `dir`
 * is not in a git repository, the repository has no commit yet, or git cannot be run.
 */
export async function readWorkingTree(
  dir: string,
  env: NodeJS.ProcessEnv,
  exclude: string[],
): Promise<{ tree: WorkingTree } | { tree: null; why: string }> {
  const { execa } = await import('execa');
  // An explicit environment (no shell, no inherited variables): git needs PATH to be found and HOME for its config.
  const gitEnv = {
    PATH: env.PATH ?? '/usr/bin:/bin',
    HOME: env.HOME ?? '/nonexistent',
    LC_ALL: 'C',
    GIT_OPTIONAL_LOCKS: '0',
  };
  const git = (args: string[]) =>
    execa('git', args, {
      cwd: dir,
      env: gitEnv,
      extendEnv: false,
      reject: false,
      timeout: 10_000,
      stripFinalNewline: true,
    });
  const fail = (error: Error) => ({ exitCode: -1, stdout: '', stderr: error.message });
  const [head, root] = await Promise.all([
    git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).catch(fail),
    git(['rev-parse', '--show-toplevel']).catch(fail),
  ]);
  const commit = String(head.stdout).trim();
  const top = String(root.stdout).trim();
  if (root.exitCode !== 0 || !top) {
    const reason = String(root.stderr ?? '').split('\n')[0] || 'git rev-parse failed';
    return { tree: null, why: `not a git repository (${reason})` };
  }
  if (head.exitCode !== 0 || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit))
    return { tree: null, why: 'not a git repository with a commit (no commit yet)' };
  const excludes: string[] = [];
  for (const p of exclude) {
    const real = await realpathLoose(p);
    const rel = path.relative(top, real);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) excludes.push(`:(exclude,top)${rel}`);
  }
  const status = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ':/', ...excludes]);
  if (status.exitCode !== 0) return { tree: null, why: `git status failed: ${String(status.stderr).split('\n')[0]}` };
  return { tree: { commit, dirty: String(status.stdout).length > 0 } };
}

/** The real path of `p`, or of its nearest existing parent joined with the rest (a flag file not written yet). */
async function realpathLoose(p: string): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await realpath(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(await realpathLoose(parent), path.basename(abs));
  }
}
