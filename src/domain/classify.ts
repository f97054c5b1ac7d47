/** What happened when kretry tried to deliver: a response, or a failure before one arrived. */
export const ATTEMPT_ERRORS = [
  'connection_refused',
  'connection_reset',
  'dns_failure',
  'tls_failure',
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
  | { readonly kind: 'retryable'; readonly errorClass: string; readonly retryAfterMs: number | undefined }
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
}

/** Failures before a response: each is retryable (the network may heal) or permanent (it never will). */
const ERROR_TABLE: Readonly<Record<AttemptError, 'retryable' | PermanentReason>> = {
  connection_refused: 'retryable',
  connection_reset: 'retryable',
  dns_failure: 'retryable',
  tls_failure: 'retryable',
  timeout: 'retryable',
  network: 'retryable',
  invalid_url: 'permanent_failure',
  invalid_request: 'permanent_failure',
  body_too_large: 'permanent_failure',
  target_forbidden: 'target_forbidden',
};

/** 408 Request Timeout and 429 Too Many Requests are the 4xx that say "later" rather than "never". */
const RETRYABLE_4XX = new Set([408, 429]);

/**
 * The one classification of an attempt (docs/lifecycle.md, step 3). 3xx is permanent: kretry
 * does not follow redirects, and the same URL will redirect again. A 1xx as a final status is a
 * broken peer, treated like a 5xx.
 */
export function classify(result: AttemptResult, options: ClassifyOptions): Outcome {
  if (result.kind === 'error') {
    const verdict = ERROR_TABLE[result.error];
    return verdict === 'retryable'
      ? { kind: 'retryable', errorClass: result.error, retryAfterMs: undefined }
      : { kind: 'permanent', errorClass: result.error, reason: verdict, disablesEndpoint: false };
  }
  const { status } = result;
  const errorClass = `http_${status}`;
  if (status >= 200 && status <= 299) return { kind: 'success' };
  if (status >= 500 || status < 200 || RETRYABLE_4XX.has(status)) {
    return { kind: 'retryable', errorClass, retryAfterMs: result.retryAfterMs };
  }
  const disablesEndpoint = status === 410 || (status === 404 && options.disableOn404);
  return { kind: 'permanent', errorClass, reason: 'permanent_failure', disablesEndpoint };
}
