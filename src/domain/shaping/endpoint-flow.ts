import {
  allowed,
  initialConcurrency,
  onSignal,
  slowStart,
  type ConcurrencySettings,
  type ConcurrencyState,
  type ReceiverSignal,
} from './adaptive-concurrency.js';
import { fullBucket, reserve, reserveFrom, type RateLimit, type TokenBucket } from './token-bucket.js';

/**
 * One endpoint's flow through one process: its rate limit's bucket, its adaptive in-flight limit and
 * the attempts in flight. `admit` says whether a due delivery may be attempted now; the worker keeps
 * the ones that must wait out of the way of other endpoints (partition-processor.ts, admission).
 */
export interface EndpointFlow {
  readonly bucket: TokenBucket | null;
  readonly concurrency: ConcurrencyState;
  readonly inFlight: number;
  /** Whether the gate last let this endpoint's deliveries through: a change from false is a recovery. */
  readonly open: boolean;
  readonly touchedAt: number;
}

export interface FlowSettings {
  readonly concurrency: ConcurrencySettings;
  /** KRETRY_RATE_LIMIT_MAX_WAIT: the longest a delivery waits in memory for its rate limit. */
  readonly maxRateWaitMs: number;
}

export type Admission =
  /**
   * Attempt now; `finish` must follow with the receiver's signal. `saturated`: this start fills the
   * endpoint's limit (only successes of such requests raise it).
   */
  | { readonly kind: 'start'; readonly saturated?: boolean }
  /** A token is reserved for `at`: wait until then, out of the way. */
  | { readonly kind: 'wait'; readonly at: number }
  /** The endpoint has all the requests in flight it may: wait until one finishes. */
  | { readonly kind: 'full' }
  /**
   * The rate limit's wait is longer than a worker waits in memory. The token is reserved all the
   * same, `waitMs` ahead: the delivery waits for it on the tiers and comes back holding it, so a
   * backlog over the limit drains at the limit instead of bouncing off it at every tier period.
   */
  | { readonly kind: 'over-rate'; readonly waitMs: number };

export function newFlow(settings: FlowSettings, now: number): EndpointFlow {
  return {
    bucket: null,
    concurrency: initialConcurrency(settings.concurrency),
    inFlight: 0,
    open: true,
    touchedAt: now,
  };
}

/**
 * Whether a delivery may start. `open` is the gate's verdict for the endpoint now: a delivery the
 * gate will not attempt is not shaped, but an endpoint seen closed and now open has recovered and
 * starts slowly. `hasToken` says this delivery already reserved its token while it waited.
 */
export function admit(
  flow: EndpointFlow,
  rate: RateLimit | null,
  open: boolean,
  hasToken: boolean,
  now: number,
  settings: FlowSettings,
  /** How long the tiers really take to carry a wait (placement.ts); a deferred token is reserved for then. */
  carry: (waitMs: number) => number = (waitMs) => waitMs,
): { readonly admission: Admission; readonly flow: EndpointFlow; readonly tokenTaken: boolean } {
  let next: EndpointFlow = { ...flow, touchedAt: now, open };
  if (!open) return { admission: { kind: 'start' }, flow: next, tokenTaken: false };
  if (!flow.open) next = { ...next, concurrency: slowStart(next.concurrency, now) };
  if (next.inFlight >= allowed(next.concurrency))
    return { admission: { kind: 'full' }, flow: next, tokenTaken: false };
  if (rate !== null && !hasToken) {
    const bucket = next.bucket ?? fullBucket(rate, now);
    const reserved = reserve(bucket, rate, now, settings.maxRateWaitMs);
    if (!reserved.taken) {
      const later = reserveFrom(bucket, rate, now, carry);
      return {
        admission: { kind: 'over-rate', waitMs: later.waitMs },
        flow: { ...next, bucket: later.bucket },
        tokenTaken: true,
      };
    }
    next = { ...next, bucket: reserved.bucket };
    if (reserved.waitMs > 0)
      return { admission: { kind: 'wait', at: now + reserved.waitMs }, flow: next, tokenTaken: true };
  }
  const inFlight = next.inFlight + 1;
  return {
    admission: { kind: 'start', saturated: inFlight >= allowed(next.concurrency) },
    flow: { ...next, inFlight },
    tokenTaken: false,
  };
}

/** An attempt admitted with `start` has ended (or was never made: `signal` is then `other`). */
export function finish(
  flow: EndpointFlow,
  signal: ReceiverSignal,
  now: number,
  settings: FlowSettings,
): EndpointFlow {
  return {
    ...flow,
    inFlight: Math.max(0, flow.inFlight - 1),
    concurrency: onSignal(flow.concurrency, signal, settings.concurrency),
    touchedAt: now,
  };
}

/**
 * A flow with nothing worth remembering: nothing in flight, the gate open, the limit back at its
 * maximum, untouched for `quietMs`. Forgetting it loses only the bucket's debt, which a quiet period
 * longer than any burst's refill has paid.
 */
export function idle(flow: EndpointFlow, now: number, quietMs: number, settings: FlowSettings): boolean {
  return (
    flow.inFlight === 0 &&
    flow.open &&
    now - flow.touchedAt >= quietMs &&
    flow.concurrency.limit >= settings.concurrency.max
  );
}

/** The in-flight limit enforced now. */
export function flowLimit(flow: EndpointFlow): number {
  return allowed(flow.concurrency);
}
