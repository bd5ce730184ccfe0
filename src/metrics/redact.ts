/**
 * Removing credentials from what the metrics layer reports. Two layers, as for every output path:
 * the URL loses its userinfo and secret-looking query parameters, and free text (response bodies,
 * error messages) is scrubbed of the secret values actually loaded plus common token shapes.
 */

const SECRET_PARAM = /^(token|access_token|api_key|apikey|password|pass|secret|auth|key)$/i;
const CENSOR = '[redacted]';
const PATTERNS: RegExp[] = [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, /:\/\/[^/\s:@]+:[^/\s@]+@/g];

/** Returns `url` without user, password and secret query parameters; unparsable input is censored whole. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return CENSOR;
  }
  parsed.username = '';
  parsed.password = '';
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, CENSOR);
  }
  return parsed.toString().replace(/%5Bredacted%5D/g, CENSOR);
}

/** Replaces every occurrence of each secret (ignoring empty or very short ones) and known token shapes. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // A 1–3 character "secret" would censor ordinary words; such a value is not worth protecting here.
    if (secret.length < 4) continue;
    out = out.split(secret).join(CENSOR);
  }
  for (const pattern of PATTERNS) {
    out = out.replace(pattern, (match) =>
      match.startsWith('://') ? `://${CENSOR}@` : `${match.split(/\s/)[0]} ${CENSOR}`,
    );
  }
  return out;
}

/** The first `maxBytes` bytes of a body (string or JSON), scrubbed, with a marker when cut. */
export function excerptBody(body: unknown, secrets: readonly string[], maxBytes = 512): string {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body === undefined || body === null) text = '';
  else {
    try {
      text = JSON.stringify(body);
    } catch {
      text = String(body);
    }
  }
  // Scrub before cutting: a secret cut in half at the boundary would otherwise survive partly.
  const clean = scrubSecrets(text, secrets);
  const bytes = Buffer.from(clean, 'utf8');
  return bytes.length > maxBytes ? `${bytes.subarray(0, maxBytes).toString('utf8')}…` : clean;
}
