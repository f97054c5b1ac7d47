import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, effectivePolicy } from '../../../src/domain/policy.js';
import { route, skipToNextTier } from '../../../src/domain/route.js';
import { parseRetryAfterMs } from '../../../src/domain/retry-after.js';
import { formatDuration, parseDuration } from '../../../src/domain/duration.js';

const policy = {
  ...DEFAULT_POLICY,
  tiersMs: [1000, 2000, 4000],
  maxAttempts: 5,
  maxAgeMs: 60_000,
  jitter: 0.25,
};
const retry = {
  kind: 'retryable',
  errorClass: 'http_503',
  retryAfterMs: undefined,
  ambiguous: false,
} as const;
const t0 = 1_000_000;

describe('route', () => {
  it('schedules the first retry on the first tier, no jitter at the middle draw', () => {
    expect(route({ attempt: 1, tierIndex: -1, firstAttemptAt: t0, policy }, retry, t0, 0.5)).toEqual({
      kind: 'schedule',
      attempt: 2,
      tierIndex: 0,
      dueAt: t0 + 1000,
    });
  });

  it('reuses the last tier past the end', () => {
    const decision = route({ attempt: 4, tierIndex: 2, firstAttemptAt: t0, policy }, retry, t0 + 10_000, 0.5);
    expect(decision).toEqual({ kind: 'schedule', attempt: 5, tierIndex: 3, dueAt: t0 + 14_000 });
  });

  it('dead-letters as max_attempts at the attempt limit', () => {
    expect(route({ attempt: 5, tierIndex: 3, firstAttemptAt: t0, policy }, retry, t0, 0.5)).toEqual({
      kind: 'dead-letter',
      reason: 'max_attempts',
    });
  });

  it('dead-letters as max_age when the retry would fall due past the age limit', () => {
    expect(route({ attempt: 2, tierIndex: 0, firstAttemptAt: t0, policy }, retry, t0 + 58_500, 0.5)).toEqual({
      kind: 'dead-letter',
      reason: 'max_age',
    });
  });

  it('says max_attempts when both limits are reached at once (the attempt limit is checked first)', () => {
    expect(route({ attempt: 5, tierIndex: 3, firstAttemptAt: t0, policy }, retry, t0 + 59_999, 0.5)).toEqual({
      kind: 'dead-letter',
      reason: 'max_attempts',
    });
  });

  it('dead-letters an ambiguous failure of a request that is not repeatable as unsafe_to_retry', () => {
    const ambiguous = { ...retry, errorClass: 'timeout', ambiguous: true } as const;
    const progress = { attempt: 1, tierIndex: -1, firstAttemptAt: t0, policy };
    expect(route({ ...progress, repeatable: false }, ambiguous, t0, 0.5)).toEqual({
      kind: 'dead-letter',
      reason: 'unsafe_to_retry',
    });
    // At the attempt limit too: the failure's nature, not the limit, is why it cannot go again.
    expect(route({ ...progress, attempt: 5, repeatable: false }, ambiguous, t0, 0.5)).toEqual({
      kind: 'dead-letter',
      reason: 'unsafe_to_retry',
    });
    // A repeatable request retries; so does one that is not, after an unambiguous failure.
    expect(route({ ...progress, repeatable: true }, ambiguous, t0, 0.5)).toMatchObject({ kind: 'schedule' });
    expect(route({ ...progress, repeatable: false }, retry, t0, 0.5)).toMatchObject({ kind: 'schedule' });
  });

  it('dead-letters a skip past the age limit as max_age, whatever attempt it is on', () => {
    expect(
      skipToNextTier({ attempt: 5, tierIndex: 3, firstAttemptAt: t0, policy }, t0 + 58_000, 0.5),
    ).toEqual({
      kind: 'dead-letter',
      reason: 'max_age',
    });
  });

  it('lets Retry-After move the due time later, clamped to the longest tier, never earlier', () => {
    const later = { ...retry, retryAfterMs: 3000 };
    expect(route({ attempt: 1, tierIndex: -1, firstAttemptAt: t0, policy }, later, t0, 0.5)).toMatchObject({
      dueAt: t0 + 3000,
    });
    const huge = { ...retry, retryAfterMs: 3_600_000 };
    expect(route({ attempt: 1, tierIndex: -1, firstAttemptAt: t0, policy }, huge, t0, 0.5)).toMatchObject({
      dueAt: t0 + 4000,
    });
    const sooner = { ...retry, retryAfterMs: 10 };
    expect(route({ attempt: 1, tierIndex: -1, firstAttemptAt: t0, policy }, sooner, t0, 0.5)).toMatchObject({
      dueAt: t0 + 1000,
    });
  });

  it('puts a Retry-After wait on the largest tier whose delay it covers, and backs off from there', () => {
    const first = { attempt: 1, tierIndex: -1, firstAttemptAt: t0, policy };
    // 3 s covers the 2 s tier but not the 4 s one.
    expect(route(first, { ...retry, retryAfterMs: 3000 }, t0, 0.5)).toEqual({
      kind: 'schedule',
      attempt: 2,
      tierIndex: 1,
      dueAt: t0 + 3000,
    });
    // Exactly a tier's delay: that tier, due at its jittered delay or the wait, whichever is later.
    expect(route(first, { ...retry, retryAfterMs: 2000 }, t0, 0.75)).toEqual({
      kind: 'schedule',
      attempt: 2,
      tierIndex: 1,
      dueAt: t0 + 2250,
    });
    expect(route(first, { ...retry, retryAfterMs: 2000 }, t0, 0)).toMatchObject({
      tierIndex: 1,
      dueAt: t0 + 2000,
    });
    // Shorter than the next-but-one tier: the normal next tier.
    expect(route(first, { ...retry, retryAfterMs: 1999 }, t0, 0.5)).toMatchObject({
      tierIndex: 0,
      dueAt: t0 + 1999,
    });
    // An hour is clamped to the longest tier, and goes on it.
    expect(route(first, { ...retry, retryAfterMs: 3_600_000 }, t0, 0.5)).toEqual({
      kind: 'schedule',
      attempt: 2,
      tierIndex: 2,
      dueAt: t0 + 4000,
    });
    // The next attempt without Retry-After continues from the tier it was moved to.
    expect(route({ attempt: 2, tierIndex: 1, firstAttemptAt: t0, policy }, retry, t0 + 3000, 0.5)).toEqual({
      kind: 'schedule',
      attempt: 3,
      tierIndex: 2,
      dueAt: t0 + 7000,
    });
  });

  it('never moves a delivery to an earlier tier than its next one', () => {
    // Past the last tier the last is reused; a long wait keeps the step count going.
    expect(
      route(
        { attempt: 4, tierIndex: 3, firstAttemptAt: t0, policy },
        { ...retry, retryAfterMs: 3_600_000 },
        t0,
        0.5,
      ),
    ).toEqual({ kind: 'schedule', attempt: 5, tierIndex: 4, dueAt: t0 + 4000 });
    // On the 4 s tier's step already, a 3 s wait does not go back to the 2 s tier.
    expect(
      route(
        { attempt: 2, tierIndex: 1, firstAttemptAt: t0, policy },
        { ...retry, retryAfterMs: 3000 },
        t0,
        0.5,
      ),
    ).toMatchObject({ tierIndex: 2, dueAt: t0 + 4000 });
  });

  it('on the default tiers, a 30 min Retry-After goes on the 16 min tier, not the 2 min one', () => {
    const decision = route(
      { attempt: 1, tierIndex: -1, firstAttemptAt: t0, policy: DEFAULT_POLICY },
      { ...retry, retryAfterMs: 30 * 60_000 },
      t0,
      0.5,
    );
    expect(decision).toEqual({ kind: 'schedule', attempt: 2, tierIndex: 3, dueAt: t0 + 30 * 60_000 });
  });

  it('dead-letters when the Retry-After wait would fall due past the age limit', () => {
    expect(
      route(
        { attempt: 2, tierIndex: 0, firstAttemptAt: t0, policy },
        { ...retry, retryAfterMs: 4000 },
        t0 + 57_000,
        0.5,
      ),
    ).toEqual({ kind: 'dead-letter', reason: 'max_age' });
    // The same wait a little earlier fits, on the 4 s tier.
    expect(
      route(
        { attempt: 2, tierIndex: 0, firstAttemptAt: t0, policy },
        { ...retry, retryAfterMs: 4000 },
        t0 + 56_000,
        0.5,
      ),
    ).toEqual({ kind: 'schedule', attempt: 3, tierIndex: 2, dueAt: t0 + 60_000 });
  });

  it('routes success to done and permanent failures to their reason', () => {
    const progress = { attempt: 1, tierIndex: -1, firstAttemptAt: t0, policy };
    expect(route(progress, { kind: 'success' }, t0, 0.5)).toEqual({ kind: 'done' });
    expect(
      route(
        progress,
        { kind: 'permanent', errorClass: 'http_410', reason: 'permanent_failure', disablesEndpoint: true },
        t0,
        0.5,
      ),
    ).toEqual({ kind: 'dead-letter', reason: 'permanent_failure' });
  });

  it('skips to the next tier without spending an attempt', () => {
    expect(skipToNextTier({ attempt: 2, tierIndex: 0, firstAttemptAt: t0, policy }, t0, 0.5)).toEqual({
      kind: 'schedule',
      attempt: 2,
      tierIndex: 1,
      dueAt: t0 + 2000,
    });
  });
});

describe('effectivePolicy', () => {
  it('applies overrides and rejects tiers the engine does not run', () => {
    expect(effectivePolicy(policy, { maxAttempts: 2, maxAgeMs: null, tiers: [4000, 1000] })).toEqual({
      policy: { ...policy, maxAttempts: 2, tiersMs: [1000, 4000] },
    });
    expect(effectivePolicy(policy, { maxAttempts: null, maxAgeMs: null, tiers: [3000] })).toMatchObject({
      problem: { field: 'tiers' },
    });
    expect(effectivePolicy(policy, { maxAttempts: 0, maxAgeMs: null, tiers: null })).toMatchObject({
      problem: { field: 'maxAttempts' },
    });
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP-dates, and ignores anything else', () => {
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('-5', now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('durations', () => {
  it('parses and formats', () => {
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1s')).toBe(1000);
    expect(parseDuration('10h')).toBe(36_000_000);
    expect(parseDuration('0s')).toBeUndefined();
    expect(parseDuration('2 minutes')).toBeUndefined();
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});
