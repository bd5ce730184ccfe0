import type { GateConfig } from '../config/schema.js';
import type { GateReason, GateVerdict } from './types.js';

/*
 * Evidence reuse: `preflight` records each gate's result with the plan hash, the commit of the working
 * tree and the time; `advance` takes a recorded pass instead of running the gate again when nothing it
 * depends on can have changed. The decision is a pure function of the record and what is true now, so
 * the rules below are the whole policy (test/unit/gates/reuse.test.ts holds them to it).
 */

/** One gate's result as `preflight` records it in `evidence['preflight:<phase>'].results[<gate id>]`. */
export interface GateRecord {
  verdict: GateVerdict;
  reason: GateReason | string;
  summary: string;
  /** ISO time the preflight run began (conservative: the result is at least this old). */
  at: string;
  /** sha256 of rollout.yaml the gate ran with. */
  planHash: string;
  /** `git rev-parse HEAD` of the plan's working tree; null when it is not a git repository. */
  commit: string | null;
  /** The working tree had changes (tracked or untracked, outside the state and flag files). */
  dirty: boolean;
}

/** The working tree now: its commit and whether it has changes; null when it is not a git repository. */
export interface WorkingTree {
  commit: string;
  dirty: boolean;
}

/** Everything the decision depends on besides the record. */
export interface ReuseContext {
  gate: Pick<GateConfig, 'id' | 'kind'>;
  /** The gate's `maxAge` (or the plan default for its kind) in ms; null: never reused. */
  maxAgeMs: number | null;
  planHash: string;
  tree: WorkingTree | null;
  /** Why the record's store cannot be trusted (e.g. state.json writable by other users); null when it can. */
  distrust: string | null;
  now: Date;
  fresh: boolean;
}

export type ReuseDecision = { reuse: true; record: GateRecord; ageMs: number } | { reuse: false; why: string };

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const VERDICTS: readonly string[] = ['pass', 'fail', 'inconclusive'];

/** A record as read from the state (which anyone with write access may have edited), or null when it is not one. */
export function readGateRecord(value: unknown): GateRecord | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const r = value as Record<string, unknown>;
  if (typeof r.verdict !== 'string' || !VERDICTS.includes(r.verdict)) return null;
  if (typeof r.at !== 'string' || !Number.isFinite(Date.parse(r.at))) return null;
  if (typeof r.planHash !== 'string' || !/^[0-9a-f]{64}$/.test(r.planHash)) return null;
  if (r.commit !== null && (typeof r.commit !== 'string' || !SHA.test(r.commit))) return null;
  if (typeof r.dirty !== 'boolean') return null;
  return {
    verdict: r.verdict as GateVerdict,
    reason: typeof r.reason === 'string' ? r.reason : '',
    summary: typeof r.summary === 'string' ? r.summary : '',
    at: r.at,
    planHash: r.planHash,
    commit: r.commit,
    dirty: r.dirty,
  };
}

/**
 * Whether `advance` may take `record` instead of running the gate. Never for a failed or inconclusive
 * result, another plan, another commit, a dirty tree (then or now), no git repository, a record older
 * than `maxAge` or dated in the future (clock skew), a sign-off gate, an untrusted store, or `--fresh`.
 */
export function decideReuse(record: unknown, c: ReuseContext): ReuseDecision {
  const no = (why: string): ReuseDecision => ({ reuse: false, why });
  if (c.fresh) return no('--fresh');
  // A manual gate reads its sign-off from the state every time: that is already cheap and current.
  if (c.gate.kind === 'manual') return no('sign-offs are read, not reused');
  if (c.maxAgeMs === null || c.maxAgeMs <= 0) return no('no maxAge for this gate');
  if (c.distrust) return no(c.distrust);
  if (record === undefined || record === null) return no('no recorded result');
  const r = readGateRecord(record);
  if (!r) return no('the recorded result is malformed');
  if (r.verdict !== 'pass') return no(`the recorded result is ${r.verdict}`);
  if (r.planHash !== c.planHash) return no('recorded with another version of the plan');
  if (!c.tree) return no('not a git repository: the commit cannot be compared');
  if (c.tree.dirty) return no('the working tree has uncommitted changes');
  if (r.commit === null) return no('recorded outside a git repository');
  if (r.dirty) return no('recorded on a working tree with uncommitted changes');
  if (r.commit !== c.tree.commit)
    return no(`recorded at commit ${r.commit.slice(0, 12)}, now ${c.tree.commit.slice(0, 12)}`);
  const ageMs = c.now.getTime() - Date.parse(r.at);
  if (!Number.isFinite(ageMs)) return no('the recorded result is malformed');
  if (ageMs < 0) return no('recorded in the future (clock skew)');
  if (ageMs > c.maxAgeMs) return no('older than its maxAge');
  return { reuse: true, record: r, ageMs };
}

/** Gate kinds whose result depends on the commit and the plan only; the live-system kinds need their own `maxAge`. */
const COMMIT_KINDS: ReadonlySet<string> = new Set(['command', 'property', 'perf-budget', 'file']);

/** A gate's `maxAge` in ms: its own, else the plan default for commit-determined kinds, else null (never reused). */
export function maxAgeFor(
  gate: GateConfig,
  planDefaultMs: number | null,
  parse: (t: string) => number | null,
): number | null {
  const own = (gate as { maxAge?: string }).maxAge;
  if (own !== undefined) return parse(own);
  return COMMIT_KINDS.has(gate.kind) ? planDefaultMs : null;
}
