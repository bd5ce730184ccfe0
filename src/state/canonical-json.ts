/**
 * Canonical JSON for hashing: object keys sorted by code unit, no whitespace, `undefined` members
 * dropped (as JSON.stringify does). Values are expected to be plain JSON data; anything else is
 * first normalised through a JSON round trip so that what is hashed is what is stored.
 */
export function canonicalJson(value: unknown): string {
  const plain: unknown = value === undefined ? null : JSON.parse(JSON.stringify(value));
  return serialise(plain);
}

function serialise(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serialise).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${serialise(record[k])}`).join(',')}}`;
}
