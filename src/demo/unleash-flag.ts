import { explainUnleash } from '../flags/providers/unleash-evaluate.js';
import type { ProviderFlag } from '../flags/providers/types.js';
import type { UnleashApi } from '../flags/providers/unleash-api.js';
import type { FlagReader } from './app.js';

/**
 * The demo application's flag from Unleash: the toggle read over the admin API every simulated minute, and each
 * user's variant decided by the same evaluation `flags eval` explains Unleash flags with.
 */
export function unleashFlagReader(
  api: UnleashApi,
  flag: Pick<ProviderFlag, 'key' | 'newVariant' | 'fallbackVariant'>,
): FlagReader {
  return {
    async read() {
      const env = await api.readEnvironment(flag.key);
      return env ? JSON.stringify(env) : null;
    },
    assign(text, users) {
      const isNew = new Uint8Array(users.length);
      if (text === null) return isNew;
      const env = JSON.parse(text) as Parameters<typeof explainUnleash>[1];
      users.forEach((u, i) => {
        const e = explainUnleash(flag, env, { targetingKey: u.key, groups: u.groups }, api.options.stickiness);
        if (e.value === true) isNew[i] = 1;
      });
      return isNew;
    },
  };
}
