import { readTextOrNull } from '../state/atomic-file.js';
import { evaluateShare } from '../flags/evaluate.js';
import type { FlagdDocument } from '../flags/types.js';
import { createPrng, type Random } from '../stats/random.js';
import { counterIndex, createTrafficLedger, latencyBucket, MINUTE_MS, type TrafficLedger } from './traffic-ledger.js';

/** How one variant of the simulated application behaves, per request. */
export interface VariantProfile {
  errorRate: number;
  /** Latency is log-normal: this median, and `latencySpread` as σ of the log. */
  latencyMedianMs: number;
  latencySpread: number;
  /** Of the requests that start the fund wizard, the share that complete it. */
  wizardCompletion: number;
  /** Of the fund-setup attempts, the share that succeed. */
  fundSuccess: number;
}

/** A simulated user: a targeting key and the groups the application puts into the evaluation context. */
export interface SimulatedUser {
  key: string;
  groups: string[];
}

/**
 * How the simulated application gets its flag, read again every simulated minute as an SDK polls: the flagd
 * file (`fileFlagReader`) or an Unleash toggle (`unleash-flag.ts`).
 */
export interface FlagReader {
  /** What the provider serves now, as text that changes whenever an answer may; null when there is no flag. Throws when it cannot be read. */
  read(): Promise<string | null>;
  /** 1 for each user on the new variant under `text` (null: nobody); null when `text` is unusable. */
  assign(text: string | null, users: readonly SimulatedUser[]): Uint8Array<ArrayBuffer> | null;
}

export interface SimulatedAppOptions {
  seed: number;
  /** Where the flag comes from; an unreadable or unusable version keeps the last good one, as an SDK does. */
  flag: FlagReader;
  newVariant: string;
  fallbackVariant: string;
  users?: number;
  requestsPerMinute?: number;
  /** Share of users in each group (exclusive), e.g. `{ internal: 0.04, beta_users: 0.08 }`. */
  groupShares?: Record<string, number>;
  profiles?: { new: VariantProfile; fallback: VariantProfile };
}

export interface SimulatedApp {
  readonly users: readonly SimulatedUser[];
  readonly ledger: TrafficLedger;
  readonly newVariant: string;
  readonly fallbackVariant: string;
  readonly requestsPerMinute: number;
  /** Serves one simulated minute of requests, (endMs − 1 min, endMs], with the flag file as it is now. */
  simulateMinute(endMs: number): Promise<void>;
  /** From `atMs` on, the new variant behaves like `profile`. */
  injectRegression(profile: VariantProfile, atMs: number): void;
  readonly regression: { profile: VariantProfile; atMs: number } | null;
  /** The variant user `index` gets under the flag file read last. */
  variantOf(index: number): string;
  /** How many times the flag changed (each change re-evaluates every user). */
  readonly flagVersions: number;
  /** Reads of the flag that failed (the last good version stayed in use). */
  readonly flagReadErrors: number;
  readonly profiles: { new: VariantProfile; fallback: VariantProfile };
}

/** v1.0 as it runs today; v1.1 while healthy is a little slower and no less reliable. */
export const DEFAULT_PROFILES: { new: VariantProfile; fallback: VariantProfile } = {
  fallback: { errorRate: 0.005, latencyMedianMs: 120, latencySpread: 0.45, wizardCompletion: 0.975, fundSuccess: 0.98 },
  new: { errorRate: 0.0045, latencyMedianMs: 124, latencySpread: 0.45, wizardCompletion: 0.977, fundSuccess: 0.981 },
};

/** The injected regression: v1.1 starts failing 4 % of requests and gets slower (p95 still under 400 ms). */
export const REGRESSION_PROFILE: VariantProfile = { ...DEFAULT_PROFILES.new, errorRate: 0.04, latencyMedianMs: 150 };

const WIZARD_SHARE = 0.35;
const FUND_SHARE = 0.3;

/** Users with deterministic keys; group membership drawn from the seed. */
export function createUsers(count: number, shares: Record<string, number>, random: Random): SimulatedUser[] {
  const groups = Object.entries(shares);
  return Array.from({ length: count }, (_, i) => {
    const u = random();
    let edge = 0;
    const group = groups.find(([, share]) => u < (edge += share))?.[0];
    return { key: `user-${String(i + 1).padStart(5, '0')}`, groups: group ? [group] : [] };
  });
}

/**
 * Every user's variant under `doc`, decided by flagd-core itself: one batch evaluation per distinct
 * group set (the same resolve an application makes per request; batched because the answer for a
 * user only changes when the file does).
 */
export function assignVariants(
  doc: FlagdDocument | null,
  flagKey: string,
  users: readonly SimulatedUser[],
  newVariant: string,
): Uint8Array<ArrayBuffer> {
  const isNew = new Uint8Array(users.length);
  if (!doc) return isNew;
  const byGroups = new Map<string, number[]>();
  users.forEach((u, i) => {
    const k = u.groups.join(',');
    const list = byGroups.get(k);
    if (list) list.push(i);
    else byGroups.set(k, [i]);
  });
  for (const [k, indexes] of byGroups) {
    const keys = indexes.map((i) => (users[i] as SimulatedUser).key);
    const share = evaluateShare(doc, flagKey, keys, {
      groups: k ? k.split(',') : [],
      variant: newVariant,
      collectKeys: true,
    });
    const chosen = new Set(share.keysWithNewVariant);
    for (const i of indexes) if (chosen.has((users[i] as SimulatedUser).key)) isNew[i] = 1;
  }
  return isNew;
}

/** The flagd file the release writes, evaluated with flagd-core (a file-mode provider keeps the last good configuration). */
export function fileFlagReader(file: string, flagKey: string, newVariant: string): FlagReader {
  return {
    read: () => readTextOrNull(file),
    assign(text, users) {
      let doc: FlagdDocument | null = null;
      try {
        doc = text === null ? null : (JSON.parse(text) as FlagdDocument);
      } catch {
        return null;
      }
      return assignVariants(doc, flagKey, users, newVariant);
    },
  };
}

export function createSimulatedApp(opts: SimulatedAppOptions): SimulatedApp {
  const random = createPrng(opts.seed);
  const users = createUsers(opts.users ?? 10_000, opts.groupShares ?? { internal: 0.04, beta_users: 0.08 }, random);
  const rpm = opts.requestsPerMinute ?? 3000;
  const profiles = opts.profiles ?? DEFAULT_PROFILES;
  const ledger = createTrafficLedger();
  let flagText: string | null = null;
  let isNew: Uint8Array<ArrayBuffer> = new Uint8Array(users.length);
  let versions = 0;
  let readErrors = 0;
  let regression: { profile: VariantProfile; atMs: number } | null = null;
  let spare: number | null = null;
  // Box–Muller gives normals in pairs; the second is kept for the next request.
  const normal = () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
  const reload = async () => {
    let text: string | null;
    try {
      text = await opts.flag.read();
    } catch {
      readErrors += 1;
      return;
    }
    if (text === flagText) return;
    const next = opts.flag.assign(text, users);
    if (!next) return;
    flagText = text;
    isNew = next;
    versions += 1;
  };
  const idx = {
    requests: counterIndex('requests'),
    errors: counterIndex('errors'),
    ws: counterIndex('wizardStarted'),
    wc: counterIndex('wizardCompleted'),
    fa: counterIndex('fundAttempts'),
    fs: counterIndex('fundSuccess'),
  };
  return {
    users,
    ledger,
    newVariant: opts.newVariant,
    fallbackVariant: opts.fallbackVariant,
    requestsPerMinute: rpm,
    profiles,
    get regression() {
      return regression;
    },
    get flagVersions() {
      return versions;
    },
    get flagReadErrors() {
      return readErrors;
    },
    variantOf: (i) => (isNew[i] ? opts.newVariant : opts.fallbackVariant),
    injectRegression(profile, atMs) {
      regression = { profile, atMs };
    },
    async simulateMinute(endMs) {
      await reload();
      const minute = Math.floor(endMs / MINUTE_MS);
      const newProfile = regression && endMs > regression.atMs ? regression.profile : profiles.new;
      const arms = [ledger.arm(minute, opts.fallbackVariant), ledger.arm(minute, opts.newVariant)];
      const shapes = [profiles.fallback, newProfile];
      for (let r = 0; r < rpm; r++) {
        const v = isNew[Math.floor(random() * users.length)] as number;
        const p = shapes[v] as VariantProfile;
        const { counts, latency } = arms[v] as (typeof arms)[number];
        counts[idx.requests] = (counts[idx.requests] as number) + 1;
        if (random() < p.errorRate) counts[idx.errors] = (counts[idx.errors] as number) + 1;
        const b = latencyBucket(p.latencyMedianMs * Math.exp(p.latencySpread * normal()));
        latency[b] = (latency[b] as number) + 1;
        const kind = random();
        if (kind < WIZARD_SHARE) {
          counts[idx.ws] = (counts[idx.ws] as number) + 1;
          if (random() < p.wizardCompletion) counts[idx.wc] = (counts[idx.wc] as number) + 1;
        } else if (kind < WIZARD_SHARE + FUND_SHARE) {
          counts[idx.fa] = (counts[idx.fa] as number) + 1;
          if (random() < p.fundSuccess) counts[idx.fs] = (counts[idx.fs] as number) + 1;
        }
      }
    },
  };
}
