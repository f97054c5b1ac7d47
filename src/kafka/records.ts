import type { RetryRulesOverride } from '../domain/retry-rules.js';
import type { EndpointEvent } from '../domain/health/endpoint-events.js';
import type { OperatorAction } from '../domain/health/endpoint-health.js';
import type { AttemptOutcome } from '../domain/attempt-outcome.js';
import type { RecordedDeadLetterReason } from '../domain/route.js';

/** The values of the Avro schemas in `schemas/`, as avsc decodes them (timestamps in epoch ms). */
export interface DeliveryRequestValue {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly contentType: string;
  readonly createdAt: number;
  readonly policy: PolicyOverrideValue | null;
  /**
   * Opt in to a retry after an ambiguous failure whatever the method (src/domain/retry-safety.ts);
   * null follows the endpoint. Always there when decoded; left out when written, avsc writes null.
   */
  readonly retryUnsafe?: boolean | null;
  /** Always there when decoded (null for older writers); left out when written. */
  readonly backoff?: BackoffStrategyValue | null;
}

/** schemas/DeliveryRequest.avsc BackoffStrategy: one flat record, the fields a `kind` uses set. */
export interface BackoffStrategyValue {
  readonly kind: string;
  readonly baseMs: number | null;
  readonly multiplier: number | null;
  readonly maxMs: number | null;
  readonly stepMs: number | null;
  readonly delayMs: number | null;
  readonly delaysMs: readonly number[] | null;
  readonly jitter: number | null;
}

export interface RateLimitValue {
  readonly perSecond: number;
  readonly burst: number;
}

export interface AttemptSummaryValue {
  readonly attempt: number;
  readonly at: number;
  readonly outcome: AttemptOutcome;
  readonly status: number | null;
  readonly errorClass: string | null;
  readonly latencyMs: number | null;
}

export interface ScheduledAttemptValue {
  readonly request: DeliveryRequestValue;
  readonly attempt: number;
  readonly tierIndex: number;
  readonly dueAt: number;
  readonly scheduledAt: number;
  readonly firstAttemptAt: number;
  readonly history: readonly AttemptSummaryValue[];
  /** W3C traceparent of the delivery; null when nobody traced it. */
  readonly traceparent: string | null;
  /** A wait that goes on after dueAt (a hop); null or absent when none. */
  readonly notBefore?: number | null;
}

export interface AttemptRecordedValue {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly attempt: number;
  readonly eventTime: number;
  readonly outcome: AttemptOutcome;
  readonly status: number | null;
  readonly errorClass: string | null;
  readonly latencyMs: number | null;
  readonly tierIndex: number | null;
  readonly dueAt: number | null;
  readonly disablesEndpoint: boolean;
  readonly operatorAction: OperatorAction | null;
  /** delivered, scheduled or dead; null for operator commands and older records. */
  readonly nextStep?: string | null;
  readonly nextTier?: string | null;
  readonly nextDueAt?: number | null;
  readonly deadReason?: string | null;
}

export interface DeadLetterValue {
  readonly request: DeliveryRequestValue | null;
  readonly reason: RecordedDeadLetterReason;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly lastResponseBody: string | null;
  readonly firstAttemptAt: number | null;
  readonly deadAt: number;
  readonly attempts: readonly AttemptSummaryValue[];
  readonly rawValue: Buffer | null;
  readonly source: null | { readonly topic: string; readonly partition: number; readonly offset: string };
}

/** What an operator did with one dead letter, on the compacted `dlq-handled` topic (schemas/DeadLetterHandled.avsc). */
export interface DeadLetterHandledValue {
  readonly partition: number;
  readonly offset: number;
  readonly deliveryId: string | null;
  readonly action: 'redriven' | 'resolved';
  readonly at: number;
  readonly by: string | null;
  readonly note: string | null;
  /** The handled letter's deadAt; null in marks written before kretry recorded it. */
  readonly deadAt: number | null;
}

export interface PolicyOverrideValue {
  readonly maxAttempts: number | null;
  readonly maxAgeMs: number | null;
  readonly tiers: readonly number[] | null;
}

/** An endpoint's configuration on the compacted `endpoints` topic (schemas/EndpointConfig.avsc). */
export interface EndpointConfigValue {
  readonly endpointId: string;
  readonly url: string | null;
  /** Literal `whsec_…` secrets or `env:NAME` references; never leave the engine. */
  readonly secrets: readonly string[];
  readonly policy: PolicyOverrideValue | null;
  readonly enabled: boolean;
  readonly disableOn404: boolean | null;
  /** See DeliveryRequestValue.retryUnsafe; a delivery's own setting wins. */
  readonly retryUnsafe?: boolean | null;
  readonly enabledAt: number | null;
  readonly circuitResetAt: number | null;
  readonly updatedAt: number;
  /** The endpoint's retry rules over the engine's (null fields keep them); null in older records. */
  readonly retryRules?: RetryRulesOverride | null;
  readonly backoff?: BackoffStrategyValue | null;
  readonly rateLimit?: RateLimitValue | null;
}

/** A change in an endpoint's health on the `endpoint-events` topic (schemas/EndpointEvent.avsc). */
export type EndpointEventValue = EndpointEvent;
