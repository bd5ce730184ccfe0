import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDuration } from '../config/duration.js';
import {
  engageFileKillSwitch,
  type FileKillSwitchOptions,
  type KillSwitchResult,
} from '../flags/providers/flagd-file-kill-switch.js';
import { DEFAULT_PUBLISH_TIMEOUT, isProviderKind, locationOf } from '../flags/providers/registry.js';
import type { FlagTarget, PublishSpec } from '../flags/providers/types.js';

export type {
  KillSwitchFile,
  KillSwitchResult,
  KillSwitchVerification,
} from '../flags/providers/flagd-file-kill-switch.js';
export type { FlagTarget } from '../flags/providers/types.js';

/**
 * The rollback fast path: the kill switch written from the plan's flag list, before the schema
 * validator, the state store or any client library is loaded. Only the `yaml` parser is needed to
 * find the flags. The plan — never the old file — says what the fallback is: a flag file that is
 * missing, empty, garbage, hand-edited or lacks the flag is rebuilt from the plan. Every write is
 * read back and evaluated with flagd-core (the evaluator applications use) before it counts, and
 * only then published (`flags[].publish`). The file-level work is the flagd-file provider's
 * (src/flags/providers/flagd-file-kill-switch.ts).
 */

interface RawFlag {
  key?: unknown;
  file?: unknown;
  variants?: { new?: unknown; fallback?: unknown };
  groupAttribute?: unknown;
  publish?: { run?: unknown; env?: unknown; timeout?: unknown; cwd?: unknown };
  provider?: unknown;
  unleash?: unknown;
}
interface RawPlanShape {
  release?: unknown;
  flags?: RawFlag[];
  phases?: Array<{ rollout?: { flag?: unknown; stages?: Array<{ groups?: unknown }> } }>;
  rollback?: { defaultMode?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * `flags[].publish` as the YAML says it, before validation: an argv of strings or nothing. A publish the
 * fast path cannot read is left out here; the full load that follows rejects the plan and the rollback
 * then exits 6 with the plan's problems, so a broken publish is never silently skipped.
 */
function rawPublish(raw: RawFlag['publish']): PublishSpec | undefined {
  if (
    !raw ||
    !Array.isArray(raw.run) ||
    raw.run.length === 0 ||
    !raw.run.every((a) => typeof a === 'string' && a.length > 0)
  )
    return undefined;
  const env = Array.isArray(raw.env) ? raw.env.filter((e): e is string => typeof e === 'string') : [];
  // Not validated yet: a timeout the schema would refuse falls back to the default, so a typo cannot make a rollback wait for hours.
  const ms = parseDuration(str(raw.timeout) ?? '');
  const timeout = ms !== null && ms >= 1000 && ms <= 600_000 ? (raw.timeout as string) : DEFAULT_PUBLISH_TIMEOUT;
  return { run: raw.run as string[], env, timeout, ...(str(raw.cwd) ? { cwd: str(raw.cwd) as string } : {}) };
}

/** Reads the plan's text with the same file-type and size checks as the full loader. */
async function readPlanText(configFile: string): Promise<string> {
  const { readPlanFile } = await import('../config/read-plan.js');
  const text = await readPlanFile(configFile, path.basename(configFile));
  if (text === null) throw Object.assign(new Error(`${path.basename(configFile)}: no such file`), { code: 'ENOENT' });
  return text;
}

/** The flags, their files, variants and groups, and the default rollback mode, read straight from rollout.yaml. */
export async function readRawPlan(
  configFile: string,
): Promise<{ targets: FlagTarget[]; defaultMode: string | undefined; release: string | undefined }> {
  const { parse } = await import('yaml');
  const raw = parse(await readPlanText(configFile), { maxAliasCount: 50 }) as RawPlanShape | null;
  const phases = Array.isArray(raw?.phases) ? raw.phases : [];
  const groupsOf = (key: string): string[] => {
    const all = new Set<string>();
    for (const p of phases) {
      if (p?.rollout?.flag !== key || !Array.isArray(p.rollout.stages)) continue;
      for (const s of p.rollout.stages)
        if (Array.isArray(s?.groups)) for (const g of s.groups) if (typeof g === 'string') all.add(g);
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
      const publish = rawPublish(f.publish);
      if (publish) t.publish = publish;
      const provider = str(f.provider);
      if (provider && provider !== 'flagd-file') {
        t.provider = provider;
        const settings = (f as unknown as Record<string, unknown>)[provider];
        if (settings && typeof settings === 'object' && !Array.isArray(settings))
          t.settings = settings as Record<string, unknown>;
        if (isProviderKind(provider)) t.file = locationOf(provider, t);
      }
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
    const state = JSON.parse(await readFile(path.resolve(cwd, url.slice('file:'.length), 'state.json'), 'utf8')) as {
      flags?: Record<string, { file?: unknown }>;
    };
    return Object.entries(state.flags ?? {}).flatMap(([key, f]): FlagTarget[] => {
      if (typeof f?.file !== 'string' || !f.file) return [];
      // An Unleash flag's location names its project and environment; the variable names are the defaults.
      const unleash = /^unleash:([^/]+)\/([^/]+)\//.exec(f.file);
      if (unleash)
        return [{ key, file: f.file, provider: 'unleash', settings: { project: unleash[1], environment: unleash[2] } }];
      return [{ key, file: f.file }];
    });
  } catch {
    return [];
  }
}

/**
 * Engages the kill switch of every target through its provider: flag files (written, read back, published)
 * and Unleash toggles (switched off, read back; each request bounded in time) at the same time, so a slow
 * flag server never delays the local files. A provider the fast path does not know is reported as not switched.
 */
export async function engageKillSwitch(
  planDir: string,
  targets: FlagTarget[],
  opts: FileKillSwitchOptions = {},
): Promise<KillSwitchResult> {
  const chosen = opts.only ? targets.filter((t) => opts.only?.includes(t.key)) : targets;
  const files = chosen.filter((t) => !t.provider || t.provider === 'flagd-file');
  const unleash = chosen.filter((t) => t.provider === 'unleash');
  const unknown = chosen.filter((t) => t.provider && t.provider !== 'flagd-file' && t.provider !== 'unleash');
  const remote = unleash.length
    ? import('../flags/providers/unleash-kill-switch.js').then((m) =>
        m.engageUnleashKillSwitch(unleash, {
          dryRun: Boolean(opts.dryRun),
          env: opts.publishContext?.env ?? process.env,
          redact: opts.publishContext?.redact ?? ((t) => t),
        }),
      )
    : null;
  const local =
    files.length || !remote ? await engageFileKillSwitch(planDir, files, { ...opts, only: undefined }) : null;
  const far = remote ? await remote : null;
  const times = [local?.flagWrittenAtMs, far?.flagWrittenAtMs].filter((x): x is number => typeof x === 'number');
  return {
    files: [
      ...(local?.files ?? []),
      ...(far?.files ?? []),
      ...unknown.map((t) => ({
        file: t.file,
        flags: [t.key],
        changed: false,
        error: `flags[].provider ${String(t.provider)} is not a provider rollout knows; switch the flag off by hand`,
      })),
    ],
    flagWrittenAtMs: times.length ? Math.max(...times) : null,
    ...(local?.verification ? { verification: local.verification } : {}),
  };
}
