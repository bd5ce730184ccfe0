import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { REPO_ROOT } from '../../helpers/cli.js';

async function project(): Promise<{ dir: string; cache: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-cache-'));
  for (const f of ['rollout.yaml', '.perf-budget.json'])
    await writeFile(path.join(dir, f), await readFile(path.join(REPO_ROOT, f)));
  return { dir, cache: path.join(dir, 'cache') };
}

describe('the validated-plan cache', () => {
  it('stores a validated plan and returns the same result for the same bytes', async () => {
    const { dir, cache } = await project();
    const first = await loadConfig({ file: 'rollout.yaml', cwd: dir, cacheDir: cache });
    expect(await readdir(cache)).toHaveLength(1);
    const second = await loadConfig({ file: 'rollout.yaml', cwd: dir, cacheDir: cache });
    expect(second).toEqual(first);
  });

  it('a changed budget file or a changed plan is validated again, never served stale', async () => {
    const { dir, cache } = await project();
    await loadConfig({ file: 'rollout.yaml', cwd: dir, cacheDir: cache });
    await writeFile(path.join(dir, '.perf-budget.json'), JSON.stringify({ hotPaths: {}, p95Max: 350 }));
    const changedBudget = await loadConfig({ file: 'rollout.yaml', cwd: dir, cacheDir: cache });
    expect(changedBudget.budget?.p95Max).toBe(350);
    const plan = await readFile(path.join(dir, 'rollout.yaml'), 'utf8');
    await writeFile(path.join(dir, 'rollout.yaml'), plan.replace('percent: 25,', 'percent: 250,'));
    await expect(loadConfig({ file: 'rollout.yaml', cwd: dir, cacheDir: cache })).rejects.toMatchObject({
      code: 'E_CONFIG',
    });
  });

  it('a corrupt cache entry is ignored', async () => {
    const { dir, cache } = await project();
    const first = await loadConfig({ file: 'rollout.yaml', cwd: dir, cacheDir: cache });
    const [entry] = await readdir(cache);
    await writeFile(path.join(cache, entry as string), '{"format":1,"version":');
    expect(await loadConfig({ file: 'rollout.yaml', cwd: dir, cacheDir: cache })).toEqual(first);
  });
});
