import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { assignVariants, createUsers, REGRESSION_PROFILE } from '../../../src/demo/app.js';
import { MINUTE_MS } from '../../../src/demo/traffic-ledger.js';
import { evaluateFlag } from '../../../src/flags/evaluate.js';
import { buildFlagDocument } from '../../../src/flags/flagd.js';
import { createPrng } from '../../../src/stats/random.js';
import { createDemoFixture, FALLBACK, FLAG, NEW, type DemoFixture } from './world.js';

let fixture: DemoFixture | null = null;
afterEach(async () => {
  await fixture?.remove();
  fixture = null;
});

const GROUPS = ['beta_users', 'internal'];
const lastMinutes = (f: DemoFixture, variant: string, minutes: number) =>
  f.app.ledger.sum('requests', variant, f.clock.now().getTime(), minutes * MINUTE_MS).value;

describe('simulated application', () => {
  it('at a 25 % stage about 25 % of users outside the groups get the new variant, group members all do, and traffic follows', async () => {
    fixture = await createDemoFixture();
    const f = fixture;
    await f.setStage(25, GROUPS);
    await f.clock.simulate(20 * MINUTE_MS);
    const plain = f.app.users.map((u, i) => ({ u, i })).filter(({ u }) => u.groups.length === 0);
    const members = f.app.users.map((u, i) => ({ u, i })).filter(({ u }) => u.groups.length > 0);
    const share = plain.filter(({ i }) => f.app.variantOf(i) === NEW).length / plain.length;
    expect(share).toBeGreaterThan(0.23);
    expect(share).toBeLessThan(0.27);
    expect(members.length).toBeGreaterThan(800);
    expect(members.every(({ i }) => f.app.variantOf(i) === NEW)).toBe(true);
    // Requests come from random users, so the new variant's share of traffic is its share of users.
    const users = f.app.users.filter((_, i) => f.app.variantOf(i) === NEW).length / f.app.users.length;
    const traffic = lastMinutes(f, NEW, 20) / (lastMinutes(f, NEW, 20) + lastMinutes(f, FALLBACK, 20));
    expect(Math.abs(traffic - users)).toBeLessThan(0.02);
  });

  it('decides each user exactly as flagd-core evaluates that user', async () => {
    const users = createUsers(500, { internal: 0.1, beta_users: 0.1 }, createPrng(3));
    const doc = buildFlagDocument([
      { key: FLAG, newVariant: NEW, fallbackVariant: FALLBACK, percent: 5, groups: ['internal'], killSwitch: false },
    ]);
    const assigned = assignVariants(doc, FLAG, users, NEW);
    users.forEach((u, i) =>
      expect(assigned[i] ? NEW : FALLBACK).toBe(
        evaluateFlag(doc, FLAG, { targetingKey: u.key, groups: u.groups }).variant,
      ),
    );
    expect(users.some((u, i) => u.groups.includes('beta_users') && !assigned[i])).toBe(true); // beta is not a group of this stage
  });

  it('reads the flag file every minute: no file → everyone on the fallback; kill switch → no traffic on the new variant', async () => {
    fixture = await createDemoFixture({ users: 2000, requestsPerMinute: 500 });
    const f = fixture;
    await f.clock.simulate(5 * MINUTE_MS);
    expect(lastMinutes(f, NEW, 5)).toBe(0);
    expect(lastMinutes(f, FALLBACK, 5)).toBe(2500);
    await f.setStage(50, GROUPS);
    await f.clock.simulate(5 * MINUTE_MS);
    expect(lastMinutes(f, NEW, 5)).toBeGreaterThan(1000);
    await f.setStage(50, GROUPS, true);
    await f.clock.simulate(5 * MINUTE_MS);
    expect(lastMinutes(f, NEW, 5)).toBe(0);
    await rm(f.project.flagFile);
    await f.clock.simulate(MINUTE_MS);
    expect(lastMinutes(f, FALLBACK, 1)).toBe(500);
    expect(f.app.flagVersions).toBe(3); // 50 %, kill switch, file removed (no file at the start is not a change)
  });

  it('the same seed serves the same traffic; the regression changes only the new variant, only after it starts', async () => {
    const run = async (seed: number, regressAfterMinutes: number | null) => {
      const f = await createDemoFixture({ seed, users: 3000, requestsPerMinute: 2000 });
      try {
        await f.setStage(25, GROUPS);
        if (regressAfterMinutes !== null)
          f.app.injectRegression(REGRESSION_PROFILE, f.clock.now().getTime() + regressAfterMinutes * MINUTE_MS);
        await f.clock.simulate(30 * MINUTE_MS);
        const at = f.clock.now().getTime();
        const rate = (v: string, from: number, to: number) => {
          const window = (to - from) * MINUTE_MS;
          const end = at - (30 - to) * MINUTE_MS;
          return f.app.ledger.sum('errors', v, end, window).value / f.app.ledger.sum('requests', v, end, window).value;
        };
        return {
          totals: f.app.ledger.totals(),
          before: rate(NEW, 0, 15),
          after: rate(NEW, 15, 30),
          baselineAfter: rate(FALLBACK, 15, 30),
        };
      } finally {
        await f.remove();
      }
    };
    const a = await run(5, null);
    expect(await run(5, null)).toEqual(a);
    expect((await run(6, null)).totals).not.toEqual(a.totals);
    const regressed = await run(5, 15);
    expect(regressed.before).toBeLessThan(0.012);
    expect(regressed.after).toBeGreaterThan(0.03);
    expect(regressed.baselineAfter).toBeLessThan(0.012);
  });
});
