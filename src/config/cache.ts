import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Problem } from '../errors/rollout-error.js';
import type { PerfBudget, RawConfig } from './schema.js';

/**
 * A per-user cache of validated plans. Validation is a pure function of the plan's bytes, the budget
 * file's bytes, the paths and the rollout version, so its result can be reused by read-only commands
 * without loading the schema validator. Keyed by all of those; a budget file that changed since is
 * detected by its hash. `validate --no-cache` ignores it.
 */
const FORMAT = 2;

interface CacheKey {
  hash: string;
  absolute: string;
  cwd: string;
}

interface Entry {
  format: number;
  version: string;
  config: RawConfig;
  budget: PerfBudget | null;
  warnings: Problem[];
  budgetFile?: string;
  budgetHash: string | null;
}

/** `$XDG_CACHE_HOME/rollout` or `~/.cache/rollout`; null (no cache) with ROLLOUT_NO_CACHE or no home. */
export function configCacheDir(env: NodeJS.ProcessEnv): string | null {
  if (env.ROLLOUT_NO_CACHE) return null;
  const base = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : '');
  return base ? path.join(base, 'rollout') : null;
}

let versionCache: string | null = null;
/** This package's version, from the nearest package.json named rollout above this module (src/, dist/src/ or dist/bundle/). */
export async function rolloutVersion(): Promise<string> {
  if (versionCache) return versionCache;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => '{}')) as {
      name?: string;
      version?: string;
    };
    if (pkg.name === 'rollout' && pkg.version) return (versionCache = pkg.version);
    const parent = path.dirname(dir);
    if (parent === dir) return (versionCache = 'unknown');
    dir = parent;
  }
}

/**
 * What identifies the schema code without loading it: beside this module, the schema's own file
 * (size and mtime; src/ and dist/src/), or in the bundle the content-hashed name of its chunk.
 */
let fingerprintCache: string | null = null;
async function schemaFingerprint(): Promise<string> {
  if (fingerprintCache) return fingerprintCache;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const names = await readdir(here).catch(() => [] as string[]);
  const own = names.find((n) => n === 'schema.ts' || n === 'schema.js');
  if (own) {
    const st = await stat(path.join(here, own));
    return (fingerprintCache = `${own}:${st.size}:${st.mtimeMs}`);
  }
  return (fingerprintCache =
    names
      .filter((n) => /^schema-.*\.js$/.test(n))
      .sort()
      .join(',') || 'unknown');
}

async function entryFile(dir: string, key: CacheKey): Promise<string> {
  const id = `${key.hash}\0${key.absolute}\0${key.cwd}\0${await schemaFingerprint()}`;
  return path.join(dir, `${createHash('sha256').update(id).digest('hex').slice(0, 40)}.json`);
}

async function hashFile(file: string | undefined): Promise<string | null> {
  if (!file) return null;
  try {
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  } catch {
    return null;
  }
}

export async function readConfigCache(
  dir: string,
  key: CacheKey,
): Promise<Omit<Entry, 'format' | 'version' | 'budgetHash'> | null> {
  try {
    const entry = JSON.parse(await readFile(await entryFile(dir, key), 'utf8')) as Entry;
    if (entry.format !== FORMAT || entry.version !== (await rolloutVersion())) return null;
    if ((await hashFile(entry.budgetFile)) !== entry.budgetHash) return null;
    return entry;
  } catch {
    return null;
  }
}

/** Best effort: a cache that cannot be written is no cache, never an error. */
export async function writeConfigCache(
  dir: string,
  key: CacheKey,
  value: { config: RawConfig; budget: PerfBudget | null; warnings: Problem[]; budgetFile?: string },
): Promise<void> {
  try {
    const entry: Entry = {
      format: FORMAT,
      version: await rolloutVersion(),
      ...value,
      budgetHash: await hashFile(value.budgetFile),
    };
    const file = await entryFile(dir, key);
    // Loaded here, not with this module: a cache hit and `validate --no-cache` never write.
    const { writeFileAtomic } = await import('../state/atomic-file.js');
    await writeFileAtomic(file, JSON.stringify(entry), { dirMode: 0o700 });
  } catch {
    // Read-only home, full disk: validate again next time.
  }
}
