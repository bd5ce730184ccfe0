import { describe, expect, it } from 'vitest';
import type { GateConfig } from '../../../src/config/schema.js';
import { runGates, runPool, summarizeVerdicts } from '../../../src/gates/run-gates.js';
import type { GateResult } from '../../../src/gates/types.js';
import { gateContext, stateIn } from './context.js';

describe('runPool', () => {
  it('never has more than the limit in flight, and runs everything', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (11 - n) * 2));
      inFlight--;
      done.push(n);
    });
    expect(peak).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('runGates', () => {
  it('reports in plan order whatever order the gates finish in', async () => {
    const gates: GateConfig[] = [
      { id: 'slow-signoff', kind: 'manual', signoff: 'a' },
      { id: 'soak', kind: 'soak', duration: '1h', since: 'phase' },
      { id: 'signed', kind: 'manual', signoff: 'b' },
    ];
    const state = stateIn('P0', '2026-03-01T00:00:00Z', {
      signoffs: [{ item: 'b', phase: 'P0', actor: 'x', at: '2026-03-01T01:00:00Z', reason: 'done' }],
    });
    const finished: string[] = [];
    const results = await runGates(gates, gateContext({ state }), { onResult: (r) => finished.push(r.id) });
    expect(results.map((r) => r.id)).toEqual(['slow-signoff', 'soak', 'signed']);
    expect(results.map((r) => r.verdict)).toEqual(['inconclusive', 'pass', 'pass']);
    expect(finished.sort()).toEqual(['signed', 'slow-signoff', 'soak']);
  });

  it('summarises: any fail → fail, else any inconclusive → inconclusive, else pass', () => {
    const r = (verdict: GateResult['verdict']) => ({ verdict }) as GateResult;
    expect(summarizeVerdicts([r('pass'), r('inconclusive'), r('fail')])).toEqual({
      verdict: 'fail',
      counts: { pass: 1, fail: 1, inconclusive: 1 },
    });
    expect(summarizeVerdicts([r('pass'), r('inconclusive')]).verdict).toBe('inconclusive');
    expect(summarizeVerdicts([r('pass')]).verdict).toBe('pass');
    expect(summarizeVerdicts([]).verdict).toBe('pass');
  });
});
