import { join } from 'node:path';
import { createJsonFile } from './json-file.js';
import { buildPagerDutyTrigger, PagerDutyError, sendPagerDutyTrigger, type PagerDutyOptions } from './pagerduty.js';
import { scrubSecrets } from './redact.js';
import { buildSlackBlocks, buildSlackText } from './slack-blocks.js';
import { SlackCallError, type SlackApi } from './slack.js';
import type { DeliveryResult, Notifier, RollbackEvent, SendOptions } from './types.js';

/**
 * Progress of opening one incident. Each step is recorded as soon as it succeeds, so a retry
 * continues where the last attempt stopped and never creates a second channel or page.
 */
export interface IncidentRecord {
  /** `release:rollbackId`; also the PagerDuty dedup_key. */
  key: string;
  channelId?: string;
  channelName?: string;
  /** `ts` of the summary message in the incident channel. */
  messageTs?: string;
  pinned?: boolean;
  pagerdutyTriggered?: boolean;
}

/** Where incident progress is remembered (the state layer may implement it next to the outbox). */
export interface IncidentLedger {
  get(key: string): Promise<IncidentRecord | undefined>;
  put(record: IncidentRecord): Promise<void>;
}

export interface OpenIncidentOptions {
  ledger: IncidentLedger;
  /** Slack incident channel: created, summary posted and pinned. */
  slack?: { api: SlackApi; channelPrefix?: string };
  pagerduty?: PagerDutyOptions;
  signal?: AbortSignal;
}

const SLACK_NAME_MAX = 80;
const NAME_TAKEN_ATTEMPTS = 5;

/** The de-duplication key of a rollback's incident. */
export function computeIncidentKey(event: RollbackEvent): string {
  return `${event.release}:${event.rollbackId}`;
}

/** `inc-<release>-<yyyymmdd-hhmm>` (UTC, from the event time), reduced to Slack's rules: [a-z0-9_-], ≤ 80 chars. */
export function buildIncidentChannelName(prefix: string, release: string, at: string): string {
  const iso = new Date(at).toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 16).replace(':', '')}`;
  const clean = (text: string): string =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^-+|-+$/g, '');
  const head = `${clean(prefix) || 'inc'}-${clean(release)}`
    .slice(0, SLACK_NAME_MAX - stamp.length - 1)
    .replace(/-+$/, '');
  return `${head}-${stamp}`;
}

/** Open (or finish opening) the incident for a rollback. Throws a redacted error when a step fails. */
export async function openIncident(event: RollbackEvent, options: OpenIncidentOptions): Promise<IncidentRecord> {
  const key = computeIncidentKey(event);
  const record: IncidentRecord = { ...((await options.ledger.get(key)) ?? { key }) };
  const save = (change: Partial<IncidentRecord>): Promise<void> => options.ledger.put(Object.assign(record, change));
  const call = { signal: options.signal } satisfies SendOptions;
  if (options.slack !== undefined) {
    const { api } = options.slack;
    if (record.channelId === undefined) {
      const name = buildIncidentChannelName(options.slack.channelPrefix ?? 'inc', event.release, event.at);
      await save(await createChannel(api, name, call));
    }
    if (record.messageTs === undefined) {
      const blocks = [
        ...buildSlackBlocks(event),
        { type: 'context', elements: [{ type: 'mrkdwn', text: `Incident key: \`${key}\`` }] },
      ];
      const posted = await api.call(
        'chat.postMessage',
        { channel: record.channelId, text: buildSlackText(event), blocks },
        call,
      );
      await save({ messageTs: String(posted.ts) });
    }
    if (record.pinned !== true) {
      await pinMessage(api, record.channelId as string, record.messageTs as string, call);
      await save({ pinned: true });
    }
  }
  if (options.pagerduty !== undefined && record.pagerdutyTriggered !== true) {
    const trigger = buildPagerDutyTrigger(event, key, options.pagerduty.routingKey, options.pagerduty.source);
    await sendPagerDutyTrigger(trigger, options.pagerduty, options.signal);
    await save({ pagerdutyTriggered: true });
  }
  return record;
}

// `name_taken` means someone (or a lost earlier attempt) owns the name: use the next free suffix.
async function createChannel(
  api: SlackApi,
  name: string,
  call: SendOptions,
): Promise<Pick<IncidentRecord, 'channelId' | 'channelName'>> {
  for (let attempt = 1; ; attempt += 1) {
    const candidate = attempt === 1 ? name : `${name.slice(0, SLACK_NAME_MAX - 3)}-${attempt}`;
    try {
      const created = await api.call('conversations.create', { name: candidate, is_private: false }, call);
      const channel = created.channel as { id: string; name?: string };
      return { channelId: channel.id, channelName: channel.name ?? candidate };
    } catch (error) {
      if (!(error instanceof SlackCallError && error.slackError === 'name_taken') || attempt >= NAME_TAKEN_ATTEMPTS)
        throw error;
    }
  }
}

async function pinMessage(api: SlackApi, channel: string, timestamp: string, call: SendOptions): Promise<void> {
  try {
    await api.call('pins.add', { channel, timestamp }, call);
  } catch (error) {
    if (!(error instanceof SlackCallError && error.slackError === 'already_pinned')) throw error;
  }
}

/** Ledger kept in memory (tests, single process). */
export function createMemoryIncidentLedger(): IncidentLedger & { records: Map<string, IncidentRecord> } {
  const records = new Map<string, IncidentRecord>();
  return {
    records,
    get: async (key) => (records.has(key) ? { ...(records.get(key) as IncidentRecord) } : undefined),
    put: async (record) => void records.set(record.key, { ...record }),
  };
}

interface LedgerDocument {
  version: 1;
  incidents: Record<string, IncidentRecord>;
}

const isLedgerDocument = (value: unknown): value is LedgerDocument =>
  value !== null &&
  typeof value === 'object' &&
  (value as LedgerDocument).version === 1 &&
  typeof (value as LedgerDocument).incidents === 'object';

/** Ledger kept in `<dir>/incidents.json` (atomic writes, mode 0600), next to the file outbox. */
export function createFileIncidentLedger(dir: string): IncidentLedger {
  const file = createJsonFile<LedgerDocument>(
    join(dir, 'incidents.json'),
    () => ({ version: 1, incidents: {} }),
    isLedgerDocument,
  );
  return {
    get: async (key) => (await file.read()).incidents[key],
    put: (record) => file.modify((doc) => void (doc.incidents[record.key] = { ...record })),
  };
}

export interface IncidentNotifierOptions extends Omit<OpenIncidentOptions, 'signal'> {
  /** Secret values to scrub from errors (token, routing key). */
  secrets?: readonly string[];
}

/** A notifier that opens an incident for every rollback event and ignores all others. */
export function createIncidentNotifier(options: IncidentNotifierOptions): Notifier {
  // Attempts for the same incident run one after the other, so a background delivery and a flush
  // in the same process cannot both create a channel.
  const inFlight = new Map<string, Promise<unknown>>();
  const secrets = [...(options.secrets ?? []), options.pagerduty?.routingKey];
  return {
    name: 'incident',
    accepts: (event) => event.type === 'rollback',
    async send(event, sendOptions = {}): Promise<DeliveryResult> {
      if (event.type !== 'rollback') return { status: 'delivered' };
      const key = computeIncidentKey(event);
      const previous = inFlight.get(key) ?? Promise.resolve();
      const attempt = previous
        .catch(() => undefined)
        .then(() => openIncident(event, { ...options, signal: sendOptions.signal }));
      inFlight.set(key, attempt);
      try {
        await attempt;
        return { status: 'delivered' };
      } catch (error) {
        const retryable = error instanceof SlackCallError || error instanceof PagerDutyError ? error.retryable : true;
        const retryAfterMs = error instanceof SlackCallError ? error.retryAfterMs : undefined;
        const message = scrubSecrets(`incident: ${error instanceof Error ? error.message : String(error)}`, secrets);
        return retryAfterMs === undefined
          ? { status: 'failed', retryable, error: message }
          : { status: 'failed', retryable, error: message, retryAfterMs };
      } finally {
        if (inFlight.get(key) === attempt) inFlight.delete(key);
      }
    },
  };
}
