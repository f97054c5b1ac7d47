import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decide,
  plan,
  UNKNOWN_ENDPOINT,
  type EndpointView,
  type EngineRules,
} from '../../../../src/domain/delivery/decide.js';
import { arrived, type Delivery } from '../../../../src/domain/delivery/delivery.js';
import { DEFAULT_RETRY_RULES } from '../../../../src/domain/retry-rules.js';

const engine: EngineRules = {
  policy: { tiersMs: [1000, 2000, 4000], maxAttempts: 5, maxAgeMs: 600_000, jitter: 0.25 },
  rules: DEFAULT_RETRY_RULES,
  disableOn404: false,
  breakerOpenForMs: 30_000,
};
const t0 = 1_000_000;
const request = {
  id: 'd1',
  endpointId: 'ep',
  url: 'https://example.test/hook',
  method: 'POST',
  headers: {},
  body: new Uint8Array(),
  contentType: 'application/json',
  createdAt: t0,
  policy: null,
  retryUnsafe: null,
  backoff: null,
};
const fresh = arrived(request, null);
const onTier = (tierIndex: number, attempt: number): Delivery => ({
  ...fresh,
  attempt,
  tierIndex,
  firstAttemptAt: t0,
  dueAt: t0 + 10_000,
});
const failed = (status: number) =>
  ({
    kind: 'attempted',
    result: { kind: 'response', status },
    startedAt: t0,
    latencyMs: 12,
    responseBody: null,
  }) as const;

describe('decide', () => {
  it('a success is delivered, recorded with its status and latency', () => {
    const events = decide(fresh, UNKNOWN_ENDPOINT, engine, failed(200), t0 + 12, 0.5);
    expect(events.next).toEqual({ kind: 'delivered' });
    expect(events.recorded?.summary).toMatchObject({
      attempt: 1,
      outcome: 'success',
      status: 200,
      latencyMs: 12,
    });
  });

  it('a retryable failure schedules the next tier, carrying its history', () => {
    const events = decide(fresh, UNKNOWN_ENDPOINT, engine, failed(503), t0 + 12, 0.5);
    expect(events.next).toMatchObject({ kind: 'scheduled', slot: 0, scheduledAt: t0 + 12 });
    if (events.next.kind !== 'scheduled') throw new Error('scheduled');
    expect(events.next.delivery).toMatchObject({
      attempt: 2,
      tierIndex: 0,
      dueAt: t0 + 1012,
      firstAttemptAt: t0,
    });
    expect(events.next.delivery.history).toHaveLength(1);
  });

  it('rate_limited: no attempt spent, waits on the tiers for its reserved token, keeps its place in the schedule', () => {
    const events = decide(
      onTier(2, 4),
      UNKNOWN_ENDPOINT,
      engine,
      { kind: 'not-attempted', why: 'rate_limited', waitMs: 1000 },
      t0 + 20_000,
      0.5,
    );
    expect(events.recorded?.summary).toMatchObject({
      attempt: 4,
      outcome: 'skipped',
      errorClass: 'rate_limited',
    });
    expect(events.next).toMatchObject({ kind: 'scheduled', slot: 0 });
    if (events.next.kind !== 'scheduled') throw new Error('scheduled');
    expect(events.next.delivery).toMatchObject({ attempt: 4, tierIndex: 2, dueAt: t0 + 21_000 });
  });

  it('circuit_open moves to the next tier without spending an attempt', () => {
    const events = decide(
      onTier(0, 2),
      UNKNOWN_ENDPOINT,
      engine,
      { kind: 'not-attempted', why: 'circuit_open' },
      t0 + 20_000,
      0.5,
    );
    expect(events.next).toMatchObject({ kind: 'scheduled', slot: 1, delivery: { attempt: 2, tierIndex: 1 } });
  });

  it('follows the endpoint strategy: fixed 3 s lands on the 4 s tier (its band starts at 3 s), due in exactly 3 s', () => {
    const view: EndpointView = { ...UNKNOWN_ENDPOINT, backoff: { kind: 'fixed', delayMs: 3000, jitter: 0 } };
    const events = decide(fresh, view, engine, failed(500), t0 + 12, 0.5);
    expect(events.next).toMatchObject({
      kind: 'scheduled',
      slot: 2,
      delivery: { attempt: 2, dueAt: t0 + 3012, notBefore: null },
    });
  });

  it("a delivery's own strategy wins over its endpoint's; a long delay is carried in hops", () => {
    const view: EndpointView = { ...UNKNOWN_ENDPOINT, backoff: { kind: 'fixed', delayMs: 3000, jitter: 0 } };
    const delivery = {
      ...fresh,
      request: { ...request, backoff: { kind: 'custom', delaysMs: [20_000], jitter: 0 } as const },
    };
    const events = decide(delivery, view, engine, failed(500), t0, 0.5);
    if (events.next.kind !== 'scheduled') throw new Error('scheduled');
    const scheduled = events.next.delivery;
    expect(scheduled).toMatchObject({ tierIndex: 2, dueAt: t0 + 5000, notBefore: t0 + 20_000 });
    // At the leg's end the wait is not over: plan says wait, decide moves it on without a record.
    expect(plan(scheduled, view, engine, t0 + 5000, false)).toEqual({ kind: 'wait' });
    const hop = decide(scheduled, view, engine, { kind: 'waited' }, t0 + 5000, 0.5);
    expect(hop.recorded).toBeNull();
    expect(hop.next).toMatchObject({
      kind: 'scheduled',
      delivery: { attempt: 2, history: scheduled.history },
    });
  });

  it('dead-letters an invalid policy without recording an attempt', () => {
    const delivery = {
      ...fresh,
      request: { ...request, policy: { maxAttempts: 0, maxAgeMs: null, tiers: null } },
    };
    expect(plan(delivery, UNKNOWN_ENDPOINT, engine, t0, false).kind).toBe('invalid');
    const events = decide(delivery, UNKNOWN_ENDPOINT, engine, { kind: 'invalid', problem: 'x' }, t0, 0.5);
    expect(events).toMatchObject({
      recorded: null,
      next: { kind: 'dead-lettered', reason: 'invalid_record' },
    });
  });

  it('a skip never spends an attempt and a scheduled record is never due before it was written (properties)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('circuit_open', 'rate_limited', 'concurrency_limited', 'endpoint_disabled'),
        fc.integer({ min: -1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (why, tierIndex, attempt, random) => {
          const delivery = tierIndex < 0 ? fresh : onTier(tierIndex, attempt);
          const now = t0 + 20_000;
          const events = decide(
            delivery,
            UNKNOWN_ENDPOINT,
            engine,
            { kind: 'not-attempted', why },
            now,
            random,
          );
          if (events.next.kind === 'scheduled') {
            expect(events.next.delivery.attempt).toBe(delivery.attempt);
            expect(events.next.delivery.dueAt).toBeGreaterThan(now);
          } else {
            expect(events.next.kind).toBe('dead-lettered');
          }
        },
      ),
    );
  });
});
