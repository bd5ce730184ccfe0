import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRegressions, readPerfBaseline, type PerfBaseline } from '../../../src/gates/perf-regression.js';

const POLICY = { alpha: 0.01, minRelativeChange: 0.1 };
/** 15 timings around 2 ms with a fixed, deterministic jitter. */
const base = Array.from({ length: 15 }, (_, i) => 2 + ((i * 7) % 15) / 100);
const accepted: PerfBaseline = {
  version: 1,
  acceptedAt: '2026-03-01T00:00:00.000Z',
  samples: { 'reserve-worker.ts v1.1': base },
};
const check = (samples: number[]) => checkRegressions({ 'reserve-worker.ts v1.1': samples }, accepted, POLICY)[0];

describe('checkRegressions', () => {
  it('the same distribution again is no regression', () => {
    expect(check([...base].reverse())).toMatchObject({ regressed: false, relativeChange: 0 });
  });

  it('a 30 % slowdown is one: significant and large enough', () => {
    const r = check(base.map((x) => x * 1.3));
    expect(r?.regressed).toBe(true);
    expect(r?.pValue).toBeLessThan(0.001);
    expect(r?.relativeChange).toBeCloseTo(0.3, 6);
  });

  it('a consistent 5 % shift is significant but below the minimum change: no failure on a busy machine', () => {
    const r = check(base.map((x) => x * 1.05));
    expect(r?.pValue).toBeLessThan(0.01);
    expect(r?.regressed).toBe(false);
  });

  it('two slow outliers do not move the ranks enough to fail', () => {
    const r = check(base.map((x, i) => (i < 2 ? x * 10 : x)));
    expect(r?.regressed).toBe(false);
  });

  it('hot paths the accepted run did not measure are not judged', () => {
    expect(checkRegressions({ 'cohort-worker.ts v1.0': base }, accepted, POLICY)).toEqual([]);
  });
});

describe('readPerfBaseline', () => {
  it('no file is no baseline; garbage, NaN and negative samples are refused naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-perf-baseline-'));
    expect(await readPerfBaseline(path.join(dir, 'none.json'), 'none.json')).toBeNull();
    const bad: Array<[string, RegExp]> = [
      ['{', /^b\.json: not JSON/],
      ['{"version":1,"acceptedAt":"x","samples":{"a":[1,null]}}', /^b\.json: not a perf baseline/],
      ['{"version":1,"acceptedAt":"x","samples":{"a":[-1]}}', /^b\.json: not a perf baseline/],
      ['{"version":2,"acceptedAt":"x","samples":{}}', /^b\.json: not a perf baseline/],
    ];
    for (const [text, message] of bad) {
      await writeFile(path.join(dir, 'b.json'), text);
      await expect(readPerfBaseline(path.join(dir, 'b.json'), 'b.json')).rejects.toThrow(message);
    }
  });
});
