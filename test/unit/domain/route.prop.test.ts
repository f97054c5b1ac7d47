import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jitteredDelayMs, longestTierMs, tierDelayMs, type RetryPolicy } from '../../../src/domain/policy.js';
import { route } from '../../../src/domain/route.js';

const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  tiersMs: fc
    .uniqueArray(fc.integer({ min: 1, max: 3_600_000 }), { minLength: 1, maxLength: 8 })
    .map((t) => t.sort((a, b) => a - b)),
  maxAttempts: fc.integer({ min: 1, max: 50 }),
  maxAgeMs: fc.integer({ min: 1, max: 72 * 3_600_000 }),
  jitter: fc.double({ min: 0, max: 0.5, noNaN: true }),
});

const scenario = fc.record({
  policy: policyArb,
  attempt: fc.integer({ min: 1, max: 60 }),
  tierIndex: fc.integer({ min: -1, max: 40 }),
  sinceFirst: fc.integer({ min: 0, max: 80 * 3_600_000 }),
  random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  retryAfterMs: fc.option(fc.integer({ min: 0, max: 10 * 3_600_000 }), { nil: undefined }),
});

describe('route (properties)', () => {
  it('keeps the due time inside the jitter band, or at Retry-After clamped to the longest tier', () => {
    fc.assert(
      fc.property(scenario, ({ policy, attempt, tierIndex, sinceFirst, random, retryAfterMs }) => {
        const now = 1_000_000_000 + sinceFirst;
        const decision = route(
          { attempt, tierIndex, firstAttemptAt: 1_000_000_000, policy },
          { kind: 'retryable', errorClass: 'x', retryAfterMs },
          now,
          random,
        );
        if (decision.kind !== 'schedule') return;
        const base = tierDelayMs(policy, tierIndex + 1);
        const low = Math.floor(base * (1 - policy.jitter));
        const high = Math.ceil(base * (1 + policy.jitter));
        const delay = decision.dueAt - now;
        const clampedRetryAfter =
          retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, longestTierMs(policy));
        expect(delay).toBeGreaterThanOrEqual(low);
        expect(delay).toBeLessThanOrEqual(Math.max(high, clampedRetryAfter));
        // never before Retry-After (as clamped)
        expect(delay).toBeGreaterThanOrEqual(clampedRetryAfter);
      }),
    );
  });

  it('never schedules beyond the attempt limit or the age limit', () => {
    fc.assert(
      fc.property(scenario, ({ policy, attempt, tierIndex, sinceFirst, random, retryAfterMs }) => {
        const first = 1_000_000_000;
        const decision = route(
          { attempt, tierIndex, firstAttemptAt: first, policy },
          { kind: 'retryable', errorClass: 'x', retryAfterMs },
          first + sinceFirst,
          random,
        );
        if (decision.kind === 'schedule') {
          expect(decision.attempt).toBeLessThanOrEqual(policy.maxAttempts);
          expect(decision.dueAt - first).toBeLessThanOrEqual(policy.maxAgeMs);
        } else {
          expect(decision).toEqual({ kind: 'dead-letter', reason: 'exhausted' });
          if (attempt < policy.maxAttempts) {
            // Not the attempt limit, so it must be the age limit: the retry would have been due too late.
            const backoff = jitteredDelayMs(tierDelayMs(policy, tierIndex + 1), policy.jitter, random);
            const asked = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, longestTierMs(policy));
            expect(sinceFirst + Math.max(backoff, asked)).toBeGreaterThan(policy.maxAgeMs);
          }
        }
      }),
    );
  });

  it('never shortens the schedule from one tier to the next, before jitter', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 0, max: 60 }), (policy, tierIndex) => {
        expect(tierDelayMs(policy, tierIndex + 1)).toBeGreaterThanOrEqual(tierDelayMs(policy, tierIndex));
      }),
    );
  });

  it('moves a delay by at most the jitter fraction', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (delay, jitter, random) => {
          const moved = jitteredDelayMs(delay, jitter, random);
          expect(Math.abs(moved - delay)).toBeLessThanOrEqual(Math.ceil(delay * jitter));
        },
      ),
    );
  });
});
