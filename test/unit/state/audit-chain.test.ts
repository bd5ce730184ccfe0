import { describe, expect, it } from 'vitest';
import {
  AUDIT_GENESIS,
  createAuditEntry,
  hashAuditEntry,
  parseAuditLog,
  verifyAuditLog,
} from '../../../src/state/audit-chain.js';
import type { AuditEntry } from '../../../src/state/store.js';

function buildChain(count: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const prev = entries.at(-1)?.hash ?? AUDIT_GENESIS;
    entries.push(
      createAuditEntry({ actor: 'ana', op: `op-${seq}`, data: { n: seq } }, seq, prev, `2026-01-01T00:00:0${seq}.000Z`),
    );
  }
  return entries;
}

const toText = (entries: unknown[]): string => entries.map((e) => `${JSON.stringify(e)}\n`).join('');
const verifyText = (text: string) => verifyAuditLog(parseAuditLog(text));

describe('audit hash chain', () => {
  it('accepts an intact log and reports its head', () => {
    const chain = buildChain(5);
    const result = verifyText(toText(chain));
    expect(result).toMatchObject({ ok: true, tampered: false, entries: 5, head: chain[4]!.hash, problems: [] });
    expect(verifyText('')).toMatchObject({ ok: true, entries: 0, head: null });
  });

  it('hashes the canonical form, so key order in the file does not matter', () => {
    const [entry] = buildChain(1);
    const reordered = Object.fromEntries(Object.entries(entry!).reverse()) as unknown as AuditEntry;
    expect(hashAuditEntry(reordered)).toBe(entry!.hash);
  });

  it('names an edited entry whose hash was left alone', () => {
    const chain = buildChain(5);
    chain[2] = { ...chain[2]!, actor: 'mallory' };
    const result = verifyText(toText(chain));
    expect(result.tampered).toBe(true);
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'edited', seq: 3, line: 3 })]);
  });

  it("names an edited entry that was re-hashed, from the next entry's prev", () => {
    const chain = buildChain(5);
    const { hash: _h, ...body } = { ...chain[1]!, reason: 'covering tracks' };
    chain[1] = { ...body, hash: hashAuditEntry(body) };
    expect(verifyText(toText(chain)).problems).toEqual([expect.objectContaining({ kind: 'edited', seq: 2, line: 2 })]);
  });

  it('names a deleted entry', () => {
    const chain = buildChain(5);
    chain.splice(2, 1);
    expect(verifyText(toText(chain)).problems).toEqual([expect.objectContaining({ kind: 'deleted', seq: 3, line: 3 })]);
  });

  it('names a deleted first entry', () => {
    const chain = buildChain(3).slice(1);
    expect(verifyText(toText(chain)).problems).toEqual([expect.objectContaining({ kind: 'deleted', seq: 1 })]);
  });

  it('names reordered entries', () => {
    const chain = buildChain(5);
    [chain[2], chain[3]] = [chain[3]!, chain[2]!];
    const result = verifyText(toText(chain));
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'reordered', seq: 3, line: 4 })]);
    expect(result.problems[0]!.message).toContain('seq 4 (line 3)');
  });

  it('names a duplicated entry', () => {
    const chain = buildChain(3);
    const result = verifyText(toText([...chain, chain[1]]));
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'duplicate', seq: 2, line: 4 })]);
  });

  it('flags a garbage line in the middle as malformed, and the entry it replaced as deleted', () => {
    const lines = toText(buildChain(4)).split('\n');
    lines[1] = '{"v":1,"seq":2,"ts":';
    const result = verifyText(lines.join('\n'));
    expect(result.tampered).toBe(true);
    expect(result.problems.map((p) => p.kind)).toEqual(['malformed', 'deleted']);
  });

  it('reports an incomplete last line as truncated-tail, not as tampering', () => {
    const text = toText(buildChain(3));
    const result = verifyText(`${text}{"v":1,"seq":4,"ts":"2026`);
    expect(result).toMatchObject({ ok: false, tampered: false, entries: 3 });
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'truncated-tail', line: 4 })]);
    expect(parseAuditLog(`${text}{"v"`).tornTail?.offset).toBe(Buffer.byteLength(text));
  });

  it('detects a log whose start was replaced with a new chain', () => {
    const chain = buildChain(3);
    const forged = createAuditEntry({ actor: 'mallory', op: 'op-1' }, 1, 'sha256:0', chain[0]!.ts);
    const { hash: _h, ...body } = { ...chain[1]!, prev: forged.hash };
    const result = verifyText(toText([forged, { ...body, hash: hashAuditEntry(body) }, chain[2]]));
    expect(result.problems.map((p) => [p.kind, p.seq])).toEqual([
      ['edited', 1],
      ['edited', 2],
    ]);
  });
});
