import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffProblem,
  strategyDelayMs,
  type BackoffStrategy,
} from '../../../../src/domain/delivery/backoff.js';

describe('strategyDelayMs', () => {
  it('exponential: base × multiplier^(retry-1), capped at max', () => {
    const s = { kind: 'exponential', baseMs: 1000, multiplier: 2, maxMs: 10_000, jitter: null } as const;
    expect([1, 2, 3, 4, 5, 6].map((n) => strategyDelayMs(s, n))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });
  it('linear: step × retry, capped at max', () => {
    const s = { kind: 'linear', stepMs: 60_000, maxMs: 150_000, jitter: null } as const;
    expect([1, 2, 3].map((n) => strategyDelayMs(s, n))).toEqual([60_000, 120_000, 150_000]);
  });
  it('fixed: the same delay', () => {
    expect(strategyDelayMs({ kind: 'fixed', delayMs: 5000, jitter: 0 }, 7)).toBe(5000);
  });
  it('custom: the list, its last delay reused', () => {
    const s = { kind: 'custom', delaysMs: [1000, 5000, 60_000], jitter: null } as const;
    expect([1, 2, 3, 4, 9].map((n) => strategyDelayMs(s, n))).toEqual([1000, 5000, 60_000, 60_000, 60_000]);
  });
  it('never decreases with the retry number, and stays finite (properties)', () => {
    const strategyArb: fc.Arbitrary<Exclude<BackoffStrategy, { kind: 'tiers' }>> = fc.oneof(
      fc
        .record({
          baseMs: fc.integer({ min: 1, max: 100_000 }),
          multiplier: fc.double({ min: 1, max: 100, noNaN: true }),
          extra: fc.integer({ min: 0, max: 10_000_000 }),
        })
        .map(({ baseMs, multiplier, extra }) => ({
          kind: 'exponential' as const,
          baseMs,
          multiplier,
          maxMs: baseMs + extra,
          jitter: null,
        })),
      fc
        .record({ stepMs: fc.integer({ min: 1, max: 100_000 }) })
        .map(({ stepMs }) => ({ kind: 'linear' as const, stepMs, maxMs: null, jitter: null })),
    );
    fc.assert(
      fc.property(strategyArb, fc.integer({ min: 1, max: 5_000 }), (strategy, n) => {
        const a = strategyDelayMs(strategy, n);
        const b = strategyDelayMs(strategy, n + 1);
        expect(Number.isFinite(b)).toBe(true);
        expect(b).toBeGreaterThanOrEqual(a);
      }),
    );
  });
});

describe('backoffProblem', () => {
  it('names the field that is wrong', () => {
    expect(
      backoffProblem({ kind: 'exponential', baseMs: 1000, multiplier: 0.5, maxMs: 5000, jitter: null })
        ?.field,
    ).toBe('multiplier');
    expect(
      backoffProblem({ kind: 'exponential', baseMs: 5000, multiplier: 2, maxMs: 1000, jitter: null })?.field,
    ).toBe('maxMs');
    expect(backoffProblem({ kind: 'linear', stepMs: 0, maxMs: null, jitter: null })?.field).toBe('stepMs');
    expect(backoffProblem({ kind: 'fixed', delayMs: 1000, jitter: 1.5 })?.field).toBe('jitter');
    expect(backoffProblem({ kind: 'custom', delaysMs: [], jitter: null })?.field).toBe('delaysMs');
    expect(backoffProblem({ kind: 'custom', delaysMs: [1000, -1], jitter: null })?.field).toBe('delaysMs[1]');
  });
  it('accepts the tiers and a sound strategy', () => {
    expect(backoffProblem({ kind: 'tiers' })).toBeUndefined();
    expect(backoffProblem({ kind: 'custom', delaysMs: [1000, 60_000], jitter: 0.1 })).toBeUndefined();
  });
});
