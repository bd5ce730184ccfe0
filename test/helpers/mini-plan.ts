import { afterAll, beforeAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The mini plan's canary section: one error-rate metric comparing the two variants. */
export const MINI_CANARY = `canary:
  window: 30m
  arms: { label: variant, canary: reserves_v1.1, baseline: reserves_v1.0 }
  metrics:
    - id: error_rate
      kind: ratio
      events: sum(increase(http_requests_total{variant="{{variant}}",status=~"5.."}[{{window}}]))
      total: sum(increase(http_requests_total{variant="{{variant}}"}[{{window}}]))
      direction: lower-is-better
      maxRelativeChange: 0.10
`;

/**
 * A small plan shaped like the repository's (a gate phase, then a progressive rollout of one flag with
 * groups, a canary section and triggers), fast enough for rollback and watch tests: no slow gates.
 */
export function miniPlan(
  opts: { healthUrl?: string; rollback?: string; extraGates?: string; bake?: string; extraTriggers?: string } = {},
): string {
  return `version: 1
release: v9.9.9
flags:
  - key: reserves_v1.1
    variants: { new: reserves_v1.1, fallback: reserves_v1.0 }
    file: flags/flags.json
phases:
  - id: P0
    title: Pre-flight
    gates:
      - { id: quick, kind: command, run: [node, -e, "0"], env: [PATH] }${opts.extraGates ?? ''}
  - id: P1
    title: Health
    gates:
      - { id: health-endpoint, kind: http, url: "${opts.healthUrl ?? 'http://127.0.0.1:9/health'}", expectStatus: 200 }
  - id: P2
    title: Rollout
    completion: none
    rollout:
      flag: reserves_v1.1
      stages:
        - { id: s1, percent: 10, groups: [internal], bake: ${opts.bake ?? '0s'} }
        - { id: s2, percent: 50, groups: [internal, beta_users], bake: ${opts.bake ?? '0s'} }
        - { id: s3, percent: 100, groups: [internal, beta_users] }
${MINI_CANARY}triggers:
  - { id: error-rate, metric: error_rate, above: baseline * 1.5, window: 10m }${opts.extraTriggers ?? ''}
rollback:
${opts.rollback ?? '  defaultMode: immediate'}
notifications:
  slack: { channel: "#releases" }
`;
}

export async function miniProject(opts: Parameters<typeof miniPlan>[0] = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rollout-mini-'));
  await writeFile(path.join(dir, 'rollout.yaml'), miniPlan(opts));
  return dir;
}

/** A health endpoint answering 200 for the mini plan's http gate, started before and closed after the file's tests. */
export function useHealthEndpoint(): { url: string } {
  const endpoint = { url: '' };
  let server: Server | undefined;
  beforeAll(async () => {
    const started = createServer((_req, res) => res.end('ok'));
    server = started;
    await new Promise<void>((r) => started.listen(0, '127.0.0.1', r));
    endpoint.url = `http://127.0.0.1:${(started.address() as { port: number }).port}/health`;
  });
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));
  return endpoint;
}
