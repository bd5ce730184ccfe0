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

/** The files of the modules a run imports, recorded by a resolve hook (`module.register`). */
async function modulesLoadedBy(args: string[], cwd: string): Promise<{ code: number | null; files: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-modules-'));
  const out = path.join(dir, 'modules.txt');
  const hooks = path.join(dir, 'hooks.mjs');
  await writeFile(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.startsWith('file:')) appendFileSync(${JSON.stringify(out)}, result.url + '\\n');
  return result;
}
`,
  );
  const preload = path.join(dir, 'register.mjs');
  await writeFile(
    preload,
    `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
  );
  await writeFile(out, '');
  const run = await runCli(args, { cwd, env: { NODE_OPTIONS: `--import ${preload}`, ROLLOUT_NO_CACHE: '1' } });
  const urls = [...new Set((await readFile(out, 'utf8')).split('\n').filter(Boolean))];
  return { code: run.code, files: urls.map((u) => new URL(u).pathname) };
}

describe('a cold validate of a valid plan', () => {
  it('builds no zod schema and loads no YAML library: the schema table and the plain reader answer', async () => {
    const cwd = await tempProject(['rollout.yaml', '.perf-budget.json', 'runbooks']);
    const { code, files } = await modulesLoadedBy(['validate', '--no-cache'], cwd);
    expect(code).toBe(0);
    // The recording works: the CLI's own modules are there.
    expect(files.some((f) => f.endsWith('bin/rollout'))).toBe(true);
    expect(files.length).toBeGreaterThan(3);
    const withZod = [];
    for (const f of files) if ((await readFile(f, 'utf8')).includes('$ZodType')) withZod.push(f);
    expect(withZod).toEqual([]);
    expect(files.filter((f) => f.includes('node_modules/yaml/'))).toEqual([]);
  });

  it('still loads zod for a plan with a problem, to name it', async () => {
    const cwd = await tempProject();
    const plan = path.join(cwd, 'rollout.yaml');
    await writeFile(plan, (await readFile(plan, 'utf8')).replace(/^version: 1$/m, 'version: 2'));
    const { code, files } = await modulesLoadedBy(['validate', '--no-cache'], cwd);
    expect(code).toBe(2);
    const contents = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    expect(contents.some((c) => c.includes('$ZodType'))).toBe(true);
  });
});
