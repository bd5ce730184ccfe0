import type { FlagProvider, ProviderCapabilities, ProviderContext } from './types.js';

// The one list of providers. Loaded by the schema and by the rollback fast path, so it stays light: each
// provider module is imported only when a command opens it.

/** `flags[].publish.timeout` when the plan names none. */
export const DEFAULT_PUBLISH_TIMEOUT = '30s';

interface ProviderEntry {
  /** One line for `rollout schema` and the docs. */
  description: string;
  capabilities: ProviderCapabilities;
  open(ctx: ProviderContext): Promise<FlagProvider>;
}

export const PROVIDERS = {
  'flagd-file': {
    description:
      'a flagd JSON file that applications read with the flagd provider in offline file mode, optionally shipped by flags[].publish',
    capabilities: {
      percentStep: 0.001,
      local: true,
      killSwitch: 'fallback variant for everyone (weights 0/100 000, group rule → fallback), state stays ENABLED',
    },
    open: async (ctx) => (await import('./flagd-file.js')).createFlagdFileProvider(ctx),
  },
} as const satisfies Record<string, ProviderEntry>;

export type ProviderKind = keyof typeof PROVIDERS;
export const PROVIDER_KINDS = Object.keys(PROVIDERS) as [ProviderKind, ...ProviderKind[]];
export const DEFAULT_PROVIDER: ProviderKind = 'flagd-file';

/** The provider module of `kind`, ready to use. */
export function openProvider(kind: ProviderKind, ctx: ProviderContext): Promise<FlagProvider> {
  return PROVIDERS[kind].open(ctx);
}

/** Whether `percent` is a whole number of the provider's steps (within float noise). */
export function fitsPercentStep(percent: number, step: number): boolean {
  const steps = percent / step;
  return Math.abs(steps - Math.round(steps)) < 1e-6;
}
