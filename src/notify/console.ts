import { describeEvent, listEventFields } from './format.js';
import type { Notifier, ReleaseEvent, TextSink } from './types.js';

export interface ConsoleNotifierOptions {
  /** Where lines go; default process.stderr (stdout is reserved for --json). */
  stream?: TextSink;
}

/**
 * One line per event: the title, then the fields other than the release, separated by ` · `. The
 * evidence is a JSON document (whole in the outbox and Slack); here it is summed up in a few words.
 */
export function formatConsoleLine(event: ReleaseEvent): string {
  const details = listEventFields(event)
    .filter((f) => f.label !== 'Release')
    .map(
      (f) =>
        `${f.label.toLowerCase()}: ${f.label === 'Evidence' ? summarizeEvidence(f.value) : f.value.replace(/\s+/g, ' ')}`,
    );
  return `[notify] ${[describeEvent(event), ...details].join(' · ')}\n`;
}

const MAX_SUMMARY = 120;
const SCALAR_PAIR = /"([A-Za-z_][\w-]*)":("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false)/g;

/** `summary` (or `reason`) when the evidence has one, else its first plain `key=value` pairs; never cut mid-value. */
export function summarizeEvidence(text: string): string {
  if (!/^\s*[[{]/.test(text)) return text.replace(/\s+/g, ' ');
  let doc: unknown = null;
  try {
    doc = JSON.parse(text);
  } catch {
    // Cut to a size limit upstream: read the complete pairs at its start.
  }
  if (doc !== null && typeof doc !== 'object') return clip(String(doc));
  const named =
    doc && typeof doc === 'object'
      ? ((doc as Record<string, unknown>).summary ?? (doc as Record<string, unknown>).reason)
      : undefined;
  if (typeof named === 'string') return clip(named);
  const scalars: Array<[string, string]> =
    doc && typeof doc === 'object'
      ? Object.entries(doc)
          .filter(([, v]) => v !== null && typeof v !== 'object')
          .map(([k, v]) => [k, String(v)])
      : [...text.matchAll(SCALAR_PAIR)].map((m) => [
          m[1] as string,
          (m[2] as string).startsWith('"') ? (JSON.parse(m[2] as string) as string) : (m[2] as string),
        ]);
  const pairs: string[] = [];
  for (const [key, value] of scalars) {
    const next = `${key}=${value.replace(/\s+/g, ' ')}`;
    if ([...pairs, next].join(', ').length > MAX_SUMMARY) break;
    pairs.push(next);
  }
  return pairs.length ? pairs.join(', ') : `${text.length} characters of evidence (see the outbox or Slack)`;
}

function clip(s: string): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > MAX_SUMMARY ? `${flat.slice(0, MAX_SUMMARY - 1)}…` : flat;
}

/** Notifier for `demo` and for runs without Slack: writes concise lines to a stream. */
export function createConsoleNotifier(options: ConsoleNotifierOptions = {}): Notifier {
  const stream = options.stream ?? process.stderr;
  return {
    name: 'console',
    async send(event) {
      try {
        stream.write(formatConsoleLine(event));
        return { status: 'delivered' };
      } catch (error) {
        return {
          status: 'failed',
          retryable: false,
          error: `console: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    },
  };
}
