/**
 * Methods a delivery may send again after an ambiguous failure (a timeout, or a connection broken
 * after the request was sent), when kretry cannot know whether the receiver acted on it.
 *
 * The idempotent methods of RFC 9110 §9.2.2 (GET, HEAD, OPTIONS, TRACE, PUT, DELETE): sending them
 * twice has the effect of sending them once. And POST, which RFC 9110 does not call idempotent,
 * because for a webhook it is the norm and kretry makes it safe: every attempt carries the same
 * `webhook-id` (Standard Webhooks), by which receivers are expected to drop a repeat. Everything else,
 * PATCH above all (RFC 5789 §2: "PATCH is neither safe nor idempotent"; an "append" or "increment"
 * patch applied twice is applied twice), is not repeated unless the delivery or its endpoint opts in
 * with `retryUnsafe: true`.
 */
const REPEATABLE_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'PUT',
  'DELETE',
  'POST',
]);

/**
 * Whether a delivery may be sent again after an ambiguous failure. `retryUnsafe` is the delivery's
 * own setting, then its endpoint's (null: not set); unset means no opt-in.
 */
export function repeatable(
  method: string,
  deliveryRetryUnsafe: boolean | null,
  endpointRetryUnsafe: boolean | null,
): boolean {
  const optedIn = deliveryRetryUnsafe ?? endpointRetryUnsafe ?? false;
  return optedIn || REPEATABLE_METHODS.has(method.toUpperCase());
}
