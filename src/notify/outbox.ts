import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createJsonFile } from './json-file.js';
import type { Outbox, OutboxEntry, ReleaseEvent } from './types.js';

/** File name of the file outbox inside its directory. */
export const OUTBOX_FILE = 'outbox.json';

/** Deterministic id of (target, event): the same event for the same notifier always gets the same id. */
export function computeOutboxId(target: string, event: ReleaseEvent): string {
  return createHash('sha256')
    .update(`${target}\n${stringifyStably(event)}`)
    .digest('hex')
    .slice(0, 32);
}

/** A fresh entry, due immediately. */
export function createOutboxEntry(target: string, event: ReleaseEvent, now: number): OutboxEntry {
  return { id: computeOutboxId(target, event), target, event, attempts: 0, nextAttemptAt: now, lastError: null };
}

/** JSON with object keys sorted, so equal events hash equally whatever their key order. */
export function stringifyStably(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stringifyStably).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stringifyStably(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Apply an outbox operation to a plain array of entries (shared by both implementations). */
function applyAppend(entries: OutboxEntry[], entry: OutboxEntry): void {
  if (!entries.some((e) => e.id === entry.id)) entries.push(structuredClone(entry));
}

function applyUpdate(entries: OutboxEntry[], entry: OutboxEntry): void {
  const index = entries.findIndex((e) => e.id === entry.id);
  if (index >= 0) entries[index] = structuredClone(entry);
}

function applyRemove(entries: OutboxEntry[], id: string): void {
  const index = entries.findIndex((e) => e.id === id);
  if (index >= 0) entries.splice(index, 1);
}

/** In-memory outbox for tests and for runs without a state directory. Entries are copied in and out. */
export function createMemoryOutbox(initial: OutboxEntry[] = []): Outbox & { entries: OutboxEntry[] } {
  const entries = initial.map((e) => structuredClone(e));
  return {
    entries,
    append: async (entry) => applyAppend(entries, entry),
    list: async () => entries.map((e) => structuredClone(e)),
    remove: async (id) => applyRemove(entries, id),
    update: async (entry) => applyUpdate(entries, entry),
  };
}

interface OutboxDocument {
  version: 1;
  entries: OutboxEntry[];
}

function isOutboxDocument(value: unknown): value is OutboxDocument {
  const doc = value as OutboxDocument | null;
  return doc !== null && typeof doc === 'object' && doc.version === 1 && Array.isArray(doc.entries);
}

/**
 * Outbox kept in `<dir>/outbox.json` (mode 0600), rewritten atomically on every change so a crash
 * never loses or half-writes an entry. Operations are serialised within the process; across
 * processes the release lock of the state layer serialises writers.
 */
export function createFileOutbox(dir: string): Outbox {
  const file = createJsonFile<OutboxDocument>(
    join(dir, OUTBOX_FILE),
    () => ({ version: 1, entries: [] }),
    isOutboxDocument,
  );
  return {
    append: (entry) => file.modify((doc) => applyAppend(doc.entries, entry)),
    list: async () => (await file.read()).entries,
    remove: (id) => file.modify((doc) => applyRemove(doc.entries, id)),
    update: (entry) => file.modify((doc) => applyUpdate(doc.entries, entry)),
  };
}
