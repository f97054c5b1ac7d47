import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { carriedWaitMs, placeWait } from '../../../../src/domain/delivery/placement.js';
import { DEFAULT_POLICY, type RetryPolicy } from '../../../../src/domain/policy.js';

const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  tiersMs: fc
    .uniqueArray(fc.integer({ min: 1_000, max: 3_600_000 }), { minLength: 1, maxLength: 6 })
    .map((tiers) => [...tiers].sort((a, b) => a - b)),
  maxAttempts: fc.constant(20),
  maxAgeMs: fc.constant(10 * 3_600_000),
  jitter: fc.double({ min: 0, max: 0.5, noNaN: true }),
});

const band = (policy: RetryPolicy, slot: number) => {
  const delay = policy.tiersMs[slot] ?? 0;
  return { lo: Math.ceil(delay * (1 - policy.jitter)), hi: Math.floor(delay * (1 + policy.jitter)) };
};

/** Follows a wait leg by leg, as the tier workers do when each leg falls due exactly on time. */
function legs(policy: RetryPolicy, waitMs: number) {
  const out: { slot: number; ms: number }[] = [];
  let now = 0;
  let place = placeWait(policy, now, waitMs);
  for (;;) {
    out.push({ slot: place.slot, ms: place.dueAt - now });
    now = place.dueAt;
    if (place.notBefore === null || place.notBefore <= now) return { legs: out, endsAt: now };
    place = placeWait(policy, now, place.notBefore - now);
    if (out.length > 10_000) throw new Error('no progress');
  }
}

describe('placeWait (properties)', () => {
  it('never leaves a record on a tier beyond its band (no head-of-line blocking), and ends the wait on time or at most one smallest band late', () => {
    fc.assert(
      fc.property(policyArb, fc.double({ min: 0, max: 50, noNaN: true }), (policy, times) => {
        // Up to 50 of the longest tier: beyond, only the number of legs grows.
        const waitMs = Math.round(times * Math.max(...policy.tiersMs));
        const followed = legs(policy, waitMs);
        for (const leg of followed.legs) {
          const { lo, hi } = band(policy, leg.slot);
          expect(leg.ms).toBeGreaterThanOrEqual(lo);
          expect(leg.ms).toBeLessThanOrEqual(hi);
        }
        expect(followed.endsAt).toBeGreaterThanOrEqual(waitMs);
        expect(followed.endsAt - waitMs).toBeLessThanOrEqual(band(policy, 0).lo);
      }),
      { numRuns: 500 },
    );
  });

  it('carriedWaitMs is when the last leg ends', () => {
    fc.assert(
      fc.property(policyArb, fc.double({ min: 0, max: 20, noNaN: true }), (policy, times) => {
        const waitMs = Math.round(times * Math.max(...policy.tiersMs));
        const carried = carriedWaitMs(policy, waitMs);
        expect(carried).toBe(legs(policy, waitMs).endsAt);
      }),
      { numRuns: 300 },
    );
  });

  it('is exact in one leg for a wait inside a tier band, on the largest such tier', () => {
    fc.assert(
      fc.property(policyArb, fc.nat(), fc.double({ min: 0, max: 1, noNaN: true }), (policy, pick, where) => {
        const slot = pick % policy.tiersMs.length;
        const { lo, hi } = band(policy, slot);
        fc.pre(hi >= lo);
        const waitMs = Math.round(lo + (hi - lo) * where);
        const place = placeWait(policy, 100, waitMs);
        expect(place).toMatchObject({ dueAt: 100 + waitMs, notBefore: null });
        expect(place.slot).toBeGreaterThanOrEqual(slot);
      }),
    );
  });
});

describe('placeWait (default tiers)', () => {
  const minutes = (m: number) => m * 60_000;
  it('places 5 minutes on retry-4m, due in exactly 5 minutes', () => {
    expect(placeWait(DEFAULT_POLICY, 0, minutes(5))).toEqual({ slot: 1, dueAt: minutes(5), notBefore: null });
  });
  it('rounds 30 seconds up to the smallest band (retry-2m less 25 %)', () => {
    expect(placeWait(DEFAULT_POLICY, 0, 30_000)).toEqual({ slot: 0, dueAt: 90_000, notBefore: null });
  });
  it('carries 3 hours on the longest tier in legs of at most 75 minutes', () => {
    const place = placeWait(DEFAULT_POLICY, 0, minutes(180));
    expect(place).toEqual({ slot: 5, dueAt: minutes(75), notBefore: minutes(180) });
  });
  it('carries 42 minutes (between the 32m and 60m bands) as 40 + 2', () => {
    const first = placeWait(DEFAULT_POLICY, 0, minutes(42));
    expect(first).toEqual({ slot: 4, dueAt: minutes(40), notBefore: minutes(42) });
    expect(placeWait(DEFAULT_POLICY, minutes(40), minutes(2))).toEqual({
      slot: 0,
      dueAt: minutes(42),
      notBefore: null,
    });
  });
});
