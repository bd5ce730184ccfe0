import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { answerProject, healthyReply, isCanary, roleOf } from '../metrics/answer-plan.js';
import { startFakePrometheus, type FakePrometheus, type FakeRequest } from '../metrics/fake-prometheus.js';

/**
 * A latency series sampled every 5 s where the canary has answered for only half a minute: 6 points
 * against 480, no ties (checked below, or the test would pass on the tie rule alone). SciPy's rule
 * picks the exact Mann–Whitney test (an arm of ≤ 8 points), whose table stops at n₁·n₂ = 2,500; the
 * analysis used to stop there with exit 70.
 */
let fake: FakePrometheus;
let dir: string;

const END = 1_700_000_000;
function series(values: number[]): string {
  return JSON.stringify({
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [
        { metric: {}, values: values.map((v, i) => [END - (values.length - 1 - i) * 5, v === -1 ? 'NaN' : String(v)]) },
      ],
    },
  });
}
// Baseline: 480 distinct values around 100 ms; canary: NaN except 6 distinct values.
const baseline = Array.from({ length: 480 }, (_, i) => 90 + ((i * 37) % 480) / 24 + i * 1e-4);
const canary = (shift: number) =>
  Array.from({ length: 480 }, (_, i) => (i >= 474 ? 95.123 + shift + (i - 474) * 2.5 : -1));

beforeAll(async () => {
  fake = await startFakePrometheus(healthyReply);
  dir = await answerProject();
  const file = path.join(dir, 'rollout.yaml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('      step: 1m\n', '      step: 5s\n      minSamples: 5\n'));
});
afterAll(async () => {
  await fake?.stop();
});

async function analyzeWith(shift: number) {
  fake.answer((req: FakeRequest) =>
    roleOf(req) === 'median' ? { body: series(isCanary(req) ? canary(shift) : baseline) } : healthyReply(req),
  );
  const r = await runCli(['analyze', '--json', '--dry-run'], { cwd: dir, env: { ROLLOUT_PROMETHEUS_URL: fake.url } });
  const doc = r.json<{
    result: {
      metrics: Array<{
        id: string;
        verdict: string;
        test?: string;
        canary: { n: number | null };
        baseline: { n: number | null };
        pValue?: number;
      }>;
    };
  }>();
  return { r, latency: doc.result.metrics.find((m) => m.id === 'latency') };
}

describe('a distribution metric with a small canary arm (6 points) against a large baseline (480)', () => {
  it('the samples have no ties', () => {
    for (const shift of [0, 200]) {
      const all = [...baseline, ...canary(shift).filter((v) => v !== -1)];
      expect(new Set(all).size).toBe(486);
    }
  });

  it('is judged with the normal approximation, not refused with exit 70', async () => {
    const { r, latency } = await analyzeWith(0);
    expect(r.code, r.stdout + r.stderr).not.toBe(70);
    expect([0, 1, 3]).toContain(r.code);
    expect(latency).toMatchObject({ canary: { n: 6 }, baseline: { n: 480 } });
    expect(latency?.test).toMatch(/Mann–Whitney U .*autocorrelation/);
    expect(latency?.pValue).toBeGreaterThan(0);
  });

  it('a canary far slower than every baseline point is a significant regression', async () => {
    const { r, latency } = await analyzeWith(200);
    expect(r.code, r.stdout + r.stderr).not.toBe(70);
    expect(latency?.test).toMatch(/Mann–Whitney U .*autocorrelation/);
    // Six rising points are worth about two independent ones once their autocorrelation is counted.
    expect(latency?.pValue).toBeLessThan(0.01);
  });
});
