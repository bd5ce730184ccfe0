/**
 * Local scrubbing for the errors this layer produces. The project-wide redaction helper lives
 * elsewhere; this only guarantees that the Slack token and the PagerDuty routing key never leave
 * the notification layer inside an error string (which ends up in the outbox and in logs).
 */

const MAX_ERROR_LENGTH = 300;
// Slack token shapes (xoxb-, xoxp-, xapp-…) and bearer headers, in case a library echoes them.
const TOKEN_PATTERNS = [/xox[a-z]-[A-Za-z0-9-]+/g, /xapp-[A-Za-z0-9-]+/g, /Bearer\s+\S+/gi];

/** Replace every secret value and token-shaped string in `text`, then truncate it. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would blank out ordinary words; real tokens and keys are long.
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out.length > MAX_ERROR_LENGTH ? `${out.slice(0, MAX_ERROR_LENGTH)}…` : out;
}
