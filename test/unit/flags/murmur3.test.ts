import { describe, it, expect } from 'vitest';
import { computeBucket, hashLikeFlagdCore } from '../../../src/flags/murmur3.js';

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
