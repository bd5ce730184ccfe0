import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

/**
 * What start-up loads, not how long it takes (the time is bench/startup.mjs's). commander loads
 * `node:child_process` for executable subcommands, which rollout has none of; the build makes that load
 * lazy, so `--help` and a cold `validate` never pay for it. A preload records Node's list of loaded
 * built-in modules when the process exits.
 */
async function builtinsLoadedBy(args: string[], cwd: string): Promise<{ code: number | null; builtins: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-loaded-'));
  const preload = path.join(dir, 'record.cjs');
  const out = path.join(dir, 'loaded.txt');
  await writeFile(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join('\\n')));\n`,
  );
  const run = await runCli(args, { cwd, env: { NODE_OPTIONS: `--require ${preload}`, ROLLOUT_NO_CACHE: '1' } });
  const builtins = (await readFile(out, 'utf8')).split('\n').filter((m) => m.startsWith('NativeModule '));
  return { code: run.code, builtins };
}

describe('start-up loads only what the command uses', () => {
  it('--help and a cold validate of the repository plan never load child_process', async () => {
    const cwd = await tempProject();
    for (const args of [['--help'], ['validate', '--no-cache']]) {
      const { code, builtins } = await builtinsLoadedBy(args, cwd);
      expect(code, args.join(' ')).toBe(0);
      // The recording works: the preload saw the modules every start loads.
      expect(builtins, args.join(' ')).toContain('NativeModule fs');
      expect(builtins, args.join(' ')).not.toContain('NativeModule child_process');
    }
  });
});
