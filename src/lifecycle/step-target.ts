import { z } from 'zod';
import { RolloutError } from '../errors/rollout-error.js';
import { flagStateSchema, stagePositionSchema } from '../state/state-schema.js';
import type { ReleaseState } from '../state/types.js';
import type { StepTarget } from './apply-step.js';

/*
 * The target of an interrupted `advance` comes back from the state document on the crash-recovery
 * path, where a wrong guess moves real users: it is parsed, never cast. The state schema checks the
 * intent's envelope; this checks what `applyStep` stored in it.
 */
const position = z.object({
  phase: z.string().nullable(),
  stage: z.string().nullable(),
  percent: z.number().min(0).max(100).nullable(),
});

const stepTargetSchema = z.looseObject({
  action: z.enum(['advance', 'override']),
  step: z.enum(['complete-phase', 'start-rollout', 'next-stage', 'finish-rollout', 'done', 'blocked']),
  phase: z.string().min(1).nullable(),
  phaseStartedAt: z.string().nullable(),
  stage: stagePositionSchema.nullable(),
  status: z.enum(['not-started', 'in-progress', 'completed', 'rolled-back']),
  flags: z.record(z.string(), flagStateSchema),
  from: position,
  to: position,
  reason: z.string().optional(),
  evidence: z.unknown().optional(),
});

// The schema and the interface must describe the same thing: this line stops compiling when they drift.
const _sameShape: (parsed: z.infer<typeof stepTargetSchema>) => StepTarget = (parsed) => parsed;
void _sameShape;

/** The step an interrupted `advance` was taking, or null when none is pending; a damaged one is E_STATE_CORRUPT. */
export function readPendingStep(state: Pick<ReleaseState, 'intent'> | null): StepTarget | null {
  if (state?.intent?.kind !== 'advance') return null;
  const parsed = stepTargetSchema.safeParse(state.intent.target);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) =>
      `state.intent.target${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`,
  );
  throw new RolloutError(
    'E_STATE_CORRUPT',
    `the interrupted advance in the state cannot be resumed: ${problems.join('; ')}`,
    { details: { problems } },
  );
}
