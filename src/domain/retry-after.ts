/**
 * `Retry-After` (RFC 9110 §10.2.3): either delta-seconds or an HTTP-date. Returns the delay in
 * milliseconds from `now`, or undefined when absent or unparseable (then it is ignored, as the
 * RFC leaves no other meaning for it).
 */
export function parseRetryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  // IMF-fixdate and the two obsolete forms RFC 9110 §5.6.7 requires recipients to accept all parse here.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
