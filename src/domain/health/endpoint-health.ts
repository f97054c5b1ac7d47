import type { AttemptOutcome } from '../attempt-outcome.js';
import { DEFAULT_BREAKER, transition, type BreakerPolicy, type CircuitState } from './circuit.js';
import { eventsOfStep, marksOf, type EndpointEvent } from './endpoint-events.js';

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
  /** Announce `failing` at this many failed attempts in a row (endpoint-events.ts). @defaultValue 10 */
  readonly failingAfter: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = {
  breaker: DEFAULT_BREAKER,
  disableAfterFailingMs: 5 * 86_400_000,
  alwaysFailingMinAttempts: 5,
  failingAfter: 10,
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

/** The fold's working copy: the snapshot's fields, writable, with arrays it owns. */
type Draft = { -readonly [K in keyof EndpointHealth]: EndpointHealth[K] } & {
  minutes: MinuteBucket[];
  seconds: SecondBucket[];
};

type DraftMinute = { -readonly [K in keyof MinuteBucket]: MinuteBucket[K] } & { latency: number[] };

/**
 * Folds one attempt into an endpoint's health. Pure and deterministic: the same log folded from
 * the start, or from any snapshot, gives the same state. Skips (circuit open) are not attempts.
 */
export function foldAttempt(
  previous: EndpointHealth | undefined,
  event: AttemptEvent,
  policy: HealthPolicy = DEFAULT_HEALTH_POLICY,
): EndpointHealth {
  return foldAttempts(previous, [event], policy) ?? emptyHealth(event.endpointId, event.eventTime);
}

/**
 * Folds a run of one endpoint's events, in log order: the same as folding them one by one, but
 * the snapshot is copied once per run instead of once per event (the projection folds a whole
 * fetch per endpoint). The input snapshot is never modified; buckets it shares with the result
 * are copied before they change.
 */
export function foldAttempts(
  previous: EndpointHealth | undefined,
  events: readonly AttemptEvent[],
  policy: HealthPolicy = DEFAULT_HEALTH_POLICY,
  announce?: (event: EndpointEvent, index: number) => void,
): EndpointHealth | undefined {
  const first = events[0];
  if (first === undefined) return previous;
  const start = previous ?? emptyHealth(first.endpointId, first.eventTime);
  const draft: Draft = { ...start, minutes: [...start.minutes], seconds: [...start.seconds] };
  const owned = new Set<object>();
  for (const [index, event] of events.entries()) {
    // Marks per step, not per run: a circuit that opens and closes within one commit is announced.
    const before = announce === undefined ? undefined : marksOf(draft);
    step(draft, owned, event, policy);
    if (before === undefined || announce === undefined) continue;
    const succeeded = event.operatorAction == null && event.outcome === 'success';
    for (const e of eventsOfStep(before, draft, event.eventTime, succeeded, policy.failingAfter))
      announce(e, index);
  }
  return draft;
}

function step(h: Draft, owned: Set<object>, event: AttemptEvent, policy: HealthPolicy): void {
  const t = event.eventTime;
  if (t > h.asOf) h.asOf = t;
  if (t < h.firstSeenAt) h.firstSeenAt = t;
  if (h.circuit === 'open' && t >= h.circuitChangedAt + policy.breaker.openForMs) {
    h.circuit = transition('open', 'probe_window');
    h.circuitChangedAt += policy.breaker.openForMs;
  }
  if (event.operatorAction != null) {
    applyOperatorAction(h, event.operatorAction, t);
    return;
  }
  if (event.outcome === 'skipped') return;

  const failed = event.outcome !== 'success';
  addToMinutes(h, owned, t, failed, event.latencyMs);
  addToSeconds(h, t, failed, policy.breaker.windowMs);
  if (failed) {
    h.consecutiveFailures++;
    h.failingSince ??= t;
    h.lastFailure = { at: t, status: event.status, errorClass: event.errorClass };
  } else {
    h.consecutiveFailures = 0;
    h.failingSince = null;
    h.lastSuccessAt = Math.max(h.lastSuccessAt ?? t, t);
  }
  moveCircuit(h, failed, t, policy.breaker);
  if (h.disabled === null) disableIfDue(h, event, policy);
}

/**
 * An operator's command, folded at its place in the log so a rebuild reaches the same state.
 * Enabling starts the failure streak and the 24 h watch afresh: otherwise the failures that
 * disabled the endpoint would disable it again on the next attempt.
 */
function applyOperatorAction(h: Draft, action: OperatorAction, t: number): void {
  const close = (): void => {
    if (h.circuit === 'closed' && h.seconds.length === 0 && h.consecutiveFailures === 0) return;
    if (h.circuit !== 'closed') h.circuitChangedAt = t;
    h.circuit = transition(h.circuit, 'reset');
    h.seconds = [];
    h.consecutiveFailures = 0;
  };
  switch (action) {
    case 'enable':
      close();
      h.disabled = null;
      h.enabledAt = t;
      h.failingSince = null;
      return;
    case 'disable':
      h.disabled = { reason: 'manual', at: t };
      return;
    case 'reset_circuit':
      close();
      return;
  }
}

/**
 * Only a failure can trip the breaker, and a successful probe starts the rate window afresh: the
 * failures that opened the circuit must not reopen it right after it closed.
 */
function moveCircuit(h: Draft, failed: boolean, t: number, breaker: BreakerPolicy): void {
  switch (h.circuit) {
    case 'half_open':
      h.circuit = transition('half_open', failed ? 'probe_failed' : 'probe_succeeded');
      h.circuitChangedAt = t;
      if (!failed) h.seconds = [];
      return;
    case 'closed':
      if (failed && shouldTrip(h, breaker)) {
        h.circuit = transition('closed', 'trip');
        h.circuitChangedAt = t;
      }
      return;
    case 'open':
      // An attempt made on a stale view while open changes nothing; the open period runs on.
      return;
  }
}

function shouldTrip(health: EndpointHealth, breaker: BreakerPolicy): boolean {
  if (health.consecutiveFailures >= breaker.consecutiveFailures) return true;
  let attempts = 0;
  let failures = 0;
  for (const b of health.seconds) {
    attempts += b.attempts;
    failures += b.failures;
  }
  return attempts >= breaker.minAttempts && failures / attempts >= breaker.failureRatio;
}

function disableIfDue(h: Draft, event: AttemptEvent, policy: HealthPolicy): void {
  const t = event.eventTime;
  if (event.disablesEndpoint) {
    h.disabled = { reason: event.status === 410 ? 'gone' : 'not_found', at: t };
    return;
  }
  if (h.failingSince !== null && t - h.failingSince > policy.disableAfterFailingMs) {
    h.disabled = { reason: 'failing_too_long', at: t };
    return;
  }
  // "100 % failures over 24 h": only once the endpoint has been watched for a whole day. A success
  // inside the window rules it out without summing the day's buckets.
  const oldestMinute = Math.floor((h.asOf - DAY_MS) / 60_000);
  if (
    t - Math.max(h.firstSeenAt, h.enabledAt ?? h.firstSeenAt) >= DAY_MS &&
    (h.lastSuccessAt === null || Math.floor(h.lastSuccessAt / 60_000) <= oldestMinute)
  ) {
    const day = windowTotals(h, DAY_MS);
    if (day.attempts >= policy.alwaysFailingMinAttempts && day.failures === day.attempts) {
      h.disabled = { reason: 'always_failing', at: t };
    }
  }
}

/** Removes buckets that left the window; they are kept in ascending order. */
function dropBefore<B>(buckets: B[], key: (bucket: B) => number, oldest: number): void {
  let n = 0;
  while (n < buckets.length && key(buckets[n] as B) <= oldest) n++;
  if (n > 0) buckets.splice(0, n);
}

/** Index of the last bucket whose key is at most `slot` (-1 if none): usually the last one. */
function lastAtOrBefore<B>(buckets: readonly B[], key: (bucket: B) => number, slot: number): number {
  let i = buckets.length - 1;
  while (i >= 0 && key(buckets[i] as B) > slot) i--;
  return i;
}

function addToMinutes(
  h: Draft,
  owned: Set<object>,
  t: number,
  failed: boolean,
  latencyMs: number | null,
): void {
  const minute = Math.floor(t / 60_000);
  const oldest = Math.floor((h.asOf - DAY_MS) / 60_000);
  dropBefore(h.minutes, (b) => b.minute, oldest);
  if (minute <= oldest) return;
  const i = lastAtOrBefore(h.minutes, (b) => b.minute, minute);
  let bucket = h.minutes[i];
  if (bucket === undefined || bucket.minute !== minute) {
    bucket = {
      minute,
      attempts: 0,
      failures: 0,
      latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
    };
    owned.add(bucket);
    h.minutes.splice(i + 1, 0, bucket);
  } else if (!owned.has(bucket)) {
    // Shared with the input snapshot: copy before changing it.
    bucket = { ...bucket, latency: [...bucket.latency] };
    owned.add(bucket);
    h.minutes[i] = bucket;
  }
  const b = bucket as DraftMinute;
  b.attempts++;
  if (failed) b.failures++;
  if (latencyMs !== null) {
    const bound = LATENCY_BOUNDS_MS.findIndex((limit) => latencyMs <= limit);
    const at = bound === -1 ? LATENCY_BOUNDS_MS.length : bound;
    b.latency[at] = (b.latency[at] ?? 0) + 1;
  }
}

function addToSeconds(h: Draft, t: number, failed: boolean, windowMs: number): void {
  const second = Math.floor(t / 1000);
  const oldest = Math.floor((h.asOf - windowMs) / 1000);
  dropBefore(h.seconds, (b) => b.second, oldest);
  if (second <= oldest) return;
  const i = lastAtOrBefore(h.seconds, (b) => b.second, second);
  const found = h.seconds[i];
  const add = failed ? 1 : 0;
  if (found === undefined || found.second !== second) {
    h.seconds.splice(i + 1, 0, { second, attempts: 1, failures: add });
  } else {
    h.seconds[i] = { second, attempts: found.attempts + 1, failures: found.failures + add };
  }
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
