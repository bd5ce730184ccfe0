import type { FlagProvider, FlagRef, ProviderCapabilities, ProviderContext } from './types.js';

// The one list of providers. Loaded by the schema and by the rollback fast path, so it stays light: each
// provider module is imported only when a command opens it.

/** `flags[].publish.timeout` when the plan names none. */
export const DEFAULT_PUBLISH_TIMEOUT = '30s';
/** `flags[].unleash.urlEnv` / `tokenEnv` when the plan names none. */
export const DEFAULT_UNLEASH_URL_ENV = 'UNLEASH_URL';
export const DEFAULT_UNLEASH_TOKEN_ENV = 'UNLEASH_ADMIN_TOKEN';

interface ProviderEntry {
  /** One line for `rollout schema` and the docs. */
  description: string;
  capabilities: ProviderCapabilities;
  /** Where the flag lives, as the state records it (`flags[k].file`) and messages name it. */
  location(flag: FlagRef): string;
  open(ctx: ProviderContext): Promise<FlagProvider>;
}

const setting = (flag: FlagRef, name: string): string =>
  typeof flag.settings?.[name] === 'string' ? flag.settings[name] : '?';

export const PROVIDERS = {
  'flagd-file': {
    description:
      'a flagd JSON file that applications read with the flagd provider in offline file mode, optionally shipped by flags[].publish',
    capabilities: {
      percentStep: 0.001,
      local: true,
      killSwitch: 'fallback variant for everyone (weights 0/100 000, group rule → fallback), state stays ENABLED',
    },
    location: (flag) => flag.file,
    open: async (ctx) => (await import('./flagd-file.js')).createFlagdFileProvider(ctx),
  },
  unleash: {
    description:
      'a feature toggle on an Unleash server (admin HTTP API), one per flag in the project and environment of flags[].unleash',
    capabilities: {
      percentStep: 1,
      local: false,
      killSwitch: 'toggle off in the environment, strategies kept (turning it on serves the same users)',
    },
    location: (flag) => `unleash:${setting(flag, 'project')}/${setting(flag, 'environment')}/${flag.key}`,
    open: async (ctx) => (await import('./unleash.js')).createUnleashPlanProvider(ctx),
  },
} as const satisfies Record<string, ProviderEntry>;

export type ProviderKind = keyof typeof PROVIDERS;
export const PROVIDER_KINDS = Object.keys(PROVIDERS) as [ProviderKind, ...ProviderKind[]];
export const DEFAULT_PROVIDER: ProviderKind = 'flagd-file';

/** The provider module of `kind`, ready to use. */
export function openProvider(kind: ProviderKind, ctx: ProviderContext): Promise<FlagProvider> {
  return PROVIDERS[kind].open(ctx);
}

/** Whether `kind` names a provider (the fast path reads the plan before validation). */
export function isProviderKind(kind: unknown): kind is ProviderKind {
  return typeof kind === 'string' && Object.hasOwn(PROVIDERS, kind);
}

/** Where the flag lives for its provider: the flag file, or `unleash:<project>/<environment>/<key>`. */
export function locationOf(kind: ProviderKind, flag: FlagRef): string {
  return PROVIDERS[kind].location(flag);
}

/** Whether `percent` is a whole number of the provider's steps (within float noise). */
export function fitsPercentStep(percent: number, step: number): boolean {
  const steps = percent / step;
  return Math.abs(steps - Math.round(steps)) < 1e-6;
}
