import { describe, expect, it } from 'vitest';
import { listSecrets, readAuth, stripUserinfo } from '../../../src/metrics/auth.js';
import { excerptBody, redactUrl, scrubSecrets } from '../../../src/metrics/redact.js';

describe('redactUrl', () => {
  it('drops user and password', () => {
    expect(redactUrl('https://alice:hunter22@prom.example:9090/prometheus')).toBe(
      'https://prom.example:9090/prometheus',
    );
  });

  it('censors secret-looking query parameters and keeps others', () => {
    const out = redactUrl('http://prom/api?token=abc123&org=7&api_key=zzz');
    expect(out).not.toContain('abc123');
    expect(out).not.toContain('zzz');
    expect(out).toContain('org=7');
  });

  it('censors what it cannot parse instead of echoing it', () => {
    expect(redactUrl('not a url with secret')).toBe('[redacted]');
  });
});

describe('scrubSecrets and excerptBody', () => {
  it('removes loaded secrets and common token shapes', () => {
    const text = 'auth failed for s3cr3t-value; header Bearer eyJhbGciOi.x.y; upstream http://bob:pw1234@host/';
    const out = scrubSecrets(text, ['s3cr3t-value']);
    expect(out).not.toContain('s3cr3t-value');
    expect(out).not.toContain('eyJhbGciOi');
    expect(out).not.toContain('pw1234');
  });

  it('ignores secrets too short to be worth matching', () => {
    expect(scrubSecrets('a b c', ['a'])).toBe('a b c');
  });

  it('scrubs before cutting, so a secret across the cut does not leak partly', () => {
    const secret = 'SECRETSECRETSECRET';
    const out = excerptBody(`${'x'.repeat(500)}${secret}`, [secret], 510);
    expect(out).not.toContain('SECRETSEC');
  });

  it('serialises objects', () => {
    expect(excerptBody({ error: 'boom' }, [])).toBe('{"error":"boom"}');
  });
});

describe('credentials from the environment', () => {
  it('prefers a bearer token and honours custom variable names', () => {
    expect(readAuth({ MY_TOKEN: 't0ken-1' }, 'http://p', { tokenEnv: 'MY_TOKEN' })).toEqual({
      type: 'bearer',
      token: 't0ken-1',
    });
    expect(readAuth({ PROMETHEUS_TOKEN: 't' }, 'http://p', { tokenEnv: 'OTHER' })).toBeUndefined();
  });

  it('reads basic auth from variables, then from the URL', () => {
    expect(readAuth({ PROMETHEUS_USERNAME: 'u', PROMETHEUS_PASSWORD: 'p' }, 'http://p')).toEqual({
      type: 'basic',
      username: 'u',
      password: 'p',
    });
    expect(readAuth({}, 'http://us%40er:p%3Ass@host')).toEqual({ type: 'basic', username: 'us@er', password: 'p:ss' });
    expect(readAuth({}, 'http://host')).toBeUndefined();
  });

  it('lists the password and its base64 header form as secrets', () => {
    const secrets = listSecrets({ type: 'basic', username: 'u', password: 'pass-word' });
    expect(secrets).toContain('pass-word');
    expect(secrets).toContain(Buffer.from('u:pass-word').toString('base64'));
  });

  it('strips userinfo from the request URL', () => {
    expect(stripUserinfo('http://u:p@host:9090/prom/')).toBe('http://host:9090/prom');
  });
});
