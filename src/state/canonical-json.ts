/**
 * Canonical JSON for hashing: object keys sorted by code unit, no whitespace, `undefined` members
 * dropped (as JSON.stringify does). Values are expected to be plain JSON data; anything else is
 * first normalised through a JSON round trip so that what is hashed is what is stored.
 */
export function canonicalJson(value: unknown): string {
  const plain: unknown = value === undefined ? null : JSON.parse(JSON.stringify(value));
  return serialise(plain);
}

/**
 * `canonicalJson` of a value that came straight from `JSON.parse`, without the normalising round
 * trip: a parsed value is already plain JSON data, and the round trip gives back the same keys in
 * the same order with the same values. Used where every entry of a long log is hashed.
 */
export function canonicalJsonOfParsed(value: unknown): string {
  return serialise(value);
}

// Loops and concatenation rather than map/join: this runs once per audit entry in `log --verify`.
function serialise(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + serialise(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (!isSorted(keys)) keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${serialise(record[key])}`;
  }
  return `${out}}`;
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/**
 * A copy of plain JSON data whose objects list their keys in code-unit order, so that
 * `JSON.stringify` of it is its canonical JSON (except for integer-like keys, which JavaScript always
 * lists first). Audit entries store `data` this way: `log --verify` then recognises it as canonical
 * without re-serialising it. The hash does not depend on the stored order.
 */
export function sortKeysDeep(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  const record = value as Record<string, unknown>;
  // fromEntries defines own properties, so a "__proto__" key stays data instead of setting the prototype.
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, sortKeysDeep(record[k])]),
  );
}
