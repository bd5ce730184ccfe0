import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildFlagDocument } from '../flags/flagd.js';
import { createFileFlagStore, FlagStoreError } from '../flags/flag-store.js';
import { readRolloutShape } from '../flags/rollout-shape.js';
import type { FlagdDocument, FlagSpec } from '../flags/types.js';

/**
 * The rollback fast path: the kill switch written from the plan's flag list, before the schema
 * validator, the state store or any client library is loaded. Only the `yaml` parser is needed to
 * find the flags. The plan — never the old file — says what the fallback is: a flag file that is
 * missing, empty, garbage, hand-edited or lacks the flag is rebuilt from the plan. Every write is
 * read back and evaluated with flagd-core (the evaluator applications use) before it counts.
 */
export interface KillSwitchFile {
  file: string;
  flags: string[];
  /** The file now differs from what it was (it was written, or would be in a dry run). */
  changed: boolean;
  /** What was wrong with the previous content, if anything (it was rebuilt from the plan). */
  previous?: string;
  /** Why the kill switch could not be put in place in this file. */
  error?: string;
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

/** One flag as the plan writes it: everything needed to rebuild its kill switch without the old file. */
export interface FlagTarget {
  key: string;
  file: string;
  newVariant?: string;
  fallbackVariant?: string;
  groupAttribute?: string;
  /** Every group the plan's stages name: the read-back evaluates each of them. */
  groups?: string[];
}

interface RawFlag { key?: unknown; file?: unknown; variants?: { new?: unknown; fallback?: unknown }; groupAttribute?: unknown }
interface RawPlanShape {
  release?: unknown;
  flags?: RawFlag[];
  phases?: Array<{ rollout?: { flag?: unknown; stages?: Array<{ groups?: unknown }> } }>;
  rollback?: { defaultMode?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Reads the plan's text with the same file-type and size checks as the full loader. */
async function readPlanText(configFile: string): Promise<string> {
  const { readPlanFile } = await import('../config/read-plan.js');
  const text = await readPlanFile(configFile, path.basename(configFile));
  if (text === null) throw Object.assign(new Error(`${path.basename(configFile)}: no such file`), { code: 'ENOENT' });
  return text;
}

/** The flags, their files, variants and groups, and the default rollback mode, read straight from rollout.yaml. */
export async function readRawPlan(configFile: string): Promise<{ targets: FlagTarget[]; defaultMode: string | undefined; release: string | undefined }> {
  const { parse } = await import('yaml');
  const raw = parse(await readPlanText(configFile), { maxAliasCount: 50 }) as RawPlanShape | null;
  const phases = Array.isArray(raw?.phases) ? raw.phases : [];
  const groupsOf = (key: string): string[] => {
    const all = new Set<string>();
    for (const p of phases) {
      if (p?.rollout?.flag !== key || !Array.isArray(p.rollout.stages)) continue;
      for (const s of p.rollout.stages) if (Array.isArray(s?.groups)) for (const g of s.groups) if (typeof g === 'string') all.add(g);
    }
    return [...all].sort();
  };
  const targets = (Array.isArray(raw?.flags) ? raw.flags : [])
    .filter((f): f is RawFlag & { key: string } => typeof f?.key === 'string')
    .map((f) => {
      const t: FlagTarget = { key: f.key, file: str(f.file) ?? 'flags/flags.json', groups: groupsOf(f.key) };
      const nv = str(f.variants?.new);
      const fb = str(f.variants?.fallback);
      const ga = str(f.groupAttribute);
      if (nv) t.newVariant = nv;
      if (fb) t.fallbackVariant = fb;
      if (ga) t.groupAttribute = ga;
      return t;
    });
  const mode = raw?.rollback?.defaultMode;
  return { targets, defaultMode: typeof mode === 'string' ? mode : undefined, release: str(raw?.release) };
}

/**
 * The flags a release wrote, from its file state (the default `.rollout/` or a `file:` URL), for a
 * kill switch when the plan itself cannot be read: each flag's file is recorded in the state, and the
 * flag file's own metadata names the fallback. Empty when there is no readable file state.
 */
export async function readStateTargets(cwd: string, stateUrl: string | undefined): Promise<FlagTarget[]> {
  const url = stateUrl ?? 'file:.rollout';
  if (!url.startsWith('file:') || url.startsWith('file://')) return [];
  try {
    const state = JSON.parse(await readFile(path.resolve(cwd, url.slice('file:'.length), 'state.json'), 'utf8')) as { flags?: Record<string, { file?: unknown }> };
    return Object.entries(state.flags ?? {}).flatMap(([key, f]) => (typeof f?.file === 'string' && f.file ? [{ key, file: f.file }] : []));
  } catch {
    return [];
  }
}

/** The previous document and what was wrong with it; a kill switch never depends on it being sound. */
async function readPrevious(absolute: string): Promise<{ doc: FlagdDocument | null; problem?: string; fatal?: string }> {
  try {
    const doc = await createFileFlagStore({ path: absolute, dryRun: true }).read();
    return doc ? { doc } : { doc: null, problem: 'the file did not exist' };
  } catch (error) {
    if (error instanceof FlagStoreError && error.code === 'FLAG_FILE_INVALID') return { doc: null, problem: `${error.message}; rebuilt from the plan` };
    const code = ((error as { cause?: NodeJS.ErrnoException }).cause ?? (error as NodeJS.ErrnoException)).code;
    // A directory in the file's place cannot be replaced by a rename; a human has to look.
    return { doc: null, fatal: code === 'EISDIR' ? `${absolute} is a directory, not a flag file` : (error as Error).message };
  }
}

/** The kill-switch spec of one flag: variants from the plan, cohort (percent, groups) kept from the old file when it is sound. */
function killSpec(target: FlagTarget, previous: FlagdDocument | null, fresh: boolean): FlagSpec | string {
  const old = previous?.flags[target.key];
  const shape = old && !fresh ? readRolloutShape(old) : null;
  const newVariant = target.newVariant ?? shape?.newVariant;
  const fallbackVariant = target.fallbackVariant ?? shape?.fallbackVariant;
  if (!newVariant || !fallbackVariant) return `${target.key}: the plan names no variants (flags[].variants) and the file has none to keep`;
  // The same cohort comes back on undo only if the old layout used the same variants.
  const sameVariants = shape?.newVariant === newVariant && shape.fallbackVariant === fallbackVariant;
  const metadata = Object.fromEntries(Object.entries((!fresh && old?.metadata) || {}).filter(([k]) => !k.startsWith('rollout.')));
  return {
    key: target.key,
    newVariant,
    fallbackVariant,
    percent: sameVariants && Number.isFinite(shape.stagePercent) && shape.stagePercent >= 0 && shape.stagePercent <= 100 ? shape.stagePercent : 0,
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

async function writeOne(planDir: string, file: string, targets: FlagTarget[], opts: { dryRun: boolean; fresh: boolean }): Promise<KillSwitchFile & { written: boolean }> {
  const absolute = path.resolve(planDir, file);
  const flags = targets.map((t) => t.key);
  const prev = await readPrevious(absolute);
  if (prev.fatal) return { file, flags, changed: false, written: false, error: prev.fatal };
  const doc = killDocument(targets, prev.doc, opts.fresh);
  if (typeof doc === 'string') return { file, flags, changed: false, written: false, error: doc };
  try {
    const result = await createFileFlagStore({ path: absolute, dryRun: opts.dryRun }).write(doc);
    const changed = result.changed || prev.doc === null;
    return { file, flags, changed, written: result.written, ...(prev.problem && prev.doc === null && !opts.fresh ? { previous: prev.problem } : {}) };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { file, flags, changed: false, written: false, error: `cannot write ${absolute}: ${e.code ? `${e.code}: ` : ''}${e.message}` };
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
 * plan alone and checked once more. Never throws for a file: problems are returned per file.
 */
export async function engageKillSwitch(planDir: string, targets: FlagTarget[], opts: { only?: string[]; dryRun?: boolean; verify?: boolean } = {}): Promise<KillSwitchResult> {
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
  if (dryRun || opts.verify === false) return { files, flagWrittenAtMs };
  const started = performance.now();
  let verification = await verifyKillSwitch(planDir, byFile);
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
        if (again.error) entry.error = again.error;
      }
    }
    verification = await verifyKillSwitch(planDir, byFile);
  }
  verification.ms = performance.now() - started;
  return { files, flagWrittenAtMs, verification };
}

/** Sample users evaluated per flag: enough to catch a rule that still serves the new variant to a share. */
export const VERIFY_SAMPLE_KEYS = 256;
const SAMPLE_KEYS = Array.from({ length: VERIFY_SAMPLE_KEYS }, (_, i) => `kill-switch-check-${i}`);

/** Reads each file back and evaluates every flag for sample users with no group, each group and all groups. */
export async function verifyKillSwitch(planDir: string, byFile: Map<string, FlagTarget[]>): Promise<KillSwitchVerification> {
  const started = performance.now();
  const { evaluateShare } = await import('../flags/evaluate.js');
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
      const groupSets: Array<string[] | undefined> = [undefined, ...(t.groups ?? []).map((g) => [g]), ...((t.groups?.length ?? 0) > 1 ? [t.groups] : [])];
      let wrong = 0;
      let example = '';
      for (const groups of groupSets) {
        // One flagd-core instance per document: evaluateShare parses it once for all sample users.
        const share = evaluateShare(doc, t.key, SAMPLE_KEYS, { ...(groups ? { groups } : {}), variant: fallback, collectKeys: true });
        contexts += share.total;
        const off = share.total - share.withNewVariant;
        if (off > 0) {
          wrong += off;
          const other = Object.entries(share.counts).find(([v]) => v !== fallback);
          example ||= `${other?.[1] ?? off} user(s)${groups ? ` in ${groups.join('+')}` : ''} got ${other?.[0] ?? 'another variant'}`;
        }
      }
      if (wrong > 0) problems.push(`${file}: ${t.key} still serves something other than ${fallback} to ${wrong} evaluated context(s), e.g. ${example}`);
    }
  }
  return { ok: problems.length === 0, contexts, ms: performance.now() - started, problems };
}
