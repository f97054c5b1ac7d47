import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  foldDelivery,
  MAX_ATTEMPTS_SHOWN,
  type DeliveryEvent,
  type DeliveryView,
} from '../../../src/domain/delivery-view.js';

const event = (attempt: number, at: number, next: Partial<DeliveryEvent>): DeliveryEvent => ({
  deliveryId: 'd',
  endpointId: 'e',
  attempt,
  eventTime: at,
  outcome: 'retryable',
  status: 500,
  errorClass: 'http_500',
  latencyMs: 3,
  tier: attempt === 1 ? 'ingest' : 'retry-1s',
  nextStep: 'scheduled',
  nextTier: 'retry-1s',
  nextDueAt: at + 1000,
  deadReason: null,
  ...next,
});

const fold = (events: DeliveryEvent[]): DeliveryView | undefined =>
  events.reduce<DeliveryView | undefined>((v, e) => foldDelivery(v, e), undefined);

describe('delivery view', () => {
  it('follows a delivery from scheduled to delivered, keeping every attempt', () => {
    const view = fold([
      event(1, 0, {}),
      event(2, 1000, { nextTier: 'retry-2s', nextDueAt: 3000 }),
      event(3, 3000, { outcome: 'success', status: 200, errorClass: null, nextStep: 'delivered' }),
    ]);
    expect(view?.state).toBe('delivered');
    expect(view?.scheduled).toBeNull();
    expect(view?.attempts.map((a) => [a.attempt, a.status, a.tier])).toEqual([
      [1, 500, 'ingest'],
      [2, 500, 'retry-1s'],
      [3, 200, 'retry-1s'],
    ]);
  });

  it('shows where it waits, and why it died', () => {
    expect(fold([event(1, 0, { nextTier: 'retry-2m', nextDueAt: 120_000 })])?.scheduled).toEqual({
      tier: 'retry-2m',
      dueAt: 120_000,
    });
    const dead = fold([event(1, 0, {}), event(2, 1000, { nextStep: 'dead', deadReason: 'max_attempts' })]);
    expect(dead?.state).toBe('dead');
    expect(dead?.dead).toEqual({ reason: 'max_attempts', at: 1000 });
  });

  it('keeps at most MAX_ATTEMPTS_SHOWN attempts, the first and the latest (properties)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (n) => {
        const view = fold(Array.from({ length: n }, (_, i) => event(i + 1, i * 1000, {})));
        expect(view?.attempts.length).toBe(Math.min(n, MAX_ATTEMPTS_SHOWN));
        expect(view?.attempts[0]?.attempt).toBe(1);
        expect(view?.attempts.at(-1)?.attempt).toBe(n);
      }),
    );
  });
});
