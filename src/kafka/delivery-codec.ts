import type { BackoffStrategy } from '../domain/delivery/backoff.js';
import type { AttemptSummary, Delivery, DeliveryRequest } from '../domain/delivery/delivery.js';
import type { RateLimit } from '../domain/shaping/token-bucket.js';
import type {
  AttemptSummaryValue,
  BackoffStrategyValue,
  DeliveryRequestValue,
  RateLimitValue,
  ScheduledAttemptValue,
} from './records.js';

/**
 * The wire forms of a delivery (schemas/DeliveryRequest.avsc, ScheduledAttempt.avsc) to and from the
 * domain's `Delivery`. Old records read with defaults: a field a newer schema added is null.
 */
export function requestFromValue(value: DeliveryRequestValue): DeliveryRequest {
  return {
    id: value.deliveryId,
    endpointId: value.endpointId,
    url: value.url,
    method: value.method,
    headers: value.headers,
    body: value.body,
    contentType: value.contentType,
    createdAt: value.createdAt,
    policy: value.policy,
    retryUnsafe: value.retryUnsafe ?? null,
    backoff: value.backoff == null ? null : backoffFromValue(value.backoff),
  };
}

export function requestToValue(request: DeliveryRequest): DeliveryRequestValue {
  return {
    deliveryId: request.id,
    endpointId: request.endpointId,
    url: request.url,
    method: request.method,
    headers: request.headers,
    body: asBuffer(request.body),
    contentType: request.contentType,
    createdAt: request.createdAt,
    policy: request.policy,
    retryUnsafe: request.retryUnsafe,
    backoff: request.backoff === null ? null : backoffToValue(request.backoff),
  };
}

/** A Buffer over the same bytes: decoded bodies are Buffers already, so this copies nothing. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function deliveryFromScheduled(value: ScheduledAttemptValue): Delivery {
  return {
    request: requestFromValue(value.request),
    attempt: value.attempt,
    tierIndex: value.tierIndex,
    firstAttemptAt: value.firstAttemptAt,
    history: value.history.map(summaryFromValue),
    dueAt: value.dueAt,
    notBefore: value.notBefore ?? null,
    traceparent: value.traceparent,
  };
}

/** The ScheduledAttempt for a delivery the decision scheduled, written at `scheduledAt`. */
export function scheduledToValue(delivery: Delivery, scheduledAt: number): ScheduledAttemptValue {
  return {
    request: requestToValue(delivery.request),
    attempt: delivery.attempt,
    tierIndex: delivery.tierIndex,
    dueAt: delivery.dueAt ?? scheduledAt,
    scheduledAt,
    firstAttemptAt: delivery.firstAttemptAt ?? scheduledAt,
    history: delivery.history,
    traceparent: delivery.traceparent,
    notBefore: delivery.notBefore,
  };
}

export function summaryFromValue(value: AttemptSummaryValue): AttemptSummary {
  return value;
}

export function backoffFromValue(value: BackoffStrategyValue): BackoffStrategy {
  const jitter = value.jitter;
  switch (value.kind) {
    case 'exponential':
      return {
        kind: 'exponential',
        baseMs: value.baseMs ?? 0,
        multiplier: value.multiplier ?? 2,
        maxMs: value.maxMs ?? value.baseMs ?? 0,
        jitter,
      };
    case 'linear':
      return { kind: 'linear', stepMs: value.stepMs ?? 0, maxMs: value.maxMs, jitter };
    case 'fixed':
      return { kind: 'fixed', delayMs: value.delayMs ?? 0, jitter };
    case 'custom':
      return { kind: 'custom', delaysMs: value.delaysMs ?? [], jitter };
    default:
      // A kind a newer kretry wrote, or `tiers`: the tiers' own schedule, which every version has.
      return { kind: 'tiers' };
  }
}

export function backoffToValue(strategy: BackoffStrategy): BackoffStrategyValue {
  const empty: BackoffStrategyValue = {
    kind: strategy.kind,
    baseMs: null,
    multiplier: null,
    maxMs: null,
    stepMs: null,
    delayMs: null,
    delaysMs: null,
    jitter: null,
  };
  switch (strategy.kind) {
    case 'tiers':
      return empty;
    case 'exponential':
      return {
        ...empty,
        baseMs: strategy.baseMs,
        multiplier: strategy.multiplier,
        maxMs: strategy.maxMs,
        jitter: strategy.jitter,
      };
    case 'linear':
      return { ...empty, stepMs: strategy.stepMs, maxMs: strategy.maxMs, jitter: strategy.jitter };
    case 'fixed':
      return { ...empty, delayMs: strategy.delayMs, jitter: strategy.jitter };
    case 'custom':
      return { ...empty, delaysMs: strategy.delaysMs, jitter: strategy.jitter };
  }
}

export function rateLimitFromValue(value: RateLimitValue | null | undefined): RateLimit | null {
  return value == null ? null : { perSecond: value.perSecond, burst: value.burst };
}
