import { z } from 'zod';
import { config } from '../config/schema.js';
import { EXIT } from '../errors/catalogue.js';
import type { CommandResult } from '../output/command-result.js';

/** The JSON Schema of rollout.yaml, as editors want it (inputs: defaults make fields optional). */
export function buildJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(config, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, title: 'rollout.yaml: a release plan for the rollout CLI' };
}

/** `rollout schema` options as cli.ts parses them. */
export interface SchemaOptions {
  format: 'json' | 'markdown';
}

export async function runSchema(options: SchemaOptions): Promise<CommandResult<Record<string, unknown>>> {
  const schema = buildJsonSchema();
  if (options.format === 'markdown') {
    const { renderConfigReference } = await import('../config/reference.js');
    const markdown = renderConfigReference(schema);
    return { exitCode: EXIT.ok, result: { markdown }, human: () => markdown };
  }
  return { exitCode: EXIT.ok, result: schema, human: () => JSON.stringify(schema, null, 2) };
}
