import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GateConfig } from '../../../src/config/schema.js';
import { runGate } from '../../../src/gates/run-gate.js';
import { createFakeClock } from '../../../src/lifecycle/clock.js';
import { gateContext, stateIn } from './context.js';

const soak = (duration: string, since: 'phase' | 'stage' = 'phase'): GateConfig => ({
  id: 'soak',
  kind: 'soak',
  duration,
  since,
});
const manual = (signoff: string, extra: Partial<GateConfig> = {}): GateConfig =>
  ({ id: 'sign', kind: 'manual', signoff, ...extra }) as GateConfig;

describe('file gates', () => {
  it('pass when the file contains the text with {{release}} replaced, fail when it does not', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-file-gate-'));
    await writeFile(path.join(dir, 'CHANGELOG.md'), '# Changelog\n\n## [v2.1.0] - 2026-03-01\n- reserves v1.1\n');
    const ctx = gateContext({ planDir: dir });
    const ok = await runGate({ id: 'changelog', kind: 'file', path: 'CHANGELOG.md', contains: '[{{release}}]' }, ctx);
    expect(ok).toMatchObject({
      verdict: 'pass',
      reason: 'ok',
      evidence: { expected: 'contains "[v2.1.0]"', observed: 'line 3' },
    });
    const other = await runGate(
      { id: 'changelog', kind: 'file', path: 'CHANGELOG.md', contains: '[{{release}}]' },
      { ...ctx, release: 'v3.0.0' },
    );
    expect(other).toMatchObject({ verdict: 'fail', reason: 'no-match' });
    const regex = await runGate(
      { id: 'dated', kind: 'file', path: 'CHANGELOG.md', matches: '^## \\[v2\\.1\\.0\\] - \\d{4}-\\d{2}-\\d{2}$' },
      ctx,
    );
    expect(regex.verdict).toBe('pass');
    const missing = await runGate({ id: 'notes', kind: 'file', path: 'NOTES.md', contains: 'x' }, ctx);
    expect(missing).toMatchObject({ verdict: 'fail', reason: 'missing-file', summary: 'NOTES.md: no such file' });
    const bad = await runGate({ id: 'bad', kind: 'file', path: 'CHANGELOG.md', matches: '([' }, ctx);
    expect(bad).toMatchObject({ verdict: 'fail', reason: 'config' });
  });
});

describe('soak gates', () => {
  it('are inconclusive before the phase starts, and say so', async () => {
    const r = await runGate(soak('24h'), gateContext({ state: null }));
    expect(r).toMatchObject({
      verdict: 'inconclusive',
      reason: 'not-started',
      summary: 'soak begins when the phase starts',
    });
    const otherPhase = await runGate(
      soak('24h'),
      gateContext({ state: stateIn('P3', '2026-03-01T00:00:00Z'), phase: 'P4' }),
    );
    expect(otherPhase.reason).toBe('not-started');
  });

  it('show the time left while soaking, and pass once the duration has elapsed', async () => {
    const clock = createFakeClock(new Date('2026-03-01T18:00:00Z'));
    const ctx = gateContext({ clock, state: stateIn('P0', '2026-03-01T00:00:00Z') });
    const early = await runGate(soak('24h'), ctx);
    expect(early).toMatchObject({
      verdict: 'inconclusive',
      reason: 'soaking',
      evidence: { observed: '18h', details: { remainingMs: 6 * 3_600_000 } },
    });
    expect(early.summary).toContain('6h left');
    clock.advance(6 * 3_600_000);
    expect((await runGate(soak('24h'), ctx)).verdict).toBe('pass');
  });

  it('measure from the current stage when since: stage', async () => {
    const state = stateIn('P2', '2026-02-01T00:00:00Z', {
      stage: { index: 1, id: 'week-2', startedAt: '2026-03-01T11:00:00Z' },
    });
    const r = await runGate(soak('2h', 'stage'), gateContext({ state, phase: 'P2' }));
    expect(r).toMatchObject({ verdict: 'inconclusive', reason: 'soaking', evidence: { observed: '1h' } });
  });
});

describe('manual gates', () => {
  it('wait for the sign-off (inconclusive, with the command to record it)', async () => {
    const r = await runGate(manual('backlog-clean'), gateContext());
    expect(r).toMatchObject({
      verdict: 'inconclusive',
      reason: 'awaiting-signoff',
      summary: 'waiting for sign-off backlog-clean',
    });
    expect(r.hint).toBe('rollout signoff backlog-clean --reason "…"');
  });

  it('pass with who, when and why once signed in this phase; a sign-off of another phase does not count', async () => {
    const signoffs = [
      { item: 'backlog-clean', phase: 'P0', actor: 'ana', at: '2026-03-01T10:00:00Z', reason: 'triaged: 0 P0/P1' },
    ];
    const r = await runGate(
      manual('backlog-clean'),
      gateContext({ state: stateIn('P0', '2026-03-01T00:00:00Z', { signoffs }) }),
    );
    expect(r).toMatchObject({
      verdict: 'pass',
      evidence: { details: { actor: 'ana', at: '2026-03-01T10:00:00Z', reason: 'triaged: 0 P0/P1' } },
    });
    expect(r.summary).toContain('ana');
    const elsewhere = await runGate(
      manual('backlog-clean'),
      gateContext({ phase: 'P1', state: stateIn('P0', '2026-03-01T00:00:00Z', { signoffs }) }),
    );
    expect(elsewhere.verdict).toBe('inconclusive');
    expect(elsewhere.hint).toContain('--phase P1');
  });

  it('onInconclusive: fail turns waiting into a failure, and says why', async () => {
    const r = await runGate(manual('backlog-clean', { onInconclusive: 'fail' }), gateContext());
    expect(r).toMatchObject({ verdict: 'fail', reason: 'awaiting-signoff', inconclusiveAsFail: true });
    expect(r.summary).toContain('onInconclusive: fail');
  });
});

describe('redaction', () => {
  it('scrubs secret values from everything a gate returns', async () => {
    const secret = 'sk-live-0123456789abcdef';
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-file-gate-'));
    await writeFile(path.join(dir, 'leak.txt'), `token=${secret}\n`);
    const ctx = gateContext({ planDir: dir, env: { DEPLOY_TOKEN: secret } });
    const r = await runGate({ id: 'leak', kind: 'file', path: 'leak.txt', contains: 'token=' }, ctx);
    expect(r.verdict).toBe('pass');
    expect(JSON.stringify(r)).not.toContain(secret);
    expect(r.summary).toContain('[REDACTED]');
  });
});

describe('prometheus gates without a URL', () => {
  it('are inconclusive with a hint naming the variable, and never load a client', async () => {
    const gate: GateConfig = {
      id: 'err',
      kind: 'prometheus',
      query: 'sum(rate(x[{{window}}]))',
      window: '1h',
      expect: '< 0.01',
      expectSeries: 'one',
    };
    const r = await runGate(gate, gateContext());
    expect(r).toMatchObject({
      verdict: 'inconclusive',
      reason: 'no-url',
      evidence: { source: 'sum(rate(x[1h]))', expected: '< 0.01' },
    });
    expect(r.hint).toContain('set ROLLOUT_PROMETHEUS_URL to your Prometheus');
  });
});
