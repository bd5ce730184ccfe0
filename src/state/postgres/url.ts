import { StateUrlError } from '../errors.js';

/** Where a `--state` URL came from; a password inside the URL is accepted only from the command line. */
export type StateUrlSource = 'command-line' | 'config' | 'environment';

/** Key used when neither `?release=` nor the plan's release name is known. */
export const DEFAULT_RELEASE_KEY = 'default';

/** Everything the PostgreSQL backend takes from a `postgres://` URL and the environment. */
export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string | undefined;
  password: string | undefined;
  /** Row key of the release in `rollout_state`, `rollout_lock` and `rollout_audit`. */
  releaseKey: string;
  /** `sslmode=require` encrypts without verifying; `verify-full` verifies; default off (loopback/private networks). */
  ssl: false | { rejectUnauthorized: boolean };
  /** The URL with any password replaced by `***`, for messages. */
  redacted: string;
}

/** Options understood in the query string; anything else is refused so typos do not pass silently. */
const KNOWN_PARAMS = new Set(['release', 'sslmode']);
const SSL_MODES: Record<string, PostgresTarget['ssl']> = {
  disable: false,
  require: { rejectUnauthorized: false },
  'verify-full': { rejectUnauthorized: true },
};

/** `postgres://user:pw@host/db` → `postgres://user:***@host/db`. */
export function redactPostgresUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@\s]*):[^@\s]*@/i, '$1:***@');
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new StateUrlError(redactPostgresUrl(url), 'not a valid postgres:// URL');
  }
}

/**
 * Read the connection target from a URL. Credentials come from the environment
 * (`ROLLOUT_PG_PASSWORD` or `PGPASSWORD`, `PGUSER`); a password written in the URL is refused unless
 * the URL was typed on the command line, because `rollout.yaml` is committed to the repository.
 * The release key is `?release=`, else the plan's release name, else `default`.
 */
export function parsePostgresUrl(
  url: string,
  options: { env: NodeJS.ProcessEnv; release?: string; source?: StateUrlSource },
): PostgresTarget {
  const parsed = parseUrl(url);
  const redacted = redactPostgresUrl(url);
  const urlPassword = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  // The environment is where secrets belong, and the command line is the operator's own choice;
  // anything else (rollout.yaml, or a caller that does not say) is a file someone may commit.
  const passwordAllowed = options.source === 'command-line' || options.source === 'environment';
  if (urlPassword !== undefined && !passwordAllowed) {
    const where =
      options.source === 'config' ? 'rollout.yaml (state:)' : 'a state URL that was not typed on the command line';
    throw new StateUrlError(
      redacted,
      `a password in ${where} is refused: put it in ROLLOUT_PG_PASSWORD or PGPASSWORD instead`,
    );
  }
  for (const name of parsed.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(name))
      throw new StateUrlError(redacted, `unknown parameter '${name}' (known: ${[...KNOWN_PARAMS].join(', ')})`);
  }
  const sslmode = parsed.searchParams.get('sslmode') ?? 'disable';
  const ssl = SSL_MODES[sslmode];
  if (ssl === undefined)
    throw new StateUrlError(redacted, `sslmode must be one of ${Object.keys(SSL_MODES).join(', ')}`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database || database.includes('/'))
    throw new StateUrlError(redacted, 'name the database: postgres://host:5432/<database>');
  const releaseKey = parsed.searchParams.get('release') ?? options.release ?? DEFAULT_RELEASE_KEY;
  if (releaseKey.trim() === '' || releaseKey.length > 200)
    throw new StateUrlError(redacted, 'the release key must be 1–200 characters');
  const port = parsed.port ? Number(parsed.port) : 5432;
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port,
    database,
    user: parsed.username ? decodeURIComponent(parsed.username) : options.env.PGUSER || undefined,
    password: urlPassword ?? (options.env.ROLLOUT_PG_PASSWORD || options.env.PGPASSWORD || undefined),
    releaseKey,
    ssl,
    redacted,
  };
}
