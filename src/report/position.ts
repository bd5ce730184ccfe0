import type { RawConfig } from '../config/schema.js';

/** Where a transition left the release; undefined fields are "not said", null means "none". */
export interface Position {
  phase?: string;
  stage?: string | null;
  percent?: number;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const stageIndexes = new WeakMap<RawConfig, Map<string, { phase: string; percent: number }>>();

/** Which phase each stage id belongs to, and its percentage, from the plan (built once per plan: the report reads every event). */
export function indexStages(config: RawConfig): Map<string, { phase: string; percent: number }> {
  const cached = stageIndexes.get(config);
  if (cached) return cached;
  const map = new Map<string, { phase: string; percent: number }>();
  stageIndexes.set(config, map);
  for (const p of config.phases)
    for (const s of p.rollout?.stages ?? []) map.set(s.id, { phase: p.id, percent: s.percent });
  return map;
}

function readStage(value: unknown): string | null | undefined {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  const stage = asRecord(value);
  return typeof stage?.id === 'string' ? stage.id : undefined;
}

/**
 * Reads a history `from`/`to` value, whatever shape the writing command chose: `{ phase, stage }`
 * with `stage` an id or `{ id, … }`, a planner `StageTarget` (`{ index, id, percent }`), a bare phase
 * or stage id, or any of these under `position`.
 */
export function readPosition(value: unknown, config: RawConfig): Position {
  const stages = indexStages(config);
  if (typeof value === 'string') {
    if (config.phases.some((p) => p.id === value)) return { phase: value };
    const stage = stages.get(value);
    return stage ? { phase: stage.phase, stage: value, percent: stage.percent } : {};
  }
  const o = asRecord(value);
  if (!o) return {};
  if (o.position !== undefined) return readPosition(o.position, config);
  const position: Position = {};
  if (typeof o.phase === 'string') position.phase = o.phase;
  let stage = 'stage' in o ? readStage(o.stage) : undefined;
  if (stage === undefined && typeof o.id === 'string' && stages.has(o.id)) stage = o.id;
  if (stage !== undefined) position.stage = stage;
  if (stage) {
    const known = stages.get(stage);
    if (known && position.phase === undefined) position.phase = known.phase;
    const percent = typeof o.percent === 'number' ? o.percent : asRecord(o.stage)?.percent;
    position.percent = typeof percent === 'number' ? percent : known?.percent;
  }
  return position;
}
