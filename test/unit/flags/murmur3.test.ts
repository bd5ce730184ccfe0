import fc from 'fast-check';
import { normalizedStrategyValue } from 'unleash-client/lib/strategy/util.js';
import { describe, it, expect } from 'vitest';
import { computeBucket, hashLikeFlagdCore, hashLikeUnleashNode } from '../../../src/flags/murmur3.js';
import { STAGE_TITLE, type EnvironmentView } from '../../../src/flags/providers/unleash-api.js';
import { explainUnleash } from '../../../src/flags/providers/unleash-evaluate.js';

describe('hashLikeFlagdCore', () => {
  // flagd-testbed `fractional-hash-edge-flag` keys, chosen for their murmur3 x86_32 (seed 0) values.
  it.each([
    ['ejOoVL', 0],
    ['bY9fO-', 1],
    ['SI7p-', 2 ** 31 - 1],
    ['6LvT0', 2 ** 31],
    ['ceQdGm', 2 ** 32 - 1],
  ])('hashes %s to %d', (key, hash) => {
    expect(hashLikeFlagdCore(key)).toBe(hash);
  });

  it('maps the extreme hashes to the first and last bucket', () => {
    expect(computeBucket('ejOoVL', 100_000)).toBe(0);
    expect(computeBucket('ceQdGm', 100_000)).toBe(99_999);
    expect(computeBucket('SI7p-', 100)).toBe(49);
    expect(computeBucket('6LvT0', 100)).toBe(50);
  });
});

describe('hashLikeUnleashNode', () => {
  // The official Node SDK's own bucketing function: the real thing, not a copy.
  const sdkBucket = (userId: string, groupId: string) => normalizedStrategyValue(userId, groupId);

  it('buckets every key as unleash-client does, non-ASCII, surrogates and empty keys included', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })),
        fc.string(),
        (id, group) => {
          expect((hashLikeUnleashNode(`${group}:${id}`) % 100) + 1).toBe(sdkBucket(id, group));
        },
      ),
      { numRuns: 5000, seed: 20261207 },
    );
    for (const id of ['', 'José', 'Łukasz', '用户-42', '😀', 'a\u0000b', 'x'.repeat(1000)])
      expect((hashLikeUnleashNode(`reserves:${id}`) % 100) + 1).toBe(sdkBucket(id, 'reserves'));
  });

  it('agrees with flagd-core’s hash on ASCII keys and not beyond U+00FF', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) }), (key) => {
        expect(hashLikeUnleashNode(key)).toBe(hashLikeFlagdCore(key));
      }),
      { numRuns: 2000, seed: 20261207 },
    );
    expect(hashLikeUnleashNode('用户-42')).not.toBe(hashLikeFlagdCore('用户-42'));
  });
});

describe('explainUnleash', () => {
  it('puts every user in the bucket the Node SDK does, whatever the characters of the user id', () => {
    const env: EnvironmentView = {
      enabled: true,
      strategies: [
        {
          name: 'flexibleRollout',
          title: STAGE_TITLE,
          parameters: { rollout: '25', groupId: 'reserves_v1.1', stickiness: 'userId' },
        },
      ],
    };
    const flag = { key: 'reserves_v1.1', newVariant: 'on', fallbackVariant: 'off' };
    fc.assert(
      fc.property(fc.oneof(fc.string({ minLength: 1 }), fc.string({ unit: 'binary', minLength: 1 })), (userId) => {
        const explained = explainUnleash(flag, env, { targetingKey: userId }, 'userId');
        expect(explained.bucketPercent).toBe(normalizedStrategyValue(userId, 'reserves_v1.1'));
      }),
      { numRuns: 3000, seed: 20261207 },
    );
  });
});
