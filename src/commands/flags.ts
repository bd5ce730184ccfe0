import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Ctx } from '../context.js';
import { EXIT } from '../errors/catalogue.js';
import { RolloutError } from '../errors/rollout-error.js';
import { suggest } from '../config/suggest.js';
import type { LoadedConfig } from '../config/load.js';
import { createFileFlagStore } from '../flags/flag-store.js';
import { buildFlagDocument } from '../flags/flagd.js';
import type { FlagdDocument } from '../flags/types.js';
import { openProvider } from '../flags/providers/registry.js';
import { flagLocation, flagSpecsFor, toProviderFlag } from '../lifecycle/flag-sync.js';
import { renderTable } from '../output/style.js';
import { loadConfigFor } from './load-config.js';
import { openState } from '../state/open-state.js';
import type { CommandResult, MutatingOptions, OutOptions } from '../output/command-result.js';

function findFlag(loaded: LoadedConfig, key: string | undefined) {
  const keys = loaded.config.flags.map((f) => f.key);
  const flag = loaded.config.flags.find((f) => f.key === key);
  if (!flag) {
    const hint = key ? suggest(key, keys) : null;
    throw new RolloutError(
      'E_USAGE',
      `${key ? `no flag "${key}"` : 'name a flag'}${hint ? ` (did you mean ${hint}?)` : ''}; flags: ${keys.join(', ') || '(none)'}`,
    );
  }
  return flag;
}

async function readFlagFile(loaded: LoadedConfig, file: string): Promise<FlagdDocument | null> {
  return createFileFlagStore({ path: path.resolve(loaded.dir, file), dryRun: true }).read();
}

/** `rollout flags` options as cli.ts parses them (`--group` and `--attr` are variadic: always lists). */
export interface FlagsOptions extends MutatingOptions, OutOptions {
  key?: string;
  group?: string[];
  attr?: string[];
}

/** `rollout flags list|show|eval|export`: what applications see, evaluated exactly as they will. */
export async function runFlags(options: FlagsOptions, args: string[], ctx: Ctx): Promise<CommandResult> {
  const [action, key] = args;
  const loaded = await loadConfigFor(ctx);
  const state = await openState(ctx, loaded).read();
  switch (action) {
    case 'list': {
      const rows = loaded.config.flags.map((f) => {
        const s = state?.flags[f.key];
        return {
          key: f.key,
          provider: f.provider,
          file: flagLocation(f),
          newVariant: f.variants.new,
          fallback: f.variants.fallback,
          percent: s?.percent ?? 0,
          groups: s?.groups ?? [],
          killSwitch: s?.killSwitch ?? false,
        };
      });
      return {
        exitCode: EXIT.ok,
        result: { flags: rows },
        human: (st) =>
          renderTable(
            ['flag', 'serves', 'percent', 'groups', 'kill switch', 'file'],
            rows.map((r) => [
              r.key,
              `${r.newVariant} / fallback ${r.fallback}`,
              `${r.percent} %`,
              r.groups.join(', ') || '—',
              r.killSwitch ? st.red('ON') : 'off',
              r.file,
            ]),
          ),
      };
    }
    case 'show': {
      const flag = findFlag(loaded, key);
      if (flag.provider !== 'flagd-file') {
        // A toggle on a server: what it serves, read from the server.
        const provider = await openProvider(flag.provider, { planDir: loaded.dir, env: ctx.env, redact: ctx.redact });
        const served = await provider.readServed(toProviderFlag(loaded.config, flag));
        const where = flagLocation(flag);
        return {
          exitCode: EXIT.ok,
          result: { key: flag.key, file: where, definition: served },
          human: () =>
            served ? JSON.stringify(served, null, 2) : `${where} does not exist yet (nothing was rolled out)`,
        };
      }
      const doc = await readFlagFile(loaded, flag.file);
      const definition = doc?.flags[flag.key] ?? null;
      return {
        exitCode: EXIT.ok,
        result: { key: flag.key, file: flag.file, definition },
        human: () =>
          definition
            ? JSON.stringify(definition, null, 2)
            : `${flag.file} has no ${flag.key} yet (nothing was rolled out)`,
      };
    }
    case 'eval': {
      const flag = findFlag(loaded, key);
      const id = options.key ?? '';
      if (!id)
        throw new RolloutError(
          'E_USAGE',
          'flags eval needs --key <targeting key> (the user or session id applications pass)',
        );
      const groups = options.group ?? [];
      const attrs: Record<string, string> = {};
      for (const pair of options.attr ?? []) {
        const at = pair.indexOf('=');
        if (at <= 0) throw new RolloutError('E_USAGE', `--attr ${pair}: write key=value`);
        attrs[pair.slice(0, at)] = pair.slice(at + 1);
      }
      const doc = flag.provider === 'flagd-file' ? await readFlagFile(loaded, flag.file) : 'remote';
      if (!doc)
        throw new RolloutError('E_USAGE', `${flag.file} does not exist yet: every user gets the application's default`);
      // Explained by the flag's provider, which evaluates it as applications do.
      const provider = await openProvider(flag.provider, { planDir: loaded.dir, env: ctx.env, redact: ctx.redact });
      const evaluation = await provider.explain(toProviderFlag(loaded.config, flag), {
        targetingKey: id,
        ...(groups.length ? { groups } : {}),
        ...(Object.keys(attrs).length ? { attrs } : {}),
      });
      return {
        exitCode: EXIT.ok,
        result: { key: flag.key, targetingKey: id, groups, attrs, ...evaluation },
        human: (st) => `${st.bold(evaluation.variant ?? '(application default)')} for ${id}: ${evaluation.detail}`,
      };
    }
    case 'export': {
      const docs: Record<string, FlagdDocument> = {};
      for (const [file, specs] of flagSpecsFor(loaded.config, state?.flags ?? {}))
        docs[file] = buildFlagDocument(specs);
      const out = options.out;
      if (out) {
        if (Object.keys(docs).length !== 1)
          throw new RolloutError('E_USAGE', '--out writes one file, but the plan writes flags to several; omit --out');
        await writeFile(path.resolve(ctx.cwd, out), `${JSON.stringify(Object.values(docs)[0], null, 2)}\n`);
      }
      return {
        exitCode: EXIT.ok,
        result: { files: docs },
        human: () =>
          out
            ? `wrote ${out}`
            : Object.entries(docs)
                .map(([f, d]) => `# ${f}\n${JSON.stringify(d, null, 2)}`)
                .join('\n'),
      };
    }
    case 'sync':
      return (await import('./flags-sync.js')).runFlagsSync(options, ctx, loaded);
    default: {
      const hint = action ? suggest(action, ['list', 'show', 'eval', 'export', 'sync']) : null;
      throw new RolloutError(
        'E_USAGE',
        `flags ${action ?? ''}: use list, show FLAG, eval FLAG --key ID, export or sync${hint ? ` (did you mean ${hint}?)` : ''}`,
      );
    }
  }
}
