import { describe, expect, it } from 'vitest';
import { RolloutError } from '../../../src/errors/rollout-error.js';
import { ProviderHandEditError, ProviderUnavailableError } from '../../../src/flags/providers/errors.js';
import { stoppedBeforeChange } from '../../../src/lifecycle/provider-check.js';

/** How advance and retry report a flag server that is down or was edited by hand (the real server: the e2e tier). */
describe('stoppedBeforeChange', () => {
  const where = 'unleash:default/production/reserves_v1.1';
  const edit = new ProviderHandEditError(where, ['rollout:stage: {"rollout":"5"} → {"rollout":"30"}']);
  const down = new ProviderUnavailableError('Unleash (UNLEASH_URL) unreachable', null);

  it.each(['advance', 'retry'] as const)(
    '%s: names itself, the flag, the difference, and that nothing changed',
    (command) => {
      const handEdit = stoppedBeforeChange(edit, 'reserves_v1.1', where, command) as RolloutError;
      expect(handEdit).toBeInstanceOf(RolloutError);
      expect(handEdit.code).toBe('E_FLAG_HAND_EDIT');
      expect(handEdit.message).toContain('rollout:stage: {"rollout":"5"} → {"rollout":"30"}');
      expect(handEdit.message).toContain(`${command} stopped before changing anything`);
      expect(handEdit.message).toMatch(new RegExp(`then ${command} again$`));
      const unavailable = stoppedBeforeChange(down, 'reserves_v1.1', where, command) as RolloutError;
      expect(unavailable.code).toBe('E_FLAG_PROVIDER');
      expect(unavailable.message).toBe(
        `flag reserves_v1.1 (${where}): Unleash (UNLEASH_URL) unreachable; ${command} stopped before changing anything (the state and the flag are as they were)`,
      );
    },
  );

  it('anything else is passed on as it is (a bug stays a bug)', () => {
    const other = new TypeError('x is undefined');
    expect(stoppedBeforeChange(other, 'k', where, 'retry')).toBe(other);
  });
});
