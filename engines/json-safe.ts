/**
 * Converts a fast-check counterexample to plain JSON: bigint → string,
 * NaN/±Infinity → string, -0 → 0, undefined → null, Map/Set → arrays,
 * Date → ISO string, cycles → "[Circular]". Reports must serialize with
 * JSON.stringify and be readable by other tools.
 */
export function toJsonSafe(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return Object.is(value, -0) ? 0 : value;
  }
  if (typeof value === 'symbol' || typeof value === 'function') return String(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Array.isArray(value)) return value.map((v) => toJsonSafe(v, seen));
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [toJsonSafe(k, seen), toJsonSafe(v, seen)]);
  if (value instanceof Set) return [...value].map((v) => toJsonSafe(v, seen));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSafe(v, seen)]));
}
