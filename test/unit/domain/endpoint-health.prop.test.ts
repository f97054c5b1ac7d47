import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  foldAttempt,
  foldAttempts,
  type AttemptEvent,
  type EndpointHealth,
} from '../../../src/domain/health/endpoint-health.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

const eventArb: fc.Arbitrary<AttemptEvent> = fc.record({
  endpointId: fc.constant('ep'),
  eventTime: fc.integer({ min: 0, max: 3 * 86_400_000 }).map((d) => T0 + d),
  outcome: fc.constantFrom('success', 'retryable', 'permanent', 'skipped' as const),
  status: fc.option(fc.integer({ min: 200, max: 599 }), { nil: null }),
  errorClass: fc.option(fc.constantFrom('timeout', 'http_503'), { nil: null }),
  latencyMs: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: null }),
  disablesEndpoint: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  // Now and then an operator's command, folded at its place like any event.
  operatorAction: fc
    .integer({ min: 0, max: 29 })
    .map((n) => (n === 0 ? 'enable' : n === 1 ? 'disable' : n === 2 ? 'reset_circuit' : null)),
});

/** A log in the order the attempts topic holds it: event times nearly, not strictly, increasing. */
const logArb = fc
  .array(eventArb, { maxLength: 80 })
  .map((events) => events.sort((a, b) => a.eventTime - b.eventTime));

const fold = (events: readonly AttemptEvent[], start?: EndpointHealth): EndpointHealth | undefined =>
  events.reduce<EndpointHealth | undefined>((h, e) => foldAttempt(h, e), start);

describe('endpoint health fold (properties)', () => {
  it('folding a log in one go equals folding it from a snapshot taken at any split', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), (log, cut) => {
        const split = log.length === 0 ? 0 : cut % (log.length + 1);
        const whole = fold(log);
        // The snapshot travels as JSON, as it does on the endpoint-state topic.
        const snapshot = fold(log.slice(0, split));
        const resumed = fold(
          log.slice(split),
          snapshot === undefined ? undefined : (JSON.parse(JSON.stringify(snapshot)) as EndpointHealth),
        );
        expect(resumed).toEqual(whole);
      }),
    );
  });

  it('does not depend on the wall clock', () => {
    fc.assert(
      fc.property(logArb, fc.integer({ min: -1e12, max: 1e12 }), (log, skew) => {
        const realNow = Date.now;
        const first = fold(log);
        Date.now = () => realNow() + skew;
        try {
          expect(fold(log)).toEqual(first);
        } finally {
          Date.now = realNow;
        }
      }),
    );
  });

  it('folding a run at once equals folding it event by event, and leaves the input snapshot as it was', () => {
    const deepFreeze = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null) {
        Object.values(value).forEach(deepFreeze);
        Object.freeze(value);
      }
      return value;
    };
    fc.assert(
      fc.property(logArb, fc.nat(), (log, cut) => {
        const split = log.length === 0 ? 0 : cut % (log.length + 1);
        const snapshot = fold(log.slice(0, split));
        const before = JSON.stringify(snapshot);
        // Frozen: any write to the input (a shared bucket changed in place) throws in strict mode.
        const run = foldAttempts(snapshot === undefined ? undefined : deepFreeze(snapshot), log.slice(split));
        expect(run).toEqual(fold(log.slice(split), snapshot));
        expect(JSON.stringify(snapshot)).toBe(before);
      }),
    );
  });
});
