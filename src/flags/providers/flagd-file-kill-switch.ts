import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildFlagDocument } from '../flagd.js';
import { createFileFlagStore, digestText, FlagStoreError, serializeFlagDocument } from '../flag-store.js';
import { readRolloutShape } from '../rollout-shape.js';
import type { FlagdDocument, FlagSpec } from '../types.js';
import { runPublish, type PublishContext } from './publish.js';
import type { FlagTarget, PublishOutcome } from './types.js';

// The kill switch of the flagd-file provider. It runs on the rollback fast path, ~300 ms from process
// start to the file on disk: built-ins and the light flag modules only; flagd-core (the read-back) and
// execa (the publish) are imported after the write.

/** The kill switch in one flag file. */
export interface KillSwitchFile {
  file: string;
  flags: string[];
  /** The file now differs from what it was (it was written, or would be in a dry run). */
  changed: boolean;
  /** What was wrong with the previous content, if anything (it was rebuilt from the plan). */
  previous?: string;
  /** Why the kill switch could not be put in place in this file. */
  error?: string;
  /** sha256 of the file as the kill switch left it. */
  sha256?: string;
  /** The `flags[].publish` run that carried the file to applications, when the flag has one. */
  publish?: PublishOutcome;
  /** Milliseconds from process start until the publish command acknowledged (exit 0) the file. */
  publishedAtMs?: number;
}

export interface KillSwitchResult {
  files: KillSwitchFile[];
  /** Milliseconds from process start until the last flag file was written; null when nothing was written. */
  flagWrittenAtMs: number | null;
  /** Read-back evaluation of every file (absent in a dry run). */
  verification?: KillSwitchVerification;
}

export interface KillSwitchVerification {
  ok: boolean;
  /** Contexts evaluated per flag (sample keys × group combinations). */
  contexts: number;
  /** Milliseconds the read-back and evaluation took. */
  ms: number;
  problems: string[];
}

/** Options of engageFileKillSwitch. */
export interface FileKillSwitchOptions {
  only?: string[];
  dryRun?: boolean;
  verify?: boolean;
  /** Run each file's publish command: `always` (a rollback: an earlier publish may have failed), `changed`, or `never`. Default `always`. */
  publish?: 'always' | 'changed' | 'never';
  /** Environment and redaction for publish commands; without it no publish runs. */
  publishContext?: PublishContext;
}

/** The previous document and what was wrong with it; a kill switch never depends on it being sound. */
async function readPrevious(
  absolute: string,
): Promise<{ doc: FlagdDocument | null; problem?: string; fatal?: string }> {
  try {
    const doc = await createFileFlagStore({ path: absolute, dryRun: true }).read();
    return doc ? { doc } : { doc: null, problem: 'the file did not exist' };
  } catch (error) {
    if (error instanceof FlagStoreError && error.code === 'FLAG_FILE_INVALID')
      return { doc: null, problem: `${error.message}; rebuilt from the plan` };
    const code = ((error as { cause?: NodeJS.ErrnoException }).cause ?? (error as NodeJS.ErrnoException)).code;
    // A directory in the file's place cannot be replaced by a rename; a human has to look.
    return {
      doc: null,
      fatal: code === 'EISDIR' ? `${absolute} is a directory, not a flag file` : (error as Error).message,
    };
  }
}

/** The kill-switch spec of one flag: variants from the plan, cohort (percent, groups) kept from the old file when it is sound. */
function killSpec(target: FlagTarget, previous: FlagdDocument | null, fresh: boolean): FlagSpec | string {
  const old = previous?.flags[target.key];
  const shape = old && !fresh ? readRolloutShape(old) : null;
  const newVariant = target.newVariant ?? shape?.newVariant;
  const fallbackVariant = target.fallbackVariant ?? shape?.fallbackVariant;
  if (!newVariant || !fallbackVariant)
    return `${target.key}: the plan names no variants (flags[].variants) and the file has none to keep`;
  // The same cohort comes back on undo only if the old layout used the same variants.
  const sameVariants = shape?.newVariant === newVariant && shape.fallbackVariant === fallbackVariant;
  const metadata = Object.fromEntries(
    Object.entries((!fresh && old?.metadata) || {}).filter(([k]) => !k.startsWith('rollout.')),
  );
  return {
    key: target.key,
    newVariant,
    fallbackVariant,
    percent:
      sameVariants && Number.isFinite(shape.stagePercent) && shape.stagePercent >= 0 && shape.stagePercent <= 100
        ? shape.stagePercent
        : 0,
    groups: sameVariants ? shape.groups : [],
    groupAttribute: target.groupAttribute ?? shape?.groupAttribute ?? 'groups',
    ...(sameVariants && shape.bucketBy ? { bucketBy: shape.bucketBy } : {}),
    killSwitch: true,
    metadata,
  };
}

/** Builds the kill-switch document of one file; other flags in a sound old file stay as they were. */
function killDocument(targets: FlagTarget[], previous: FlagdDocument | null, fresh: boolean): FlagdDocument | string {
  const specs: FlagSpec[] = [];
  for (const t of targets) {
    const spec = killSpec(t, previous, fresh);
    if (typeof spec === 'string') return spec;
    specs.push(spec);
  }
  try {
    const rebuilt = buildFlagDocument(specs);
    return previous && !fresh ? { ...previous, flags: { ...previous.flags, ...rebuilt.flags } } : rebuilt;
  } catch (error) {
    return (error as Error).message;
  }
}

async function writeOne(
  planDir: string,
  file: string,
  targets: FlagTarget[],
  opts: { dryRun: boolean; fresh: boolean },
): Promise<KillSwitchFile & { written: boolean }> {
  const absolute = path.resolve(planDir, file);
  const flags = targets.map((t) => t.key);
  const prev = await readPrevious(absolute);
  if (prev.fatal) return { file, flags, changed: false, written: false, error: prev.fatal };
  const doc = killDocument(targets, prev.doc, opts.fresh);
  if (typeof doc === 'string') return { file, flags, changed: false, written: false, error: doc };
  try {
    const result = await createFileFlagStore({ path: absolute, dryRun: opts.dryRun }).write(doc);
    const changed = result.changed || prev.doc === null;
    const sha256 = digestText(serializeFlagDocument(doc));
    return {
      file,
      flags,
      changed,
      written: result.written,
      sha256,
      ...(prev.problem && prev.doc === null && !opts.fresh ? { previous: prev.problem } : {}),
    };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return {
      file,
      flags,
      changed: false,
      written: false,
      error: `cannot write ${absolute}: ${e.code ? `${e.code}: ` : ''}${e.message}`,
    };
  }
}

function groupByFile(targets: FlagTarget[], only?: string[]): Map<string, FlagTarget[]> {
  const byFile = new Map<string, FlagTarget[]>();
  for (const t of targets) if (!only || only.includes(t.key)) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t]);
  return byFile;
}

/**
 * Serves every target flag's fallback to everyone: write (atomically, skipped when already so), read
 * back, evaluate with flagd-core; a file that does not evaluate to the fallback is rebuilt from the
 * plan alone and checked once more. Then each file with a publish command is published: the local
 * write never waits on it. Never throws for a file: problems are returned per file.
 */
export async function engageFileKillSwitch(
  planDir: string,
  targets: FlagTarget[],
  opts: FileKillSwitchOptions = {},
): Promise<KillSwitchResult> {
  const dryRun = Boolean(opts.dryRun);
  const files: KillSwitchFile[] = [];
  let flagWrittenAtMs: number | null = null;
  const byFile = groupByFile(targets, opts.only);
  for (const [file, group] of byFile) {
    const one = await writeOne(planDir, file, group, { dryRun, fresh: false });
    if (one.written) flagWrittenAtMs = performance.now();
    const { written: _w, ...entry } = one;
    files.push(entry);
  }
  if (dryRun) return { files, flagWrittenAtMs };
  let verification: KillSwitchVerification | undefined;
  if (opts.verify !== false) {
    const started = performance.now();
    verification = await verifyKillSwitch(planDir, byFile);
    if (!verification.ok) {
      // Something in a file still serves the new variant (a rule we did not write, a flag state we did
      // not expect): rebuild the failing files from the plan alone, then check again.
      for (const [file, group] of byFile) {
        if (!verification.problems.some((p) => p.startsWith(`${file}:`))) continue;
        const again = await writeOne(planDir, file, group, { dryRun: false, fresh: true });
        if (again.written) flagWrittenAtMs = performance.now();
        const entry = files.find((f) => f.file === file);
        if (entry) {
          entry.changed = entry.changed || again.changed;
          if (again.sha256) entry.sha256 = again.sha256;
          if (again.error) entry.error = again.error;
        }
      }
      verification = await verifyKillSwitch(planDir, byFile);
    }
    verification.ms = performance.now() - started;
  }
  await publishFiles(planDir, byFile, files, opts);
  return { files, flagWrittenAtMs, ...(verification ? { verification } : {}) };
}

/** Runs the publish command of each file whose kill switch is in place locally (one file after the other, each bounded by its timeout). */
async function publishFiles(
  planDir: string,
  byFile: Map<string, FlagTarget[]>,
  files: KillSwitchFile[],
  opts: FileKillSwitchOptions,
): Promise<void> {
  const when = opts.publish ?? 'always';
  if (when === 'never' || !opts.publishContext) return;
  for (const entry of files) {
    const spec = byFile.get(entry.file)?.find((t) => t.publish)?.publish;
    if (!spec || entry.error || !entry.sha256 || (when === 'changed' && !entry.changed)) continue;
    entry.publish = await runPublish(spec, path.resolve(planDir, entry.file), entry.sha256, opts.publishContext);
    if (entry.publish.ok) entry.publishedAtMs = performance.now();
  }
}

/** Sample users evaluated per flag: enough to catch a rule that still serves the new variant to a share. */
export const VERIFY_SAMPLE_KEYS = 256;
const SAMPLE_KEYS = Array.from({ length: VERIFY_SAMPLE_KEYS }, (_, i) => `kill-switch-check-${i}`);

/** Reads each file back and evaluates every flag for sample users with no group, each group and all groups. */
export async function verifyKillSwitch(
  planDir: string,
  byFile: Map<string, FlagTarget[]>,
): Promise<KillSwitchVerification> {
  const started = performance.now();
  const { evaluateShare } = await import('../evaluate.js');
  const problems: string[] = [];
  let contexts = 0;
  for (const [file, group] of byFile) {
    const absolute = path.resolve(planDir, file);
    let doc: FlagdDocument;
    try {
      doc = JSON.parse(await readFile(absolute, 'utf8')) as FlagdDocument;
    } catch (error) {
      problems.push(`${file}: read-back failed: ${(error as Error).message}`);
      continue;
    }
    for (const t of group) {
      const flag = doc.flags?.[t.key];
      const fallback = t.fallbackVariant ?? (flag ? readRolloutShape(flag)?.fallbackVariant : undefined);
      if (!flag || !fallback) {
        problems.push(`${file}: ${t.key} is missing after the write`);
        continue;
      }
      const groupSets: Array<string[] | undefined> = [
        undefined,
        ...(t.groups ?? []).map((g) => [g]),
        ...((t.groups?.length ?? 0) > 1 ? [t.groups] : []),
      ];
      let wrong = 0;
      let example = '';
      for (const groups of groupSets) {
        // One flagd-core instance per document: evaluateShare parses it once for all sample users.
        const share = evaluateShare(doc, t.key, SAMPLE_KEYS, {
          ...(groups ? { groups } : {}),
          variant: fallback,
          collectKeys: true,
        });
        contexts += share.total;
        const off = share.total - share.withNewVariant;
        if (off > 0) {
          wrong += off;
          const other = Object.entries(share.counts).find(([v]) => v !== fallback);
          example ||= `${other?.[1] ?? off} user(s)${groups ? ` in ${groups.join('+')}` : ''} got ${other?.[0] ?? 'another variant'}`;
        }
      }
      if (wrong > 0)
        problems.push(
          `${file}: ${t.key} still serves something other than ${fallback} to ${wrong} evaluated context(s), e.g. ${example}`,
        );
    }
  }
  return { ok: problems.length === 0, contexts, ms: performance.now() - started, problems };
}
