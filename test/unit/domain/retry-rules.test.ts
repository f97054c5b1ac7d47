import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/domain/classify.js';
import { longestTierMs, type RetryPolicy } from '../../../src/domain/policy.js';
import {
  DEFAULT_RETRY_RULES,
  layerRules,
  rulesProblem,
  statusVerdict,
  type RetryRules,
} from '../../../src/domain/retry-rules.js';
import { route } from '../../../src/domain/route.js';

const statusArb = fc.integer({ min: 100, max: 599 }).filter((s) => s < 200 || s > 299);
const patternArb = fc.oneof(fc.constantFrom('1xx', '3xx', '4xx', '5xx'), statusArb.map(String));

describe('retry rules', () => {
  it('default to what kretry always did: 408, 429, 5xx and a final 1xx retry, the rest is permanent', () => {
    const retrying = [100, 408, 429, 500, 503, 599];
    const permanent = [301, 304, 400, 401, 404, 409, 410, 422];
    for (const s of retrying) expect(statusVerdict(DEFAULT_RETRY_RULES, s), String(s)).toBe('retryable');
    for (const s of permanent) expect(statusVerdict(DEFAULT_RETRY_RULES, s), String(s)).toBe('permanent');
  });

  it('let the most specific rule win: a code over its class', () => {
    const rules: RetryRules = { retryOn: ['5xx', '409'], permanentOn: ['501', '4xx'], minDelayMs: 0 };
    expect(statusVerdict(rules, 501)).toBe('permanent');
    expect(statusVerdict(rules, 503)).toBe('retryable');
    expect(statusVerdict(rules, 409)).toBe('retryable');
    expect(statusVerdict(rules, 408)).toBe('permanent');
  });

  it('refuse patterns that are not statuses, 2xx, and a pattern in both lists', () => {
    expect(rulesProblem(['5xx'], ['501'])).toBeUndefined();
    expect(rulesProblem(['2xx'], [])).toMatch(/"2xx" is not a status/);
    expect(rulesProblem(['204'], [])).toMatch(/"204"/);
    expect(rulesProblem(['50x'], [])).toMatch(/"50x"/);
    expect(rulesProblem(['429'], ['429'])).toMatch(/"429" is both/);
  });

  it('layer field by field: a later layer wins where it says something (properties)', () => {
    const layerArb = fc.option(
      fc.record({
        retryOn: fc.option(fc.array(patternArb, { maxLength: 4 }), { nil: null }),
        permanentOn: fc.option(fc.array(patternArb, { maxLength: 4 }), { nil: null }),
        minDelayMs: fc.option(fc.nat(3_600_000), { nil: null }),
      }),
      { nil: null },
    );
    fc.assert(
      fc.property(layerArb, layerArb, (global, endpoint) => {
        const rules = layerRules(DEFAULT_RETRY_RULES, global, endpoint);
        expect(rules.retryOn).toEqual(endpoint?.retryOn ?? global?.retryOn ?? DEFAULT_RETRY_RULES.retryOn);
        expect(rules.permanentOn).toEqual(
          endpoint?.permanentOn ?? global?.permanentOn ?? DEFAULT_RETRY_RULES.permanentOn,
        );
        expect(rules.minDelayMs).toBe(endpoint?.minDelayMs ?? global?.minDelayMs ?? 0);
      }),
    );
  });

  it('classify follows them: a status is retried exactly when the rules say so (properties)', () => {
    fc.assert(
      fc.property(
        fc.array(patternArb, { maxLength: 5 }),
        fc.array(patternArb, { maxLength: 5 }),
        statusArb,
        (retryOn, permanentOn, status) => {
          fc.pre(rulesProblem(retryOn, permanentOn) === undefined);
          const rules = { retryOn, permanentOn, minDelayMs: 0 };
          const outcome = classify({ kind: 'response', status }, { disableOn404: false, rules });
          expect(outcome.kind).toBe(statusVerdict(rules, status));
          // Named in a list, a code is never decided by its class.
          if (retryOn.includes(String(status))) expect(outcome.kind).toBe('retryable');
          if (permanentOn.includes(String(status))) expect(outcome.kind).toBe('permanent');
        },
      ),
    );
  });

  it('never let a retry fall due sooner than the minimum delay, jitter included (properties)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1_000, max: 3_600_000 }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.nat(4_000_000),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (tiers, jitter, minDelayMs, random) => {
          const policy: RetryPolicy = {
            tiersMs: tiers.sort((a, b) => a - b),
            maxAttempts: 100,
            maxAgeMs: 1e12,
            jitter,
            minDelayMs,
          };
          const now = 1_700_000_000_000;
          const decision = route(
            { attempt: 1, tierIndex: -1, firstAttemptAt: now, policy, repeatable: true },
            { kind: 'retryable', errorClass: 'http_500', retryAfterMs: undefined, ambiguous: false },
            now,
            random,
          );
          expect(decision.kind).toBe('schedule');
          if (decision.kind !== 'schedule') return;
          // Up to the longest tier; a longer minimum is the longest tier (the transport's limit).
          expect(decision.dueAt - now).toBeGreaterThanOrEqual(Math.min(minDelayMs, longestTierMs(policy)));
        },
      ),
    );
  });
});
