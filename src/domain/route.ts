import type { Outcome } from './classify.js';
import { jitteredDelayMs, longestTierMs, tierDelayMs, type RetryPolicy } from './policy.js';

/** Where a delivery stands after an attempt. */
export interface DeliveryProgress {
  /** The number of the attempt just made (1 for the first). */
  readonly attempt: number;
  /** Index of the tier the attempt was made from; -1 for the first attempt (the dispatcher). */
  readonly tierIndex: number;
  readonly firstAttemptAt: number;
  readonly policy: RetryPolicy;
}

export type DeadLetterReason =
  'permanent_failure' | 'exhausted' | 'endpoint_disabled' | 'target_forbidden' | 'invalid_record';

export type RouteDecision =
  | { readonly kind: 'done' }
  | {
      readonly kind: 'schedule';
      readonly attempt: number;
      readonly tierIndex: number;
      readonly dueAt: number;
    }
  | { readonly kind: 'dead-letter'; readonly reason: DeadLetterReason };

/**
 * The next step of a delivery (DESIGN.md, lifecycle step 4). `random` is one draw in [0, 1) for
 * the jitter. A `Retry-After` moves the due time later, never earlier, and never beyond the longest
 * tier (a server asking for a day gets the longest tier). A retry that would fall due after the age
 * limit dead-letters now instead of waiting for nothing.
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
      if (progress.attempt >= progress.policy.maxAttempts)
        return { kind: 'dead-letter', reason: 'exhausted' };
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

function scheduleOn(
  progress: DeliveryProgress,
  tierIndex: number,
  attempt: number,
  now: number,
  random: number,
  retryAfterMs: number | undefined,
): RouteDecision {
  const { policy } = progress;
  const backoffDue = now + jitteredDelayMs(tierDelayMs(policy, tierIndex), policy.jitter, random);
  const retryAfterDue =
    retryAfterMs === undefined ? backoffDue : now + Math.min(retryAfterMs, longestTierMs(policy));
  const dueAt = Math.max(backoffDue, retryAfterDue);
  if (dueAt - progress.firstAttemptAt > policy.maxAgeMs) return { kind: 'dead-letter', reason: 'exhausted' };
  return { kind: 'schedule', attempt, tierIndex, dueAt };
}

/** The tier topic's index for a tier step: past the last tier, the last topic is reused. */
export function tierSlot(policy: RetryPolicy, tierIndex: number): number {
  return Math.min(tierIndex, policy.tiersMs.length - 1);
}
