import { z } from 'zod';
import { config } from '../config/schema.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import type { CommandResult } from '../output/command-result.js';

/** The JSON Schema of rollout.yaml, as editors want it (inputs: defaults make fields optional). */
export function buildJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(config, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, title: 'rollout.yaml: a release plan for the rollout CLI' };
}

export async function runSchema(options: Record<string, unknown>): Promise<CommandResult<Record<string, unknown>>> {
  const schema = buildJsonSchema();
  const format = (options.format as string | undefined) ?? 'json';
  if (format !== 'json' && format !== 'markdown') throw new RolloutError('E_USAGE', `--format ${format}: json or markdown`);
  if (format === 'markdown') {
    const { renderConfigReference } = await import('../config/reference.js');
    const markdown = renderConfigReference(schema);
    return { exitCode: EXIT.ok, result: { markdown }, human: () => markdown };
  }
  return { exitCode: EXIT.ok, result: schema, human: () => JSON.stringify(schema, null, 2) };
}
