/**
 * The X-1 check runners against a small real HTTP store on loopback whose behaviour each test sets:
 * values kept, truncated (corruption) or acknowledged and dropped (loss). The fault itself is not
 * needed here; the runs with a real fault are in test/integration/chaos/exercised.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCheckRunner } from '../../../src/chaos/checks.js';
import { experimentCheck } from '../../../src/config/schema.js';

type Mode = 'keep' | 'truncate' | 'drop' | 'refuse';

async function startStore(): Promise<{ url: string; server: Server; setMode(m: Mode): void }> {
  const data = new Map<string, string>();
  let mode: Mode = 'keep';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const key = (req.url ?? '').split('/').pop() ?? '';
      if (req.method === 'PUT') {
        if (mode === 'refuse') return res.writeHead(503).end('down');
        if (mode === 'truncate') data.set(key, body.slice(0, 20));
        else if (mode === 'keep') data.set(key, body);
        return res.writeHead(200).end('{"saved":true}');
      }
      const value = data.get(key);
      if (value === undefined) return res.writeHead(404).end('{"error":"no such draft"}');
      return res.writeHead(200, { 'content-type': 'application/json' }).end(value);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    setMode: (m) => (mode = m),
  };
}

const writeRead = experimentCheck.parse({
  id: 'draft-roundtrip',
  kind: 'write-read',
  urlEnv: 'APP_BASE_URL',
  write: { method: 'PUT', path: '/api/drafts/{{key}}', body: '{"value":"{{value}}"}' },
  read: { path: '/api/drafts/{{key}}' },
});

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

async function runner(mode: Mode) {
  const store = await startStore();
  server = store.server;
  store.setMode(mode);
  return { store, check: createCheckRunner(writeRead, { env: { APP_BASE_URL: store.url }, runId: 'r1' }) };
}

describe('write-read check', () => {
  it('passes when every acknowledged write reads back; refused writes are graceful degradation', async () => {
    const { store, check } = await runner('keep');
    expect(await check.before()).toBeNull();
    store.setMode('refuse');
    await check.during();
    await check.during();
    store.setMode('keep');
    await check.during();
    await check.after();
    const r = check.result();
    expect(r).toMatchObject({ verdict: 'pass', counts: { written: 5, acknowledged: 3, refused: 2, verified: 4 } });
  });

  it('fails on a value that reads back changed (corruption), naming the key', async () => {
    const { store, check } = await runner('keep');
    expect(await check.before()).toBeNull();
    store.setMode('truncate');
    await check.during();
    store.setMode('keep');
    await check.after();
    const r = check.result();
    expect(r.verdict).toBe('fail');
    expect(r.counts.changed).toBe(1);
    expect(r.reason).toMatch(/acknowledged write rollout-chaos-r1-2 reads back changed \(expected rollout-chaos-r1-2-/);
  });

  it('fails on an acknowledged write that is gone (loss)', async () => {
    const { store, check } = await runner('keep');
    expect(await check.before()).toBeNull();
    store.setMode('drop');
    await check.during();
    await check.during();
    store.setMode('keep');
    await check.after();
    const r = check.result();
    expect(r).toMatchObject({ verdict: 'fail', counts: { lost: 2 } });
    expect(r.reason).toContain(
      'acknowledged write rollout-chaos-r1-2 is gone (GET /api/drafts/rollout-chaos-r1-2: HTTP 404)',
    );
  });

  it('is not steady when the write before the fault is refused, or the URL variable is unset', async () => {
    const { check } = await runner('refuse');
    expect(await check.before()).toBe('check draft-roundtrip: the write before the fault was not acknowledged');
    const unset = createCheckRunner(writeRead, { env: {} });
    expect(await unset.before()).toBe('no URL for check draft-roundtrip: set APP_BASE_URL');
    expect(unset.result().verdict).toBe('not-run');
  });

  it('a run that never recovered leaves the check not run, never passed', async () => {
    const { check } = await runner('keep');
    await check.before();
    await check.during();
    expect(check.result().verdict).toBe('not-run');
  });
});
