import { describeEvent, listEventFields } from './format.js';
import type { ReleaseEvent } from './types.js';

/** A Block Kit block as sent to chat.postMessage (kept structural so this module needs no Slack import). */
export type SlackBlock = Record<string, unknown>;

// Slack limits: header text 150 chars, at most 10 fields per section, 2000 chars per field.
const HEADER_MAX = 150;
const FIELDS_PER_SECTION = 10;
const FIELD_MAX = 2000;

const EMOJI: Record<ReleaseEvent['type'], string> = {
  'phase-changed': ':arrow_forward:',
  'stage-changed': ':chart_with_upwards_trend:',
  override: ':warning:',
  signoff: ':white_check_mark:',
  rollback: ':rewind:',
  'rollback-failed': ':rotating_light:',
  alert: ':mag:',
  'watch-error': ':grey_question:',
};

/** Escape the three characters Slack mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Header, section fields (release, flag, percent, actor, reason, evidence…) and a context line. */
export function buildSlackBlocks(event: ReleaseEvent): SlackBlock[] {
  const header = {
    type: 'header',
    text: { type: 'plain_text', text: truncate(describeEvent(event), HEADER_MAX), emoji: true },
  };
  const fields = listEventFields(event).map((f) => ({
    type: 'mrkdwn',
    text: truncate(`*${f.label}*\n${escapeMrkdwn(f.value)}`, FIELD_MAX),
  }));
  const sections: SlackBlock[] = [];
  for (let i = 0; i < fields.length; i += FIELDS_PER_SECTION) {
    sections.push({ type: 'section', fields: fields.slice(i, i + FIELDS_PER_SECTION) });
  }
  const context = {
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: `${EMOJI[event.type]} \`${event.type}\` at ${escapeMrkdwn(event.at)} · rollout` },
    ],
  };
  return [header, ...sections, context];
}

/** The plain-text fallback Slack shows in notifications and screen readers. */
export function buildSlackText(event: ReleaseEvent): string {
  return truncate(describeEvent(event), 3000);
}
