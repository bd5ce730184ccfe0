import { readTextOrNull, writeFileAtomic } from '../state/atomic-file.js';
import type { WatchProgress } from './types.js';

/**
 * Where the watch keeps its progress between looks. A file beside the release state, not the state
 * itself: a look every minute for a 7-day bake would otherwise add 10,000 entries to the audit log.
 * Transitions that matter (hold, resume, stop) are still recorded in the state and audited.
 */
export interface ProgressStore {
  load(): Promise<WatchProgress | null>;
  save(progress: WatchProgress): Promise<void>;
  readonly location: string;
}

/** The progress file of one release: atomic replace, 0600, so a crash leaves the old or the new look. */
export function createFileProgressStore(file: string): ProgressStore {
  return {
    location: file,
    async load() {
      const text = await readTextOrNull(file);
      if (text === null) return null;
      try {
        const doc = JSON.parse(text) as WatchProgress;
        return doc && doc.version === 1 && typeof doc.scope === 'string' ? doc : null;
      } catch {
        return null; // a hand-edited or foreign file: start from a fresh look
      }
    },
    async save(progress) {
      await writeFileAtomic(file, JSON.stringify(progress), { dirMode: 0o700 });
    },
  };
}

/** Progress held in memory only (benchmarks, dry runs). */
export function createMemoryProgressStore(
  initial: WatchProgress | null = null,
): ProgressStore & { current(): WatchProgress | null } {
  let saved = initial ? JSON.stringify(initial) : null;
  return {
    location: 'memory',
    load: async () => (saved ? (JSON.parse(saved) as WatchProgress) : null),
    save: async (p) => {
      saved = JSON.stringify(p);
    },
    current: () => (saved ? (JSON.parse(saved) as WatchProgress) : null),
  };
}

/** A file name safe for any release name. */
export function progressFileName(release: string): string {
  return `watch-${release.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}
