import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createFileFlagStore } from '../flags/flag-store.js';
import { killSwitchDocument } from './flag-sync.js';

/**
 * The rollback fast path: the kill switch written from the plan's flag list and the flag files
 * alone, before the schema validator, the state store or any client library is loaded. Only the
 * `yaml` parser is needed to find the flag files.
 */
export interface KillSwitchResult {
  files: Array<{ file: string; flags: string[]; changed: boolean }>;
  /** Milliseconds from process start until the last flag file was written. */
  flagWrittenAtMs: number;
}

export interface FlagTarget {
  key: string;
  file: string;
}

/** The flags, their files and the default rollback mode, read straight from rollout.yaml (validation comes right after). */
export async function readRawPlan(configFile: string): Promise<{ targets: FlagTarget[]; defaultMode: string | undefined }> {
  const { parse } = await import('yaml');
  const raw = parse(await readFile(configFile, 'utf8'), { maxAliasCount: 50 }) as { flags?: Array<{ key?: unknown; file?: unknown }>; rollback?: { defaultMode?: unknown } } | null;
  const targets = (Array.isArray(raw?.flags) ? raw.flags : [])
    .filter((f) => typeof f?.key === 'string')
    .map((f) => ({ key: f.key as string, file: typeof f.file === 'string' ? f.file : 'flags/flags.json' }));
  const mode = raw?.rollback?.defaultMode;
  return { targets, defaultMode: typeof mode === 'string' ? mode : undefined };
}

export async function engageKillSwitch(planDir: string, targets: FlagTarget[], opts: { only?: string[]; dryRun?: boolean } = {}): Promise<KillSwitchResult> {
  const byFile = new Map<string, string[]>();
  for (const t of targets) if (!opts.only || opts.only.includes(t.key)) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t.key]);
  const files: KillSwitchResult['files'] = [];
  for (const [file, keys] of byFile) {
    const store = createFileFlagStore({ path: path.resolve(planDir, file), dryRun: Boolean(opts.dryRun) });
    const doc = await store.read();
    // No flag file yet: the flag never served the new variant, so there is nothing to switch off.
    if (!doc) {
      files.push({ file, flags: keys, changed: false });
      continue;
    }
    const result = await store.write(killSwitchDocument(doc, keys));
    files.push({ file, flags: keys, changed: result.changed });
  }
  return { files, flagWrittenAtMs: performance.now() };
}
