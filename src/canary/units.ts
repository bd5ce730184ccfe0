import type { MetricConfig } from '../config/schema.js';

/**
 * The unit a metric's values are shown in. Rate metrics (`kind: ratio`) are fractions shown as `%`;
 * a histogram distribution scaled by 1000 (seconds → ms) is in `ms`; any other metric says its unit
 * with `unit:` in `rollout.yaml` (`ms`, `req/s`, …) or has none. `%` always means a fraction (0.02)
 * shown as a percentage (2.00 %), whatever the metric's kind.
 */
export function metricUnit(metric: MetricConfig | undefined): string {
  if (!metric) return '';
  // A rate is a fraction of requests whatever the plan says: its values are only ever shown as `%`.
  if (metric.kind === 'ratio') return '%';
  if (metric.unit !== undefined) return metric.unit;
  if (metric.kind === 'distribution' && metric.method === 'histogram' && metric.scale === 1000) return 'ms';
  return '';
}

/** Digits a reader needs: small percentages keep two decimals, large values one, the rest four significant. */
function digits(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(1);
  if (a >= 0.01 || a === 0) return Number(x.toPrecision(4)).toString();
  return x.toPrecision(3);
}

/**
 * A value in its metric's unit: `0.029` in `%` → `2.90 %`, `512.25` in `ms` → `512.3 ms`. Every message
 * that puts a value beside its limit formats both with this, so they are always in the same unit.
 */
export function formatInUnit(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === '%') {
    const p = value * 100;
    const a = Math.abs(p);
    // Below 0.1 % two decimals would read 0.012 % as 0.01 %: two significant digits there.
    return `${a >= 10 ? p.toFixed(1) : a >= 0.1 || a === 0 ? p.toFixed(2) : p.toPrecision(2)} %`;
  }
  return unit ? `${digits(value)} ${unit}` : digits(value);
}

/** The value a chart axis plots for `value`: percentages ×100, every other unit as it is. */
export function toDisplayScale(value: number, unit: string): number {
  return unit === '%' ? value * 100 : value;
}
