import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('rollout verify', () => {
  it('passes both model versions with a fixed seed and reports the accuracy delta', async () => {
    const r = await runCli(['verify', '--seed', '42', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<{
      ok: boolean;
      result: {
        seed: number;
        failed: number;
        passed: number;
        properties: Array<{ model: string }>;
        accuracy: { delta: number };
      };
    }>();
    expect(doc.ok).toBe(true);
    expect(doc.result.seed).toBe(42);
    expect(doc.result.failed).toBe(0);
    expect(new Set(doc.result.properties.map((p) => p.model))).toEqual(new Set(['v1.0', 'v1.1']));
    expect(doc.result.accuracy.delta).toBeGreaterThan(0);
  });

  it('one engine and model, human output names every property', async () => {
    const r = await runCli(['verify', '--engine', 'reserves', '--model', 'v1.1', '--runs', '20', '--seed', '7']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reserves\s+v1\.1\s+\S+\s+pass\s+20/);
    expect(r.stdout).not.toMatch(/\bpacing\b/);
    expect(r.stdout).toContain('seed 7');
  });

  it('bad options exit 2', async () => {
    expect((await runCli(['verify', '--engine', 'reserve'])).code).toBe(2);
    expect((await runCli(['verify', '--model', 'v2'])).code).toBe(2);
    expect((await runCli(['verify', '--runs', 'many'])).code).toBe(2);
  });
});
