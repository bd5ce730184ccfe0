import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIT_GENESIS, createAuditEntry, parseAuditLog } from '../../../src/state/audit-chain.js';
import { readAuditTailEntries, readLastAuditedSerial } from '../../../src/state/audit-tail.js';
import type { AuditEntry, AuditInput } from '../../../src/state/store.js';

const root = mkdtempSync(join(tmpdir(), 'rollout-tail-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

function logFile(text: string): string {
  const path = join(root, `audit-${files++}.jsonl`);
  writeFileSync(path, text);
  return path;
}

function chain(count: number, inputAt: (i: number) => Partial<AuditInput> = () => ({})): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      createAuditEntry(
        { actor: 'ana', op: `op-${i + 1}`, ...inputAt(i) },
        i + 1,
        out.at(-1)?.hash ?? AUDIT_GENESIS,
        '2026-01-01T00:00:00.000Z',
      ),
    );
  }
  return out;
}
const text = (entries: unknown[], eol = '\n') => entries.map((e) => `${JSON.stringify(e)}${eol}`).join('');
/** What `log --limit` showed before: every parseable entry, then the last `limit`. */
const expected = (t: string, limit: number) =>
  parseAuditLog(t)
    .entries.map((e) => e.entry)
    .slice(-limit);

describe('readAuditTailEntries: the last entries, read from the end', () => {
  it('returns nothing for a missing or empty file', async () => {
    expect(await readAuditTailEntries(join(root, 'missing.jsonl'), 5)).toEqual({ entries: [], lastSeq: 0 });
    expect(await readAuditTailEntries(logFile(''), 5)).toEqual({ entries: [], lastSeq: 0 });
  });

  it('returns the only entry of a one-entry log, also when asked for more', async () => {
    const t = text(chain(1));
    expect(await readAuditTailEntries(logFile(t), 5)).toEqual({ entries: expected(t, 5), lastSeq: 1 });
  });

  it('leaves out a torn last line and a final line without newline, as readAudit does', async () => {
    const t = `${text(chain(3))}{"v":1,"seq":4,"ts":"20`;
    expect((await readAuditTailEntries(logFile(t), 2)).entries).toEqual(expected(t, 2));
    const unterminated = text(chain(3)).trimEnd();
    expect(await readAuditTailEntries(logFile(unterminated), 5)).toEqual({
      entries: expected(unterminated, 5),
      lastSeq: 2,
    });
    expect(await readAuditTailEntries(logFile('{"v":1'), 5)).toEqual({ entries: [], lastSeq: 0 });
  });

  it('reads CRLF lines and skips lines that are not entries', async () => {
    const crlf = text(chain(4), '\r\n');
    expect((await readAuditTailEntries(logFile(crlf), 3)).entries).toEqual(expected(crlf, 3));
    const entries = text(chain(4)).split('\n');
    entries.splice(2, 0, 'garbage', '');
    const t = entries.join('\n');
    expect(await readAuditTailEntries(logFile(t), 3)).toEqual({ entries: expected(t, 3), lastSeq: 4 });
  });

  it('crosses 64 KiB chunks and reads lines longer than a chunk', async () => {
    const t = text(chain(600, (i) => ({ data: { pad: 'x'.repeat(i % 100 === 50 ? 70_000 : 200) } })));
    const path = logFile(t);
    for (const limit of [1, 5, 150, 600, 5000]) {
      const got = await readAuditTailEntries(path, limit);
      expect(got.entries.map((e) => e.seq)).toEqual(expected(t, limit).map((e) => e.seq));
      expect(got.lastSeq).toBe(600);
    }
  });

  it('refuses a symlinked log, naming it', async () => {
    const link = join(root, 'linked.jsonl');
    symlinkSync(join(root, 'nowhere.jsonl'), link);
    await expect(readAuditTailEntries(link, 5)).rejects.toMatchObject({ code: 'E_STATE_UNSAFE', path: link });
  });
});

describe('readLastAuditedSerial', () => {
  it('is the stateSerial of the newest entry that has one, skipping later entries without', async () => {
    const t = text(chain(50, (i) => (i < 45 ? { stateSerial: i + 1 } : { op: 'lock:takeover' })));
    expect(await readLastAuditedSerial(logFile(t))).toBe(45);
    expect(await readLastAuditedSerial(logFile(`${t}{"v":1,"seq":51,"stateSerial":99`))).toBe(45);
  });

  it('is 0 for a missing, empty or serial-less log', async () => {
    expect(await readLastAuditedSerial(join(root, 'missing-too.jsonl'))).toBe(0);
    expect(await readLastAuditedSerial(logFile(''))).toBe(0);
    expect(await readLastAuditedSerial(logFile(text(chain(3))))).toBe(0);
  });
});
