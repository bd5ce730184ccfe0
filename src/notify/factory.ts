import { createConsoleNotifier } from './console.js';
import { createIncidentNotifier, createMemoryIncidentLedger, type IncidentLedger } from './incident.js';
import type { PagerDutyOptions } from './pagerduty.js';
import {
  createSlackApi,
  createSlackNotifier,
  readSlackClientOptions,
  SLACK_TOKEN_ENV,
  type SlackClientOptions,
} from './slack.js';
import type { Notifier, TextSink } from './types.js';

/** The `notifications` section of rollout.yaml (secrets are named by environment variable, never given). */
export interface NotifyConfig {
  slack?: { channel: string; incidentChannelPrefix?: string };
  /** PagerDuty Events v2: the URL itself or the variable holding it, and the variable holding the routing key. */
  pagerduty?: { url?: string; urlEnv?: string; routingKeyEnv: string };
}

export interface NotifyStreams {
  /** Console notifications; default process.stderr. */
  stderr?: TextSink;
}

export interface CreateNotifiersOptions {
  /** Where incident progress is remembered; pass the state directory's ledger so retries across runs dedupe. */
  incidentLedger?: IncidentLedger;
  /** Overrides of the Slack client settings (timeouts, retries), e.g. for `notify --flush`. */
  slackClient?: Partial<Omit<SlackClientOptions, 'token'>>;
}

export interface NotifierSet {
  notifiers: Notifier[];
  /** Configuration that could not be honoured (missing variables); for the command to print. */
  warnings: string[];
  /** Secret values in use, for callers that scrub their own output. */
  secrets: string[];
}

/** Pick the notifiers from config and environment: Slack (+ incident) when a token is set, console otherwise. */
export function createNotifiers(
  config: NotifyConfig,
  env: Record<string, string | undefined>,
  streams: NotifyStreams = {},
  options: CreateNotifiersOptions = {},
): NotifierSet {
  const warnings: string[] = [];
  const secrets: string[] = [];
  const notifiers: Notifier[] = [];
  const slackOptions = config.slack === undefined ? null : readSlackClientOptions(env);
  if (config.slack !== undefined && slackOptions === null)
    warnings.push(
      `notifications.slack is configured but ${SLACK_TOKEN_ENV} is not set; notifications go to the console`,
    );
  const api = slackOptions === null ? undefined : createSlackApi({ ...slackOptions, ...options.slackClient });
  if (api !== undefined && config.slack !== undefined && slackOptions !== null) {
    secrets.push(slackOptions.token);
    notifiers.push(createSlackNotifier({ api, channel: config.slack.channel }));
  } else {
    notifiers.push(createConsoleNotifier(streams.stderr === undefined ? {} : { stream: streams.stderr }));
  }
  const pagerduty = readPagerDuty(config, env, warnings);
  if (pagerduty !== undefined) secrets.push(pagerduty.routingKey);
  if (api !== undefined || pagerduty !== undefined) {
    const slack = api === undefined ? undefined : { api, channelPrefix: config.slack?.incidentChannelPrefix ?? 'inc' };
    notifiers.push(
      createIncidentNotifier({
        ledger: options.incidentLedger ?? createMemoryIncidentLedger(),
        slack,
        pagerduty,
        secrets,
      }),
    );
  }
  return { notifiers, warnings, secrets };
}

function readPagerDuty(
  config: NotifyConfig,
  env: Record<string, string | undefined>,
  warnings: string[],
): PagerDutyOptions | undefined {
  const pd = config.pagerduty;
  if (pd === undefined) return undefined;
  const url = pd.url ?? (pd.urlEnv === undefined ? undefined : env[pd.urlEnv]);
  const routingKey = env[pd.routingKeyEnv];
  if (url === undefined || url === '') {
    warnings.push(
      `notifications.pagerduty has no URL${pd.urlEnv === undefined ? '' : ` (${pd.urlEnv} is not set)`}; incidents are not paged`,
    );
    return undefined;
  }
  if (routingKey === undefined || routingKey === '') {
    warnings.push(`notifications.pagerduty: ${pd.routingKeyEnv} is not set; incidents are not paged`);
    return undefined;
  }
  return { url, routingKey };
}
