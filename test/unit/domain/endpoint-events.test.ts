import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EndpointEvent } from '../../../src/domain/health/endpoint-events.js';
import {
  DEFAULT_HEALTH_POLICY,
  foldAttempts,
  type AttemptEvent,
  type EndpointHealth,
  type HealthPolicy,
} from '../../../src/domain/health/endpoint-health.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
// Breaker: 5 in a row trips, open for 30 s (the defaults); `failing` announced at 3 in a row.
const POLICY: HealthPolicy = { ...DEFAULT_HEALTH_POLICY, failingAfter: 3 };

function attempt(
  seconds: number,
  outcome: AttemptEvent['outcome'],
  extra: Partial<AttemptEvent> = {},
): AttemptEvent {
  return {
    endpointId: 'ep',
    eventTime: T0 + seconds * 1000,
    outcome,
    status: outcome === 'success' ? 200 : 503,
    errorClass: outcome === 'success' ? null : 'http_503',
    latencyMs: 5,
    disablesEndpoint: false,
    ...extra,
  };
}

function announced(events: readonly AttemptEvent[], policy = POLICY, start?: EndpointHealth) {
  const seen: EndpointEvent[] = [];
  const health = foldAttempts(start, events, policy, (e) => seen.push(e));
  return { seen, health };
}

describe('endpoint events', () => {
  it('announces failing at the threshold and circuit_opened when the breaker trips, once each', () => {
    const { seen } = announced([0, 1, 2, 3, 4, 5, 6].map((s) => attempt(s, 'retryable')));
    expect(seen.map((e) => [e.type, (e.at - T0) / 1000])).toEqual([
      ['failing', 2],
      ['circuit_opened', 4],
    ]);
    expect(seen[0]).toMatchObject({ consecutiveFailures: 3, lastStatus: 503, lastErrorClass: 'http_503' });
    expect(seen[0]?.failingSince).toBe(T0);
  });

  it('a failed probe is not a new opening; a successful one closes the circuit and recovers', () => {
    const log = [
      ...[0, 1, 2, 3, 4].map((s) => attempt(s, 'retryable')),
      attempt(40, 'retryable'), // the first probe, after the 30 s open period: fails
      attempt(80, 'success'), // the next probe succeeds
    ];
    const { seen, health } = announced(log);
    expect(seen.map((e) => e.type)).toEqual(['failing', 'circuit_opened', 'circuit_closed', 'recovered']);
    expect(health?.circuit).toBe('closed');
  });

  it('an operator disable and enable are announced; enable clears the streak without "recovered"', () => {
    const log = [
      ...[0, 1, 2].map((s) => attempt(s, 'retryable')),
      attempt(3, 'skipped', { operatorAction: 'disable' }),
      attempt(4, 'skipped', { operatorAction: 'enable' }),
    ];
    const { seen } = announced(log);
    expect(seen.map((e) => [e.type, e.reason])).toEqual([
      ['failing', null],
      ['disabled', 'manual'],
      ['enabled', null],
    ]);
  });

  it('a 410 disables the endpoint as gone', () => {
    const { seen } = announced([attempt(0, 'permanent', { status: 410, disablesEndpoint: true })]);
    expect(seen.map((e) => [e.type, e.reason])).toEqual([['disabled', 'gone']]);
  });

  it('nothing is announced while all goes well, nor for skips', () => {
    const { seen } = announced([attempt(0, 'success'), attempt(1, 'skipped'), attempt(2, 'success')]);
    expect(seen).toEqual([]);
  });

  it('a rebuild from any snapshot announces exactly the events after it (properties)', () => {
    const eventArb: fc.Arbitrary<AttemptEvent> = fc.record({
      endpointId: fc.constant('ep'),
      eventTime: fc.integer({ min: 0, max: 600_000 }).map((d) => T0 + d),
      outcome: fc.constantFrom('success', 'retryable', 'retryable', 'permanent', 'skipped' as const),
      status: fc.option(fc.constantFrom(200, 404, 410, 503), { nil: null }),
      errorClass: fc.option(fc.constantFrom('timeout', 'http_503'), { nil: null }),
      latencyMs: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }),
      disablesEndpoint: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
      operatorAction: fc
        .integer({ min: 0, max: 29 })
        .map((n) => (n === 0 ? 'enable' : n === 1 ? 'disable' : n === 2 ? 'reset_circuit' : null)),
    });
    const logArb = fc
      .array(eventArb, { maxLength: 120 })
      .map((events) => events.sort((a, b) => a.eventTime - b.eventTime));
    fc.assert(
      fc.property(logArb, fc.nat(), (log, cut) => {
        const split = log.length === 0 ? 0 : cut % (log.length + 1);
        const whole: [EndpointEvent, number][] = [];
        foldAttempts(undefined, log, POLICY, (e, i) => whole.push([e, i]));
        const head = announced(log.slice(0, split));
        const snapshot =
          head.health === undefined ? undefined : (JSON.parse(JSON.stringify(head.health)) as EndpointHealth);
        const tail = announced(log.slice(split), POLICY, snapshot);
        expect([...head.seen, ...tail.seen]).toEqual(whole.map(([e]) => e));
        // Each event names the step that caused it, so it can be placed at that record's offset.
        for (const [e, i] of whole) expect(e.at).toBe(log[i]?.eventTime);
      }),
    );
  });
});
