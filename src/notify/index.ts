// Public surface of the notification layer; see README.md in this folder.
export type * from './types.js';
export { createConsoleNotifier, formatConsoleLine } from './console.js';
export {
  computeBackoffMs,
  dispatchEvent,
  flushOutbox,
  DEFAULT_BACKOFF,
  DEFAULT_DISPATCH_DEADLINE_MS,
  DEFAULT_FLUSH_DEADLINE_MS,
} from './dispatch.js';
export type {
  BackoffOptions,
  DispatchOptions,
  DispatchReport,
  DispatchResult,
  FlushOptions,
  FlushResult,
} from './dispatch.js';
export { createNotifiers } from './factory.js';
export type { CreateNotifiersOptions, NotifierSet, NotifyConfig, NotifyStreams } from './factory.js';
export { describeEvent } from './format.js';
export {
  buildIncidentChannelName,
  computeIncidentKey,
  createFileIncidentLedger,
  createIncidentNotifier,
  createMemoryIncidentLedger,
  openIncident,
} from './incident.js';
export type { IncidentLedger, IncidentRecord, OpenIncidentOptions } from './incident.js';
export { computeOutboxId, createFileOutbox, createMemoryOutbox, createOutboxEntry } from './outbox.js';
export { createSlackApi, createSlackNotifier, preloadSlackClient, readSlackClientOptions } from './slack.js';
export type { SlackApi, SlackClientOptions } from './slack.js';
