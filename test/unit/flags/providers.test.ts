import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateText } from '../../../src/config/validate-text.js';
import { digestText } from '../../../src/flags/flag-store.js';
import { fitsPercentStep, openProvider, PROVIDER_KINDS, PROVIDERS } from '../../../src/flags/providers/registry.js';
import type { ProviderFlag } from '../../../src/flags/providers/types.js';
import { miniPlan } from '../../helpers/mini-plan.js';

const ctx = (planDir: string) => ({
  planDir,
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  redact: (t: string) => t,
});
const FLAG: ProviderFlag = {
  key: 'reserves_v1.1',
  newVariant: 'reserves_v1.1',
  fallbackVariant: 'reserves_v1.0',
  groupAttribute: 'groups',
  location: 'flags/flags.json',
  metadata: { release: 'v9.9.9' },
};

async function problemsFor(plan: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-providers-'));
  const { problems } = await validateText('rollout.yaml', plan, dir, dir);
  return problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
}

describe('flag providers', () => {
  it('every registered provider declares its limits, and the percent step is checked exactly', () => {
    expect(PROVIDER_KINDS).toContain('flagd-file');
    for (const kind of PROVIDER_KINDS) expect(PROVIDERS[kind].capabilities.percentStep).toBeGreaterThan(0);
    expect(fitsPercentStep(0.001, 0.001)).toBe(true);
    expect(fitsPercentStep(33.333, 0.001)).toBe(true);
    expect(fitsPercentStep(0.0005, 0.001)).toBe(false);
    expect(fitsPercentStep(0.5, 1)).toBe(false);
    expect(fitsPercentStep(100, 1)).toBe(true);
  });

  it('validate names the stage a provider cannot serve with file:line:col, and an unknown provider is a schema error', async () => {
    const tooFine = miniPlan().replace('{ id: s1, percent: 10,', '{ id: s1, percent: 0.0005,');
    const problems = await problemsFor(tooFine);
    const hit = problems.find((p) => p.includes('flagd-file provider'));
    expect(hit, problems.join('\n')).toMatch(
      /^rollout\.yaml:\d+:\d+: 0\.0005 % cannot be served by the flagd-file provider of flag reserves_v1\.1: it takes percentages in steps of 0\.001$/,
    );
    const line = Number(hit?.split(':')[1]);
    expect(tooFine.split('\n')[line - 1]).toContain('percent: 0.0005');
    const unknown = await problemsFor(
      miniPlan().replace('file: flags/flags.json', 'file: flags/flags.json\n    provider: launchdarkly'),
    );
    expect(unknown.join('\n')).toMatch(/rollout\.yaml:\d+:\d+: .*provider.*flagd-file/);
    expect(await problemsFor(miniPlan())).toEqual([]);
  });

  it('validate checks publish: argv not a shell string, a timeout within bounds, one publish per shared file', async () => {
    const withPublish = (publish: string) =>
      miniPlan().replace('file: flags/flags.json', `file: flags/flags.json\n    publish: ${publish}`);
    expect((await problemsFor(withPublish('{ run: ["kubectl apply -f cm.yaml"] }'))).join('\n')).toMatch(
      /publish.*shell string|looks like a shell string/,
    );
    expect((await problemsFor(withPublish('{ run: [kubectl], timeout: 2h }'))).join('\n')).toMatch(/at most 10m/);
    expect((await problemsFor(withPublish('{ run: [kubectl], env: [lower_case] }'))).join('\n')).toMatch(
      /environment variable name/,
    );
    expect(
      await problemsFor(withPublish('{ run: [kubectl, apply, -f, cm.yaml], env: [KUBECONFIG], timeout: 20s }')),
    ).toEqual([]);
    const twoFlags = withPublish('{ run: [a] }').replace(
      'phases:',
      `  - key: other\n    variants: { new: "on", fallback: "off" }\n    file: flags/flags.json\n    publish: { run: [b] }\nphases:`,
    );
    expect((await problemsFor(twoFlags)).join('\n')).toMatch(/share flags\/flags\.json but publish it differently/);
  });

  it('flagd-file writes a stage, reads it back, explains a user, and reports the digest of the stored bytes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-flagd-file-'));
    const provider = await openProvider('flagd-file', ctx(dir));
    expect(provider.kind).toBe('flagd-file');
    expect(await provider.readServed(FLAG)).toBeNull();
    expect(await provider.storedDigest(FLAG)).toBeNull();
    const [w] = await provider.writeStage(
      [{ flag: FLAG, position: { percent: 25, groups: ['internal'], killSwitch: false } }],
      { dryRun: false, publish: 'changed' },
    );
    expect(w?.written).toBe(true);
    expect(w?.publish).toBeUndefined();
    const bytes = await readFile(path.join(dir, 'flags/flags.json'), 'utf8');
    expect(w?.sha256).toBe(digestText(bytes));
    expect(await provider.storedDigest(FLAG)).toBe(w?.sha256);
    expect(await provider.readServed(FLAG)).toEqual({
      newVariant: 'reserves_v1.1',
      fallbackVariant: 'reserves_v1.0',
      percent: 25,
      groups: ['internal'],
      killSwitch: false,
    });
    const member = await provider.explain(FLAG, { targetingKey: 'anyone', groups: ['internal'] });
    expect(member).toMatchObject({ variant: 'reserves_v1.1', reason: 'group-rule' });
    // Same stage again: nothing written. A hand-reformatted file means the same: written only with force.
    const [again] = await provider.writeStage(
      [{ flag: FLAG, position: { percent: 25, groups: ['internal'], killSwitch: false } }],
      { dryRun: false, publish: 'changed' },
    );
    expect(again?.written).toBe(false);
    await writeFile(path.join(dir, 'flags/flags.json'), JSON.stringify(JSON.parse(bytes)));
    expect(await provider.storedDigest(FLAG)).not.toBe(w?.sha256);
    const [lazy] = await provider.writeStage(
      [{ flag: FLAG, position: { percent: 25, groups: ['internal'], killSwitch: false } }],
      { dryRun: false, publish: 'never' },
    );
    expect(lazy?.written).toBe(false);
    const [forced] = await provider.writeStage(
      [{ flag: FLAG, position: { percent: 25, groups: ['internal'], killSwitch: false } }],
      { dryRun: false, publish: 'never', force: true },
    );
    expect(forced?.written).toBe(true);
    expect(await provider.storedDigest(FLAG)).toBe(w?.sha256);
    // Kill switch: everyone, group members included, on the fallback.
    await provider.writeStage([{ flag: FLAG, position: { percent: 25, groups: ['internal'], killSwitch: true } }], {
      dryRun: false,
      publish: 'never',
    });
    expect((await provider.explain(FLAG, { targetingKey: 'anyone', groups: ['internal'] })).variant).toBe(
      'reserves_v1.0',
    );
    expect((await provider.readServed(FLAG))?.killSwitch).toBe(true);
  });

  it('flagd-file publishes after a write that changed the file, with the file and its digest in the environment; a failing, hanging or missing command is an outcome, never a throw', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rollout-flagd-publish-'));
    const script = path.join(dir, 'publish.mjs');
    await writeFile(
      script,
      `import { appendFileSync, readFileSync } from 'node:fs';
const mode = readFileSync(new URL('./mode', import.meta.url), 'utf8').trim();
if (mode === 'fail') { console.error('bucket says no'); process.exit(3); }
if (mode === 'hang') setInterval(() => {}, 1000);
else appendFileSync(new URL('./published.log', import.meta.url), process.env.ROLLOUT_FLAG_FILE + ' ' + process.env.ROLLOUT_FLAG_SHA256 + ' ' + (process.env.SECRET_NOT_ALLOWED ?? '-') + '\\n');
`,
    );
    await writeFile(path.join(dir, 'mode'), 'ok');
    const flag = { ...FLAG, publish: { run: ['node', script], env: ['PATH'], timeout: '1s' } };
    const provider = await openProvider('flagd-file', {
      ...ctx(dir),
      env: { ...ctx(dir).env, SECRET_NOT_ALLOWED: 'x' },
    });
    const stage = (percent: number, publish: 'changed' | 'always' | 'never' = 'changed') =>
      provider.writeStage([{ flag, position: { percent, groups: [], killSwitch: false } }], { dryRun: false, publish });
    const [first] = await stage(5);
    expect(first?.publish).toMatchObject({ ok: true, summary: 'exit 0' });
    expect((await readFile(path.join(dir, 'published.log'), 'utf8')).trim()).toBe(
      `${path.join(dir, 'flags/flags.json')} ${first?.sha256} -`,
    );
    const [unchanged] = await stage(5);
    expect(unchanged?.publish).toBeUndefined();
    const [always] = await stage(5, 'always');
    expect(always?.publish?.ok).toBe(true);
    await writeFile(path.join(dir, 'mode'), 'fail');
    const [failed] = await stage(6);
    expect(failed?.publish).toMatchObject({ ok: false, summary: 'exit 3' });
    expect(failed?.publish?.output).toContain('bucket says no');
    await writeFile(path.join(dir, 'mode'), 'hang');
    const [hung] = await stage(7);
    expect(hung?.publish?.ok).toBe(false);
    expect(hung?.publish?.summary).toMatch(/timed out after 1s/);
    const missing = { ...flag, publish: { run: ['/nonexistent/publish-flags'], env: [], timeout: '1s' } };
    const [gone] = await provider.writeStage(
      [{ flag: missing, position: { percent: 8, groups: [], killSwitch: false } }],
      { dryRun: false, publish: 'changed' },
    );
    expect(gone?.publish?.ok).toBe(false);
    expect(gone?.publish?.summary).toMatch(/ENOENT/);
    // A dry run never publishes.
    await writeFile(path.join(dir, 'mode'), 'ok');
    const [dry] = await provider.writeStage([{ flag, position: { percent: 9, groups: [], killSwitch: false } }], {
      dryRun: true,
      publish: 'always',
    });
    expect(dry?.publish).toBeUndefined();
    expect(dry?.changed).toBe(true);
  }, 30_000);
});
