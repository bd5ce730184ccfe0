/**
 * One redaction step in front of every output path. Secrets come only from the environment, so the
 * values of secret-looking variables are known and replaced wherever they appear; well-known token
 * shapes and URL credentials are masked even when their source is unknown.
 */
const SECRET_NAME =
  /(TOKEN|SECRET|PASSWORD|PASSWD|PASS|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH|ROUTING_KEY|DSN|DATABASE_URL)/i;
const PATTERNS: Array<[RegExp, string]> = [
  [/\bxox[abposr]-[A-Za-z0-9-]{8,}/g, 'xox*-[REDACTED]'],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,})/g, '[REDACTED]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+):([^@\s/]+)@/gi, '$1:[REDACTED]@'],
  [/\b(AKIA[0-9A-Z]{16})\b/g, '[REDACTED]'],
];

export type Redactor = (text: string) => string;

export function createRedactor(env: NodeJS.ProcessEnv): Redactor {
  const values = Object.entries(env)
    .filter(([name, value]) => value !== undefined && value.length >= 6 && SECRET_NAME.test(name))
    .map(([, value]) => value as string)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const value of values) out = out.split(value).join('[REDACTED]');
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}

/** Redact every string inside a JSON-able value (used for --json, JUnit, audit data and outbox entries). */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T;
  }
  return value;
}
