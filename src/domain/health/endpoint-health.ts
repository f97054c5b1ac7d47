import type { AttemptOutcome } from '../attempt-outcome.js';
import { DEFAULT_BREAKER, transition, type BreakerPolicy, type CircuitState } from './circuit.js';

/** The part of an AttemptRecorded the health fold reads. Time is the event's own, never the clock. */
export interface AttemptEvent {
  readonly endpointId: string;
  readonly eventTime: number;
  readonly outcome: AttemptOutcome;
  readonly status: number | null;
  readonly errorClass: string | null;
  readonly latencyMs: number | null;
  readonly disablesEndpoint: boolean;
  /** Set on an operator's command appended to the log (not an attempt): it folds in at its place. */
  readonly operatorAction?: OperatorAction | null;
}

export const OPERATOR_ACTIONS = ['enable', 'disable', 'reset_circuit'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

export type DisabledReason = 'gone' | 'not_found' | 'always_failing' | 'failing_too_long' | 'manual';

/** Upper bounds (ms) of the latency histogram kept per minute; the last bucket is open. */
export const LATENCY_BOUNDS_MS = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000] as const;

export interface MinuteBucket {
  readonly minute: number;
  readonly attempts: number;
  readonly failures: number;
  /** Counts per LATENCY_BOUNDS_MS bucket, plus one for anything slower. */
  readonly latency: readonly number[];
}

export interface SecondBucket {
  readonly second: number;
  readonly attempts: number;
  readonly failures: number;
}

/** Endpoint health: a fold of the attempts log, serialisable as it stands (the snapshot). */
export interface EndpointHealth {
  readonly endpointId: string;
  readonly firstSeenAt: number;
  /** The latest event time folded in; every window ends here. */
  readonly asOf: number;
  readonly minutes: readonly MinuteBucket[];
  /** The breaker's window, at one-second resolution. */
  readonly seconds: readonly SecondBucket[];
  readonly consecutiveFailures: number;
  readonly failingSince: number | null;
  readonly lastSuccessAt: number | null;
  readonly lastFailure: {
    readonly at: number;
    readonly status: number | null;
    readonly errorClass: string | null;
  } | null;
  readonly circuit: CircuitState;
  readonly circuitChangedAt: number;
  readonly disabled: { readonly reason: DisabledReason; readonly at: number } | null;
  /** When an operator last enabled the endpoint: the automatic disable rules watch it afresh from here. */
  readonly enabledAt: number | null;
}

export interface HealthPolicy {
  readonly breaker: BreakerPolicy;
  /** Disable after failing without a success this long. @defaultValue 5 days */
  readonly disableAfterFailingMs: number;
  /** Disable when every attempt of a full 24 h failed, with at least this many. @defaultValue 5 */
  readonly alwaysFailingMinAttempts: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = {
  breaker: DEFAULT_BREAKER,
  disableAfterFailingMs: 5 * 86_400_000,
  alwaysFailingMinAttempts: 5,
};

const DAY_MS = 86_400_000;

export function emptyHealth(endpointId: string, at: number): EndpointHealth {
  return {
    endpointId,
    firstSeenAt: at,
    asOf: at,
    minutes: [],
    seconds: [],
    consecutiveFailures: 0,
    failingSince: null,
    lastSuccessAt: null,
    lastFailure: null,
    circuit: 'closed',
    circuitChangedAt: at,
    disabled: null,
    enabledAt: null,
  };
}

/**
 * Folds one attempt into an endpoint's health. Pure and deterministic: the same log folded from
 * the start, or from any snapshot, gives the same state. Skips (circuit open) are not attempts.
 */
export function foldAttempt(
  previous: EndpointHealth | undefined,
  event: AttemptEvent,
  policy: HealthPolicy = DEFAULT_HEALTH_POLICY,
): EndpointHealth {
  const start = previous ?? emptyHealth(event.endpointId, event.eventTime);
  const t = event.eventTime;
  const asOf = Math.max(start.asOf, t);
  let health: EndpointHealth = { ...start, asOf, firstSeenAt: Math.min(start.firstSeenAt, t) };
  health = openPeriodOver(health, t, policy.breaker);
  if (event.operatorAction != null) return applyOperatorAction(health, event.operatorAction, t);
  if (event.outcome === 'skipped') return health;

  const failed = event.outcome !== 'success';
  health = {
    ...health,
    minutes: addToMinutes(health.minutes, t, failed, event.latencyMs, asOf),
    seconds: addToSeconds(health.seconds, t, failed, asOf, policy.breaker.windowMs),
    consecutiveFailures: failed ? health.consecutiveFailures + 1 : 0,
    failingSince: failed ? (health.failingSince ?? t) : null,
    lastSuccessAt: failed ? health.lastSuccessAt : Math.max(health.lastSuccessAt ?? t, t),
    lastFailure: failed ? { at: t, status: event.status, errorClass: event.errorClass } : health.lastFailure,
  };
  health = moveCircuit(health, failed, t, policy.breaker);
  return health.disabled === null ? disableIfDue(health, event, policy) : health;
}

/**
 * An operator's command, folded at its place in the log so a rebuild reaches the same state.
 * Enabling starts the failure streak and the 24 h watch afresh: otherwise the failures that
 * disabled the endpoint would disable it again on the next attempt.
 */
function applyOperatorAction(health: EndpointHealth, action: OperatorAction, t: number): EndpointHealth {
  const closed = (h: EndpointHealth): EndpointHealth =>
    h.circuit === 'closed' && h.seconds.length === 0 && h.consecutiveFailures === 0
      ? h
      : {
          ...h,
          circuit: transition(h.circuit, 'reset'),
          circuitChangedAt: h.circuit === 'closed' ? h.circuitChangedAt : t,
          seconds: [],
          consecutiveFailures: 0,
        };
  switch (action) {
    case 'enable':
      return { ...closed(health), disabled: null, enabledAt: t, failingSince: null };
    case 'disable':
      return { ...health, disabled: { reason: 'manual', at: t } };
    case 'reset_circuit':
      return closed(health);
  }
}

function openPeriodOver(health: EndpointHealth, t: number, breaker: BreakerPolicy): EndpointHealth {
  if (health.circuit === 'open' && t >= health.circuitChangedAt + breaker.openForMs) {
    return {
      ...health,
      circuit: transition('open', 'probe_window'),
      circuitChangedAt: health.circuitChangedAt + breaker.openForMs,
    };
  }
  return health;
}

/**
 * Only a failure can trip the breaker, and a successful probe starts the rate window afresh: the
 * failures that opened the circuit must not reopen it right after it closed.
 */
function moveCircuit(
  health: EndpointHealth,
  failed: boolean,
  t: number,
  breaker: BreakerPolicy,
): EndpointHealth {
  switch (health.circuit) {
    case 'half_open':
      return failed
        ? { ...health, circuit: transition('half_open', 'probe_failed'), circuitChangedAt: t }
        : {
            ...health,
            circuit: transition('half_open', 'probe_succeeded'),
            circuitChangedAt: t,
            seconds: [],
          };
    case 'closed':
      return failed && shouldTrip(health, breaker)
        ? { ...health, circuit: transition('closed', 'trip'), circuitChangedAt: t }
        : health;
    case 'open':
      // An attempt made on a stale view while open changes nothing; the open period runs on.
      return health;
  }
}

function shouldTrip(health: EndpointHealth, breaker: BreakerPolicy): boolean {
  if (health.consecutiveFailures >= breaker.consecutiveFailures) return true;
  const attempts = health.seconds.reduce((sum, b) => sum + b.attempts, 0);
  const failures = health.seconds.reduce((sum, b) => sum + b.failures, 0);
  return attempts >= breaker.minAttempts && failures / attempts >= breaker.failureRatio;
}

function disableIfDue(health: EndpointHealth, event: AttemptEvent, policy: HealthPolicy): EndpointHealth {
  const t = event.eventTime;
  if (event.disablesEndpoint)
    return { ...health, disabled: { reason: event.status === 410 ? 'gone' : 'not_found', at: t } };
  if (health.failingSince !== null && t - health.failingSince > policy.disableAfterFailingMs) {
    return { ...health, disabled: { reason: 'failing_too_long', at: t } };
  }
  // "100 % failures over 24 h": only once the endpoint has been watched for a whole day.
  const day = windowTotals(health, DAY_MS);
  if (
    t - Math.max(health.firstSeenAt, health.enabledAt ?? health.firstSeenAt) >= DAY_MS &&
    day.attempts >= policy.alwaysFailingMinAttempts &&
    day.failures === day.attempts
  ) {
    return { ...health, disabled: { reason: 'always_failing', at: t } };
  }
  return health;
}

/**
 * Adds one attempt to time buckets kept in ascending order, dropping buckets that left the window.
 * Event times arrive nearly in order, so the bucket is almost always the last one or a new one at
 * the end; the array is copied once (the fold never mutates its input).
 */
function addToBuckets<B extends { readonly attempts: number; readonly failures: number }>(
  buckets: readonly B[],
  key: (bucket: B) => number,
  slot: number,
  oldest: number,
  make: (previous: B | undefined) => B,
): B[] {
  let start = 0;
  while (start < buckets.length && key(buckets[start] as B) <= oldest) start++;
  const kept = buckets.slice(start);
  if (slot <= oldest) return kept;
  const last = kept[kept.length - 1];
  if (last === undefined || key(last) < slot) {
    kept.push(make(undefined));
    return kept;
  }
  if (key(last) === slot) {
    kept[kept.length - 1] = make(last);
    return kept;
  }
  const index = kept.findIndex((b) => key(b) >= slot);
  const found = kept[index];
  if (found !== undefined && key(found) === slot) kept[index] = make(found);
  else kept.splice(index, 0, make(undefined));
  return kept;
}

function addToMinutes(
  minutes: readonly MinuteBucket[],
  t: number,
  failed: boolean,
  latencyMs: number | null,
  asOf: number,
): MinuteBucket[] {
  const minute = Math.floor(t / 60_000);
  return addToBuckets(
    minutes,
    (b) => b.minute,
    minute,
    Math.floor((asOf - DAY_MS) / 60_000),
    (previous) => {
      const latency =
        previous === undefined
          ? new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0)
          : [...previous.latency];
      if (latencyMs !== null) {
        const bound = LATENCY_BOUNDS_MS.findIndex((b) => latencyMs <= b);
        const at = bound === -1 ? LATENCY_BOUNDS_MS.length : bound;
        latency[at] = (latency[at] ?? 0) + 1;
      }
      return {
        minute,
        attempts: (previous?.attempts ?? 0) + 1,
        failures: (previous?.failures ?? 0) + (failed ? 1 : 0),
        latency,
      };
    },
  );
}

function addToSeconds(
  seconds: readonly SecondBucket[],
  t: number,
  failed: boolean,
  asOf: number,
  windowMs: number,
): SecondBucket[] {
  const second = Math.floor(t / 1000);
  return addToBuckets(
    seconds,
    (b) => b.second,
    second,
    Math.floor((asOf - windowMs) / 1000),
    (previous) => ({
      second,
      attempts: (previous?.attempts ?? 0) + 1,
      failures: (previous?.failures ?? 0) + (failed ? 1 : 0),
    }),
  );
}

export function windowTotals(
  health: EndpointHealth,
  windowMs: number,
): { attempts: number; failures: number } {
  const oldest = Math.floor((health.asOf - windowMs) / 60_000);
  let attempts = 0;
  let failures = 0;
  for (const bucket of health.minutes) {
    if (bucket.minute > oldest) {
      attempts += bucket.attempts;
      failures += bucket.failures;
    }
  }
  return { attempts, failures };
}

/** Failure rate over a window ending at `asOf`; null without attempts. Minute resolution. */
export function failureRate(health: EndpointHealth, windowMs: number): number | null {
  const { attempts, failures } = windowTotals(health, windowMs);
  return attempts === 0 ? null : failures / attempts;
}

/** A latency percentile over the last hour, as the upper bound of its histogram bucket (null: none, or slower than the last bound). */
export function latencyPercentile(health: EndpointHealth, quantile: number): number | null {
  const oldest = Math.floor((health.asOf - 3_600_000) / 60_000);
  const counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  for (const bucket of health.minutes) {
    if (bucket.minute <= oldest) continue;
    bucket.latency.forEach((count, i) => (counts[i] = (counts[i] ?? 0) + count));
  }
  const total = counts.reduce((sum, c) => sum + c, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const [i, count] of counts.entries()) {
    seen += count;
    if (seen >= quantile * total) return LATENCY_BOUNDS_MS[i] ?? null;
  }
  return null;
}
