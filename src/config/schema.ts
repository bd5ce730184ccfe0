import { z } from 'zod';
import {
  DEFAULT_PROVIDER,
  DEFAULT_PUBLISH_TIMEOUT,
  DEFAULT_UNLEASH_TOKEN_ENV,
  DEFAULT_UNLEASH_URL_ENV,
  PROVIDER_KINDS,
} from '../flags/providers/registry.js';
import { DAY, DURATION_PATTERN, formatDuration, HOUR, MINUTE, parseDuration, SECOND } from './duration.js';
import { risk, successMetric } from './outcome-schema.js';
import { refinement } from './refinements.js';

/**
 * The schema of `rollout.yaml`. Objects are strict: an unknown key is an error with a "did you mean".
 * Cross-field rules (ordering, references, duplicates) live in rules.ts, not here.
 */

/**
 * Parse options for the plan and budget schemas. Each is parsed once or a few times per process, so
 * zod's eval-compiled fast path for objects (generated on an object schema's first parse) costs more
 * than it saves: about a quarter of `node -e 0` on a cold `validate`. The interpreted path returns
 * the same data and the same issues.
 */
export const PARSE_ONCE = { jitless: true } as const;

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'ids use letters, digits, ".", "_" and "-"');
const duration = z
  .string()
  .regex(
    DURATION_PATTERN,
    'a duration such as 30s, 10m, 48h or 7d (compound: largest unit first, each once, e.g. 1h30m)',
  );
/**
 * A duration bounded by what it is used for. Timers (timeouts, intervals, latencies) stay far below
 * Node's 24.8-day setTimeout limit, past which a timer fires at once; windows stay within what a
 * Prometheus range selector means; bakes and soaks are compared with wall-clock time, so weeks are fine.
 */
function durationWithin(min: number, max: number, what: string) {
  return duration.refine(refinement('durationWithin', min, max), {
    error: (issue) => {
      const ms = parseDuration(String(issue.input)) ?? 0;
      const bound = ms < min ? `at least ${formatDuration(min)}` : `at most ${formatDuration(max)}`;
      return `${JSON.stringify(String(issue.input).slice(0, 30))} is out of range: ${what} is ${bound} (${formatDuration(min)} … ${formatDuration(max)})`;
    },
  });
}
const YEAR = 365 * DAY;
const expectedDuration = z.string().refine(refinement('expectedDuration'), {
  error: (issue) =>
    `${JSON.stringify(String(issue.input).slice(0, 30))} is not a duration: write e.g. "2d", "36h", "3 days", "1-2 weeks" or "2 to 3 days"`,
});
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as PROMETHEUS_TOKEN');
const comparison = z
  .string()
  .regex(
    /^\s*(<=|>=|==|!=|<|>)\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/,
    'a comparison such as "< 0.01", ">= 0.95" or "== 1"',
  );
/** A limit: an absolute number, or relative to the baseline arm as "baseline * 1.5". */
const limit = z.union([
  z.number(),
  z.string().regex(/^\s*baseline\s*\*\s*\d+(\.\d+)?\s*$/, 'a number or "baseline * <factor>"'),
]);

const gateCommon = {
  id: id.describe('unique within the phase; `preflight --only` and reports use it'),
  title: z.string().optional().describe("what the gate proves, in the plan's words"),
  item: z.string().optional().describe('the plan item this gate evidences, e.g. P0-1'),
  onInconclusive: z.enum(['inconclusive', 'fail']).optional().describe('treat missing evidence as a failure'),
  maxAge: durationWithin(0, 30 * DAY, 'a maxAge')
    .optional()
    .describe(
      'how old a passing `preflight` result at the same commit and plan may be for `advance` to reuse it; 0s: always run (default: reuse.maxAge for command, property, perf-budget and file gates, never for the others)',
    ),
};

export const commandGate = z.strictObject({
  ...gateCommon,
  kind: z.literal('command'),
  run: z.array(z.string().min(1)).min(1).describe('argv; never a shell string'),
  cwd: z.string().optional().describe('working directory, relative to the plan'),
  timeout: durationWithin(1, DAY, 'a command timeout')
    .default('10m')
    .describe('SIGTERM at the timeout, SIGKILL of the process group after a grace period; at most 24h'),
  env: z.array(envName).default([]).describe('variables passed through from the environment (allow-list)'),
});

export const prometheusGate = z.strictObject({
  ...gateCommon,
  kind: z.literal('prometheus'),
  query: z.string().min(1).describe('PromQL; {{window}} and {{release}} are substituted and escaped'),
  expect: comparison.describe('the comparison the single result must satisfy, e.g. "< 0.01"'),
  window: durationWithin(SECOND, YEAR, 'a query window')
    .optional()
    .describe('substituted for {{window}} in the query; 1s to 365d'),
  expectSeries: z.enum(['one', 'any']).default('one').describe('more series than expected is inconclusive unless any'),
});

export const httpGate = z.strictObject({
  ...gateCommon,
  kind: z.literal('http'),
  url: z.string().optional().describe('the URL to check (or urlEnv)'),
  urlEnv: envName.optional().describe('variable holding the base URL; unset → inconclusive with a hint'),
  path: z.string().optional().describe('appended to the base URL'),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  bearerTokenEnv: envName.optional(),
  expectStatus: z.union([z.number().int(), z.array(z.number().int())]).default(200),
  expectHeaders: z.record(z.string(), z.string()).default({}),
  preset: z
    .enum(['security-headers'])
    .optional()
    .describe('HSTS, CSP, X-Content-Type-Options, frame protection, Referrer-Policy'),
  bodyMatches: z.string().optional().describe('a regular expression the body must match'),
  maxLatency: durationWithin(1, 10 * MINUTE, 'a latency budget')
    .optional()
    .describe('latency budget of the response; at most 10m'),
  burst: z.number().int().min(1).max(1000).optional().describe('send N requests and judge the last (rate limiting)'),
  timeout: durationWithin(1, 10 * MINUTE, 'an http timeout')
    .default('10s')
    .describe('at most 10m'),
});

export const propertyGate = z.strictObject({
  ...gateCommon,
  kind: z.literal('property'),
  engine: z.enum(['reserves', 'pacing', 'cohorts', 'all']).default('all'),
  model: z.enum(['v1.0', 'v1.1']).optional(),
  runs: z.number().int().min(1).optional(),
  seed: z.number().int().optional(),
  minAccuracyDelta: z
    .number()
    .optional()
    .describe('fail when the v1.1 − v1.0 share of golden cases passed is below this'),
  minAccuracyImprovement: z
    .number()
    .min(-1)
    .max(100)
    .optional()
    .describe(
      'fail when v1.1 accuracy (1 − mean relative error on the golden cases) is not this much above v1.0 (0.10 = +10 %), or any engine is less accurate than in v1.0',
    ),
});

export const perfBudgetGate = z.strictObject({
  ...gateCommon,
  kind: z.literal('perf-budget'),
  budget: z.string().default('.perf-budget.json'),
  runs: z.number().int().min(1).default(7),
  regression: z
    .strictObject({
      baseline: z
        .string()
        .default('.perf-baseline.json')
        .describe('the samples of the last accepted run, relative to the plan; a passing run replaces them'),
      alpha: z
        .number()
        .gt(0)
        .lt(0.5)
        .default(0.01)
        .describe('one-sided Mann–Whitney level: slower than the accepted run'),
      minRelativeChange: z
        .number()
        .min(0)
        .default(0.1)
        .describe('and the median at least this much slower (0.10 = 10 %)'),
    })
    .optional()
    .describe('fail on a significant slowdown against the last accepted run ("performance regression: 0 %")'),
});

export const fileGate = z.strictObject({
  ...gateCommon,
  kind: z.literal('file'),
  path: z.string().min(1),
  contains: z.string().optional().describe('text that must appear; {{release}} is replaced'),
  matches: z.string().optional().describe('a regular expression that must match'),
  releaseSection: z
    .string()
    .optional()
    .describe(
      'a Keep a Changelog release section for this version must exist with entries (`## [2.1.0] - date`); {{release}} is replaced; a mention under [Unreleased] does not count',
    ),
});

export const soakGate = z.strictObject({
  ...gateCommon,
  kind: z.literal('soak'),
  duration: durationWithin(0, YEAR, 'a soak').describe(
    'time since the phase or stage began (wall clock); at most 365d',
  ),
  since: z.enum(['phase', 'stage']).default('phase'),
});

export const manualGate = z.strictObject({
  id: gateCommon.id,
  title: gateCommon.title,
  item: gateCommon.item,
  onInconclusive: gateCommon.onInconclusive,
  kind: z.literal('manual'),
  signoff: id.describe('the checklist item whose sign-off this gate requires'),
});

export const chaosGate = z.strictObject({
  ...gateCommon,
  kind: z.literal('chaos'),
  experiments: z
    .array(id)
    .min(1)
    .describe(
      'ids of experiments under chaos:; each needs a passing run (`rollout chaos run ID`) of its current definition',
    ),
  maxAge: durationWithin(MINUTE, YEAR, 'a chaos result age')
    .default('7d')
    .describe('a run older than this no longer counts; 1m to 365d'),
});

export const gate = z.discriminatedUnion('kind', [
  commandGate,
  prometheusGate,
  httpGate,
  propertyGate,
  perfBudgetGate,
  fileGate,
  soakGate,
  manualGate,
  chaosGate,
]);
export const GATE_KINDS = [
  'command',
  'prometheus',
  'http',
  'property',
  'perf-budget',
  'file',
  'soak',
  'manual',
  'chaos',
] as const;

export const checklistItem = z.strictObject({
  id,
  title: z.string(),
  item: z.string().optional(),
});

export const stage = z.strictObject({
  id,
  percent: z
    .number()
    .min(0)
    .max(100)
    .describe(
      'share of users outside the groups served the new variant; must increase stage by stage; 0 with groups = those groups only',
    ),
  groups: z
    .array(z.string().min(1))
    .default([])
    .describe('groups that always get the new variant, e.g. internal, beta_users (required when percent is 0)'),
  bake: durationWithin(0, YEAR, 'a bake time')
    .default('0s')
    .describe('minimum time at this stage before the next (wall clock); at most 365d'),
  minSamples: z.number().int().min(1).optional().describe('per arm; defaults to canary.minSamples'),
  label: z.string().optional(),
  expectedDuration: expectedDuration
    .optional()
    .describe('planned time at this stage, e.g. `1 week` or `5-7 days` (default: the bake time, as a minimum)'),
});

export const progressiveRollout = z.strictObject({
  flag: z.string().min(1).describe('a key under flags'),
  stages: z.array(stage).min(1).describe('in order; the last one should be 100'),
});

export const phase = z.strictObject({
  id,
  title: z.string(),
  expectedDuration: expectedDuration
    .optional()
    .describe(
      'planned length, e.g. `1-2 weeks`, `3 days`, `36h`; `status` and `report` compare it with the actual time',
    ),
  gates: z.array(gate).default([]).describe('all must pass before the phase ends (or the rollout starts)'),
  checklist: z.array(checklistItem).default([]).describe('sign-offs recorded with `rollout signoff ITEM --reason …`'),
  rollout: progressiveRollout.optional().describe('a progressive rollout of a flag inside this phase'),
  completion: z
    .enum(['default', 'none'])
    .default('default')
    .describe('whether the plan-wide completion checklist applies'),
});

export const flag = z.strictObject({
  key: z.string().min(1).describe('the flag key applications evaluate'),
  variants: z
    .strictObject({ new: z.string().min(1), fallback: z.string().min(1) })
    .describe('the new variant and the fallback every rollback returns to'),
  provider: z
    .enum(PROVIDER_KINDS)
    .default(DEFAULT_PROVIDER)
    .describe(
      'where the flag lives: flagd-file (a flagd JSON file, the default) or unleash (a toggle on an Unleash server, configured in flags[].unleash); see docs/flag-delivery.md',
    ),
  file: z
    .string()
    .default('flags/flags.json')
    .describe('flagd-file: the flagd JSON file applications read (offline file mode)'),
  publish: z
    .strictObject({
      run: z
        .array(z.string().min(1))
        .min(1)
        .describe('argv; never a shell string. ROLLOUT_FLAG_FILE (absolute path) and ROLLOUT_FLAG_SHA256 are set'),
      cwd: z.string().optional().describe('working directory, relative to the plan'),
      timeout: durationWithin(SECOND, 10 * MINUTE, 'a publish timeout')
        .default(DEFAULT_PUBLISH_TIMEOUT)
        .describe('SIGTERM at the timeout, SIGKILL of the process group after a grace period; 1s to 10m'),
      env: z.array(envName).default([]).describe('variables passed through from the environment (allow-list)'),
    })
    .optional()
    .describe(
      'flagd-file: a command run after every write of the file (kubectl apply of a ConfigMap, an object-store copy); a failure stops advance and makes a rollback exit 6',
    ),
  unleash: z
    .strictObject({
      project: z.string().min(1).default('default').describe('the Unleash project holding the toggle'),
      environment: z.string().min(1).describe('the Unleash environment the stages and the kill switch apply to'),
      urlEnv: envName
        .default(DEFAULT_UNLEASH_URL_ENV)
        .describe('the environment variable holding the Unleash base URL (the URL is never written in the plan)'),
      tokenEnv: envName
        .default(DEFAULT_UNLEASH_TOKEN_ENV)
        .describe('the environment variable holding an Unleash admin API token (never written in the plan)'),
      stickiness: z
        .string()
        .min(1)
        .default('userId')
        .describe("the context field Unleash buckets users on (the flexibleRollout strategy's stickiness)"),
      timeout: durationWithin(100, MINUTE, 'an Unleash request timeout')
        .default('5s')
        .describe('per request to the Unleash admin API; a slower answer counts as Unleash being down; 100ms to 1m'),
    })
    .optional()
    .describe('unleash: where the toggle lives; the URL and the admin token come from the environment only'),
  groupAttribute: z.string().default('groups').describe("evaluation-context attribute holding the user's groups"),
  killSwitch: z.boolean().default(true),
  monitoring: z
    .strictObject({
      completionRateThreshold: z.number().min(0).max(1).optional(),
      errorRateThreshold: z.number().min(0).max(1).optional(),
      latencyThreshold: z.number().positive().optional(),
    })
    .optional(),
});

const metricCommon = {
  id,
  title: z.string().optional(),
  critical: z.boolean().default(true),
  action: z.enum(['rollback', 'alert']).default('rollback').describe('alert = notify and ask for manual review'),
  onFail: z
    .enum(['rollback', 'hold'])
    .optional()
    .describe(
      '(default hold) a fail verdict at the end of a stage: rollback = advance rolls the release back (rollback.defaultMode) and exits 4; hold = advance stops, exit 1, nothing changed',
    ),
  minSamples: z.number().int().min(1).optional(),
  unit: z
    .string()
    .regex(/^[^\s\d][^\s]{0,11}$/, 'a short unit such as ms, s, req/s or %')
    .optional()
    .describe(
      'how values are shown in messages and report charts, e.g. ms or req/s; % = a fraction (0.02) shown as 2.00 %. ratio metrics are always %; default ms for a histogram with scale 1000, none otherwise',
    ),
};

export const ratioMetric = z.strictObject({
  ...metricCommon,
  kind: z.literal('ratio'),
  events: z.string().min(1).describe('PromQL counting the events (errors, completions); {{variant}} and {{window}}'),
  total: z.string().min(1).describe('PromQL counting all trials'),
  direction: z.enum(['lower-is-better', 'higher-is-better']),
  maxRelativeChange: z.number().positive().describe('0.10 = a 10 % change in the bad direction fails'),
  maxAbsolute: z.number().optional(),
  minAbsolute: z.number().optional(),
});

export const distributionMetric = z.strictObject({
  ...metricCommon,
  kind: z.literal('distribution'),
  method: z
    .enum(['points', 'histogram'])
    .default('points')
    .describe(
      'histogram: compare the requests themselves from bucket counts (each request counts once); points: one value per step of a range query',
    ),
  query: z
    .string()
    .min(1)
    .describe(
      'points: a range query returning one value per interval for {{variant}}; histogram: an instant query returning one series per `le` bucket with the requests of the window, e.g. sum by (le) (increase(x_bucket{variant="{{variant}}"}[{{window}}]))',
    ),
  step: durationWithin(SECOND, DAY, 'a query step')
    .default('1m')
    .describe(
      'points: resolution of the range query (use a query range equal to it); 1s to 24h, and at most 11,000 steps per window',
    ),
  quantile: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.95)
    .describe('histogram: the quantile compared (canary / baseline ratio and its interval)'),
  scale: z
    .number()
    .positive()
    .default(1)
    .describe('histogram: multiplies the bucket bounds for display, e.g. 1000 for seconds → ms'),
  direction: z.enum(['lower-is-better', 'higher-is-better']),
  maxRelativeShift: z
    .number()
    .positive()
    .optional()
    .describe('points: shift relative to the baseline median; histogram: relative change of the quantile'),
});

export const thresholdMetric = z.strictObject({
  ...metricCommon,
  kind: z.literal('threshold'),
  query: z.string().optional().describe('PromQL; {{variant}} selects the arm'),
  source: z
    .enum(['prometheus', 'verify'])
    .default('prometheus')
    .describe('verify = model_accuracy_delta from the golden cases'),
  max: z
    .union([z.number(), z.string().regex(/^budget\.[A-Za-z0-9_]+$/, 'a number or budget.<key> from .perf-budget.json')])
    .optional(),
  min: z.number().optional(),
});

export const metric = z.discriminatedUnion('kind', [ratioMetric, distributionMetric, thresholdMetric]);

export const canary = z.strictObject({
  window: durationWithin(SECOND, 30 * DAY, 'the canary window')
    .default('30m')
    .describe('both arms are judged over the same window; 1s to 30d'),
  minSamples: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('per arm, for rate metrics; fewer → inconclusive with the samples still needed'),
  alpha: z
    .number()
    .gt(0)
    .lt(0.5)
    .default(0.01)
    .describe('false-fail level of the whole analysis (Holm across metrics)'),
  power: z
    .number()
    .gt(0.5)
    .lt(1)
    .default(0.9)
    .describe("used to say how many more samples are needed, and to focus watch's sequential tests"),
  arms: z.strictObject({
    label: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/),
    canary: z.string(),
    baseline: z.string(),
  }),
  multipleComparisons: z.enum(['holm', 'none']).default('holm'),
  overdispersion: z
    .enum(['estimate', 'off'])
    .default('estimate')
    .describe(
      'rate metrics: estimate: widen the stage-end and watch tests for clustered counts (quasi-binomial); off: binomial tests as if every request were independent',
    ),
  dispersionInterval: durationWithin(SECOND, DAY, 'the dispersion interval')
    .default('1m')
    .describe(
      'rate metrics: the window is also read in intervals this long, and counts that vary more between intervals than binomial chance allows (clustered errors) widen the test; 1s to 24h',
    ),
  metrics: z.array(metric).min(1),
});

export const trigger = z.strictObject({
  id,
  metric: z.string().optional().describe('a canary metric id'),
  healthCheck: z.string().optional().describe('an http gate id used as a health check'),
  above: limit.optional(),
  below: limit.optional(),
  consecutiveFailures: z.number().int().min(1).optional(),
  window: durationWithin(SECOND, 30 * DAY, 'a trigger window')
    .optional()
    .describe('evaluation window; omit for immediate; 1s to 30d'),
  action: z.enum(['rollback', 'alert']).default('rollback'),
});

export const rollback = z.strictObject({
  defaultMode: z.enum(['immediate', 'progressive', 'full']).default('immediate'),
  immediate: z
    .strictObject({ target: durationWithin(1, HOUR, 'the kill-switch target').default('30s').describe('at most 1h') })
    .default({ target: '30s' }),
  progressive: z
    .strictObject({
      over: durationWithin(0, DAY, 'a ramp-down').default('5m').describe("the ramp-down's length; at most 24h"),
      steps: z.number().int().min(1).max(100).default(5),
    })
    .default({ over: '5m', steps: 5 }),
  full: z
    .strictObject({
      healthChecks: z.array(z.string()).default([]),
      deadline: durationWithin(SECOND, DAY, 'the health deadline').default('2m').describe('at most 24h'),
      interval: durationWithin(100, HOUR, 'the health-check interval').default('10s').describe('100ms to 1h'),
    })
    .default({ healthChecks: [], deadline: '2m', interval: '10s' }),
  watchAutoMode: z.enum(['immediate', 'progressive', 'full']).default('immediate'),
});

export const watch = z.strictObject({
  interval: durationWithin(1000, DAY, 'the watch interval')
    .default('1m')
    .describe('1s to 24h (a shorter interval would hammer the metrics source; watch --interval has the same floor)'),
  consecutiveErrorLimit: z.number().int().min(1).default(4),
  onSourceErrors: z.enum(['hold-and-alert', 'rollback']).default('hold-and-alert'),
});

export const notifications = z.strictObject({
  slack: z.strictObject({ channel: z.string().min(1), incidentChannelPrefix: z.string().default('inc') }).optional(),
  pagerduty: z.strictObject({ urlEnv: envName, routingKeyEnv: envName }).optional(),
});

export const prometheusSource = z.strictObject({
  urlEnv: envName.default('ROLLOUT_PROMETHEUS_URL'),
  bearerTokenEnv: envName.optional(),
  usernameEnv: envName.optional().describe('basic auth: variable holding the user name'),
  passwordEnv: envName.optional().describe('basic auth: variable holding the password'),
  timeout: durationWithin(100, 10 * MINUTE, 'a Prometheus query timeout')
    .default('10s')
    .describe('100ms to 10m'),
  retries: z.number().int().min(0).max(5).default(2),
});

const httpStatus = z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]);
/** Where an X-1 check sends its requests: the application, as a user would reach it. */
const checkTarget = {
  id,
  title: z.string().optional(),
  url: z.string().optional().describe('base URL of the application (or urlEnv)'),
  urlEnv: envName.optional().describe('variable holding the base URL; unset → the run is not steady'),
  headers: z.record(z.string(), z.string()).default({}),
  bearerTokenEnv: envName.optional(),
  timeout: durationWithin(1, 10 * MINUTE, 'a request timeout')
    .default('5s')
    .describe('per request; at most 10m'),
};
const checkRequest = z.strictObject({
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  path: z.string().min(1).describe('appended to the base URL; {{key}}, {{value}} and {{run}} are substituted'),
  body: z.string().optional().describe('request body; {{key}}, {{value}} and {{run}} are substituted'),
  contentType: z.string().default('application/json'),
  expectStatus: httpStatus.optional().describe('default: any 2xx'),
  bodyMatches: z.string().optional().describe('a regular expression the answer must match'),
});

export const writeReadCheck = z.strictObject({
  ...checkTarget,
  kind: z.literal('write-read'),
  write: checkRequest
    .extend({ method: z.enum(['POST', 'PUT', 'PATCH']).default('PUT') })
    .describe('stores {{value}} under {{key}}; an answer with the expected status is an acknowledged write'),
  read: checkRequest.describe('reads {{key}} back; the answer must contain the value written'),
});

export const httpJourneyCheck = z.strictObject({
  ...checkTarget,
  kind: z.literal('http-journey'),
  steps: z
    .array(checkRequest.extend({ name: z.string().optional() }))
    .min(1)
    .describe('requests in order, as a user makes them'),
  when: z
    .array(z.enum(['before', 'during', 'after']))
    .min(1)
    .default(['before', 'during', 'after'])
    .describe('when the journey must succeed: before the fault, every time during it, after recovery'),
});

export const experimentCheck = z.discriminatedUnion('kind', [writeReadCheck, httpJourneyCheck]);

export const chaosExperiment = z.strictObject({
  id,
  title: z.string(),
  item: z.string().optional(),
  fault: z.strictObject({
    type: z.enum(['connection-drop', 'unavailable', 'latency', 'memory-pressure']),
    target: z.string().optional().describe('host:port of the dependency behind the fault proxy'),
    listen: z.string().optional().describe('host:port the application connects to'),
    latency: durationWithin(0, 10 * MINUTE, 'an injected latency')
      .optional()
      .describe('at most 10m'),
    megabytes: z.number().int().positive().optional(),
  }),
  duration: durationWithin(SECOND, DAY, 'a chaos experiment').describe('how long the fault is on; 1s to 24h'),
  probe: gate,
  recoveryObjective: durationWithin(SECOND, DAY, 'a recovery objective').default('30s').describe('1s to 24h'),
  streak: z.number().int().min(1).default(3),
  checks: z
    .array(experimentCheck)
    .default([])
    .describe(
      'X-1 acceptance checks run around the fault: write-read (no acknowledged write lost or changed) and http-journey (the user journey works)',
    ),
});

export const config = z.strictObject({
  version: z.literal(1).describe('the format version of this file'),
  release: z.string().min(1).describe('the release this plan rolls out, e.g. v2.1.0'),
  description: z.string().optional(),
  budget: z.string().default('.perf-budget.json'),
  state: z.string().optional().describe('file:<dir> or postgres://host/db (no credentials in this file)'),
  metrics: z
    .strictObject({ prometheus: prometheusSource.default(prometheusSource.parse({})) })
    .default({ prometheus: prometheusSource.parse({}) }),
  flags: z.array(flag).default([]),
  phases: z.array(phase).min(1).describe('in order; advance moves from one to the next'),
  completionChecklist: z.array(checklistItem).default([]).describe('items required before leaving any phase'),
  canary: canary.optional().describe('canary vs baseline analysis of each stage'),
  triggers: z.array(trigger).default([]).describe('automatic rollback (or alert) conditions that watch evaluates'),
  rollback: rollback.default(rollback.parse({})),
  watch: watch.default(watch.parse({})),
  notifications: notifications.default({}),
  runbooks: z.string().default('runbooks'),
  chaos: z.array(chaosExperiment).default([]),
  reuse: z
    .strictObject({
      maxAge: durationWithin(0, 30 * DAY, 'reuse.maxAge')
        .default('24h')
        .describe('default maxAge of command, property, perf-budget and file gates; 0s: never reuse'),
    })
    .default({ maxAge: '24h' })
    .describe('`advance` reuses passing `preflight` results recorded at the same commit and plan (docs/ci.md)'),
  successMetrics: z
    .array(successMetric)
    .default([])
    .describe('what the release is judged by afterwards; `rollout report` shows each value and met / not met'),
  risks: z
    .array(risk)
    .default([])
    .describe('the risk assessment; each risk names its mitigations, `rollout plan` flags one with no live mitigation'),
});

export type RawConfig = z.infer<typeof config>;
export type GateConfig = z.infer<typeof gate>;
export type PhaseConfig = z.infer<typeof phase>;
export type StageConfig = z.infer<typeof stage>;
export type FlagConfig = z.infer<typeof flag>;
export type MetricConfig = z.infer<typeof metric>;
export type TriggerConfig = z.infer<typeof trigger>;
export type CanaryConfig = z.infer<typeof canary>;
export type ExperimentCheckConfig = z.infer<typeof experimentCheck>;

export const perfBudget = z.looseObject({
  hotPaths: z.record(z.string(), z.number().positive()).default({}).describe('milliseconds per hot path'),
  p95Max: z.number().positive().optional().describe('milliseconds'),
  heapDeltaMax: z.number().positive().optional().describe('megabytes'),
  errorRateMax: z.number().min(0).max(100).optional().describe('percent'),
});
export type PerfBudget = z.infer<typeof perfBudget>;
