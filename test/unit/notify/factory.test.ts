import { describe, expect, it } from 'vitest';
import { createNotifiers } from '../../../src/notify/factory.js';
import { buildWebClientOptions, readSlackClientOptions, toSlackCallError } from '../../../src/notify/slack.js';
import { rollbackEvent, stageEvent } from './fixtures.js';

const TOKEN = 'xoxb-UNIT-0000-secret';

describe('createNotifiers', () => {
  it('uses the console when nothing is configured', () => {
    const set = createNotifiers({}, {}, { stderr: { write: () => true } });
    expect(set.notifiers.map((n) => n.name)).toEqual(['console']);
    expect(set.warnings).toEqual([]);
  });

  it('falls back to the console with a warning when the Slack token is missing', () => {
    const set = createNotifiers({ slack: { channel: '#releases' } }, {});
    expect(set.notifiers.map((n) => n.name)).toEqual(['console']);
    expect(set.warnings[0]).toContain('SLACK_BOT_TOKEN');
  });

  it('adds Slack and the incident notifier when a token is set; incidents only accept rollbacks', () => {
    const set = createNotifiers({ slack: { channel: '#releases' } }, { SLACK_BOT_TOKEN: TOKEN });
    expect(set.notifiers.map((n) => n.name)).toEqual(['slack', 'incident']);
    const incident = set.notifiers[1];
    expect(incident?.accepts?.(rollbackEvent())).toBe(true);
    expect(incident?.accepts?.(stageEvent())).toBe(false);
    expect(set.secrets).toEqual([TOKEN]);
  });

  it('pages through PagerDuty alone when only it is configured, reading URL and key from the environment', () => {
    const config = { pagerduty: { urlEnv: 'PD_URL', routingKeyEnv: 'PD_KEY' } };
    expect(
      createNotifiers(config, { PD_URL: 'http://127.0.0.1:9/x', PD_KEY: 'K3Y-VALUE' }).notifiers.map((n) => n.name),
    ).toEqual(['console', 'incident']);
    const missing = createNotifiers(config, { PD_URL: 'http://127.0.0.1:9/x' });
    expect(missing.notifiers.map((n) => n.name)).toEqual(['console']);
    expect(missing.warnings[0]).toContain('PD_KEY');
  });
});

describe('Slack client settings', () => {
  it('read the token and API URL from the environment', () => {
    expect(readSlackClientOptions({ SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: 'http://127.0.0.1:1/api/' })).toEqual({
      token: TOKEN,
      apiUrl: 'http://127.0.0.1:1/api/',
    });
    expect(readSlackClientOptions({ SLACK_BOT_TOKEN: '' })).toBeNull();
  });

  it('bound the WebClient: 5 s timeout, 2 retries, 429 surfaced, no original error attached', () => {
    const options = buildWebClientOptions({ token: TOKEN });
    expect(options).toMatchObject({
      timeout: 5000,
      rejectRateLimitedCalls: true,
      attachOriginalToWebAPIRequestError: false,
    });
    expect(options.retryConfig).toMatchObject({ retries: 2, maxRetryTime: 15_000, unref: true });
    expect(options.slackApiUrl).toBeUndefined();
  });

  it('classify WebClient errors and never echo the token', () => {
    const limited = toSlackCallError({ code: 'slack_webapi_rate_limited_error', retryAfter: 3 }, TOKEN);
    expect(limited).toMatchObject({ retryable: true, retryAfterMs: 3000 });
    expect(
      toSlackCallError({ code: 'slack_webapi_platform_error', data: { error: 'invalid_auth' } }, TOKEN),
    ).toMatchObject({ retryable: false, slackError: 'invalid_auth' });
    expect(toSlackCallError({ code: 'slack_webapi_http_error', statusCode: 503 }, TOKEN).retryable).toBe(true);
    const leaky = toSlackCallError(new Error(`request with Authorization: Bearer ${TOKEN} failed`), TOKEN);
    expect(leaky.message).not.toContain(TOKEN);
    expect(leaky.message).not.toContain('secret');
  });
});
