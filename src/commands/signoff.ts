import type { PhaseConfig, RawConfig } from '../config/schema.js';
import { suggest } from '../config/suggest.js';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { requiredSignoffs } from '../lifecycle/planner.js';
import { changeRelease } from '../lifecycle/transaction.js';
import type { Style } from '../output/style.js';
import type { Signoff } from '../state/types.js';
import { loadConfigFor } from './load-config.js';
import { openState } from '../state/open-state.js';
import { resolvePhase } from './preflight.js';
import type { CommandResult, MutatingOptions } from '../output/command-result.js';

/**
 * What happened, as data for whoever announces sign-offs (a Slack notifier subscribes here): present
 * only when a new sign-off was recorded.
 */
export interface SignoffEvent {
  type: 'signoff';
  release: string;
  phase: string;
  item: string;
  title: string;
  actor: string;
  at: string;
  reason: string;
}

export interface SignoffResult {
  release: string;
  phase: string;
  item: string;
  title: string;
  /** The sign-off in the state: the new one, or the first one when the item was already signed. */
  signoff: Signoff;
  alreadySigned: boolean;
  dryRun: boolean;
  /** Sign-offs the phase still needs after this one. */
  remaining: string[];
  event: SignoffEvent | null;
}

/** `rollout signoff ITEM --reason R [--phase ID]`: record a checklist item (actor, time, reason), audited. */
export async function runSignoff(
  options: MutatingOptions & { phase?: string },
  args: string[],
  ctx: Ctx,
): Promise<CommandResult<SignoffResult>> {
  const item = args[0] ?? '';
  const reason = options.reason?.trim() ?? '';
  const loaded = await loadConfigFor(ctx);
  const state = await openState(ctx, loaded).read();
  const phase = resolvePhase(loaded.config, state, options.phase);
  const title = assertKnownItem(loaded.config, phase, item);
  if (!reason)
    throw new RolloutError(
      'E_USAGE',
      `--reason is required: say why ${item} is done (it is recorded in the audit log)`,
    );
  const dryRun = options.dryRun === true;
  const outcome = await changeRelease<{ signoff: Signoff; alreadySigned: boolean }>(
    ctx,
    loaded,
    { operation: 'signoff', dryRun },
    async (current) => {
      const existing = current.signoffs.find((s) => s.item === item && s.phase === phase.id);
      if (existing) return { unchanged: { signoff: existing, alreadySigned: true } };
      const signoff: Signoff = { item, phase: phase.id, actor: ctx.actor, at: ctx.clock.now().toISOString(), reason };
      return {
        next: { ...current, signoffs: [...current.signoffs, signoff] },
        history: { action: 'signoff', to: { phase: phase.id, item }, reason },
        audit: { op: 'signoff', reason, data: { phase: phase.id, item, title } },
        result: { signoff, alreadySigned: false },
      };
    },
  );
  const { signoff, alreadySigned } = outcome.result;
  const signedAfter = new Set(outcome.state.signoffs.filter((s) => s.phase === phase.id).map((s) => s.item));
  const result: SignoffResult = {
    release: loaded.config.release,
    phase: phase.id,
    item,
    title,
    signoff,
    alreadySigned,
    dryRun,
    remaining: requiredSignoffs(loaded.config, phase).filter((id) => !signedAfter.has(id)),
    event: alreadySigned || dryRun ? null : { type: 'signoff', release: loaded.config.release, title, ...signoff },
  };
  if (result.event) {
    const { announce } = await import('../lifecycle/announce.js');
    const e = result.event;
    await announce(ctx, loaded, [
      { type: 'signoff', release: e.release, at: e.at, item: e.item, phase: e.phase, actor: e.actor, reason: e.reason },
    ]);
  }
  return { exitCode: EXIT.ok, result, human: (s) => renderSignoff(result, s) };
}

/** The items a phase can be signed off on: its checklist, its manual gates, the completion checklist. */
function assertKnownItem(config: RawConfig, phase: PhaseConfig, item: string): string {
  const titles = new Map<string, string>();
  for (const c of [...phase.checklist, ...(phase.completion === 'default' ? config.completionChecklist : [])])
    titles.set(c.id, c.title);
  for (const g of phase.gates)
    if (g.kind === 'manual' && !titles.has(g.signoff)) titles.set(g.signoff, g.title ?? g.signoff);
  const ids = requiredSignoffs(config, phase);
  if (item && ids.includes(item)) return titles.get(item) ?? item;
  if (!item)
    throw new RolloutError('E_USAGE', `name the checklist item to sign off; ${phase.id} has: ${ids.join(', ')}`);
  const elsewhere = config.phases.find((p) => p.id !== phase.id && requiredSignoffs(config, p).includes(item));
  const guess = suggest(item, ids);
  const note = elsewhere
    ? ` (it belongs to ${elsewhere.id}: add --phase ${elsewhere.id})`
    : guess
      ? ` (did you mean "${guess}"?)`
      : '';
  throw new RolloutError(
    'E_USAGE',
    `unknown checklist item "${item}" in phase ${phase.id}${note}; items: ${ids.join(', ') || 'none'}`,
    { details: { item, items: ids } },
  );
}

function renderSignoff(r: SignoffResult, s: Style): string {
  const who = `${r.signoff.actor} at ${r.signoff.at}: ${r.signoff.reason}`;
  const head = r.alreadySigned
    ? `${s.yellow('already signed')} ${r.phase} ${s.bold(r.item)} by ${who} (the first sign-off is kept)`
    : `${r.dryRun ? s.dim('[dry run] would sign') : s.green('signed')} ${r.phase} ${s.bold(r.item)} (${r.title}) — ${who}`;
  const tail = r.remaining.length
    ? `${r.phase} still needs: ${r.remaining.join(', ')}`
    : `every sign-off of ${r.phase} is recorded`;
  return `${head}\n${s.dim(tail)}`;
}
