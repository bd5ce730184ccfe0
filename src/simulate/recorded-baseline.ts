import { readScalar } from '../canary/evidence.js';
import { parseDuration } from '../config/duration.js';
import type { CanaryConfig } from '../config/schema.js';
import { renderQuery } from '../metrics/promql.js';
import type { Recording } from '../metrics/recording-format.js';
import type { RatioMetric } from './types.js';

/** One metric's baseline as `rollout analyze --record` saw it: counts over the analysis window. */
export interface RecordedBaseline {
  events: number;
  total: number;
  /** The canary arm's requests over the same window, when recorded. */
  canaryTotal: number | null;
  windowMs: number;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// A window no plan uses: rendered in place of {{window}}, then turned back into a pattern.
const SENTINEL = '987654321s';

/** A matcher for the queries `template` renders to for `variant`, whatever window analyze used. */
function matchQuery(template: string, variant: string, release: string): ((query: string) => number | null) | null {
  let rendered: string;
  try {
    rendered = renderQuery(template, { variant, window: SENTINEL, release });
  } catch {
    return null;
  }
  const pattern = new RegExp(`^${rendered.split(SENTINEL).map(escapeRegExp).join('(\\d+(?:ms|s|m|h|d|w))')}$`);
  const hasWindow = rendered.includes(SENTINEL);
  return (query) => {
    const m = pattern.exec(query);
    if (!m) return null;
    return hasWindow ? (parseDuration(m[1] as string) ?? null) : 0;
  };
}

function findValue(
  recording: Recording,
  template: string,
  variant: string,
  release: string,
): { value: number; windowMs: number } | null {
  const match = matchQuery(template, variant, release);
  if (!match) return null;
  // The last answer wins: a recording can hold several analyses, the latest is the freshest baseline.
  for (const entry of [...recording.entries].reverse()) {
    const windowMs = entry.method === 'instant' ? match(entry.query) : null;
    if (windowMs === null) continue;
    const scalar = readScalar(entry.outcome);
    if (scalar.ok && Number.isFinite(scalar.value)) return { value: scalar.value, windowMs };
  }
  return null;
}

/**
 * The recorded baseline of each ratio metric (by id). A metric whose baseline events or total were
 * not recorded, or recorded without traffic, is absent: the caller says so and uses its default.
 */
export function readRecordedBaselines(
  recording: Recording,
  canary: CanaryConfig,
  release: string,
  metrics: readonly RatioMetric[],
): Map<string, RecordedBaseline> {
  const out = new Map<string, RecordedBaseline>();
  const { baseline, canary: canaryArm } = canary.arms;
  const fallbackWindow = parseDuration(canary.window) ?? 1_800_000;
  for (const metric of metrics) {
    const events = findValue(recording, metric.events, baseline, release);
    const total = findValue(recording, metric.total, baseline, release);
    if (!events || !total || !(total.value >= 1) || events.value < 0 || events.value > total.value) continue;
    const canaryTotal = findValue(recording, metric.total, canaryArm, release);
    out.set(metric.id, {
      events: Math.round(events.value),
      total: Math.round(total.value),
      canaryTotal: canaryTotal && canaryTotal.value >= 1 ? Math.round(canaryTotal.value) : null,
      windowMs: total.windowMs > 0 ? total.windowMs : fallbackWindow,
    });
  }
  return out;
}
