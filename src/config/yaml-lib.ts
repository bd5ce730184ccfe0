import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';

const load = createRequire(import.meta.url);
let lib: typeof YamlLib | undefined;

/**
 * The yaml package, loaded the first time it is needed. A plan the plain reader reads (plain-yaml.ts) and
 * that has no problem to report never needs it, and loading it is a visible part of a cold `validate`.
 * The package stays external to the bundle (scripts/rolldown.config.mjs), so this loads it from node_modules.
 */
export function yamlLib(): typeof YamlLib {
  return (lib ??= load('yaml') as typeof YamlLib);
}
