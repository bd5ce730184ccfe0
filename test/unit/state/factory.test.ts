import { describe, expect, it } from 'vitest';
import { createStateStore } from '../../../src/state/factory.js';
import { StateUrlError } from '../../../src/state/errors.js';

const context = { cwd: '/repo', clock: { now: () => new Date(0) } };

describe('createStateStore', () => {
  it.each([
    ['file:.rollout', 'file:/repo/.rollout'],
    ['file:state/dir', 'file:/repo/state/dir'],
    ['file:/var/lib/rollout', 'file:/var/lib/rollout'],
    ['file:///var/lib/rollout', 'file:/var/lib/rollout'],
  ])('maps %s to the file backend at %s', (url, described) => {
    expect(createStateStore(url, context).describe()).toBe(described);
  });

  it.each(['postgres://db/rollout', 'postgresql://u@localhost:5432/x'])(
    'maps %s to the PostgreSQL backend without connecting',
    (url) => {
      const store = createStateStore(url, context);
      expect(store.describe()).toMatch(/^postgres(ql)?:\/\//);
      expect(store.describe()).not.toContain('file:');
    },
  );

  it.each(['', '.rollout', 'file:', 's3://bucket', 'file://host/share'])(
    'rejects %j with an error that names --state',
    (url) => {
      let caught: unknown;
      try {
        createStateStore(url, context);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(StateUrlError);
      expect((caught as StateUrlError).code).toBe('E_STATE_URL');
      expect((caught as Error).message).toContain('--state');
    },
  );
});
