import type { MitigationConfig, MitigationKind } from './outcome-schema.js';
import type { GateConfig, RawConfig } from './schema.js';

/** The kind and id a mitigation names. */
export function readMitigation(m: MitigationConfig): { kind: MitigationKind; ref: string } {
  const [kind, ref] = Object.entries(m)[0] as [MitigationKind, string];
  return { kind, ref };
}

/** A gate named by `PHASE/id`, or by a bare id that only one phase uses. */
export type GateLookup =
  | { found: true; phase: string; gate: GateConfig }
  | { found: false; problem: 'missing' | 'ambiguous'; phases: string[] };

export function resolveGateRef(config: RawConfig, ref: string): GateLookup {
  const slash = ref.indexOf('/');
  const phaseId = slash >= 0 ? ref.slice(0, slash) : null;
  const gateId = slash >= 0 ? ref.slice(slash + 1) : ref;
  const hits = config.phases.flatMap((p) =>
    phaseId === null || p.id === phaseId
      ? p.gates.filter((g) => g.id === gateId).map((gate) => ({ phase: p.id, gate }))
      : [],
  );
  const [only] = hits;
  if (hits.length === 1 && only) return { found: true, ...only };
  return { found: false, problem: hits.length ? 'ambiguous' : 'missing', phases: hits.map((h) => h.phase) };
}

/** Every checklist item id of the plan (phase items and the completion checklist). */
export function checklistIds(config: RawConfig): Set<string> {
  return new Set([...config.completionChecklist, ...config.phases.flatMap((p) => p.checklist)].map((c) => c.id));
}

/** How a mitigation stands: missing (validate refuses the plan), live (acts without a person), or sign-off only. */
export interface MitigationStatus {
  kind: MitigationKind;
  ref: string;
  state: 'live' | 'sign-off' | 'missing';
  /** Why it is not live, or what it is. */
  detail: string;
}

/**
 * "Live": the referenced thing exists in this plan and a machine acts on it without anyone's word —
 * an evidence gate (any kind but `manual`), a canary metric (judged at every stage end), a trigger
 * (`watch` evaluates it), a chaos experiment, a runbook. A manual gate or a sign-off is not live:
 * it records that a person looked, and nothing stops the release if they did not look closely.
 */
export function checkMitigation(
  config: RawConfig,
  m: MitigationConfig,
  runbooks: ReadonlySet<string> | null,
): MitigationStatus {
  const { kind, ref } = readMitigation(m);
  const status = (state: MitigationStatus['state'], detail: string): MitigationStatus => ({ kind, ref, state, detail });
  switch (kind) {
    case 'gate': {
      const found = resolveGateRef(config, ref);
      if (!found.found)
        return status(
          'missing',
          found.problem === 'ambiguous'
            ? `gate "${ref}" is in phases ${found.phases.join(', ')}; write PHASE/${ref}`
            : `gate "${ref}" is not a gate of any phase`,
        );
      return found.gate.kind === 'manual'
        ? status('sign-off', `${found.phase}/${found.gate.id} is a manual gate (sign-off ${found.gate.signoff})`)
        : status('live', `${found.phase}/${found.gate.id}: ${found.gate.kind} gate`);
    }
    case 'metric':
      return config.canary?.metrics.some((x) => x.id === ref)
        ? status('live', 'canary metric, judged at every stage end')
        : status('missing', `metric "${ref}" is not defined under canary.metrics`);
    case 'trigger': {
      const t = config.triggers.find((x) => x.id === ref);
      return t
        ? status('live', `trigger, watch ${t.action === 'rollback' ? 'rolls back' : 'alerts'}`)
        : status('missing', `trigger "${ref}" is not defined under triggers`);
    }
    case 'chaos':
      return config.chaos.some((x) => x.id === ref)
        ? status('live', 'chaos experiment (rollout chaos run)')
        : status('missing', `chaos experiment "${ref}" is not defined under chaos`);
    case 'runbook':
      if (runbooks === null) return status('live', 'runbook');
      return runbooks.has(ref)
        ? status('live', 'runbook (rollout runbook run)')
        : status('missing', `runbook "${ref}" is not in ${config.runbooks}/ (nor a generic runbook)`);
    case 'signoff':
      return checklistIds(config).has(ref)
        ? status('sign-off', `sign-off ${ref}`)
        : status('missing', `sign-off "${ref}" is not a checklist item of any phase`);
  }
}
