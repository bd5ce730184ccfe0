import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { auditHistoryOf } from '../state/audit-access.js';
import type { AuditEntry, AuditVerification } from '../state/store.js';
import { loadConfigFor } from './load-config.js';
import { openState } from '../state/open-state.js';
import type { CommandResult } from '../output/command-result.js';

export interface LogResult {
  entries: AuditEntry[];
  /**
   * seq of the last entry: the number of entries of an intact log (`--verify` counts them). The log
   * is read from its end, so counting would cost the whole history.
   */
  total: number;
  verification?: AuditVerification;
}

/** `rollout log` options as cli.ts parses them. */
export interface LogOptions {
  limit: number;
  verify?: boolean;
}

export async function runLog(options: LogOptions, _args: string[], ctx: Ctx): Promise<CommandResult<LogResult>> {
  const loaded = await loadConfigFor(ctx);
  const store = openState(ctx, loaded);
  const history = auditHistoryOf(store);
  const limit = options.limit;
  if (options.verify) {
    const verification = await history.verify();
    const result: LogResult = { entries: [], total: verification.entries, verification };
    return {
      exitCode: verification.tampered ? EXIT.fail : EXIT.ok,
      result,
      human: (s) => {
        if (verification.problems.length === 0) return `${s.green('ok')} audit log verifies: ${verification.entries} entries, head ${verification.head ?? '(empty)'}`;
        const lines = verification.problems.map((p) => `${p.kind === 'truncated-tail' ? s.yellow(p.kind) : s.red(p.kind)} line ${p.line}${p.seq !== undefined ? ` (seq ${p.seq})` : ''}: ${p.message}`);
        lines.push(verification.tampered ? s.red('the audit log does NOT verify') : s.yellow('the last entry was torn by a crash; the next write repairs it'));
        return lines.join('\n');
      },
    };
  }
  const { entries, lastSeq } = await history.tail(limit);
  return {
    exitCode: EXIT.ok,
    result: { entries, total: lastSeq },
    human: (s) =>
      entries.length === 0
        ? 'the audit log is empty'
        : entries.map((e) => `${s.dim(String(e.seq).padStart(4))} ${e.ts}  ${e.op.padEnd(12)} ${e.actor}${e.reason ? ` — ${e.reason}` : ''}`).join('\n'),
  };
}
