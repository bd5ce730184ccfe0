import { describeEvent, listEventFields } from './format.js';
import type { Notifier, ReleaseEvent, TextSink } from './types.js';

export interface ConsoleNotifierOptions {
  /** Where lines go; default process.stderr (stdout is reserved for --json). */
  stream?: TextSink;
}

/** One line per event: the title, then the fields other than the release, separated by ` · `. */
export function formatConsoleLine(event: ReleaseEvent): string {
  const details = listEventFields(event)
    .filter((f) => f.label !== 'Release')
    .map((f) => `${f.label.toLowerCase()}: ${f.value.replace(/\s+/g, ' ')}`);
  return `[notify] ${[describeEvent(event), ...details].join(' · ')}\n`;
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
        return { status: 'failed', retryable: false, error: `console: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
  };
}
