/**
 * The metrics layer as the rest of `rollout` sees it: a `MetricsSource` answers PromQL queries with a
 * `QueryOutcome`. Adapters: Prometheus (`prometheus.ts`) and replay of a recording (`recording.ts`).
 *
 * No outcome is a pass by itself: even `ok` only carries numbers, and the caller (a gate, the canary
 * analysis) decides what they mean. Missing data, NaN, errors and timeouts are distinct kinds so that
 * none of them can be mistaken for another.
 */

/** One series of a result. Values keep NaN and ±Infinity exactly as Prometheus returned them. */
export interface Series {
  /** Labels including `__name__` when Prometheus returns it; a scalar result has no labels. */
  labels: Record<string, string>;
  /** Samples in time order; `t` is Unix time in seconds (fractional), `v` may be NaN or ±Infinity. */
  values: Sample[];
}

/** One sample: Unix seconds and value. */
export interface Sample {
  t: number;
  v: number;
}

/** Fields that every outcome carries, whatever its kind. */
export interface OutcomeBase {
  /** The PromQL text that was sent. */
  query: string;
  /** Where it was sent, with credentials removed (never a token or password). */
  url: string;
  /** Wall-clock milliseconds from the call to the outcome, retries and backoff included. */
  durationMs: number;
  /** HTTP attempts made (1 when the first answer was final; 0 when nothing was sent, e.g. replay). */
  attempts: number;
  /** Warnings Prometheus attached to the answer (e.g. about the query's range), if any. */
  warnings?: string[];
}

/** Series came back and at least one value is a number (NaN values elsewhere are kept). */
export interface OkOutcome extends OutcomeBase {
  kind: 'ok';
  resultType: 'vector' | 'matrix' | 'scalar';
  series: Series[];
}

/** The query was valid and answered, but no series matched. */
export interface EmptyOutcome extends OutcomeBase {
  kind: 'empty';
}

/** Series came back but every value is NaN (typically 0/0: a ratio with no traffic). */
export interface NanOutcome extends OutcomeBase {
  kind: 'nan';
  series: Series[];
}

/** More series than the caller said it expects (`maxSeries`); no value is picked silently. */
export interface TooManySeriesOutcome extends OutcomeBase {
  kind: 'too-many-series';
  expected: number;
  count: number;
  series: Series[];
}

/** The server answered with an HTTP status that is neither success nor a query error. */
export interface HttpErrorOutcome extends OutcomeBase {
  kind: 'http-error';
  status: number;
  /** The start of the response body (about 512 bytes), with known secrets scrubbed. */
  bodyExcerpt: string;
}

/**
 * The server said success (HTTP 2xx) but the body is not a Prometheus answer: not JSON (a proxy's
 * HTML page), truncated, or JSON of the wrong shape. `problem` says what was wrong in one short line.
 */
export interface MalformedOutcome extends OutcomeBase {
  kind: 'malformed';
  status: number;
  /** E.g. `the body is not JSON: Unexpected token '<'…` or `data.result is missing`; never the whole body. */
  problem: string;
}

/** No answer within the deadline, or Prometheus reported that its own evaluation timed out. */
export interface TimeoutOutcome extends OutcomeBase {
  kind: 'timeout';
  timeoutMs: number;
  /** `client`: our deadline fired; `server`: Prometheus answered 503 with errorType `timeout`. */
  source: 'client' | 'server';
}

/** The server could not be reached (connection refused, reset, DNS failure). */
export interface UnreachableOutcome extends OutcomeBase {
  kind: 'unreachable';
  /** The system error code when one is known, e.g. `ECONNREFUSED`, `ENOTFOUND`. */
  code: string;
  message: string;
}

/** Prometheus rejected the query (400 `bad_data`, or 422 `execution`): a configuration problem. */
export interface BadQueryOutcome extends OutcomeBase {
  kind: 'bad-query';
  status: number;
  errorType: string;
  error: string;
}

/** Replay only: the recording holds no answer for this query; nothing was sent anywhere. */
export interface NotRecordedOutcome extends OutcomeBase {
  kind: 'not-recorded';
  message: string;
}

/** Every possible answer to a query, discriminated by `kind`. */
export type QueryOutcome =
  | OkOutcome
  | EmptyOutcome
  | NanOutcome
  | TooManySeriesOutcome
  | HttpErrorOutcome
  | MalformedOutcome
  | TimeoutOutcome
  | UnreachableOutcome
  | BadQueryOutcome
  | NotRecordedOutcome;

export type OutcomeKind = QueryOutcome['kind'];

/** Options shared by instant and range queries. */
export interface QueryOptions {
  /** Overall deadline for this query, retries included. Defaults to the source's (10 s for Prometheus). */
  timeoutMs?: number;
  /** When set, more series than this yields `too-many-series` (use 1 for "must be one number"). */
  maxSeries?: number;
}

/** Options of an instant query. */
export interface InstantOptions extends QueryOptions {
  /** Evaluation time; now when absent. */
  time?: Date;
}

/** Options of a range query. */
export interface RangeOptions extends QueryOptions {
  start: Date;
  end: Date;
  stepSeconds: number;
}

/**
 * A place that answers PromQL. Implementations never throw for a failed query: every failure is an
 * outcome. They may throw only for programming errors (e.g. a negative step).
 */
export interface MetricsSource {
  /** Evaluates `query` at one instant (`/api/v1/query`). */
  instant(query: string, opts?: InstantOptions): Promise<QueryOutcome>;
  /** Evaluates `query` over `[start, end]` every `stepSeconds` (`/api/v1/query_range`). */
  range(query: string, opts: RangeOptions): Promise<QueryOutcome>;
  /** Preflight: `vector(1)` must come back as exactly one series with value 1. */
  checkOnline(opts?: { timeoutMs?: number }): Promise<OnlineResult>;
  /** Where queries go (redacted URL, or `replay:<file>`), for messages. */
  readonly description: string;
}

/** Result of `checkOnline()`: online only when `vector(1)` answered exactly 1. */
export interface OnlineResult {
  online: boolean;
  outcome: QueryOutcome;
}
