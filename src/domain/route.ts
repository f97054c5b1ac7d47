import type { Outcome } from './classify.js';
import { jitteredDelayMs, longestTierMs, tierDelayMs, type RetryPolicy } from './policy.js';
import { strategyDelayMs } from './delivery/backoff.js';
import { placeWait } from './delivery/placement.js';

/** Where a delivery stands after an attempt. */
export interface DeliveryProgress {
  /** The number of the attempt just made (1 for the first). */
  readonly attempt: number;
  /** Index of the tier the attempt was made from; -1 for the first attempt (the dispatcher). */
  readonly tierIndex: number;
  readonly firstAttemptAt: number;
  readonly policy: RetryPolicy;
  /**
   * false: the request must not be sent again after an ambiguous failure (retry-safety.ts decides).
   * Left out, it may (the tier steps that spend no attempt do not need it).
   */
  readonly repeatable?: boolean;
}

/**
 * Why a dead letter was written, every symbol of schemas/DeadLetter.avsc. kretry decides all but two:
 * `exhausted` is what kretry wrote for either limit before it told `max_attempts` from `max_age`
 * (old records keep it), and `unknown` is the enum's default, what this version reads for a reason
 * a newer kretry added.
 */
export const RECORDED_DEAD_LETTER_REASONS = [
  'permanent_failure',
  'max_attempts',
  'max_age',
  'endpoint_disabled',
  'target_forbidden',
  'invalid_record',
  'unsafe_to_retry',
  'exhausted',
  'unknown',
] as const;
export type RecordedDeadLetterReason = (typeof RECORDED_DEAD_LETTER_REASONS)[number];

/** The reasons kretry decides today. */
export type DeadLetterReason = Exclude<RecordedDeadLetterReason, 'exhausted' | 'unknown'>;

export type RouteDecision =
  | { readonly kind: 'done' }
  | {
      readonly kind: 'schedule';
      readonly attempt: number;
      readonly tierIndex: number;
      readonly dueAt: number;
      /**
       * The tier topic (index into the policy's tiers) when it is not the one `tierIndex` names: a
       * rate-limited delivery waits on the smallest tier and keeps its place in the schedule.
       */
      readonly slot?: number;
      /** A wait that goes on after this leg (placement.ts): due again at this time, not attempted before. */
      readonly notBefore?: number;
    }
  | { readonly kind: 'dead-letter'; readonly reason: DeadLetterReason };

/**
 * The next step of a delivery (docs/lifecycle.md, step 4). `random` is one draw in [0, 1) for
 * the jitter. A `Retry-After` moves the due time later, never earlier, and never beyond the longest
 * tier (a server asking for a day gets the longest tier); a wait as long as a later tier's delay
 * also moves the delivery onto that tier (see scheduleOn). A retry that would fall due
 * after the age limit dead-letters now instead of waiting for nothing. A request that is not
 * `repeatable` is not sent again after an ambiguous failure: it dead-letters as `unsafe_to_retry`.
 */
export function route(
  progress: DeliveryProgress,
  outcome: Outcome,
  now: number,
  random: number,
): RouteDecision {
  switch (outcome.kind) {
    case 'success':
      return { kind: 'done' };
    case 'permanent':
      return { kind: 'dead-letter', reason: outcome.reason };
    case 'retryable': {
      // Before the limits: whatever attempt this was, sending it again might do it twice.
      if (outcome.ambiguous && progress.repeatable === false)
        return { kind: 'dead-letter', reason: 'unsafe_to_retry' };
      if (progress.attempt >= progress.policy.maxAttempts)
        return { kind: 'dead-letter', reason: 'max_attempts' };
      if (progress.policy.backoff !== undefined && progress.policy.backoff.kind !== 'tiers')
        return scheduleByStrategy(progress, now, random, outcome.retryAfterMs);
      const tierIndex = progress.tierIndex + 1;
      return scheduleOn(progress, tierIndex, progress.attempt + 1, now, random, outcome.retryAfterMs);
    }
  }
}

/**
 * Moves a delivery to its next tier without spending an attempt (an open circuit): the attempt
 * number stays, the age still counts.
 */
export function skipToNextTier(progress: DeliveryProgress, now: number, random: number): RouteDecision {
  return scheduleOn(progress, progress.tierIndex + 1, progress.attempt, now, random, undefined);
}

/**
 * A retry on a computed schedule (backoff.ts): the strategy's delay with its jitter, later when the
 * server or the retry rules ask for more, placed on the tiers by placeWait.
 */
function scheduleByStrategy(
  progress: DeliveryProgress,
  now: number,
  random: number,
  retryAfterMs: number | undefined,
): RouteDecision {
  const { policy } = progress;
  const strategy = policy.backoff;
  if (strategy === undefined || strategy.kind === 'tiers') throw new Error('invariant: a computed strategy');
  const delay = jitteredDelayMs(
    strategyDelayMs(strategy, progress.attempt),
    strategy.jitter ?? policy.jitter,
    random,
  );
  const asked = Math.max(delay, Math.min(retryAfterMs ?? 0, longestTierMs(policy)), policy.minDelayMs ?? 0);
  if (now + asked - progress.firstAttemptAt > policy.maxAgeMs)
    return { kind: 'dead-letter', reason: 'max_age' };
  return placed(progress.attempt + 1, placeWait(policy, now, asked));
}

/**
 * The next leg of a wait that outlasts one tier's band (a hop): no attempt, nothing spent; the
 * delivery moves on towards `notBefore`.
 */
export function continueWait(progress: DeliveryProgress, notBefore: number, now: number): RouteDecision {
  return placed(progress.attempt, placeWait(progress.policy, now, Math.max(0, notBefore - now)));
}

/**
 * Over the endpoint's rate limit for longer than a worker waits in memory: the delivery waits on the
 * tiers for the token reserved for it `waitMs` ahead (placeWait), without spending an attempt and
 * keeping its place in the schedule (the rate limit says nothing about the endpoint's health).
 */
export function deferForRate(progress: DeliveryProgress, now: number, waitMs: number): RouteDecision {
  if (now + waitMs - progress.firstAttemptAt > progress.policy.maxAgeMs)
    return { kind: 'dead-letter', reason: 'max_age' };
  const place = placeWait(progress.policy, now, waitMs);
  return {
    kind: 'schedule',
    attempt: progress.attempt,
    tierIndex: Math.max(progress.tierIndex, 0),
    dueAt: place.dueAt,
    slot: place.slot,
    ...(place.notBefore !== null && { notBefore: place.notBefore }),
  };
}

/**
 * Held back by the endpoint's in-flight limit with the look-ahead full of such deliveries: the
 * delivery waits on the smallest tier and tries again, without spending an attempt and keeping its
 * place in the schedule.
 */
export function deferToSmallestTier(progress: DeliveryProgress, now: number, random: number): RouteDecision {
  const { policy } = progress;
  const dueAt = now + jitteredDelayMs(tierDelayMs(policy, 0), policy.jitter, random);
  if (dueAt - progress.firstAttemptAt > policy.maxAgeMs) return { kind: 'dead-letter', reason: 'max_age' };
  return {
    kind: 'schedule',
    attempt: progress.attempt,
    tierIndex: Math.max(progress.tierIndex, 0),
    dueAt,
    slot: 0,
  };
}

function placed(attempt: number, place: ReturnType<typeof placeWait>): RouteDecision {
  return {
    kind: 'schedule',
    attempt,
    tierIndex: place.slot,
    dueAt: place.dueAt,
    ...(place.notBefore !== null && { notBefore: place.notBefore }),
  };
}

/**
 * The ScheduledAttempt for a tier step, or the dead letter when it would fall due past the age limit.
 *
 * A tier worker pauses its partition on the promise that every record on its topic falls due within
 * the tier's delay ± jitter of being scheduled (it reads ahead only as far as that band). A
 * `Retry-After` longer than the next tier's delay breaks that promise: left on the next tier, such
 * records sit in the look-ahead for up to the longest tier, and enough of them fill it and pause the
 * partition, holding every other endpoint on it back. So a wait as long as a later tier's delay
 * moves the delivery to the tier step that covers it: the largest step, not before the normal next
 * one, whose delay is at most the wait. There the record is due no sooner than the step's delay less
 * jitter (the due time is the later of its jittered delay and the wait), and no later than the next
 * step's delay (the wait is shorter than that, or the wait is clamped to the longest tier). Later
 * backoff continues from that step, as if the server's wait had been the schedule's own.
 */
function scheduleOn(
  progress: DeliveryProgress,
  nextTierIndex: number,
  attempt: number,
  now: number,
  random: number,
  retryAfterMs: number | undefined,
): RouteDecision {
  const { policy } = progress;
  // RFC 9110 §10.2.3 lets the server ask for any wait; kretry honours up to its longest tier.
  // The retry rules' minimum delay is a wait like a Retry-After: a tier that covers it carries it.
  const asked = Math.max(retryAfterMs ?? 0, policy.minDelayMs ?? 0);
  const waitMs = Math.min(asked, longestTierMs(policy));
  const tierIndex = tierCoveringWait(policy, nextTierIndex, waitMs);
  const backoffDue = now + jitteredDelayMs(tierDelayMs(policy, tierIndex), policy.jitter, random);
  const dueAt = Math.max(backoffDue, now + waitMs);
  if (dueAt - progress.firstAttemptAt > policy.maxAgeMs) return { kind: 'dead-letter', reason: 'max_age' };
  return { kind: 'schedule', attempt, tierIndex, dueAt };
}

/**
 * The largest tier step at or after `nextTierIndex` whose delay is at most `waitMs`; the normal
 * next step when none is (the wait is shorter than its delay, or there is no wait).
 */
function tierCoveringWait(policy: RetryPolicy, nextTierIndex: number, waitMs: number): number {
  let covering = nextTierIndex;
  // Tiers are sorted shortest first (the config and effectivePolicy both ensure it).
  for (let slot = nextTierIndex + 1; slot < policy.tiersMs.length; slot += 1) {
    if (tierDelayMs(policy, slot) > waitMs) break;
    covering = slot;
  }
  return covering;
}

/** The tier topic's index for a tier step: past the last tier, the last topic is reused. */
export function tierSlot(policy: RetryPolicy, tierIndex: number): number {
  return Math.min(tierIndex, policy.tiersMs.length - 1);
}
