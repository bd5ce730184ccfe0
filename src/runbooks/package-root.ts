import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root (it holds `bin/rollout` and the shipped `runbooks/`), from src/ or dist/src/. */
export function findPackageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bin', 'rollout'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the rollout package root above ${from}`);
    dir = parent;
  }
}

/** The generic runbooks shipped with the CLI: one per exit code, about no product in particular. */
export function genericRunbookDir(): string {
  return path.join(findPackageRoot(), 'runbooks', 'generic');
}
