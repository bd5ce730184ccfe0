import type { ReleaseEvent } from './events.js';

/** One trigger's values at one look of `rollout watch` (src/watch/types.ts `WatchLookValue`). */
export interface LookValue {
  trigger: string;
  metric: string;
  action: string;
  status: string;
  value: number | null;
  baseline: number | null;
  limit: number | null;
}

/** One look of `rollout watch` in one stage, as the report keeps it. */
export interface WatchLook {
  at: string;
  look: number;
  run: number;
  phase: string | null;
  stage: string | null;
  values: LookValue[];
}

/** A `WatchLooks` as plain data, for a report checkpoint. */
export interface WatchLooksData {
  /** Per watch scope (`phase/stage@startedAt`), its looks by look number; scopes in the order first seen. */
  scopes: Array<{ scope: string; looks: WatchLook[] }>;
  dropped: number;
}

/** Looks kept per stage: a week of one-minute looks is thinned to this many (the latest always stays). */
export const LOOKS_PER_STAGE = 240;

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function readValue(raw: unknown): LookValue | null {
  const o = asRecord(raw);
  if (!o || typeof o.trigger !== 'string' || typeof o.metric !== 'string') return null;
  return {
    trigger: o.trigger,
    metric: o.metric,
    action: typeof o.action === 'string' ? o.action : 'rollback',
    status: typeof o.status === 'string' ? o.status : 'ok',
    value: numberOrNull(o.value),
    baseline: numberOrNull(o.baseline),
    limit: numberOrNull(o.limit),
  };
}

/** `{ scope, series }` of a watch stop (`data`) or of a rollback watch started (its evidence, maybe nested once). */
function findSeries(e: ReleaseEvent): { scope: string; series: unknown[] } | null {
  const candidates: unknown[] = [];
  if (e.op === 'watch:stop') candidates.push(e.data);
  if (e.kind === 'rollback-started') {
    const ev = asRecord(e.evidence);
    candidates.push(ev, asRecord(ev?.evidence));
  }
  for (const c of candidates) {
    const o = asRecord(c);
    if (o && typeof o.scope === 'string' && Array.isArray(o.series)) return { scope: o.scope, series: o.series };
  }
  return null;
}

/** `P2/week-2@2026-03-19T10:00:00.000Z` → phase P2, stage week-2. */
function parseScope(scope: string): { phase: string | null; stage: string | null } {
  const m = /^([^/]*)\/([^@]*)@/.exec(scope);
  return m ? { phase: m[1] || null, stage: m[2] || null } : { phase: null, stage: null };
}

/**
 * The looks `rollout watch` recorded (with each stop, and with the rollback it started), per stage.
 * A look recorded twice (the rollback and the stop after it) is kept once; at most `maxScopes`
 * stages (the most recent) and LOOKS_PER_STAGE looks per stage are kept.
 */
export class WatchLooks {
  private readonly scopes: Map<string, Map<number, WatchLook>>;
  private dropped: number;

  constructor(
    private readonly maxScopes: number,
    saved?: WatchLooksData,
  ) {
    this.scopes = new Map((saved?.scopes ?? []).map((s) => [s.scope, new Map(s.looks.map((l) => [l.look, l]))]));
    this.dropped = saved?.dropped ?? 0;
  }

  push(e: ReleaseEvent, run: number): void {
    const found = findSeries(e);
    if (!found) return;
    const where = parseScope(found.scope);
    let looks = this.scopes.get(found.scope);
    if (!looks) {
      looks = new Map();
      this.scopes.set(found.scope, looks);
      for (const oldest of this.scopes.keys()) {
        if (this.scopes.size <= this.maxScopes) break;
        this.dropped += this.scopes.get(oldest)?.size ?? 0;
        this.scopes.delete(oldest);
      }
    }
    for (const raw of found.series) {
      const p = asRecord(raw);
      if (!p || typeof p.at !== 'string' || !Number.isFinite(Date.parse(p.at))) continue;
      if (typeof p.look !== 'number' || !Number.isInteger(p.look) || !Array.isArray(p.values)) continue;
      const values = p.values.map(readValue).filter((v): v is LookValue => v !== null);
      if (values.length) looks.set(p.look, { at: p.at, look: p.look, run, ...where, values });
    }
    while (looks.size > LOOKS_PER_STAGE) this.thin(looks);
  }

  data(): WatchLooksData {
    return {
      scopes: [...this.scopes].map(([scope, looks]) => ({ scope, looks: [...looks.values()] })),
      dropped: this.dropped,
    };
  }

  /** Every kept look, in time order. */
  toArray(): WatchLook[] {
    const all = [...this.scopes.values()].flatMap((m) => [...m.values()]);
    return all.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.look - b.look);
  }

  /** Every other look, the latest kept: the shape of a long stage stays, its memory does not grow. */
  private thin(looks: Map<number, WatchLook>): void {
    const order = [...looks.keys()].sort((a, b) => a - b);
    const last = order.at(-1);
    order.forEach((look, i) => {
      if (i % 2 === 1 && look !== last) {
        looks.delete(look);
        this.dropped += 1;
      }
    });
  }
}
