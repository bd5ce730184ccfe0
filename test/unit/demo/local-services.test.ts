import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPostgresBin, type LocalPostgres } from '../../../src/demo/local-postgres.js';
import {
  findUnleashServer,
  majorOf,
  startUnleashServer,
  unleashServerCandidates,
} from '../../../src/demo/local-unleash.js';
import { CATALOGUE } from '../../../src/errors/catalogue.js';
import { toRolloutError } from '../../../src/errors/rollout-error.js';

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});
const scratch = async () => {
  const d = await mkdtemp(path.join(tmpdir(), 'rollout-local-services-'));
  dirs.push(d);
  return d;
};

/** A directory that looks like an installed unleash-server whose server.js is `script`. */
async function fakeUnleash(root: string, version: string, script = '', name = 'unleash-server'): Promise<string> {
  const dir = path.join(root, 'node_modules/unleash-server');
  await mkdir(path.join(dir, 'dist'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, version }));
  await writeFile(path.join(dir, 'dist/server.js'), script);
  return dir;
}

/** What `run` threw (or rejected with); undefined when it did not. */
async function thrownBy(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const exitCodeOf = (error: unknown) => {
  const mapped = toRolloutError(error);
  return mapped ? { code: mapped.code, exit: CATALOGUE[mapped.code].exitCode } : null;
};

describe('where unleash-server is looked up', () => {
  it('an explicit directory is the only place searched; otherwise the project, then the package test fixture', () => {
    expect(unleashServerCandidates({ explicit: 'vendor', cwd: '/p' })).toEqual([
      '/p/vendor/node_modules/unleash-server',
      '/p/vendor',
    ]);
    expect(unleashServerCandidates({ cwd: '/p', packageRoot: '/opt/rollout' })).toEqual([
      '/p/node_modules/unleash-server',
      '/opt/rollout/test/fixtures/unleash-server/node_modules/unleash-server',
    ]);
  });

  it('not installed: exit 2 (E_DEMO_PREREQUISITE) naming every place searched and the install command', async () => {
    const empty = await scratch();
    const candidates = unleashServerCandidates({ explicit: empty, cwd: '/' });
    const caught = await thrownBy(() => findUnleashServer(candidates));
    expect(exitCodeOf(caught)).toEqual({ code: 'E_DEMO_PREREQUISITE', exit: 2 });
    const message = (caught as Error).message;
    for (const c of candidates) expect(message).toContain(c);
    expect(message).toContain('npm install --no-save unleash-server@6');
  });

  it('takes the first real installation, skips a directory whose package is not unleash-server', async () => {
    const [a, b] = [await scratch(), await scratch()];
    await fakeUnleash(a, '6.1.0', '', 'not-unleash');
    const good = await fakeUnleash(b, '6.10.1');
    expect(findUnleashServer([path.join(a, 'node_modules/unleash-server'), good], '20.19.0')).toMatchObject({
      dir: good,
      version: '6.10.1',
      serverJs: path.join(good, 'dist/server.js'),
    });
  });

  it('refuses unleash-server 7+ on Node 20 (it needs Node 22) with exit 2, accepts it on Node 22', async () => {
    const dir = await fakeUnleash(await scratch(), '7.0.2');
    expect(() => findUnleashServer([dir], '20.19.0')).toThrow(/needs Node 22.*unleash-server@6/);
    expect(findUnleashServer([dir], '22.3.0').version).toBe('7.0.2');
    expect([majorOf('6.10.1'), majorOf('x'), majorOf('')]).toEqual([6, Number.NaN, Number.NaN]);
  });
});

describe('PostgreSQL binaries', () => {
  it('missing: exit 2 naming the directory and `apt-get install postgresql`', async () => {
    const root = await scratch();
    await mkdir(path.join(root, '16/bin'), { recursive: true }); // a version directory without initdb
    const caught = await thrownBy(() => findPostgresBin(root));
    expect(exitCodeOf(caught)).toEqual({ code: 'E_DEMO_PREREQUISITE', exit: 2 });
    expect((caught as Error).message).toContain(root);
    expect((caught as Error).message).toContain('apt-get install postgresql');
    expect(() => findPostgresBin(path.join(root, 'nothing-here'))).toThrow(/apt-get install postgresql/);
  });

  it('picks the newest complete version, numerically (15 over 9)', async () => {
    const root = await scratch();
    for (const v of ['9', '15', '17'])
      for (const b of v === '17' ? ['initdb'] : ['initdb', 'pg_ctl', 'postgres']) {
        await mkdir(path.join(root, v, 'bin'), { recursive: true });
        await writeFile(path.join(root, v, 'bin', b), '');
      }
    expect(findPostgresBin(root)).toBe(path.join(root, '15/bin'));
  });
});

describe('a local unleash-server that fails', () => {
  // A stand-in for unleash-server: the real one cannot be made to crash on demand.
  const noPostgres = {
    createDatabase: async () => 'postgres://nobody@127.0.0.1:1/unleash',
  } as unknown as LocalPostgres;

  /** Starts a stand-in whose server.js is `script`; what startUnleashServer threw, and its directory. */
  const startStandIn = async (script: string, startTimeoutMs = 120_000) => {
    const dir = await fakeUnleash(await scratch(), '6.10.1', script);
    const install = findUnleashServer([dir]);
    return {
      dir,
      caught: await thrownBy(() => startUnleashServer(noPostgres, { adminToken: '*:*.t', install, startTimeoutMs })),
    };
  };

  it('its database cannot be created (PostgreSQL gone): exit 3 (E_DEMO_SERVICE), nothing spawned', async () => {
    const dir = await fakeUnleash(await scratch(), '6.10.1', "require('node:fs').writeFileSync('ran', '');");
    const deadPostgres = {
      createDatabase: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    } as unknown as LocalPostgres;
    const caught = await thrownBy(() =>
      startUnleashServer(deadPostgres, { adminToken: '*:*.t', install: findUnleashServer([dir]) }),
    );
    expect(exitCodeOf(caught)).toEqual({ code: 'E_DEMO_SERVICE', exit: 3 });
    expect((caught as Error).message).toContain('ECONNREFUSED');
    expect(await readdir(dir)).not.toContain('ran');
  });

  it('exits at start: exit 3 (E_DEMO_SERVICE) with its last output', async () => {
    const { caught } = await startStandIn("console.error('listen EADDRINUSE 127.0.0.1'); process.exit(1);");
    expect(exitCodeOf(caught)).toEqual({ code: 'E_DEMO_SERVICE', exit: 3 });
    expect((caught as Error).message).toMatch(/exited with 1 before answering.*EADDRINUSE/s);
  });

  it('never answers /health: stopped at the deadline (no process left), exit 3', async () => {
    const { dir, caught } = await startStandIn(
      "require('node:fs').writeFileSync(process.env.HTTP_PORT + '.pid', String(process.pid)); setInterval(() => {}, 1000);",
      1500,
    );
    expect(exitCodeOf(caught)).toEqual({ code: 'E_DEMO_SERVICE', exit: 3 });
    expect((caught as Error).message).toContain('did not answer');
    const pidFile = (await readdir(dir)).find((f) => f.endsWith('.pid'));
    expect(pidFile).toBeDefined();
    const pid = Number(await readFile(path.join(dir, pidFile as string), 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});
