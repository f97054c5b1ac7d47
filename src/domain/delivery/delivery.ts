import type { AttemptOutcome } from '../attempt-outcome.js';
import type { PolicyOverride } from '../policy.js';
import type { BackoffStrategy } from './backoff.js';

/**
 * The domain's delivery: what a producer asked for and where it stands. The Avro shapes
 * (DeliveryRequest, ScheduledAttempt) are the wire form, mapped to and from this by
 * src/kafka/delivery-codec.ts.
 */
export interface DeliveryRequest {
  readonly id: string;
  readonly endpointId: string;
  /** Empty: the endpoint's configured URL, as it is at each attempt. */
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly createdAt: number;
  readonly policy: PolicyOverride | null;
  /** Retry after an ambiguous failure whatever the method; null follows the endpoint (retry-safety.ts). */
  readonly retryUnsafe: boolean | null;
  /** The delivery's own backoff strategy; null follows the endpoint. */
  readonly backoff: BackoffStrategy | null;
}

export interface AttemptSummary {
  readonly attempt: number;
  readonly at: number;
  readonly outcome: AttemptOutcome;
  readonly status: number | null;
  readonly errorClass: string | null;
  readonly latencyMs: number | null;
}

export interface Delivery {
  readonly request: DeliveryRequest;
  /** The number of the attempt to make next (1 for the first). */
  readonly attempt: number;
  /** Place in the tier schedule: -1 on ingest, else the tier step it waits at. */
  readonly tierIndex: number;
  readonly firstAttemptAt: number | null;
  readonly history: readonly AttemptSummary[];
  /** When it fell due; null on ingest (due on arrival). */
  readonly dueAt: number | null;
  /** A wait longer than one tier carries goes on until this time (placement.ts); null when none. */
  readonly notBefore: number | null;
  /** The delivery's W3C traceparent so far. */
  readonly traceparent: string | null;
}

/** A delivery read from `ingest`: its first attempt is due now. */
export function arrived(request: DeliveryRequest, traceparent: string | null): Delivery {
  return {
    request,
    attempt: 1,
    tierIndex: -1,
    firstAttemptAt: null,
    history: [],
    dueAt: null,
    notBefore: null,
    traceparent,
  };
}
