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

/**
 * The tier step a Retry-After wait should land on, written independently of route.ts: every step
 * from the normal next one up to the last real tier whose delay the wait covers, the largest of
 * them; the normal next step when there is none.
 */
function expectedStep(policy: RetryPolicy, next: number, waitMs: number): number {
  const steps = Array.from({ length: Math.max(0, policy.tiersMs.length - next) }, (_, i) => next + i);
  return Math.max(next, ...steps.filter((step) => tierDelayMs(policy, step) <= waitMs));
}

function clampedWait(policy: RetryPolicy, retryAfterMs: number | undefined): number {
  return retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, longestTierMs(policy));
}

describe('route (properties)', () => {
  it('puts every retry on a tier whose worker expects it: not before its delay less jitter', () => {
    fc.assert(
      fc.property(scenario, ({ policy, attempt, tierIndex, sinceFirst, random, retryAfterMs }) => {
        const now = 1_000_000_000 + sinceFirst;
        const decision = route(
          { attempt, tierIndex, firstAttemptAt: 1_000_000_000, policy },
          { kind: 'retryable', errorClass: 'x', retryAfterMs, ambiguous: false },
          now,
          random,
        );
        if (decision.kind !== 'schedule') return;
        const wait = clampedWait(policy, retryAfterMs);
        // Never an earlier step than the normal next one; without Retry-After, exactly that one.
        expect(decision.tierIndex).toBeGreaterThanOrEqual(tierIndex + 1);
        if (retryAfterMs === undefined) expect(decision.tierIndex).toBe(tierIndex + 1);
        expect(decision.tierIndex).toBe(expectedStep(policy, tierIndex + 1, wait));
        const base = tierDelayMs(policy, decision.tierIndex);
        const delay = decision.dueAt - now;
        // The tier worker's minDelayMs (roles/tiers.ts): floor(delay × (1 − jitter)).
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - policy.jitter)));
        // Never before Retry-After (as clamped to the longest tier).
        expect(delay).toBeGreaterThanOrEqual(wait);
        // Not much later than the tier's band either: inside it, or still short of the next step's delay.
        const high = Math.ceil(base * (1 + policy.jitter));
        const lastStep = decision.tierIndex >= policy.tiersMs.length - 1;
        if (delay > high) {
          expect(delay).toBe(wait);
          if (lastStep) expect(delay).toBeLessThanOrEqual(base);
          else expect(delay).toBeLessThan(tierDelayMs(policy, decision.tierIndex + 1));
        }
      }),
    );
  });

  it('never schedules beyond the attempt limit or the age limit', () => {
    fc.assert(
      fc.property(scenario, ({ policy, attempt, tierIndex, sinceFirst, random, retryAfterMs }) => {
        const first = 1_000_000_000;
        const decision = route(
          { attempt, tierIndex, firstAttemptAt: first, policy },
          { kind: 'retryable', errorClass: 'x', retryAfterMs, ambiguous: false },
          first + sinceFirst,
          random,
        );
        if (decision.kind === 'schedule') {
          expect(decision.attempt).toBeLessThanOrEqual(policy.maxAttempts);
          expect(decision.dueAt - first).toBeLessThanOrEqual(policy.maxAgeMs);
        } else {
          expect(decision).toEqual({
            kind: 'dead-letter',
            reason: attempt >= policy.maxAttempts ? 'max_attempts' : 'max_age',
          });
          if (attempt < policy.maxAttempts) {
            // Not the attempt limit, so it must be the age limit: the retry would have been due too late.
            const asked = clampedWait(policy, retryAfterMs);
            const step = expectedStep(policy, tierIndex + 1, asked);
            const backoff = jitteredDelayMs(tierDelayMs(policy, step), policy.jitter, random);
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

  it('never sends a request that is not repeatable again after an ambiguous failure, and changes nothing else', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.boolean(),
        fc.boolean(),
        ({ policy, attempt, tierIndex, sinceFirst, random, retryAfterMs }, ambiguous, isRepeatable) => {
          const first = 1_000_000_000;
          const progress = { attempt, tierIndex, firstAttemptAt: first, policy };
          const outcome = { kind: 'retryable', errorClass: 'x', retryAfterMs, ambiguous } as const;
          const decision = route(
            { ...progress, repeatable: isRepeatable },
            outcome,
            first + sinceFirst,
            random,
          );
          if (ambiguous && !isRepeatable) {
            expect(decision).toEqual({ kind: 'dead-letter', reason: 'unsafe_to_retry' });
          } else {
            // Anything else routes as if the rule did not exist.
            expect(decision).toEqual(
              route(progress, { ...outcome, ambiguous: false }, first + sinceFirst, random),
            );
          }
        },
      ),
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
