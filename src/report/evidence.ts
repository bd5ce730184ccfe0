/** One metric's canary verdict, as the canary analysis records it. */
export interface MetricVerdict {
  id: string;
  verdict: string;
  baseline?: { value: number | null; n?: number | null };
  canary?: { value: number | null; n?: number | null };
  pValue?: number | null;
  reason?: string;
}

/** A canary analysis result: `{ verdict, summary, metrics: [...] }`. */
export interface CanaryEvidence {
  verdict: string;
  summary?: string;
  metrics: MetricVerdict[];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function isMetricVerdict(value: unknown): value is MetricVerdict {
  const o = asRecord(value);
  return typeof o?.id === 'string' && typeof o.verdict === 'string';
}

function toCanary(o: Record<string, unknown>): CanaryEvidence | null {
  if (!Array.isArray(o.metrics) || typeof o.verdict !== 'string') return null;
  const metrics = o.metrics.filter(isMetricVerdict);
  if (metrics.length === 0) return null;
  return { verdict: o.verdict, ...(typeof o.summary === 'string' ? { summary: o.summary } : {}), metrics };
}

/** Canary results anywhere in an evidence value (itself, or nested up to three levels, e.g. `{ canary: {...} }`). */
export function findCanaryEvidence(value: unknown, depth = 3): CanaryEvidence[] {
  if (depth < 0 || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v) => findCanaryEvidence(v, depth - 1));
  const o = value as Record<string, unknown>;
  const own = toCanary(o);
  if (own) return [own];
  return Object.values(o).flatMap((v) => findCanaryEvidence(v, depth - 1));
}

/**
 * `{ verdict, summary }` of any evidence value. `advance` records `{ outcome: go|fail|wait, reasons,
 * gates, canary }`; other writers `{ verdict, summary }`.
 */
export function summarizeEvidence(value: unknown): { verdict?: string; summary?: string } {
  const o = asRecord(value);
  if (!o) return {};
  const verdict = typeof o.verdict === 'string' ? o.verdict : typeof o.outcome === 'string' ? o.outcome : undefined;
  const reasons = Array.isArray(o.reasons) ? o.reasons.filter((r): r is string => typeof r === 'string') : [];
  const gates = Array.isArray(o.gates) ? o.gates.length : 0;
  const summary =
    typeof o.summary === 'string'
      ? o.summary
      : reasons.length
        ? reasons.join('; ')
        : gates
          ? `${gates} gate${gates === 1 ? '' : 's'} checked`
          : undefined;
  return { ...(verdict ? { verdict } : {}), ...(summary ? { summary } : {}) };
}
