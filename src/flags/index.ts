// Everything about flags in one import. Note that this pulls in evaluate.ts and therefore
// @openfeature/flagd-core (~100 ms to load): the kill-switch path should import
// './flag-store.js' and './flagd.js' directly instead.
export * from './types.js';
export * from './flagd.js';
export * from './diff.js';
export * from './flag-store.js';
export * from './evaluate.js';
export { readRolloutShape, type RolloutShape } from './rollout-shape.js';
export { computeBucket, hashLikeFlagdCore } from './murmur3.js';
