// Writes a hash-chained audit log of any length quickly, line by line, exactly as `rollout` would
// write it (`JSON.stringify(entry)` per line; hash = sha256 over the canonical JSON of the entry
// without `hash`). Used by bench/history-scale.mjs and by the history tests.
import { hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

export const AUDIT_GENESIS = `sha256:${hash('sha256', 'rollout-audit-v1:genesis')}`;

/** Canonical JSON (keys sorted by code unit at every level), as src/state/canonical-json.ts writes it. */
export function canonical(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .filter((k) => value[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
    .join(',')}}`;
}

const canonicalCache = new WeakMap();
const sortedCache = new WeakMap();

/** `data` with keys in code-unit order at every level, as rollout stores it (src/state/canonical-json.ts sortKeysDeep). */
function sortKeysDeep(value) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeysDeep(value[k])]),
  );
}
function sortedData(data) {
  if (data === null || typeof data !== 'object') return data;
  let sorted = sortedCache.get(data);
  if (sorted === undefined) sortedCache.set(data, (sorted = sortKeysDeep(data)));
  return sorted;
}
function canonicalData(data) {
  if (data === null || typeof data !== 'object') return canonical(data);
  let text = canonicalCache.get(data);
  if (text === undefined) canonicalCache.set(data, (text = canonical(data)));
  return text;
}

const jsonCache = new Map();
const stringifyCache = new WeakMap();
/** JSON.stringify of a string or a data object, cached: a long log repeats the same few. */
function json(value) {
  if (value !== null && typeof value === 'object') {
    let text = stringifyCache.get(value);
    if (text === undefined) stringifyCache.set(value, (text = JSON.stringify(value)));
    return text;
  }
  let text = jsonCache.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    if (jsonCache.size < 10_000) jsonCache.set(value, text);
  }
  return text;
}

/**
 * The entry with seq `seq` chained onto `prev`: its hash and its line, written from pieces rather
 * than by JSON.stringify of an object (the generator must outrun the code it feeds). `fields`:
 * { ts, actor, op, reason?, data?, stateSerial? } with `data` plain JSON (reuse one object for speed).
 */
export function chainLine(seq, prev, fields) {
  const data = fields.data === undefined ? undefined : sortedData(fields.data);
  const dataCanonical = data === undefined ? '' : `"data":${canonicalData(data)},`;
  const reason = fields.reason === undefined ? '' : `"reason":${json(fields.reason)},`;
  const serial = fields.stateSerial === undefined ? '' : `"stateSerial":${fields.stateSerial},`;
  const ts = JSON.stringify(fields.ts);
  const actor = json(fields.actor);
  const op = json(fields.op);
  // Members in code-unit order: actor, data, op, prev, reason, seq, stateSerial, ts, v.
  const hashed = `sha256:${hash('sha256', `{"actor":${actor},${dataCanonical}"op":${op},"prev":"${prev}",${reason}"seq":${seq},${serial}"ts":${ts},"v":1}`)}`;
  // As JSON.stringify(entry) writes it: v, seq, ts, actor, op, prev, reason, data, stateSerial, hash.
  const line = `{"v":1,"seq":${seq},"ts":${ts},"actor":${actor},"op":${op},"prev":"${prev}"${reason ? `,${reason.slice(0, -1)}` : ''}${
    data === undefined ? '' : `,"data":${json(data)}`
  }${serial ? `,${serial.slice(0, -1)}` : ''},"hash":"${hashed}"}\n`;
  return { hash: hashed, line };
}

/** The entry with seq `seq` chained onto `prev`, as an object, and its line. */
export function chainEntry(seq, prev, fields) {
  const { line } = chainLine(seq, prev, fields);
  return { entry: JSON.parse(line), line };
}

const OPS = ['preflight', 'analyze', 'signoff', 'preflight', 'lock:takeover', 'preflight', 'analyze', 'advance'];
const STAGES = ['week-1', 'week-2', 'week-3', 'week-4'];

/**
 * A plausible long history: mostly preflight / analyze / sign-off / lock entries, an advance every
 * eighth entry cycling through the stages of phase P2, and a rollback + retry every 400 entries.
 * Entries that change the release carry a growing `stateSerial`.
 */
const DATA = {
  rollback: { mode: 'immediate', from: { phase: 'P2' }, to: { mode: 'immediate', killSwitch: true } },
  retry: { from: { status: 'rolled-back' }, to: { phase: 'P2', stage: { index: 0, id: 'week-1', percent: 1 } } },
  advance: STAGES.map((id, k) => ({
    from: { phase: 'P2', stage: { id: STAGES[(k + 3) % 4] } },
    to: { phase: 'P2', stage: { index: k, id } },
    evidence: { verdict: 'pass', summary: 'gates passed' },
  })),
  analyze: { stage: 'week-2', verdict: 'pass', metrics: 6 },
  signoff: { item: 'backlog-clean', phase: 'P2' },
  takeover: { operation: 'advance', previous: { pid: 4242, host: 'ci-7' } },
  preflight: { gates: { fail: 0, pass: 14 }, phase: 'P2', verdict: 'pass' },
};
const START = Date.UTC(2026, 0, 1);

export function typicalEntry(i, serial) {
  const ts = new Date(START + i * 60_000).toISOString();
  if (i % 400 === 398)
    return {
      ts,
      actor: 'rollout-watch',
      op: 'rollback',
      reason: 'trigger error-rate',
      data: DATA.rollback,
      stateSerial: serial,
    };
  if (i % 400 === 399)
    return { ts, actor: 'bob', op: 'retry', reason: 'fix deployed', data: DATA.retry, stateSerial: serial };
  const op = OPS[i % OPS.length];
  switch (op) {
    case 'advance':
      return { ts, actor: 'ci', op, data: DATA.advance[Math.floor(i / 8) % STAGES.length], stateSerial: serial };
    case 'analyze':
      return { ts, actor: 'ci', op, data: DATA.analyze };
    case 'signoff':
      return { ts, actor: 'alice', op, reason: 'checked', data: DATA.signoff };
    case 'lock:takeover':
      return {
        ts,
        actor: 'ci',
        op,
        reason: 'previous holder (pid 4242 on ci-7) is no longer running',
        data: DATA.takeover,
      };
    default:
      return { ts, actor: 'ci', op, data: DATA.preflight };
  }
}

const CHANGES = new Set(['advance', 'rollback', 'retry']);

/**
 * Write `count` chained entries to `path` (truncating it), buffering ~4 MiB per write.
 * `entryAt(i, serial)` gives the fields of the i-th entry (0-based); `serial` counts the entries
 * that changed the release so far (an entry with op advance/rollback/retry bumps it first).
 * Returns { head, lastSerial }.
 */
export function writeAuditLog(path, count, entryAt = typicalEntry) {
  const fd = openSync(path, 'w', 0o600);
  let prev = AUDIT_GENESIS;
  let serial = 0;
  let chunk = '';
  try {
    for (let i = 0; i < count; i++) {
      const probe = entryAt(i, serial + 1);
      if (CHANGES.has(probe.op) && probe.stateSerial !== undefined) serial += 1;
      const { hash: entryHash, line } = chainLine(i + 1, prev, probe);
      prev = entryHash;
      chunk += line;
      if (chunk.length > 4_000_000) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (chunk) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return { head: count ? prev : null, lastSerial: serial };
}
