import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * What a step of the release was taken with: the plan's hash and the source commit. `advance` and
 * `retry` record it in the audit log, so the report can tell a retry "without a fix" (same plan, same
 * commit) from one after a fix, and judge the rollback before it false.
 */
export interface SourceIdentity {
  planHash: string;
  /** Full commit id, or null when the plan is in no git checkout and no CI variable names one. */
  commit: string | null;
}

/** CI variables that name the commit being built, checked before the checkout itself. */
const COMMIT_VARIABLES = ['ROLLOUT_COMMIT', 'GITHUB_SHA', 'CI_COMMIT_SHA', 'BUILD_SOURCEVERSION', 'GIT_COMMIT'];
const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Never throws: an unreadable checkout is an unknown commit, never a reason to stop a step. */
export async function readSourceIdentity(
  planDir: string,
  planHash: string,
  env: NodeJS.ProcessEnv,
): Promise<SourceIdentity> {
  for (const name of COMMIT_VARIABLES) {
    const value = env[name]?.trim().toLowerCase();
    if (value && COMMIT.test(value)) return { planHash, commit: value };
  }
  return { planHash, commit: await readGitHead(planDir).catch(() => null) };
}

/** HEAD of the checkout holding `dir`, read from the files git keeps (no git process). */
export async function readGitHead(dir: string): Promise<string | null> {
  const gitDir = await findGitDir(path.resolve(dir));
  if (!gitDir) return null;
  const head = (await readFile(path.join(gitDir, 'HEAD'), 'utf8')).trim();
  if (COMMIT.test(head)) return head;
  const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
  if (!ref) return null;
  // A linked worktree keeps its HEAD and shares the refs of the main repository (commondir).
  const common = await readFile(path.join(gitDir, 'commondir'), 'utf8').then(
    (text) => path.resolve(gitDir, text.trim()),
    () => gitDir,
  );
  for (const base of [gitDir, common]) {
    const loose = await readFile(path.join(base, ref), 'utf8').catch(() => null);
    if (loose !== null && COMMIT.test(loose.trim())) return loose.trim();
  }
  const packed = await readFile(path.join(common, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of packed.split('\n')) {
    const [commit, name] = line.trim().split(' ');
    if (name === ref && commit && COMMIT.test(commit)) return commit;
  }
  return null;
}

async function findGitDir(start: string): Promise<string | null> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.git');
    const info = await stat(candidate).catch(() => null);
    if (info?.isDirectory()) return candidate;
    if (info?.isFile()) {
      const pointer = /^gitdir: (.+)$/m.exec(await readFile(candidate, 'utf8'))?.[1];
      return pointer ? path.resolve(dir, pointer.trim()) : null;
    }
    if (path.dirname(dir) === dir) return null;
  }
}
