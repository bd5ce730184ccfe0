import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, redactDeep } from '../../../src/output/redact.js';

describe('createRedactor, table', () => {
  const redact = createRedactor({
    SLACK_BOT_TOKEN: 'xoxb-1234567890-abcdef',
    PG_PASSWORD: 'hunter22',
    HOME: '/home/ana',
    SHORT_TOKEN: 'abc',
  });

  it.each([
    ["a secret variable's value anywhere", 'token=xoxb-1234567890-abcdef;', 'token=[REDACTED];'],
    ["a password variable's value", 'psql password hunter22 failed', 'psql password [REDACTED] failed'],
    ['a Slack token of unknown origin', 'xoxp-99999999-zz', 'xox*-[REDACTED]'],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz012345', '[REDACTED]'],
    ['a bearer header', 'Authorization: Bearer abc.def.ghi-jkl', 'Authorization: Bearer [REDACTED]'],
    ['URL credentials', 'postgres://rollout:s3cr3t@db:5432/x', 'postgres://rollout:[REDACTED]@db:5432/x'],
    ['an AWS key id', 'key AKIAABCDEFGHIJKLMNOP here', 'key [REDACTED] here'],
  ])('masks %s', (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('leaves ordinary text, non-secret variables and too-short values alone', () => {
    expect(redact('home is /home/ana; abc; 25 % of users')).toBe('home is /home/ana; abc; 25 % of users');
  });
});

describe('createRedactor, properties', () => {
  const secret = fc
    .string({ minLength: 6, maxLength: 40 })
    .filter((s) => !s.includes('[REDACTED]') && s.trim().length >= 6);

  it("a secret variable's value never survives, wherever it is embedded", () => {
    fc.assert(
      fc.property(secret, fc.string(), fc.string(), (value, before, after) => {
        const redact = createRedactor({ API_TOKEN: value });
        expect(redact(`${before}${value}${after}`)).not.toContain(value);
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent and does not touch text that holds no secret', () => {
    const redact = createRedactor({ API_TOKEN: 'tok-9f8e7d6c5b4a' });
    fc.assert(
      fc.property(fc.string(), (text) => {
        const once = redact(text);
        expect(redact(once)).toBe(once);
        if (!/tok-9f8e7d6c5b4a|xox|gh[pousr]_|Bearer|Basic|:\/\/|AKIA/i.test(text)) expect(once).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('redactDeep reaches every string of a JSON value and keeps its shape', () => {
    const redact = createRedactor({ DB_PASSWORD: 'p4ssw0rd!' });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        const wrapped = { value, nested: [{ leak: 'x p4ssw0rd! y' }] };
        const out = redactDeep(wrapped, redact);
        expect(JSON.stringify(out)).not.toContain('p4ssw0rd!');
        expect(Object.keys(out)).toEqual(['value', 'nested']);
      }),
      { numRuns: 100 },
    );
  });
});
