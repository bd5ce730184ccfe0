import { describe, expect, it } from 'vitest';
import { PROPERTIES } from '../../../engines/properties/index.js';
import { runVerify } from '../../../engines/verify.js';

// A fixed seed keeps CI reproducible; set ENGINE_PROPERTY_SEED to explore other inputs.
const SEED = Number(process.env.ENGINE_PROPERTY_SEED ?? 20_250_601);
const RUNS = Number(process.env.ENGINE_PROPERTY_RUNS ?? 100);

describe('engine property suites', () => {
  for (const def of PROPERTIES) {
    for (const model of def.models) {
      it(`${def.id} (${model}): ${def.title}`, () => {
        const report = runVerify({
          engine: def.engine,
          model,
          property: def.id,
          seed: SEED,
          runs: RUNS,
          accuracy: false,
        });
        expect(report.properties).toHaveLength(1);
        const [result] = report.properties;
        // On failure the message carries the shrunk counterexample and the replay command.
        expect(result?.failure, JSON.stringify(result?.failure, null, 2)).toBeUndefined();
        expect(result?.status).toBe('pass');
        expect(result?.runs).toBe(RUNS);
      });
    }
  }

  it('covers every invariant of the release plan', () => {
    const ids = PROPERTIES.map((p) => p.id);
    for (const id of [
      'reserves.total-within-cap',
      'reserves.allocations-sum-to-total',
      'reserves.amounts-non-negative',
      'pacing.quarters-non-negative',
      'pacing.total-within-fund-size',
      'pacing.timeline-strictly-increasing',
      'cohorts.irr-within-bounds',
      'cohorts.companies-non-empty',
      'cohorts.investment-within-capital',
    ])
      expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(PROPERTIES.find((p) => p.id === 'cohorts.irr-within-bounds')?.precondition).toMatch(/365 days/);
  });
});
