import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { config, PARSE_ONCE, perfBudget } from '../../../src/config/schema.js';
import { parseYamlSource } from '../../../src/config/yaml-source.js';
import { REPO_ROOT } from '../../helpers/cli.js';

/**
 * The plan is checked without zod's eval-compiled fast path (PARSE_ONCE): it must give exactly what the
 * compiled path gives — the same data for a good plan, the same issues in the same order for a broken
 * one — or a cold `validate` would answer differently from a process that parsed before.
 */
const broken = path.resolve(import.meta.dirname, '../../fixtures/broken');
const plans = [
  ['rollout.yaml', readFileSync(path.join(REPO_ROOT, 'rollout.yaml'), 'utf8')],
  ...readdirSync(broken)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => [f, readFileSync(path.join(broken, f), 'utf8')]),
] as const;

// Broken plans that are not even YAML never reach the schema.
const parsed = plans.flatMap(([name, text]) => {
  const { source } = parseYamlSource(name, text);
  return source ? [[name, source.data] as const] : [];
});

function outcome(result: { success: boolean; data?: unknown; error?: { issues: unknown[] } }): unknown {
  return result.success ? { data: result.data } : { issues: result.error?.issues };
}

describe('the plan schema without the compiled fast path', () => {
  it('covers the repository plan and most of the broken corpus', () => {
    expect(parsed[0]?.[0]).toBe('rollout.yaml');
    expect(parsed.length).toBeGreaterThanOrEqual(25);
  });

  it.each(parsed)('%s: same data or same issues as the compiled path', (_name, data) => {
    // The interpreted parse first: the compiled one is generated on an object schema's first compiled parse.
    const interpreted = outcome(config.safeParse(data, PARSE_ONCE));
    const compiled = outcome(config.safeParse(data));
    expect(interpreted).toEqual(compiled);
  });

  it('the budget file too, good and with wrong values', () => {
    const good = JSON.parse(readFileSync(path.join(REPO_ROOT, '.perf-budget.json'), 'utf8')) as unknown;
    for (const data of [good, { hotPaths: { x: -1 }, p95Max: 'fast' }, { hotPaths: [], extra: true }, null]) {
      expect(outcome(perfBudget.safeParse(data, PARSE_ONCE))).toEqual(outcome(perfBudget.safeParse(data)));
    }
  });
});
