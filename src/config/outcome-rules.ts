import type { Problem } from '../errors/rollout-error.js';
import { checkMitigation, checklistIds, readMitigation, resolveGateRef } from './plan-refs.js';
import type { RawConfig } from './schema.js';
import { locate, type YamlSource } from './yaml-source.js';

type Path = (string | number)[];
const QUERY_VARS = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

/**
 * Success metrics and risks: every reference to another part of the plan must exist, reported at
 * the reference with file:line:col. `runbooks` is the set of runbook ids the plan can use; null when its
 * runbooks directory does not exist, and then a runbook reference is a warning.
 */
export function checkOutcomes(config: RawConfig, source: YamlSource, runbooks: ReadonlySet<string> | null): Problem[] {
  const problems: Problem[] = [];
  const report = (path: Path, message: string, severity: 'error' | 'warning' = 'error') =>
    problems.push({
      file: source.file,
      ...locate(source, path),
      message,
      ...(severity === 'warning' ? { severity } : {}),
    });
  const seen = (items: { id: string }[], base: string, what: string) => {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      if (first.has(item.id))
        report([base, i, 'id'], `duplicate ${what} id "${item.id}" (first defined at ${base}.${first.get(item.id)})`);
      else first.set(item.id, i);
    });
  };
  seen(config.successMetrics, 'successMetrics', 'success metric');
  seen(config.risks, 'risks', 'risk');
  config.successMetrics.forEach((metric, i) => checkSuccessMetric(config, metric, ['successMetrics', i], report));
  config.risks.forEach((risk, r) =>
    risk.mitigations.forEach((m, k) => {
      const { kind, ref } = readMitigation(m);
      const at: Path = ['risks', r, 'mitigations', k, kind];
      if (kind === 'runbook' && runbooks === null) {
        report(
          at,
          `risk "${risk.id}": runbook "${ref}" not checked: ${config.runbooks}/ does not exist here`,
          'warning',
        );
        return;
      }
      const status = checkMitigation(config, m, runbooks);
      if (status.state === 'missing') report(at, `risk "${risk.id}": ${status.detail}`);
    }),
  );
  return problems;
}

function checkSuccessMetric(
  config: RawConfig,
  metric: RawConfig['successMetrics'][number],
  at: Path,
  report: (path: Path, message: string) => void,
): void {
  const { source } = metric;
  const judgedByNumber = source.kind === 'derived' || source.kind === 'prometheus' || source.kind === 'canary';
  if (judgedByNumber && metric.expect === undefined)
    report(at, `success metric "${metric.id}" reads a number (${source.kind}) and needs expect, e.g. "< 0.05"`);
  if (!judgedByNumber && metric.expect !== undefined)
    report([...at, 'expect'], `success metric "${metric.id}": a ${source.kind} source is met or not; remove expect`);
  const src: Path = [...at, 'source'];
  if (source.kind === 'canary' && !config.canary?.metrics.some((m) => m.id === source.metric))
    report([...src, 'metric'], `success metric "${metric.id}": "${source.metric}" is not defined under canary.metrics`);
  if (source.kind === 'gate') {
    const found = resolveGateRef(config, source.gate);
    if (!found.found)
      report(
        [...src, 'gate'],
        found.problem === 'ambiguous'
          ? `success metric "${metric.id}": gate "${source.gate}" is in phases ${found.phases.join(', ')}; write PHASE/${source.gate}`
          : `success metric "${metric.id}": gate "${source.gate}" is not a gate of any phase`,
      );
  }
  if (source.kind === 'signoff' && !checklistIds(config).has(source.item))
    report(
      [...src, 'item'],
      `success metric "${metric.id}": sign-off "${source.item}" is not a checklist item of any phase`,
    );
  if (source.kind === 'prometheus') {
    for (const m of source.query.matchAll(QUERY_VARS)) {
      const name = m[1] as string;
      if (name === 'window' && !source.window)
        report([...src, 'query'], 'the query uses {{window}} but the source has no window');
      else if (name !== 'window' && name !== 'release')
        report(
          [...src, 'query'],
          `unknown template variable {{${name}}} (success metrics know {{window}} and {{release}})`,
        );
    }
  }
}
