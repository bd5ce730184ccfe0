import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUDIT_GENESIS,
  createAuditEntry,
  hashAuditEntry,
  parseAuditLine,
  parseAuditLog,
  verifyAuditLog,
} from '../../../src/state/audit-chain.js';
import { checkWrittenLine, verifyAuditFile } from '../../../src/state/audit-verify-file.js';
import { canonicalJson } from '../../../src/state/canonical-json.js';
import { isCanonicalJsonText } from '../../../src/state/canonical-scan.js';
import type { AuditEntry, AuditInput } from '../../../src/state/store.js';

const root = mkdtempSync(join(tmpdir(), 'rollout-verify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

/** What the verifier gave before it streamed: the whole file parsed, then checked. */
const reference = (path: string) => verifyAuditLog(parseAuditLog(readFileSync(path, 'utf8')));

/**
 * The single pass, and the two-part check (audit-verify-split.ts) cut at every line start (or at the
 * given byte offsets), all give the reference's findings.
 */
async function expectSameFindings(text: string | Buffer, cuts?: number[]): Promise<void> {
  const path = join(root, `audit-${files++}.jsonl`);
  writeFileSync(path, text);
  const expected = reference(path);
  expect(await verifyAuditFile(path, { splitAt: null })).toEqual(expected);
  const bytes = Buffer.from(text);
  const at = cuts ?? [0, ...[...bytes.keys()].filter((i) => bytes[i] === 0x0a).map((i) => i + 1)];
  for (const cut of at) expect(await verifyAuditFile(path, { splitAt: cut }), `cut at byte ${cut}`).toEqual(expected);
}

function chain(inputs: AuditInput[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  inputs.forEach((input, i) =>
    out.push(
      createAuditEntry(
        input,
        i + 1,
        out.at(-1)?.hash ?? AUDIT_GENESIS,
        `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
      ),
    ),
  );
  return out;
}
const lines = (entries: unknown[]) => entries.map((e) => JSON.stringify(e));
/** A line with the writer's member order and the given data (e.g. in insertion order, as stored before keys were sorted). */
function olderLine(e: AuditEntry, data: unknown = e.data): string {
  const { v, seq, ts, actor, op, prev, reason, stateSerial, hash } = e;
  return JSON.stringify({ v, seq, ts, actor, op, prev, reason, data, stateSerial, hash });
}
const text = (ls: string[]) => ls.map((l) => `${l}\n`).join('');

const INPUTS: AuditInput[] = [
  {
    actor: 'ana',
    op: 'advance',
    reason: 'gates passed',
    data: { to: { phase: 'P1' }, from: null, evidence: { verdict: 'pass', p: 0.041 } },
    stateSerial: 2,
  },
  { actor: 'bob', op: 'signoff', data: { item: 'backlog', '10': 'x', '9': 'y' } },
  { actor: 'ci "bot"', op: 'lock:takeover', reason: 'line\nbreak', data: { previous: { pid: 12, host: 'h' } } },
  { actor: 'zoë 🚀', op: 'analyze', data: [1, -2, 3.5, 1e21, true, null, 'ü'] },
  { actor: 'ana', op: 'rollback', data: { __proto__: 1, constructor: 'c' }, stateSerial: 3 },
  { actor: 'ana', op: 'state:unaudited', data: 'plain string', stateSerial: 4 },
];

describe('verifyAuditFile gives exactly the findings of verifyAuditLog(parseAuditLog(file))', () => {
  const base = () => lines(chain(INPUTS));

  it('on an intact log, an empty file, a single entry and a missing file', async () => {
    await expectSameFindings(text(base()));
    await expectSameFindings(text(chain(INPUTS).map((e) => olderLine(e))));
    await expectSameFindings('');
    await expectSameFindings(text(base().slice(0, 1)));
    expect(await verifyAuditFile(join(root, 'missing.jsonl'))).toEqual(verifyAuditLog(parseAuditLog('')));
  });

  it('on an edited entry (hash left alone) and an edited entry that was re-hashed', async () => {
    const edited = base();
    edited[2] = edited[2]!.replace('"bob"', '"mallory"').replace('"ci \\"bot\\""', '"mallory"');
    await expectSameFindings(text(edited));
    const entries = chain(INPUTS);
    const { hash: _h, ...body } = { ...entries[1]!, reason: 'covering tracks' };
    entries[1] = { ...body, hash: hashAuditEntry(body) };
    await expectSameFindings(text(lines(entries)));
  });

  it('on deleted, reordered and duplicated entries, and a replaced start', async () => {
    const deleted = base();
    deleted.splice(2, 1);
    await expectSameFindings(text(deleted));
    await expectSameFindings(text(base().slice(1)));
    const reordered = base();
    [reordered[2], reordered[3]] = [reordered[3]!, reordered[2]!];
    await expectSameFindings(text(reordered));
    await expectSameFindings(text([...base(), base()[1]!]));
    const entries = chain(INPUTS);
    entries[0] = createAuditEntry({ actor: 'mallory', op: 'op-1' }, 1, 'sha256:0', entries[0]!.ts);
    await expectSameFindings(text(lines(entries)));
  });

  it('on malformed lines, blank lines, a torn tail and a final line without newline', async () => {
    const garbage = base();
    garbage[1] = '{"v":1,"seq":2,"ts":';
    await expectSameFindings(text(garbage));
    await expectSameFindings(`${text(base().slice(0, 2))}\n${text(base().slice(2))}`);
    await expectSameFindings(`${text(base())}{"v":1,"seq":7,"ts":"2026`);
    await expectSameFindings(text(base()).trimEnd());
    await expectSameFindings('{"v"');
  });

  it('on lines in other forms: CRLF, escapes, other member order, extra members, whitespace, unsorted data', async () => {
    const entries = chain(INPUTS);
    await expectSameFindings(
      base()
        .map((l) => `${l}\r\n`)
        .join(''),
    );
    await expectSameFindings(text(entries.map((e) => JSON.stringify(Object.fromEntries(Object.entries(e).reverse())))));
    await expectSameFindings(text(entries.map((e) => JSON.stringify(e, null, 0).replace('"v":1', '"v": 1'))));
    await expectSameFindings(
      text(entries.map((e, i) => (i === 2 ? JSON.stringify({ ...e, extra: true }) : JSON.stringify(e)))),
    );
    await expectSameFindings(text(entries.map((e) => JSON.stringify(e).replace('"op":"', '"op":"\\u0061'))));
    // As the writer stored entries before: members v, seq, ts, … and data keys in insertion order.
    await expectSameFindings(text(entries.map((e, i) => olderLine(e, INPUTS[i]!.data))));
    await expectSameFindings(text(entries.map((e, i) => JSON.stringify({ ...e, data: INPUTS[i]!.data }))));
  });

  it('on invalid UTF-8 inside a line', async () => {
    const bytes = Buffer.from(text(base()));
    bytes[40] = 0xff;
    await expectSameFindings(bytes);
  });

  it('on random entries with random damage (property)', async () => {
    const input = fc.record({
      actor: fc.string(),
      op: fc.string({ minLength: 1 }),
      reason: fc.option(fc.string(), { nil: undefined }),
      data: fc.option(fc.jsonValue(), { nil: undefined }),
      stateSerial: fc.option(fc.nat(), { nil: undefined }),
    });
    const damage = fc.oneof(
      fc.constant<(ls: string[]) => string[]>((ls) => ls),
      fc.nat().map((n) => (ls: string[]) => ls.filter((_, i) => i !== n % ls.length)),
      fc
        .nat()
        .map(
          (n) => (ls: string[]) => ls.map((l, i) => (i === n % ls.length ? l.replace(/"actor":"/, '"actor":"x') : l)),
        ),
      fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => (ls: string[]) => {
        const c = [...ls];
        const x = a % c.length;
        const y = b % c.length;
        [c[x], c[y]] = [c[y]!, c[x]!];
        return c;
      }),
      fc.nat().map((n) => (ls: string[]) => ls.map((l, i) => (i === n % ls.length ? l.slice(0, l.length - 3) : l))),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(input, { minLength: 1, maxLength: 6 }),
        damage,
        fc.boolean(),
        fc.boolean(),
        fc.nat(),
        async (inputs, hurt, torn, older, cut) => {
          const entries = chain(inputs);
          const ls = hurt(older ? entries.map((e) => olderLine(e)) : lines(entries));
          const body = `${text(ls)}${torn ? '{"v":1,"se' : ''}`;
          await expectSameFindings(body, [cut % (Buffer.byteLength(body) + 1)]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('checkWrittenLine', () => {
  it('agrees with parseAuditLine + hashAuditEntry whenever it answers (property)', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.string(),
        fc.nat({ max: 120 }),
        fc.string({ maxLength: 3 }),
        (data, actor, cut, insert) => {
          const [entry] = chain([{ actor, op: 'op', data, stateSerial: 7 }]);
          const line = JSON.stringify(entry);
          const older = olderLine(entry!);
          for (const candidate of [
            line,
            line.slice(0, cut) + insert + line.slice(cut),
            older,
            older.slice(0, cut) + insert + older.slice(cut),
          ]) {
            const fast = checkWrittenLine(candidate);
            if (!fast) continue;
            const parsed = parseAuditLine(candidate)!;
            expect(fast).toEqual({
              seq: parsed.seq,
              prev: parsed.prev,
              hash: parsed.hash,
              intact: hashAuditEntry(parsed) === parsed.hash,
            });
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('takes the fast path for what the writer stores, unless a member needs escapes', () => {
    expect(chain(INPUTS).map((entry) => checkWrittenLine(JSON.stringify(entry)) !== null)).toEqual([
      true,
      true,
      false,
      true,
      true,
      true,
    ]);
    // Data in insertion order is canonicalised after parsing: only escapes send a line to the reference path.
    expect(chain(INPUTS).map((entry, i) => checkWrittenLine(olderLine(entry, INPUTS[i]!.data)) !== null)).toEqual([
      true,
      true,
      false,
      true,
      true,
      true,
    ]);
    const plain = chain([
      { actor: 'ana', op: 'advance', reason: 'ok', data: { b: [1, { d: null, c: 'x' }], a: true }, stateSerial: 3 },
    ]);
    expect(checkWrittenLine(JSON.stringify(plain[0]))).toMatchObject({ seq: 1, intact: true });
  });
});

describe('isCanonicalJsonText', () => {
  it('accepts only texts that are already canonical (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const t = JSON.stringify(value);
        if (isCanonicalJsonText(t)) expect(canonicalJson(JSON.parse(t))).toBe(t);
        const c = canonicalJson(value);
        if (isCanonicalJsonText(c)) expect(canonicalJson(JSON.parse(c))).toBe(c);
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts sorted objects, plain strings and integers; refuses the rest', () => {
    expect(isCanonicalJsonText('{"a":[1,-2,"x",true,false,null,{}],"b":{"c":0}}')).toBe(true);
    expect(isCanonicalJsonText('[0.041,-2.5,1e+21,5e-7]')).toBe(true);
    for (const t of [
      '{"b":1,"a":2}',
      '{"a":1,"a":2}',
      '1.50',
      '-0',
      '-0.0',
      '01',
      '"\\n"',
      '{"a" :1}',
      '[1,]',
      '',
      '"\ud800"',
      '1e3',
      '1e21',
      '1E+21',
      '0.1e1',
    ]) {
      expect(isCanonicalJsonText(t), t).toBe(false);
    }
  });
});
