import type { BackoffStrategy } from './delivery/backoff.js';
/**
 * The retry policy as data. Defaults follow docs/lifecycle.md: tiers 2m…60m with the last one reused,
 * at most 20 attempts, at most 10 hours from the first attempt, ±25 % jitter.
 */
export interface RetryPolicy {
  /** Delay of each retry tier in milliseconds, shortest first; the last is reused. */
  readonly tiersMs: readonly number[];
  readonly maxAttempts: number;
  readonly maxAgeMs: number;
  /** Fraction of the delay by which it may move either way, e.g. 0.25. */
  readonly jitter: number;
  /** No retry falls due sooner than this (the retry rules' minDelayMs). @defaultValue 0 */
  readonly minDelayMs?: number;
  /** How long each retry waits (delivery/backoff.ts). @defaultValue the tiers' own schedule */
  readonly backoff?: BackoffStrategy;
}

export const DEFAULT_TIERS_MS: readonly number[] = [2, 4, 8, 16, 32, 60].map((minutes) => minutes * 60_000);

export const DEFAULT_POLICY: RetryPolicy = {
  tiersMs: DEFAULT_TIERS_MS,
  maxAttempts: 20,
  maxAgeMs: 10 * 3_600_000,
  jitter: 0.25,
};

/** A delivery's own overrides, as carried in DeliveryRequest.policy. */
export interface PolicyOverride {
  readonly maxAttempts: number | null;
  readonly maxAgeMs: number | null;
  readonly tiers: readonly number[] | null;
}

export type PolicyProblem = {
  readonly field: 'maxAttempts' | 'maxAgeMs' | 'tiers';
  readonly message: string;
};

/**
 * The policy for one delivery: the engine's, with the request's overrides applied. An override
 * may only pick tiers the engine runs (there is no topic for any other delay).
 */
export function effectivePolicy(
  base: RetryPolicy,
  override: PolicyOverride | null,
): { readonly policy: RetryPolicy } | { readonly problem: PolicyProblem } {
  if (override === null) return { policy: base };
  if (
    override.maxAttempts !== null &&
    (!Number.isInteger(override.maxAttempts) || override.maxAttempts < 1)
  ) {
    return { problem: { field: 'maxAttempts', message: 'must be a whole number of at least 1' } };
  }
  if (override.maxAgeMs !== null && !(override.maxAgeMs > 0)) {
    return { problem: { field: 'maxAgeMs', message: 'must be positive' } };
  }
  if (override.tiers !== null) {
    if (override.tiers.length === 0) return { problem: { field: 'tiers', message: 'must not be empty' } };
    const unknown = override.tiers.find((tier) => !base.tiersMs.includes(tier));
    if (unknown !== undefined) {
      return {
        problem: {
          field: 'tiers',
          message: `${unknown} ms is not one of the engine's tiers (${base.tiersMs.join(', ')})`,
        },
      };
    }
  }
  return {
    policy: {
      tiersMs: override.tiers === null ? base.tiersMs : [...override.tiers].sort((a, b) => a - b),
      maxAttempts: override.maxAttempts ?? base.maxAttempts,
      maxAgeMs: override.maxAgeMs ?? base.maxAgeMs,
      jitter: base.jitter,
      ...(base.minDelayMs !== undefined && { minDelayMs: base.minDelayMs }),
    },
  };
}

/** The delay of the tier at `tierIndex`, before jitter; past the last tier, the last is reused. */
export function tierDelayMs(policy: RetryPolicy, tierIndex: number): number {
  const tiers = policy.tiersMs;
  const delay = tiers[Math.min(tierIndex, tiers.length - 1)];
  if (delay === undefined) throw new Error('invariant: a retry policy has at least one tier');
  return delay;
}

/** The delay moved by up to ±jitter; `random` is a draw in [0, 1). */
export function jitteredDelayMs(delayMs: number, jitter: number, random: number): number {
  return Math.round(delayMs * (1 + jitter * (2 * random - 1)));
}

export function longestTierMs(policy: RetryPolicy): number {
  return Math.max(...policy.tiersMs);
}

/**
 * An endpoint's override under a delivery's own: the delivery wins field by field, the endpoint's
 * fills the gaps, and the engine's policy the rest (through effectivePolicy).
 */
export function layerOverrides(
  endpoint: PolicyOverride | null,
  delivery: PolicyOverride | null,
): PolicyOverride | null {
  if (endpoint === null) return delivery;
  if (delivery === null) return endpoint;
  return {
    maxAttempts: delivery.maxAttempts ?? endpoint.maxAttempts,
    maxAgeMs: delivery.maxAgeMs ?? endpoint.maxAgeMs,
    tiers: delivery.tiers ?? endpoint.tiers,
  };
}
