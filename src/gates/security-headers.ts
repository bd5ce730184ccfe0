/**
 * Header checks of http gates. The `security-headers` preset follows the OWASP Secure Headers
 * baseline: HSTS with a max-age, a CSP, nosniff, frame protection (X-Frame-Options or CSP
 * frame-ancestors, which supersedes it) and a Referrer-Policy.
 */
export function checkHeaders(
  headers: Headers,
  expected: Record<string, string>,
  preset?: 'security-headers',
): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(expected)) {
    const actual = headers.get(name);
    if (actual === null) problems.push(`header ${name} missing`);
    else if (value !== '*' && actual.trim().toLowerCase() !== value.trim().toLowerCase())
      problems.push(`header ${name}: "${actual}", expected "${value}"`);
  }
  if (preset === 'security-headers') problems.push(...checkSecurityHeaders(headers));
  return problems;
}

export function checkSecurityHeaders(headers: Headers): string[] {
  const problems: string[] = [];
  const hsts = headers.get('strict-transport-security');
  const maxAge = hsts ? /max-age\s*=\s*"?(\d+)/i.exec(hsts) : null;
  if (!hsts) problems.push('Strict-Transport-Security missing');
  else if (!maxAge || Number(maxAge[1]) <= 0) problems.push('Strict-Transport-Security has no positive max-age');
  const csp = headers.get('content-security-policy');
  if (!csp) problems.push('Content-Security-Policy missing');
  if ((headers.get('x-content-type-options') ?? '').trim().toLowerCase() !== 'nosniff')
    problems.push('X-Content-Type-Options is not nosniff');
  const xfo = (headers.get('x-frame-options') ?? '').trim().toUpperCase();
  const frameAncestors = csp !== null && /(^|;)\s*frame-ancestors\s/i.test(csp);
  if (xfo !== 'DENY' && xfo !== 'SAMEORIGIN' && !frameAncestors)
    problems.push('no frame protection (X-Frame-Options DENY/SAMEORIGIN or CSP frame-ancestors)');
  if (!headers.get('referrer-policy')) problems.push('Referrer-Policy missing');
  return problems;
}
