/** What a redacted header value is shown as. */
export const REDACTED = '[redacted]';

/** Header names whose values are credentials by default (KRETRY_REDACT_HEADERS). */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = [
  'authorization',
  'cookie',
  'proxy-authorization',
  'x-api-key',
];

/** Any name containing these is treated as a credential whatever the list says. */
const CREDENTIAL_NAME = /secret|token/i;

/**
 * The headers as they may be *shown* (CLI output, API answers): the value of every header named in
 * `names` (case-insensitively) or whose name contains "secret" or "token" is replaced. Dead letters
 * keep the real values, because a redrive must send the request exactly as it was.
 */
export function redactHeaders(
  headers: Readonly<Record<string, string>>,
  names: readonly string[],
): Record<string, string> {
  const listed = new Set(names.map((n) => n.toLowerCase()));
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      listed.has(name.toLowerCase()) || CREDENTIAL_NAME.test(name) ? REDACTED : value,
    ]),
  );
}

/** Query parameters whose values are credentials: signed URLs and API keys in webhook URLs. */
const CREDENTIAL_PARAM = /secret|token|key|sig|pass|auth|credential/i;

/**
 * A URL as it may be shown: a password in its userinfo and the value of every query parameter
 * whose name looks like a credential are replaced. Anything that is not an absolute URL is shown
 * as it is (it carries no userinfo to hide).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  let changed = false;
  if (parsed.password !== '') {
    parsed.password = REDACTED;
    changed = true;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (!CREDENTIAL_PARAM.test(name)) continue;
    parsed.searchParams.set(name, REDACTED);
    changed = true;
  }
  return changed ? parsed.toString() : url;
}
