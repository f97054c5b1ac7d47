import { DEFAULT_RETRY_RULES, statusVerdict, type RetryRules } from './retry-rules.js';

/** What happened when kretry tried to deliver: a response, or a failure before one arrived. */
export const ATTEMPT_ERRORS = [
  'connection_refused',
  'connection_reset',
  'dns_failure',
  'tls_failure',
  'connect_timeout',
  'timeout',
  'network',
  'invalid_url',
  'invalid_request',
  'body_too_large',
  'target_forbidden',
] as const;
export type AttemptError = (typeof ATTEMPT_ERRORS)[number];

export type AttemptResult =
  | { readonly kind: 'response'; readonly status: number; readonly retryAfterMs?: number | undefined }
  | { readonly kind: 'error'; readonly error: AttemptError };

export type PermanentReason = 'permanent_failure' | 'target_forbidden';

export type Outcome =
  | { readonly kind: 'success' }
  | {
      readonly kind: 'retryable';
      readonly errorClass: string;
      readonly retryAfterMs: number | undefined;
      /**
       * The request may have reached the receiver, and been acted on, with no answer to say so: a
       * timeout or a broken connection after it was sent (see retry-safety.ts).
       */
      readonly ambiguous: boolean;
    }
  | {
      readonly kind: 'permanent';
      readonly errorClass: string;
      readonly reason: PermanentReason;
      /** 410 Gone (or 404 under the disable-on-404 flag): the endpoint should be disabled. */
      readonly disablesEndpoint: boolean;
    };

export interface ClassifyOptions {
  /** @defaultValue false */
  readonly disableOn404: boolean;
  /** Which statuses retry and which are permanent. @defaultValue DEFAULT_RETRY_RULES */
  readonly rules?: RetryRules | undefined;
}

/**
 * Failures before a response: each is retryable (the network may heal) or permanent (it never will).
 * A retryable one is `unsent` when it happens before any of the request can have left (no address,
 * no connection, no TLS session), and `ambiguous` when the request may have reached the receiver: a
 * timeout waiting for the answer, a connection reset or closed while sending or waiting, or a
 * failure kretry cannot place (`network`), which counts as the worse case.
 */
const ERROR_TABLE: Readonly<Record<AttemptError, 'unsent' | 'ambiguous' | PermanentReason>> = {
  connection_refused: 'unsent',
  connection_reset: 'ambiguous',
  dns_failure: 'unsent',
  tls_failure: 'unsent',
  connect_timeout: 'unsent',
  timeout: 'ambiguous',
  network: 'ambiguous',
  invalid_url: 'permanent_failure',
  invalid_request: 'permanent_failure',
  body_too_large: 'permanent_failure',
  target_forbidden: 'target_forbidden',
};

/**
 * The one classification of an attempt (docs/lifecycle.md, step 3). Statuses follow the retry
 * rules (retry-rules.ts; by default 408, 429 and 5xx retry). 3xx is permanent unless a rule says
 * otherwise: kretry does not follow redirects, and the same URL will redirect again.
 */
export function classify(result: AttemptResult, options: ClassifyOptions): Outcome {
  if (result.kind === 'error') {
    const verdict = ERROR_TABLE[result.error];
    if (verdict === 'unsent' || verdict === 'ambiguous') {
      const ambiguous = verdict === 'ambiguous';
      return { kind: 'retryable', errorClass: result.error, retryAfterMs: undefined, ambiguous };
    }
    return { kind: 'permanent', errorClass: result.error, reason: verdict, disablesEndpoint: false };
  }
  const { status } = result;
  const errorClass = `http_${status}`;
  if (status >= 200 && status <= 299) return { kind: 'success' };
  if (statusVerdict(options.rules ?? DEFAULT_RETRY_RULES, status) === 'retryable') {
    // An answer is never ambiguous: the receiver says what it did (a 5xx says it failed).
    return { kind: 'retryable', errorClass, retryAfterMs: result.retryAfterMs, ambiguous: false };
  }
  const disablesEndpoint = status === 410 || (status === 404 && options.disableOn404);
  return { kind: 'permanent', errorClass, reason: 'permanent_failure', disablesEndpoint };
}
