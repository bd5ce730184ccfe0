import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VerifyOptions, VerifyReport, runVerify } from '../../engines/verify.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One textual edit of an engine source file: `find` must occur exactly once. */
export interface PlantedBug {
  file: string;
  find: string;
  replace: string;
}

export interface PlantedEngines {
  dir: string;
  runVerify(options?: VerifyOptions): Promise<VerifyReport>;
  remove(): Promise<void>;
}

/**
 * A temporary copy of engines/ with `bugs` written into its sources, so that `verify` runs on the
 * broken code exactly as it would after a bad commit (the real engines are never touched).
 */
export async function plantEngines(bugs: readonly PlantedBug[]): Promise<PlantedEngines> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-planted-'));
  await cp(path.join(REPO, 'engines'), path.join(dir, 'engines'), { recursive: true });
  await symlink(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const bug of bugs) {
    const file = path.join(dir, 'engines', bug.file);
    const text = await readFile(file, 'utf8');
    const at = text.indexOf(bug.find);
    if (at < 0 || text.indexOf(bug.find, at + 1) >= 0)
      throw new Error(`${bug.file}: "${bug.find}" must occur exactly once`);
    await writeFile(file, text.replace(bug.find, bug.replace));
  }
  return {
    dir,
    async runVerify(options = {}) {
      const mod = (await import(path.join(dir, 'engines', 'verify.ts'))) as { runVerify: typeof runVerify };
      return mod.runVerify(options);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
