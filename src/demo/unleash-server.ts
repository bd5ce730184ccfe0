import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { DEFAULT_UNLEASH_TOKEN_ENV, DEFAULT_UNLEASH_URL_ENV } from '../flags/providers/registry.js';
import { createUnleashApi, type UnleashApi } from '../flags/providers/unleash-api.js';
import { RolloutError } from '../errors/rollout-error.js';
import { findPostgresBin, startPostgres, type LocalPostgres } from './local-postgres.js';
import { findUnleashServer, startUnleashServer, unleashServerCandidates, type LocalUnleash } from './local-unleash.js';

// The Unleash server `rollout demo --provider unleash` writes its flag to: the one UNLEASH_URL and
// UNLEASH_ADMIN_TOKEN name, or a local one started for the run (throwaway PostgreSQL + unleash-server on
// loopback, a generated admin token) and stopped at the end, also on an error or SIGINT/SIGTERM.

export const DEMO_UNLEASH_PROJECT = 'default';

/** What the demo says about the server, in its result (never the token). */
export interface DemoUnleashInfo {
  /** `local`: started for this run; `external`: UNLEASH_URL. */
  server: 'local' | 'external';
  url: string;
  /** unleash-server's version (local) or what /api/admin/ui-config reports (external), `?` when unknown. */
  version: string;
  project: string;
  environment: string;
  /** What happened to the server (local) or the demo's toggle (external) at the end. */
  cleanup: string;
}

export interface DemoUnleash {
  info: DemoUnleashInfo;
  /** UNLEASH_URL and UNLEASH_ADMIN_TOKEN for the real commands. */
  env: Record<string, string>;
  /** The admin token, to scrub from every output. */
  secret: string;
  api: UnleashApi;
  /** Removes a toggle a previous kept demo left; refuses one the demo did not create. */
  prepareToggle(key: string, release: string): Promise<string | null>;
  /** Stops what was started (local) or removes the demo's toggle (external, unless kept). Idempotent. */
  close(opts: { keep: boolean }): Promise<void>;
}

/** The project environment the demo uses: `development` when the project has it, else its first one. */
export function pickEnvironment(environments: string[]): string | null {
  return environments.includes('development') ? 'development' : (environments[0] ?? null);
}

/** Where an admin-API answer for a project lists its environments (Unleash 5/6: `[{ environment }]`). */
export function projectEnvironments(project: unknown): string[] {
  const list = (project as { environments?: unknown } | null)?.environments;
  if (!Array.isArray(list)) return [];
  return list.flatMap((e: unknown) => {
    const name = typeof e === 'string' ? e : (e as { environment?: unknown } | null)?.environment;
    return typeof name === 'string' && name.length > 0 ? [name] : [];
  });
}

/** The description the provider gives a toggle it creates for the demo's release (see unleash.ts). */
export const demoToggleDescription = (release: string): string => `rolled out by rollout (${release})`;

export interface OpenDemoUnleashOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `--unleash-server <dir>`: the only place unleash-server is looked for when given. */
  serverDir?: string;
  progress(line: string): void;
}

/**
 * The server to use. With UNLEASH_URL and UNLEASH_ADMIN_TOKEN both set: that one. Otherwise a local one:
 * the prerequisites (unleash-server, PostgreSQL's binaries) are checked before anything starts, so a missing
 * one is an exit-2 error with nothing to clean up.
 */
export async function openDemoUnleash(opts: OpenDemoUnleashOptions): Promise<DemoUnleash> {
  const url = opts.env[DEFAULT_UNLEASH_URL_ENV];
  const token = opts.env[DEFAULT_UNLEASH_TOKEN_ENV];
  if (url || token) {
    if (!url || !token)
      throw new RolloutError(
        'E_DEMO_PREREQUISITE',
        `${url ? DEFAULT_UNLEASH_TOKEN_ENV : DEFAULT_UNLEASH_URL_ENV} is not set: set both ${DEFAULT_UNLEASH_URL_ENV} and ${DEFAULT_UNLEASH_TOKEN_ENV} to use a running Unleash, or neither to let the demo start a local one`,
      );
    opts.progress(`using the Unleash server in ${DEFAULT_UNLEASH_URL_ENV} (${url})`);
    return connect({ url, token, server: 'external', version: '?', stop: null });
  }
  const install = findUnleashServer(unleashServerCandidates({ explicit: opts.serverDir, cwd: opts.cwd }));
  const bin = findPostgresBin();
  opts.progress(`starting a local Unleash: PostgreSQL (${bin}) and unleash-server ${install.version} (${install.dir})`);
  const adminToken = `*:*.${randomBytes(24).toString('hex')}`;
  let pg: LocalPostgres | null = null;
  let server: LocalUnleash | null = null;
  const stop = async () => {
    await server?.stop();
    await pg?.stop();
  };
  try {
    pg = await startPostgres({ bin });
    server = await startUnleashServer(pg, { name: 'unleash', adminToken, install });
  } catch (error) {
    await stop();
    throw error;
  }
  opts.progress(
    `local Unleash ${install.version} answers on ${server.url} (admin token generated for this run; its PostgreSQL on ${pg.host}:${pg.port} in ${pg.root})`,
  );
  return connect({ url: server.url, token: adminToken, server: 'local', version: install.version, stop });
}

async function connect(s: {
  url: string;
  token: string;
  server: 'local' | 'external';
  version: string;
  stop: (() => Promise<void>) | null;
}): Promise<DemoUnleash> {
  const env = { [DEFAULT_UNLEASH_URL_ENV]: s.url, [DEFAULT_UNLEASH_TOKEN_ENV]: s.token };
  const scrub = (t: string) => t.split(s.token).join('[REDACTED]');
  const probe = createUnleashApi({ env, redact: scrub }, { project: DEMO_UNLEASH_PROJECT, environment: '' });
  let environment: string | null;
  try {
    environment = pickEnvironment(projectEnvironments(await probe.call('GET', `/projects/${DEMO_UNLEASH_PROJECT}`)));
  } catch (error) {
    await s.stop?.();
    throw error;
  }
  if (!environment) {
    await s.stop?.();
    throw new RolloutError(
      'E_DEMO_PREREQUISITE',
      `project ${DEMO_UNLEASH_PROJECT} on the Unleash server has no environment enabled: enable one (e.g. development) in the Unleash UI`,
    );
  }
  const api = createUnleashApi({ env, redact: scrub }, { project: DEMO_UNLEASH_PROJECT, environment });
  let closed = false;
  // Only a toggle the demo may call its own is ever removed: never one prepareToggle refused.
  let owned: string | null = null;
  const info: DemoUnleashInfo = {
    server: s.server,
    url: s.url,
    version: s.version,
    project: DEMO_UNLEASH_PROJECT,
    environment,
    cleanup: 'not yet',
  };
  const removeToggle = async (key: string) => {
    await api.call('DELETE', api.featurePath(key)); // archive
    await api.call('DELETE', `/archive/${encodeURIComponent(key)}`); // and delete for good
  };
  return {
    info,
    env,
    secret: s.token,
    api,
    async prepareToggle(key, release) {
      const feature = await api.call('GET', api.featurePath(key)).catch((error: unknown) => {
        if ((error as { status?: unknown }).status === 404) return null;
        throw error;
      });
      if (!feature) {
        owned = key;
        return null;
      }
      if ((feature as { description?: unknown }).description !== demoToggleDescription(release))
        throw new RolloutError(
          'E_DEMO_PREREQUISITE',
          `the Unleash server in ${DEFAULT_UNLEASH_URL_ENV} already has a toggle ${key} in project ${DEMO_UNLEASH_PROJECT} that rollout demo did not create; the demo never touches it: point ${DEFAULT_UNLEASH_URL_ENV} at another server, or archive the toggle there first`,
        );
      owned = key;
      await removeToggle(key);
      return `removed the toggle ${key} a previous \`rollout demo --keep\` left on ${s.url}`;
    },
    async close({ keep }) {
      const toggle = owned;
      if (closed) return;
      closed = true;
      if (s.stop) {
        await s.stop();
        info.cleanup = `the local Unleash server and its PostgreSQL were stopped and their files removed${keep ? ' (--keep keeps the project directory only; `rollout status` there cannot reach Unleash any more)' : ''}`;
      } else if (!toggle) {
        info.cleanup = `nothing of the demo's was left on ${s.url}`;
      } else if (keep) {
        info.cleanup = `the toggle ${toggle} stays on ${s.url} (project ${DEMO_UNLEASH_PROJECT}, environment ${environment}); with ${DEFAULT_UNLEASH_URL_ENV} and ${DEFAULT_UNLEASH_TOKEN_ENV} set, rollout status and flags eval work in the kept directory`;
      } else {
        try {
          await removeToggle(toggle);
          info.cleanup = `the demo's toggle ${toggle} was archived and deleted on ${s.url}`;
        } catch (error) {
          info.cleanup = `the demo's toggle ${toggle} could not be removed from ${s.url}: ${(error as Error).message}`;
        }
      }
    },
  };
}

/**
 * Runs `run` with the demo's Unleash server: opened first (a missing prerequisite fails before anything starts
 * or any file is written) and closed at the end whatever happens. SIGINT/SIGTERM: the server is closed, the
 * project directory `run` reports through `onDir` removed (unless `keep`), and the signal re-raised (its default
 * action ends the process). A signal while a local server is still starting waits for the start to finish or
 * fail, since a half-started PostgreSQL could not be stopped from here.
 */
export async function withDemoUnleash<T>(
  opts: OpenDemoUnleashOptions & { keep: boolean },
  run: (unleash: DemoUnleash, onDir: (dir: string) => void) => Promise<T>,
): Promise<{ result: T; info: DemoUnleashInfo }> {
  let unleash: DemoUnleash | null = null;
  let dir: string | null = null;
  let pending: NodeJS.Signals | null = null;
  const stopListening = () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  // Closes, then removes the project synchronously (`run` is still going and could write into it again while
  // anything awaits), then lets the signal end the process.
  const endWith = async (signal: NodeJS.Signals) => {
    stopListening();
    await unleash?.close({ keep: opts.keep }).catch(() => undefined);
    if (dir && !opts.keep) rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal);
    // The default action ends the process at the next turn of the event loop: nothing after this may run.
    await new Promise<never>(() => undefined);
  };
  function onSignal(signal: NodeJS.Signals) {
    if (pending) return;
    pending = signal;
    if (unleash) void endWith(signal);
    else opts.progress(`${signal}: stopping as soon as the Unleash server has started (or failed to)`);
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    try {
      unleash = await openDemoUnleash(opts);
    } finally {
      if (pending) await endWith(pending);
    }
    const result = await run(unleash, (d) => {
      dir = d;
    });
    return { result, info: unleash.info };
  } finally {
    if (!pending) {
      stopListening();
      await unleash?.close({ keep: opts.keep });
      if (unleash) opts.progress(unleash.info.cleanup);
    }
  }
}
