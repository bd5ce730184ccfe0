import type { FlagEvalContext, FlagEvaluation } from '../evaluate.js';
import { hashLikeUnleashNode } from '../murmur3.js';
import type { ProviderFlag } from './types.js';
import { GROUPS_TITLE, STAGE_TITLE, type EnvironmentView } from './unleash-api.js';

// How an Unleash SDK decides a user's variant for a toggle rollout wrote: pure, built-ins only. `flags eval`
// explains with it (through the provider, after reading the toggle) and `rollout demo --provider unleash`
// decides every simulated user's variant with it.

/**
 * The variant a user gets, computed as the Unleash SDKs compute it: a disabled toggle → fallback; group
 * constraint match → new variant; else `murmur3("<groupId>:<stickiness value>", seed 0) % 100 + 1 <= rollout`.
 */
export function explainUnleash(
  flag: Pick<ProviderFlag, 'key' | 'newVariant' | 'fallbackVariant'>,
  env: EnvironmentView | null,
  context: FlagEvalContext,
  stickiness: string,
): FlagEvaluation {
  const fallback = (reason: FlagEvaluation['reason'], detail: string): FlagEvaluation => ({
    variant: flag.fallbackVariant,
    value: false,
    reason,
    detail,
    flagdReason: 'UNLEASH',
  });
  if (!env)
    return {
      variant: null,
      value: null,
      reason: 'flag-not-found',
      detail: `no Unleash toggle ${flag.key}: the application's default`,
      flagdReason: 'UNLEASH',
    };
  if (!env.enabled)
    return fallback('kill-switch', 'the toggle is off in this environment (kill switch): everyone gets the fallback');
  const groupRule = env.strategies.find((s) => s.title === GROUPS_TITLE);
  const values = groupRule?.constraints?.[0]?.values ?? [];
  const member = (context.groups ?? []).find((g) => values.includes(g));
  if (member)
    return {
      variant: flag.newVariant,
      value: true,
      reason: 'group-rule',
      detail: `member of ${member}: the groups strategy serves the new variant`,
      flagdReason: 'UNLEASH',
    };
  const stage = env.strategies.find((s) => s.title === STAGE_TITLE);
  const rollout = Number(stage?.parameters?.rollout ?? 0);
  const value = stickiness === 'userId' ? context.targetingKey : context.attrs?.[stickiness];
  if (!value) return fallback('no-bucket-key', `no ${stickiness} in the context: the rollout strategy does not match`);
  // The SDKs' normalizedValue: murmur3 x86_32 with seed 0, as the Node SDK hashes (murmur3.ts).
  const bucket = (hashLikeUnleashNode(`${stage?.parameters?.groupId ?? flag.key}:${value}`) % 100) + 1;
  const inside = rollout > 0 && bucket <= rollout;
  return {
    variant: inside ? flag.newVariant : flag.fallbackVariant,
    value: inside,
    reason: 'bucket',
    detail: `bucket ${bucket} of 100 ${inside ? '≤' : '>'} rollout ${rollout} %`,
    flagdReason: 'UNLEASH',
    bucketPercent: bucket,
  };
}
