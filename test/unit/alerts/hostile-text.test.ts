import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { buildAlertRules, renderRulesYaml } from '../../../src/alerts/index.js';
import { loadConfig } from '../../../src/config/load.js';
import { buildDashboard } from '../../../src/dashboard/index.js';
import { escapeControl, escapeIdentitiesInPlace, escapeInline, escapeJsonText } from '../../../src/output/escape.js';
import { createMarkedStyle, renderTable } from '../../../src/output/style.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const loaded = await loadConfig({ file: 'rollout.yaml', cwd: REPO_ROOT });
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('escaping text for terminals', () => {
  it('shows ESC, NUL, C1 and bidi overrides as visible escapes; escapeInline also newlines and tabs', () => {
    expect(escapeControl('a\u001b[31mb\u0000c\u009bd\u202ee\nf\tg')).toBe('a\\e[31mb\\0c\\x9bd\\u{202e}e\nf\tg');
    expect(escapeInline('eve\u001b[31m\nforged\tx')).toBe('eve\\e[31m\\nforged\\tx');
    expect(escapeInline('plain ünïcode 🚀')).toBe('plain ünïcode 🚀');
  });

  it('keeps JSON valid and equal while escaping C1 and bidi characters', () => {
    const value = { actor: 'a\u202eb\u0085c\u001b' };
    const text = escapeJsonText(JSON.stringify(value));
    expect(text).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('escapes identities in a result in place, and leaves multi-line fields their newlines', () => {
    const result = {
      history: [{ actor: 'eve\nforged', reason: 'r\u001b[2J', note: 'two\nlines' }],
      lock: { actor: 'x\ny' },
      at: new Date(0),
    };
    escapeIdentitiesInPlace(result);
    expect(result.history[0]).toEqual({ actor: 'eve\\nforged', reason: 'r\\e[2J', note: 'two\nlines' });
    expect(result.lock.actor).toBe('x\\ny');
  });

  it('colours survive escaping only as the marked style emits them, and tables measure them as zero width', () => {
    const { style, finish } = createMarkedStyle();
    const text = finish(escapeControl(`${style.red('fail')} \u001b[32mforged`));
    expect(text).toBe('\u001b[31mfail\u001b[39m \\e[32mforged');
    const table = renderTable(
      ['a', 'b'],
      [
        [style.green('ok'), 'x'],
        ['long cell', 'y'],
      ],
    );
    expect(finish(table).split('\n')[1]).toBe('\u001b[32mok\u001b[39m         x');
  });
});

describe('alerts and dashboard with hostile names (validate rejects them; the generators still stay safe)', () => {
  it("a release with a newline and ESC stays inside the rules file's header comment", () => {
    const config = { ...structuredClone(loaded.config), release: 'v1\n- evil: x\u001b[31m' };
    const text = renderRulesYaml(buildAlertRules(config, loaded.budget), {
      plan: 'plan\n- evil.yaml',
      budget: '.perf-budget.json',
      release: config.release,
    });
    const doc = parseDocument(text);
    expect(doc.errors).toEqual([]);
    expect(Object.keys(doc.toJS() as object)).toEqual(['groups']);
    expect(text.split('\n')[0]).toContain('v1\\n- evil: x\\e[31m');
    const header = text.slice(0, text.indexOf('\ngroups:')).split('\n');
    expect(header.every((l) => l.startsWith('#'))).toBe(true);
    // In the body the release is a YAML string value, read back exactly.
    const groups = (doc.toJS() as { groups: Array<{ rules: Array<{ labels: { release: string } }> }> }).groups;
    expect(groups[0]?.rules[0]?.labels.release).toBe(config.release);
    expect(text).not.toMatch(RAW_CONTROL);
  });

  it('the dashboard title and tags carry the release escaped', () => {
    const config = { ...structuredClone(loaded.config), release: 'v1\u202e\u001b[2J' };
    const dashboard = buildDashboard(config, loaded.budget) as { title: string; tags: string[] };
    expect(dashboard.title).toBe('Release v1\\u{202e}\\e[2J');
    expect(dashboard.tags).toContain('v1\\u{202e}\\e[2J');
  });

  it('a template validate would reject is a configuration error (exit 2) in alerts and dashboard, never an internal one', () => {
    const config = structuredClone(loaded.config);
    const metric = config.canary?.metrics.find((m) => m.kind === 'ratio');
    if (metric?.kind !== 'ratio') throw new Error('the plan has a ratio metric');
    metric.events = 'sum(x{v={{variant}}})';
    for (const build of [() => buildAlertRules(config, loaded.budget), () => buildDashboard(config, loaded.budget)]) {
      let code: unknown;
      try {
        build();
      } catch (error) {
        code = (error as { code?: unknown }).code;
      }
      expect(code).toBe('E_CONFIG');
    }
  });
});
