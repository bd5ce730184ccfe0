import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CATALOGUE } from '../errors/catalogue.js';
import { RolloutError, toRolloutError, type Problem } from '../errors/rollout-error.js';
import { genericRunbookDir } from './package-root.js';
import { parseRunbook, type Runbook } from './parse.js';

/**
 * Where runbooks are looked up, first match wins: the project's directory (rollout.yaml's
 * `runbooks:`, else ./runbooks), then the generic runbooks shipped with the CLI, so the procedures for
 * its own exit codes are there even in a project that has none, or whose rollout.yaml does not load.
 */
export function runbookDirs(projectDir: string): string[] {
  const shipped = genericRunbookDir();
  return path.resolve(projectDir) === path.resolve(shipped) ? [projectDir] : [projectDir, shipped];
}

/** The runbook with the error codes whose catalogue entry points at it added to those it lists itself. */
function withLinkedCodes(runbook: Runbook): Runbook {
  const linked = Object.entries(CATALOGUE)
    .filter(([, entry]) => (entry as { runbook?: string }).runbook === runbook.id)
    .map(([code]) => code);
  return { ...runbook, codes: [...new Set([...runbook.codes, ...linked])] };
}

async function readRunbook(file: string): Promise<Runbook> {
  return withLinkedCodes(parseRunbook(file, await readFile(file, 'utf8')));
}

/** Every runbook of the directories (ids shadowed by an earlier directory left out) and every problem found. */
export async function listRunbooks(dirs: string[]): Promise<{ runbooks: Runbook[]; problems: Problem[] }> {
  const seen = new Set<string>();
  const runbooks: Runbook[] = [];
  const problems: Problem[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.md') && n !== 'README.md').sort()) {
      const id = name.slice(0, -3);
      if (seen.has(id)) continue;
      seen.add(id);
      const file = path.join(dir, name);
      try {
        runbooks.push(await readRunbook(file));
      } catch (error) {
        const known = toRolloutError(error);
        if (!known) throw error;
        problems.push(
          ...(known.problems.length ? known.problems : [{ file, line: 1, col: 1, message: known.message }]),
        );
      }
    }
  }
  return { runbooks, problems };
}

/** The runbook with this id, parsed; unknown ids are a usage error that lists the known ones. */
export async function findRunbook(dirs: string[], id: string): Promise<Runbook> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id))
    throw new RolloutError('E_USAGE', `"${id}" is not a runbook id (lower-case letters, digits and "-")`);
  for (const dir of dirs) {
    const file = path.join(dir, `${id}.md`);
    if (existsSync(file)) return readRunbook(file);
  }
  const { runbooks } = await listRunbooks(dirs);
  throw new RolloutError('E_USAGE', `no runbook "${id}" (known: ${runbooks.map((r) => r.id).join(', ') || 'none'})`);
}
