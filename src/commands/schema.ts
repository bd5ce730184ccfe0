import { z } from 'zod';
import { config } from '../config/schema.js';
import { EXIT } from '../errors/catalogue.js';
import type { CommandResult } from './types.js';

/** The JSON Schema of rollout.yaml, as editors want it (inputs: defaults make fields optional). */
export function buildJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(config, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, title: 'rollout.yaml: a release plan for the rollout CLI' };
}

export async function runSchema(): Promise<CommandResult<Record<string, unknown>>> {
  const schema = buildJsonSchema();
  return { exitCode: EXIT.ok, result: schema, human: () => JSON.stringify(schema, null, 2) };
}
