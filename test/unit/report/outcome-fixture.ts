import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { config, type RawConfig } from '../../../src/config/schema.js';

/** The repository plan, parsed by the schema: the success metrics, risks, canary and triggers the tests judge. */
export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const PLAN_TEXT = readFileSync(path.join(ROOT, 'rollout.yaml'), 'utf8');

export function configSchema(): RawConfig {
  return config.parse(parse(PLAN_TEXT));
}
