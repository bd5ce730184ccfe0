import type { Ctx } from '../context.js';
import { renderTable } from '../output/style.js';
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
        if (verification.problems.length === 0)
          return `${s.green('ok')} audit log verifies: ${verification.entries} entries, head ${verification.head ?? '(empty)'}`;
        const lines = verification.problems.map(
          (p) =>
            `${p.kind === 'truncated-tail' ? s.yellow(p.kind) : s.red(p.kind)} line ${p.line}${p.seq !== undefined ? ` (seq ${p.seq})` : ''}: ${p.message}`,
        );
        lines.push(
          verification.tampered
            ? s.red('the audit log does NOT verify')
            : s.yellow('the last entry was torn by a crash; the next write repairs it'),
        );
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
        : renderTable(
            ['seq', 'time', 'operation', 'actor', 'from → to', 'reason'],
            entries.map((e) => [s.dim(String(e.seq)), e.ts, e.op, e.actor, describeChange(e), e.reason ?? '']),
          ),
  };
}

/** What the entry moved: `P2 week-1 1 % → P2 week-2 5 %` for an advance, `→ fallback (immediate)` for a rollback. */
export function describeChange(entry: AuditEntry): string {
  const data = (entry.data ?? {}) as Record<string, unknown>;
  if (data.from !== undefined || data.to !== undefined)
    return `${describePosition(data.from)} → ${describePosition(data.to)}`;
  if (entry.op === 'rollback' && typeof data.mode === 'string') return `→ fallback (${data.mode})`;
  return '';
}

function describePosition(value: unknown): string {
  if (value === undefined || value === null) return '–';
  if (typeof value !== 'object') return String(value);
  const v = value as Record<string, unknown>;
  const parts = [v.phase, v.stage, typeof v.percent === 'number' ? `${v.percent} %` : undefined].filter(
    (x) => typeof x === 'string' || typeof x === 'number',
  );
  return parts.length ? parts.join(' ') : JSON.stringify(value).slice(0, 40);
}
