import type { ReleaseEvent } from './types.js';

/** A labelled value shown for an event (a Slack section field, a console key=value). */
export interface EventField {
  label: string;
  value: string;
}

/** Short title of an event, e.g. `v2.1.0: stage 5% → 25% (reserves_v1.1)`. */
export function describeEvent(event: ReleaseEvent): string {
  const r = event.release;
  switch (event.type) {
    case 'phase-changed':
      return `${r}: phase ${event.from} → ${event.to}`;
    case 'stage-changed':
      return `${r}: stage ${event.fromPercent}% → ${event.toPercent}% (${event.flag})`;
    case 'override':
      return `${r}: evidence overridden by ${event.actor}`;
    case 'signoff':
      return `${r}: sign-off "${event.item}" (${event.phase})`;
    case 'rollback':
      return `${r}: ROLLBACK (${event.mode}) of ${event.flag}`;
    case 'rollback-failed':
      return `${r}: ROLLBACK FAILED (${event.mode}) of ${event.flag}; a human is needed`;
    case 'alert':
      return `${r}: ${event.severity.toUpperCase()} ${event.title}`;
    case 'watch-error':
      return `${r}: watch cannot evaluate triggers (${event.consecutiveErrors} in a row)`;
  }
}

/** The fields shown for an event, in display order; optional values are left out when absent. */
export function listEventFields(event: ReleaseEvent): EventField[] {
  const fields: [string, string | number | undefined][] = [['Release', event.release]];
  switch (event.type) {
    case 'phase-changed':
      fields.push(['Phase', `${event.from} → ${event.to}`], ['Actor', event.actor], ['Reason', event.reason]);
      break;
    case 'stage-changed':
      fields.push(
        ['Flag', event.flag],
        [
          'Percent',
          `${event.fromPercent}% → ${event.toPercent}%${event.toPercent === 0 && event.groups.length ? ` (${event.groups.join(', ')} only)` : ''}`,
        ],
      );
      fields.push(['Groups', event.groups.length > 0 ? event.groups.join(', ') : undefined], ['Actor', event.actor]);
      fields.push(['Evidence', event.verdictSummary]);
      break;
    case 'override':
      fields.push(['Actor', event.actor], ['Reason', event.reason], ['Evidence', event.overriddenEvidence]);
      break;
    case 'signoff':
      fields.push(['Item', event.item], ['Phase', event.phase], ['Actor', event.actor], ['Reason', event.reason]);
      break;
    case 'rollback':
      fields.push(['Flag', event.flag], ['Mode', event.mode], ['Percent', '→ 0% (fallback)'], ['Actor', event.actor]);
      fields.push(['Reason', event.reason], ['Trigger', event.trigger], ['Evidence', event.evidence]);
      break;
    case 'rollback-failed':
      fields.push(['Flag', event.flag], ['Mode', event.mode], ['Step', event.step], ['Actor', event.actor]);
      fields.push(['Error', event.error]);
      break;
    case 'alert':
      fields.push(['Severity', event.severity], ['Title', event.title], ['Detail', event.detail]);
      break;
    case 'watch-error':
      fields.push(['Error', event.error], ['Consecutive errors', event.consecutiveErrors], ['Action', event.action]);
      break;
  }
  return fields
    .filter((f): f is [string, string | number] => f[1] !== undefined && f[1] !== '')
    .map(([label, value]) => ({ label, value: String(value) }));
}
