import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../state/canonical-json.js';
import { readTextOrNull, writeFileAtomic } from '../state/atomic-file.js';
import type { ChaosExperiment, ExperimentResult } from './types.js';

/**
 * The last completed run of each experiment, kept beside the chaos intent record
 * (`<state dir>/chaos-results/<id>.json`) for the `chaos` gate kind. Written atomically and
 * durably; each record carries a digest over its content, so a hand-edited or damaged file is
 * recognised and never counts as a pass.
 */
export const RESULTS_DIR = 'chaos-results';

export interface ChaosRecord {
  v: 1;
  experimentId: string;
  /** Digest of the experiment's definition when it ran: a run of an older definition does not count. */
  experimentDigest: string;
  recordedAt: string;
  /** The run as `rollout chaos run --json` reported it, timeline included. */
  result: ExperimentResult;
  /** `sha256:<hex>` over the canonical JSON of every other field. */
  digest: string;
}

export type RecordLookup =
  | { status: 'missing'; file: string }
  | { status: 'corrupt'; file: string; problem: string }
  | { status: 'ok'; file: string; record: ChaosRecord };

const SHA256 = /^sha256:[0-9a-f]{64}$/;
const isoTime = z.iso.datetime({ offset: true });
const recordShape = z.object({
  v: z.literal(1),
  experimentId: z.string().min(1),
  experimentDigest: z.string().regex(SHA256),
  recordedAt: isoTime,
  result: z.looseObject({
    id: z.string(),
    verdict: z.enum(['pass', 'fail', 'not-steady', 'not-exercised', 'aborted']),
    reason: z.string(),
    startedAt: isoTime,
    faultEndedAt: isoTime.nullable(),
  }),
  digest: z.string().regex(SHA256),
});

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** What identifies a definition: everything that changes what the run tests (not its title or plan item). */
export function experimentDigest(experiment: ChaosExperiment): string {
  const { title: _title, item: _item, ...tested } = experiment;
  return sha256(canonicalJson(tested));
}

export function resultFile(dir: string, experimentId: string): string {
  return path.join(dir, RESULTS_DIR, `${experimentId}.json`);
}

/** Replace the experiment's record with this run. */
export async function recordResult(
  dir: string,
  experiment: ChaosExperiment,
  result: ExperimentResult,
  now: Date,
): Promise<string> {
  const body = {
    v: 1 as const,
    experimentId: experiment.id,
    experimentDigest: experimentDigest(experiment),
    recordedAt: now.toISOString(),
    result,
  };
  const record: ChaosRecord = { ...body, digest: sha256(canonicalJson(body)) };
  const file = resultFile(dir, experiment.id);
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`, { dirMode: 0o700 });
  return file;
}

/** The record of an experiment, or why there is none that can be trusted. Never throws for bad content. */
export async function readResult(dir: string, experimentId: string): Promise<RecordLookup> {
  const file = resultFile(dir, experimentId);
  let text: string | null;
  try {
    text = await readTextOrNull(file);
  } catch (error) {
    return { status: 'corrupt', file, problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (text === null) return { status: 'missing', file };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { status: 'corrupt', file, problem: 'is not valid JSON (damaged or cut short)' };
  }
  const parsed = recordShape.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      status: 'corrupt',
      file,
      problem: `is not a chaos result record (${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'})`,
    };
  }
  const { digest, ...body } = data as ChaosRecord;
  if (sha256(canonicalJson(body)) !== digest)
    return { status: 'corrupt', file, problem: 'does not match its digest: it was edited after the run recorded it' };
  if (body.experimentId !== experimentId || body.result.id !== experimentId)
    return { status: 'corrupt', file, problem: `records experiment ${body.experimentId}, not ${experimentId}` };
  return { status: 'ok', file, record: data as ChaosRecord };
}
