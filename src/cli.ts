import { Command, Option } from 'commander';
import type { CommandResult } from './output/command-result.js';
import { durationIn, integerIn, numberWhere } from './cli-parse.js';
import { DAY, HOUR, SECOND } from './config/duration.js';
import type { Ctx } from './context.js';

/**
 * A command module: imported only when its command runs, so `rollout --version` loads almost nothing.
 * `O` is the command's options as declared below, values already parsed (numbers, choices).
 */
export type Handler<O = Record<string, unknown>> = (options: O, args: string[], ctx: Ctx) => Promise<CommandResult>;
export type Selected = { name: string; load: () => Promise<Handler>; options: Record<string, unknown>; args: string[] };

/** `--dry-run` and `--reason`; `only` names the action they apply to when the command has several. */
const mutating = (cmd: Command, only?: string) =>
  cmd
    .option('--dry-run', `${only ? `${only}: ` : ''}show exactly what would change, change nothing`)
    .option('--reason <text>', `${only ? `${only}: ` : ''}recorded in the audit log`);

/** The one place that declares every command and option of the CLI. */
export function buildProgram(
  version: string,
  select: (s: Selected) => void,
  output: { writeOut(s: string): void; writeErr(s: string): void },
): Command {
  const program = new Command('rollout')
    .description('Phase-gated release orchestration: gates, progressive flag rollout with canary statistics, rollback.')
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'release plan', 'rollout.yaml')
    .option('--state <url>', 'state backend: file:<dir> or postgres://… (default file:.rollout)')
    .option('--json', 'one JSON document on stdout; progress on stderr', false)
    .option('--no-color', 'no colour in human output')
    .option('--actor <name>', 'who is acting (default $ROLLOUT_ACTOR, the CI user, then $USER)')
    // Every subcommand's --help lists the global options too (set before the commands copy it).
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run `rollout --help` for the commands and options)')
    .configureOutput(output)
    .exitOverride();

  // The one place where commander's untyped options meet a handler's options type: the declaration
  // below (with its argParser/choices) and the handler's XxxOptions interface describe the same flags.
  const on = <O>(cmd: Command, name: string, load: () => Promise<Handler<O>>) =>
    cmd.action((...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const args = params
        .slice(0, -2)
        .filter((p): p is string | string[] => typeof p === 'string' || Array.isArray(p))
        .flat();
      select({ name, load: load as () => Promise<Handler>, options: command.optsWithGlobals(), args });
    });

  on(
    program.command('init').description('write a starter rollout.yaml and .perf-budget.json (never overwrites)'),
    'init',
    async () => (await import('./commands/init.js')).runInit,
  );
  on(
    program
      .command('validate')
      .description('check the plan and the performance budget; every problem with file:line:col')
      .option('--no-cache', 'validate from scratch, ignoring plans validated before with the same bytes'),
    'validate',
    async () => (await import('./commands/validate.js')).runValidate,
  );
  on(
    program
      .command('schema')
      .description('print the JSON Schema of rollout.yaml (or the configuration reference)')
      .addOption(new Option('--format <format>', 'json or markdown').choices(['json', 'markdown']).default('json')),
    'schema',
    async () => (await import('./commands/schema.js')).runSchema,
  );
  on(
    program
      .command('plan')
      .description(
        'the phases, gates, stages, risks (flagging one with no live mitigation) and what `advance` would do next (no side effects)',
      ),
    'plan',
    async () => (await import('./commands/plan.js')).runPlan,
  );
  on(
    program
      .command('preflight')
      .description('run the gates of a phase (default: the current one); exit 0 pass, 1 fail, 3 inconclusive')
      .option('--phase <id>', 'the phase whose gates run (default: the current phase)')
      .option('--only <gates...>', 'run only these gates of the phase')
      .option('--junit <file>', 'also write a JUnit XML report for CI'),
    'preflight',
    async () => (await import('./commands/preflight.js')).runPreflight,
  );
  on(
    mutating(
      program
        .command('signoff')
        .description('record a human checklist item (actor, time, reason), audited')
        .argument('<item>', 'checklist item id')
        .option('--phase <id>', 'the phase the item belongs to (default: the current phase)'),
    ),
    'signoff',
    async () => (await import('./commands/signoff.js')).runSignoff,
  );
  on(
    program
      .command('status')
      .description('phase, stage, flag percentages, latest verdicts, lock holder, history')
      .addOption(new Option('--history <n>', 'history entries to show').argParser(integerIn(0, 100_000)).default(5))
      .option('--watch', 'redraw every few seconds until the release completes (exit 0) or is rolled back (exit 4)')
      .addOption(
        new Option('--interval <duration>', 'with --watch: time between redraws')
          .argParser(durationIn(1, HOUR, 'a duration between 1ms and 1h, e.g. 5s'))
          .default('5s'),
      ),
    'status',
    async () => (await import('./commands/status.js')).runStatus,
  );
  on(
    program
      .command('analyze')
      .description('canary vs baseline statistics for the current stage (exit 0 pass, 1 fail, 3 inconclusive)')
      .option('--stage <id>', "judge with this stage's settings (default: the current stage)")
      // The same range as canary.window: a window PromQL accepts and a range query can answer.
      .addOption(
        new Option('--window <duration>', 'the window both arms are judged over (default canary.window)').argParser(
          durationIn(SECOND, 30 * DAY, 'a duration from 1s to 30d such as 30m, 1h or 1h30m'),
        ),
      )
      .option('--record <file>', 'save every Prometheus query and answer of this run')
      .option('--replay <file>', 'answer every query from a recording: offline, reproducible')
      .option('--dry-run', "analyse without storing the verdict as the stage's evidence"),
    'analyze',
    async () => (await import('./commands/analyze.js')).runAnalyze,
  );
  on(
    program
      .command('simulate')
      .description(
        'run the canary policy on synthetic or recorded traffic: false-fail rate, power, time to detect (exit 1 when A/A misses alpha)',
      )
      .addOption(
        new Option(
          '--scenario <kind>',
          'aa (no change) or regression (default: aa, or regression with --effect / --canary-rate)',
        ).choices(['aa', 'regression']),
      )
      .option('--metric <id>', 'the ratio metric the rates and the regression apply to (default: every ratio metric)')
      .addOption(new Option('--stages <n>', 'simulated stages').argParser(integerIn(1, 1_000_000)).default(1000))
      .addOption(
        new Option('--looks <n>', 'looks per stage, one per watch interval')
          .argParser(integerIn(1, 10_000))
          .default(60),
      )
      .addOption(
        new Option(
          '--requests-per-look <n>',
          'requests per arm per look (default 200, or the recorded volume)',
        ).argParser(integerIn(1, 100_000_000)),
      )
      .addOption(
        new Option(
          '--baseline-rate <p>',
          "the baseline's true rate (default per metric, or the recorded rate)",
        ).argParser(numberWhere((x) => x > 0 && x < 1, 'a rate strictly between 0 and 1, e.g. 0.02')),
      )
      .addOption(
        new Option('--effect <x>', 'regression: relative, in the bad direction (1.5 = 50 % worse)').argParser(
          numberWhere((x) => x > 1 && x <= 100, 'a relative effect above 1 and at most 100, e.g. 1.5 for 50 % worse'),
        ),
      )
      .addOption(
        new Option('--canary-rate <p>', "regression: the canary's true rate").argParser(
          numberWhere((x) => x >= 0 && x <= 1, 'a rate from 0 to 1, e.g. 0.03'),
        ),
      )
      .addOption(
        new Option('--seed <n>', 'seed of the simulated traffic')
          .argParser(integerIn(-(2 ** 31), 2 ** 32 - 1))
          .default(1),
      )
      .addOption(
        new Option(
          '--overdispersion <phi>',
          'clustered traffic: per-interval counts vary φ times more than binomial (beta-binomial; default 1)',
        ).argParser(numberWhere((x) => x >= 1 && x <= 1000, 'a variance factor φ from 1 (binomial) to 1000, e.g. 4')),
      )
      .addOption(
        new Option(
          '--autocorrelation <rho>',
          "with --overdispersion: chance an interval keeps the previous interval's rate (lag-1 correlation; default 0)",
        ).argParser(numberWhere((x) => x >= 0 && x < 1, 'a lag-1 correlation from 0 to below 1, e.g. 0.5')),
      )
      .option(
        '--from-recording <file>',
        'baseline rate and volume from `rollout analyze --record FILE`, resampled per stage',
      ),
    'simulate',
    async () => (await import('./commands/simulate.js')).runSimulate,
  );
  on(
    program
      .command('watch')
      .description(
        'evaluate the rollback triggers every interval and roll back on its own (exit 0 clean, 3 sources failing, 4 rolled back)',
      )
      .addOption(
        new Option(
          '--for <duration>',
          'stop after this long, e.g. 1h (default: until SIGINT/SIGTERM or a rollback)',
        ).argParser(durationIn(1, Number.MAX_SAFE_INTEGER, 'a duration such as 2s, 1m or 24h')),
      )
      .addOption(
        new Option('--interval <duration>', 'time between looks (default watch.interval, 1m)').argParser(
          durationIn(
            SECOND,
            Number.MAX_SAFE_INTEGER,
            'a duration of at least 1s such as 30s or 1m (each look queries Prometheus for every trigger)',
          ),
        ),
      )
      .addOption(
        new Option(
          '--metrics-port <port>',
          'serve the watch metrics on 127.0.0.1:PORT/metrics (0 = any free port)',
        ).argParser(integerIn(0, 65_535)),
      ),
    'watch',
    async () => (await import('./commands/watch.js')).runWatchCli,
  );
  on(
    mutating(
      program
        .command('advance')
        .description("check the current step's gates or canary evidence, then move exactly one step forward")
        .option(
          '--override',
          'move forward despite failing or inconclusive evidence (needs --reason; audited and announced)',
        )
        .option('--accept-config-change', 'accept that rollout.yaml changed since the release started')
        .option(
          '--fresh',
          "run every gate; by default a pass `preflight` recorded at the same commit and plan, younger than the gate's maxAge, is reused (said in the output and the audit log)",
        ),
    ),
    'advance',
    async () => (await import('./commands/advance.js')).runAdvance,
  );
  on(
    mutating(
      program
        .command('rollback')
        .description(
          'kill switch to the fallback in under a second, progressive ramp-down, or full rollback with health verification',
        )
        .addOption(
          new Option('--mode <mode>', 'default rollback.defaultMode').choices(['immediate', 'progressive', 'full']),
        )
        .option('--resume', 'continue an interrupted progressive rollback from the step it reached'),
    ),
    'rollback',
    async () => (await import('./commands/rollback.js')).runRollback,
  );
  on(
    mutating(
      program
        .command('retry')
        .description('re-open a release after a rollback, at the stage it was rolled back from')
        .option(
          '--from <stage>',
          'the stage to re-open at (default: the stage rolled back from; a later one needs --override)',
        )
        .option('--override', 're-open beyond the stage rolled back from (needs --reason; audited as an override)'),
    ),
    'retry',
    async () => (await import('./commands/retry.js')).runRetry,
  );
  on(
    mutating(
      program
        .command('flags')
        .argument('<action>', 'list | show FLAG | eval FLAG | export | sync')
        .argument('[flag]', 'the flag key')
        .description(
          'inspect flags; `eval FLAG --key ID [--group G]` shows the variant a user gets, and why; `sync` rewrites and publishes every flag file from the state',
        )
        .option('--key <id>', 'eval: the targeting key (user or session id)')
        .option('--group <name...>', 'eval: groups the user belongs to')
        .option('--attr <key=value...>', 'eval: other context attributes')
        .option('--out <file>', 'export: write the flagd file here'),
      'sync',
    ),
    'flags',
    async () => (await import('./commands/flags.js')).runFlags,
  );
  on(
    program
      .command('notify')
      .description('deliver the notifications waiting in the outbox')
      .option('--flush', 'required: deliver now'),
    'notify',
    async () => (await import('./commands/notify.js')).runNotify,
  );
  on(
    program
      .command('verify')
      .description(
        "run the engines' property suites and golden accuracy cases (exit 1 when a property fails or the model under release, v1.1, misses a golden case)",
      )
      .addOption(new Option('--engine <name>', 'default: all').choices(['reserves', 'pacing', 'cohorts']))
      .addOption(new Option('--model <version>', 'default: both').choices(['v1.0', 'v1.1']))
      .option('--property <id>', 'only this property (to replay a failure)')
      .addOption(new Option('--runs <n>', 'runs per property').argParser(integerIn(1, 10_000_000)))
      .addOption(
        new Option('--seed <n>', 'fast-check seed (random when absent, always reported)').argParser(
          integerIn(-0x80000000, 0x7fffffff),
        ),
      )
      .option('--path <path>', 'fast-check replay path of a reported failure'),
    'verify',
    async () => (await import('./commands/verify.js')).runVerifyCommand,
  );
  on(
    program
      .command('log')
      .description('the audit log')
      .option('--verify', 'check the hash chain and say which entry breaks it')
      .addOption(new Option('--limit <n>', 'show the last N entries').argParser(integerIn(1, 1_000_000)).default(20)),
    'log',
    async () => (await import('./commands/log.js')).runLog,
  );
  on(
    mutating(
      program
        .command('unlock')
        .description('break a stale release lock (audited)')
        .addOption(new Option('--force', 'required: breaking a lock is deliberate')),
    ),
    'unlock',
    async () => (await import('./commands/unlock.js')).runUnlock,
  );
  on(
    program
      .command('runbook')
      .description('the procedures in runbooks/: list, show ID, run ID (step by step, confirmed, audited)')
      .argument('<action>', 'list | show | run')
      .argument('[id]', 'runbook id (the file name without .md)')
      .option('--yes', 'run every step without asking (needed when stdin is not a terminal)')
      .option('--dry-run', 'print the steps, run nothing')
      .option('--reason <text>', 'recorded in the audit log and passed to rollout steps as {{reason}}'),
    'runbook',
    async () => (await import('./commands/runbook.js')).runRunbook,
  );
  on(
    mutating(
      program
        .command('chaos')
        .description('Chaos Lite: list the experiments, or run one and measure the recovery time')
        .argument('<action>', 'list | run')
        .argument('[id]', 'experiment id from rollout.yaml'),
    ),
    'chaos',
    async () => (await import('./commands/chaos.js')).runChaos,
  );
  on(
    program
      .command('alerts')
      .description('Prometheus alerting rules generated from the budgets and rollback triggers')
      .option('--out <file>', 'write the rules file here instead of stdout'),
    'alerts',
    async () => (await import('./commands/alerts.js')).runAlerts,
  );
  on(
    program
      .command('dashboard')
      .description('a Grafana dashboard JSON for the release (golden signals, canary vs baseline)')
      .option('--out <file>', 'write the dashboard here instead of stdout'),
    'dashboard',
    async () => (await import('./commands/dashboard.js')).runDashboard,
  );
  on(
    program
      .command('report')
      .description(
        'a release report from the state and the audit log: success metrics (met / not met / unknown), timeline, evidence, rollbacks, delivery figures',
      )
      .addOption(
        new Option('--format <format>', 'html is one self-contained file with charts')
          .choices(['md', 'markdown', 'html'])
          .default('md'),
      )
      .option('--out <file>', 'write the report here instead of stdout')
      .option(
        '--no-checkpoint',
        'read the whole audit log and leave no checkpoint (by default a report goes on from the previous one)',
      ),
    'report',
    async () => (await import('./commands/report.js')).runReport,
  );
  const state = program.command('state').description('state backends');
  on(
    mutating(
      state
        .command('migrate')
        .description('move a release between state backends with its history and audit log (verified after the copy)')
        .requiredOption('--from <url>', 'where the release is now, e.g. file:.rollout')
        .requiredOption('--to <url>', 'where it goes, e.g. postgres://db.internal:5432/rollout')
        .option(
          '--release <name>',
          "release key in a postgres state (default: ?release= in the URL, else the plan's release)",
        )
        .addOption(new Option('--force', 'replace a release the target already holds')),
    ),
    'state migrate',
    async () => (await import('./commands/state-migrate.js')).runStateMigrate,
  );
  on(
    state
      .command('repair')
      .description('rebuild a state.json that cannot be used from the audit log; a dry run unless --write')
      .option('--write', 'write the rebuilt state (the broken file is kept beside it) and record it in the audit log')
      .option('--reason <text>', 'recorded in the audit log'),
    'state repair',
    async () => (await import('./commands/state-repair.js')).runStateRepair,
  );
  on(
    program
      .command('demo')
      .description(
        'a complete simulated release on embedded defaults: simulated traffic, metrics and clock, no external services (--provider unleash: the flag on a real Unleash server)',
      )
      .addOption(
        new Option(
          '--seed <n>',
          'seed of the simulated traffic: the same seed gives the same decisions (random when absent, always reported)',
        ).argParser(integerIn(0, 2 ** 32 - 1)),
      )
      .option('--keep', 'keep the temporary project directory (plan, flag file, state, audit log)')
      .addOption(
        new Option(
          '--provider <kind>',
          'where the flag lives: flagd-file (a file, no service) or unleash (a real Unleash server: the one UNLEASH_URL and UNLEASH_ADMIN_TOKEN name, else a local unleash-server 6.x + PostgreSQL started for the run and stopped at the end)',
        )
          .choices(['flagd-file', 'unleash'])
          .default('flagd-file'),
      )
      .option(
        '--unleash-server <dir>',
        "where unleash-server is installed for a local server (a directory holding node_modules/unleash-server); default: ./node_modules, then rollout's test/fixtures/unleash-server",
      ),
    'demo',
    async () => (await import('./commands/demo.js')).runDemo,
  );
  on(
    program
      .command('completion')
      .description('shell completion script: eval "$(rollout completion bash)" (also zsh, fish)')
      .argument('<shell>', 'bash | zsh | fish'),
    'completion',
    async () => (await import('./commands/completion.js')).runCompletion,
  );
  on(
    program.command('__complete', { hidden: true }).argument('[words...]').allowUnknownOption().helpOption(false),
    '__complete',
    async () => (await import('./commands/completion.js')).runComplete,
  );
  return program;
}
