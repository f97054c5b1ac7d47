import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fullBucket,
  parseRateLimit,
  reserve,
  reserveFrom,
} from '../../../../src/domain/shaping/token-bucket.js';

describe('token bucket (properties)', () => {
  it('never admits more than burst + rate × elapsed over any window from the start', () => {
    fc.assert(
      fc.property(
        fc.record({
          perSecond: fc.double({ min: 0.5, max: 500, noNaN: true }),
          burst: fc.integer({ min: 1, max: 50 }),
        }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 2_000 }),
        (limit, gaps, maxWaitMs) => {
          let bucket = fullBucket(limit, 0);
          let now = 0;
          const starts: number[] = [];
          for (const gap of gaps) {
            now += gap;
            const r = reserve(bucket, limit, now, maxWaitMs);
            expect(r.waitMs).toBeGreaterThanOrEqual(0);
            if (!r.taken) {
              expect(r.waitMs).toBeGreaterThan(maxWaitMs);
              continue;
            }
            expect(r.waitMs).toBeLessThanOrEqual(maxWaitMs);
            bucket = r.bucket;
            starts.push(now + r.waitMs);
          }
          starts.sort((a, b) => a - b);
          const last = starts.at(-1) ?? 0;
          // Every admitted start by time t: at most burst + rate × t (+1 for rounding the wait up).
          for (const [i, t] of starts.entries())
            expect(i + 1).toBeLessThanOrEqual(limit.burst + (limit.perSecond * t) / 1000 + 1);
          expect(starts.length).toBeLessThanOrEqual(limit.burst + (limit.perSecond * last) / 1000 + 1);
        },
      ),
    );
  });

  it('admits a burst at once, then one token per 1/rate seconds', () => {
    const limit = { perSecond: 10, burst: 3 };
    let bucket = fullBucket(limit, 0);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = reserve(bucket, limit, 0, 10_000);
      bucket = r.bucket;
      waits.push(r.waitMs);
    }
    expect(waits).toEqual([0, 0, 0, 100, 200]);
  });
});

describe('reserveFrom', () => {
  it('gives up the tokens before a later use, so the next token comes after it', () => {
    const limit = { perSecond: 10, burst: 1 };
    const first = reserveFrom(fullBucket(limit, 0), limit, 0, () => 750);
    expect(first).toMatchObject({ waitMs: 0, usedAtMs: 750 });
    const next = reserve(first.bucket, limit, 0, Infinity);
    expect(next.waitMs).toBe(850);
  });
});

describe('parseRateLimit', () => {
  it('reads 50/s and 50/s,100', () => {
    expect(parseRateLimit('50/s')).toEqual({ perSecond: 50, burst: 50 });
    expect(parseRateLimit('0.5/s')).toEqual({ perSecond: 0.5, burst: 1 });
    expect(parseRateLimit('50/s,100')).toEqual({ perSecond: 50, burst: 100 });
  });
  it('says what is wrong', () => {
    expect(parseRateLimit('fast')).toMatch(/not a rate limit/);
    expect(parseRateLimit('0/s')).toMatch(/perSecond/);
  });
});
